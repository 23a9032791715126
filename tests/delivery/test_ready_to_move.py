"""The SQL form of the stage conditions (``services.ready_to_move_q``, which the workbench's 待推进的项目阶段 counts
with) agrees with the ``can_<move>`` guards the stage buttons use, delivery by delivery, over every condition of
every forward move: 开工 (annual plan, required approvals, builder's contract, the delivery mode's contract), 在建,
完工, 竣工验收 (open orders) and 移交 (handovers)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gaizao.delivery import services
from gaizao.delivery.models import (
    Approval,
    ApprovalStatus,
    Contract,
    Delivery,
    Handover,
    OrderState,
    RectificationOrder,
    Stage,
)
from gaizao.programme.models import Plan, PlanVersion
from tests.delivery.conftest import make_project
from tests.delivery.test_services import _inspect_with_order
from tests.programme.conftest import make_community

pytestmark = pytest.mark.django_db

GUARDS = (
    services.can_start,
    services.can_build,
    services.can_complete,
    services.can_accept,
    services.can_hand_over,
)

#: case -> (stage, delivery mode or None for no plan version, annual plan approved, required approvals done,
#: contract kinds, optional approval left pending, whether it is ready)
CASES = {  # one annual plan a district a year: each case has its own year
    "nothing": (Stage.PRELIMINARY, "epc", True, False, (), False, False),
    "all_met": (Stage.PRELIMINARY, "epc", True, True, ("epc",), False, True),
    "plan_not_approved": (Stage.PRELIMINARY, "epc", False, True, ("epc",), False, False),
    "approval_pending": (Stage.PRELIMINARY, "epc", True, False, ("epc",), False, False),
    "only_optional_pending": (Stage.PRELIMINARY, "epc", True, True, ("epc",), True, True),
    "no_builder": (Stage.PRELIMINARY, "", True, True, ("supervision",), False, False),
    "mode_wants_epc": (Stage.PRELIMINARY, "epc", True, True, ("construction",), False, False),
    "no_mode": (Stage.PRELIMINARY, "", True, True, ("construction",), False, True),
    "no_version": (Stage.PRELIMINARY, None, True, True, ("construction",), False, True),
    "other_mode": (Stage.PRELIMINARY, "traditional", True, True, ("construction",), False, True),
    "consulting_met": (
        Stage.PRELIMINARY,
        "full_process_consulting",
        True,
        True,
        ("construction", "consulting"),
        False,
        True,
    ),
    "agency_missing": (Stage.PRELIMINARY, "agent_construction", True, True, ("epc",), False, False),
    "started": (Stage.STARTED, "epc", True, True, ("epc",), False, True),
    "construction": (Stage.CONSTRUCTION, "epc", True, True, ("epc",), False, True),
    "suspended": (Stage.SUSPENDED, "epc", True, True, ("epc",), False, False),
    "handed_over": (Stage.HANDED_OVER, "epc", True, True, ("epc",), False, False),
}


def test_the_sql_conditions_agree_with_the_guards(divs, accounts, orgs):
    officer = accounts["shangcheng"]
    today = timezone.localdate()
    made: dict[str, Delivery] = {}
    for n, (name, (stage, mode, approved, done, kinds, optional, _ready)) in enumerate(CASES.items()):
        community = make_community(f"RM-{n:03d}", f"就绪{n}小区", divs["330102001051"], lon=120.16, lat=30.24)
        project = make_project(divs, community, code_=f"P-RM-{n:03d}", approved=approved, year=2100 + n)
        if mode is None:
            Plan.objects.filter(project=project).update(current_version=None)
        else:
            PlanVersion.objects.filter(plan__project=project).update(delivery_mode=mode)
        delivery = services.delivery_open(actor=officer, project=project)
        if done:
            Approval.objects.filter(delivery=delivery).update(status=ApprovalStatus.RECORDED)
        if optional:
            Approval.objects.filter(delivery=delivery, order=0).update(
                required=False, status=ApprovalStatus.PENDING
            )
        for i, kind in enumerate(kinds):
            Contract.objects.create(
                project=project,
                kind=kind,
                number=f"RM-{n}-{i}",
                party=orgs["builder"],
                amount="1",
                signed_on=today,
                starts_on=today,
                ends_on=today,
            )
        Delivery.objects.filter(pk=delivery.pk).update(stage=stage, resume_stage=Stage.CONSTRUCTION)
        made[name] = delivery
    # 竣工验收: an open order blocks it, a closed one does not; 移交: a handover is needed
    street = accounts["qingbo"]
    extra = (
        ("completed_open", OrderState.OPEN),
        ("completed_closed", OrderState.CLOSED),
        ("accepted_none", None),
        ("accepted_handed", None),
    )
    for i, (name, order_state) in enumerate(extra):
        community = make_community(f"RM-{name}", name, divs["330102001051"], lon=120.16, lat=30.24)
        delivery = services.delivery_open(
            actor=officer, project=make_project(divs, community, code_=f"P-{name}", year=2200 + i)
        )
        if order_state is not None:
            Contract.objects.create(
                project=delivery.project,
                kind="epc",
                number=f"RM-{name}",
                party=orgs["builder"],
                amount="1",
                signed_on=today,
                starts_on=today,
                ends_on=today,
            )
            Delivery.objects.filter(pk=delivery.pk).update(stage=Stage.CONSTRUCTION)
            delivery.refresh_from_db()
            _inspect_with_order(delivery, street, orgs)
            RectificationOrder.objects.filter(delivery=delivery).update(state=order_state)
            Delivery.objects.filter(pk=delivery.pk).update(stage=Stage.COMPLETED)
        else:
            Delivery.objects.filter(pk=delivery.pk).update(stage=Stage.ACCEPTED)
        if name == "accepted_handed":
            Handover.objects.create(
                delivery=delivery,
                kind="facility",
                facility="电梯",
                keeper_kind="property_service",
                keeper_name="某物业",
                property_rights_note="产权归全体业主",
                handed_on=today - dt.timedelta(days=1),
                recorded_at=timezone.now(),
            )
        made[name] = delivery

    by_guards = {
        name
        for name, d in made.items()
        if any(guard(officer, Delivery.objects.get(pk=d.pk)) for guard in GUARDS)
    }
    ready_pks = set(Delivery.objects.filter(services.ready_to_move_q()).values_list("pk", flat=True))
    by_sql = {name for name, d in made.items() if d.pk in ready_pks}
    expected = {name for name, case in CASES.items() if case[-1]} | {"completed_closed", "accepted_handed"}
    assert by_guards == expected
    assert by_sql == by_guards
