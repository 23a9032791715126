"""The pages a city officer opens daily (workbench, delivery, money, oversight, stewardship) run a constant number of
queries whatever the number of projects in 实施, deliveries, milestones, orders and ledger entries they summarise.

Each page is fetched through real HTTP with 6 projects in the implementing pool, each with its delivery, and again
with 30: the query count must not change (issue 19: they were one to seven queries per delivery or community)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from gaizao.audit.models import AuditEvent
from gaizao.delivery.models import (
    Approval,
    Contract,
    Delivery,
    Finding,
    Inspection,
    Milestone,
    Organisation,
    RectificationOrder,
)
from gaizao.delivery.selectors import COMPLETED_ACTION, STARTED_ACTION
from gaizao.money.models import LedgerEntry, ProjectAccount
from gaizao.programme.models import Plan, PlanVersion, Project, ProjectCommunity

from .conftest import make_communities
from .test_query_counts import _no_boundary, _queries

pytestmark = pytest.mark.django_db

STAGES = ("preliminary", "started", "construction", "completed", "accepted", "handed_over")


def _works(divs, communities) -> None:
    """One project in 实施 per community with a delivery (its stage in turn), a pending approval, two milestones (one
    late), a construction contract, its 开工 / 完工 events, an overdue order, and four ledger entries."""
    contractor, _ = Organisation.objects.get_or_create(
        credit_code="91330100MA0000001X", defaults={"name": "施工单位", "kind": "contractor"}
    )
    today = timezone.localdate()
    ct = ContentType.objects.get_for_model(Delivery)
    for i, c in enumerate(communities):
        project = Project.objects.create(
            code=f"W-{c.code}",
            name=f"{c.name}改造",
            division=divs["330102001051"],
            district=divs["330102"],
            state="implementing",
        )
        ProjectCommunity.objects.create(project=project, community=c)
        plan = Plan.objects.create(project=project)
        version = PlanVersion.objects.create(
            plan=plan, number=1, mode="basic", estimate=Decimal("1000.00"), funding_total=Decimal("1000.00")
        )
        plan.current_version = version
        plan.save(update_fields=["current_version"])
        stage = STAGES[i % len(STAGES)]
        delivery = Delivery.objects.create(project=project, stage=stage, stage_changed_at=timezone.now())
        Approval.objects.create(delivery=delivery, item_id="planning", name="规划许可", required=True)
        for k in range(2):
            start = today - dt.timedelta(days=200 - 100 * k)
            Milestone.objects.create(
                delivery=delivery,
                name=f"节点{k}",
                planned_start=start,
                planned_end=start + dt.timedelta(days=60),
                order=k,
            )
        contract = Contract.objects.create(
            project=project,
            kind="construction",
            number=f"SG-{c.code}",
            party=contractor,
            amount=Decimal("900.00"),
            signed_on=today,
            starts_on=today,
            ends_on=today + dt.timedelta(days=300),
        )
        for action in (STARTED_ACTION, COMPLETED_ACTION)[: 1 + (stage in STAGES[3:])]:
            AuditEvent.objects.create(
                at=timezone.now(),
                actor_label="system",
                action=action,
                content_type_id=ct.pk,
                object_id=str(delivery.pk),
                object_repr=str(project.code),
                division_path=divs["330102001051"].path,
                changes={"on": str(today)},
            )
        inspection = Inspection.objects.create(
            delivery=delivery, kind="quality", level="district", inspected_at=timezone.now()
        )
        finding = Finding.objects.create(inspection=inspection, description="脚手架", severity="major")
        RectificationOrder.objects.create(
            finding=finding,
            delivery=delivery,
            party=contractor,
            deadline=today - dt.timedelta(days=3),
            issued_at=timezone.now(),
        )
        ProjectAccount.objects.create(project=project)
        for kind, amount in (("budget", "1000.00"), ("received", "600.00"), ("commitment", "900.00")):
            LedgerEntry.objects.create(
                project=project,
                division=project.division,
                street=divs["330102001"],
                district=divs["330102"],
                source="city",
                kind=kind,
                amount=Decimal(amount),
                date=today,
                document_number=f"{c.code}-{kind}",
                contract=contract if kind == "commitment" else None,
            )


CASES = [
    ("city", "/"),
    ("city", "/programme/"),
    ("city", "/delivery/"),
    ("city", "/money/"),
    ("city", "/oversight/"),
    ("city", "/oversight/returns/"),
    ("city", "/oversight/returns/?form=effects"),
    ("city", "/oversight/evaluation/projects/"),
    ("city", "/stewardship/"),
    ("city", "/stewardship/coverage/"),
    ("city", "/participation/"),
    ("shangcheng", "/"),
    ("shangcheng", "/delivery/"),
    ("shangcheng", "/money/"),
    ("shangcheng", "/stewardship/"),
    ("shangcheng", "/stewardship/coverage/"),
    ("shangcheng", "/participation/"),
    ("shangcheng", "/oversight/"),
]


@pytest.mark.parametrize(("username", "url"), CASES)
def test_page_queries_do_not_grow_with_deliveries(accounts, divs, username, url):
    user = accounts[username]
    _works(divs, make_communities(divs, 6, start=0))
    small = _queries(user, url)
    _works(divs, make_communities(divs, 24, start=6))
    large = _queries(user, url)
    assert len(large) == len(small), "\n".join(large)
    if url != "/":  # the workbench's few ballot and report cards (five rows each) are participation's
        _no_boundary(small + large)


def test_the_workbench_counts_what_the_guards_allow(client, accounts, divs):
    """The delivery to-dos count in SQL (issue 19); over deliveries in every stage they still count exactly the
    deliveries and orders the ``can_*`` guards offer, one by one."""
    from gaizao.delivery import selectors, services
    from gaizao.delivery.models import OrderState
    from tests.workbench.test_home import shown_todos

    _works(divs, make_communities(divs, 12, start=0))
    for username in ("city", "shangcheng"):
        user = accounts[username]
        guards = (
            services.can_start,
            services.can_build,
            services.can_complete,
            services.can_accept,
            services.can_hand_over,
        )
        ready = [d for d in selectors.deliveries_for(user) if any(g(user, d) for g in guards)]
        orders = list(selectors.orders_for(user))
        chased = [
            o
            for o in orders
            if selectors.is_overdue(o) or (o.state == OrderState.REPLIED and services.can_review(user, o))
        ]
        shown = shown_todos(client, user)
        assert 0 < len(ready) < 12 and chased
        assert shown["delivery.stages_awaiting"] == len(ready)
        assert shown["delivery.orders_overdue"] == len(chased)
