"""Delivery's and money's to-dos on the workbench, per role, through HTTP on the demo data (registry, delivery and
money demos): the demo's works project is under construction with an overdue order; the money demo's project is
settled and disbursed, so money's to-dos come from projects added here at each step of the money flow."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.workbench.test_home import shown_todos

pytestmark = pytest.mark.django_db

DELIVERY = ("delivery.stages_awaiting", "delivery.orders_overdue", "delivery.inspections_due")
MONEY = ("money.final_accounts_awaiting", "money.settlements_awaiting", "money.disbursements_due")


@pytest.fixture
def demo(delivery_money_demos, db):
    """The demo accounts by username, on the module's registry, delivery and money demos."""
    from gaizao.accounts.models import User
    from gaizao.delivery.models import Delivery

    assert Delivery.objects.filter(is_sample=True).exists(), "the delivery demo loaded no sample works"
    return {u.username: u for u in User.objects.select_related("division")}


def _mine(client, user, keys) -> dict[str, int]:
    shown = shown_todos(client, user)
    return {k: shown[k] for k in keys if k in shown}


def test_delivery_todos_per_role(client, demo):
    from gaizao.delivery import selectors, services
    from gaizao.delivery.models import Delivery

    works = Delivery.objects.get(is_sample=True, stage="construction")
    # the district officer: the works are ready to complete (the buttons say so), the escalated order is overdue
    # and the district has not inspected them
    assert services.can_complete(demo["shangcheng"], works)
    assert _mine(client, demo["shangcheng"], DELIVERY) == {
        "delivery.stages_awaiting": 1,
        "delivery.orders_overdue": 1,
        "delivery.inspections_due": 1,
    }
    home = client.get("/").content.decode()
    assert f"/delivery/{works.pk}/" in home and "可完工" in home and "/delivery/orders/" not in home
    detail = client.get(f"/delivery/{works.pk}/").content.decode()
    assert 'value="completed"' in detail
    # the street inspected the works in the demo: nothing due for it, but the overdue order is its to chase
    assert _mine(client, demo["qingbo"], DELIVERY) == {
        "delivery.stages_awaiting": 1,
        "delivery.orders_overdue": 1,
        "delivery.inspections_due": 0,
    }
    # the contractor answers its overdue order; it moves no stage and inspects nothing
    builder = _mine(client, demo["builder"], DELIVERY)
    assert builder == {"delivery.orders_overdue": 1}
    order = selectors.overdue_orders(demo["builder"]).get()
    assert f"/delivery/orders/{order.pk}/reply/" in client.get("/").content.decode()
    # the supervisor inspects the works it supervises; the order is not addressed to it
    assert _mine(client, demo["watcher"], DELIVERY) == {
        "delivery.orders_overdue": 0,
        "delivery.inspections_due": 1,
    }
    # another district sees nothing of 上城区; a resident gets no delivery to-do at all
    assert _mine(client, demo["xihu"], DELIVERY) == dict.fromkeys(DELIVERY, 0)
    assert _mine(client, demo["resident"], DELIVERY) == {}


def test_a_recent_inspection_clears_the_due_inspection(client, demo):
    from gaizao.delivery.models import Delivery, Inspection

    works = Delivery.objects.get(is_sample=True, stage="construction")
    Inspection.objects.create(
        delivery=works,
        kind="quality",
        level="district",
        inspector=demo["shangcheng"],
        inspected_at=timezone.now(),
    )
    assert _mine(client, demo["shangcheng"], DELIVERY)["delivery.inspections_due"] == 0
    Inspection.objects.filter(level="district").update(inspected_at=timezone.now() - dt.timedelta(days=45))
    assert _mine(client, demo["shangcheng"], DELIVERY)["delivery.inspections_due"] == 1


def test_the_inspection_interval_comes_from_the_rule_set(client, demo, monkeypatch):
    from gaizao.delivery import todos
    from gaizao.delivery.models import Delivery, Inspection
    from gaizao.policy.delivery import InspectionInterval, inspection_interval

    rule = inspection_interval(timezone.localdate())
    assert rule.days == 30 and "一(二)4" in rule.clause and not rule.verified
    works = Delivery.objects.get(is_sample=True, stage="construction")
    Inspection.objects.create(
        delivery=works,
        kind="quality",
        level="district",
        inspector=demo["shangcheng"],
        inspected_at=timezone.now() - dt.timedelta(days=45),
    )
    assert _mine(client, demo["shangcheng"], DELIVERY)["delivery.inspections_due"] == 1
    # a rule set that inspects every 60 days: 45 days ago is recent enough, and the empty state names the period
    monkeypatch.setattr(todos, "inspection_interval", lambda on: InspectionInterval(60, rule.clause, False))
    assert _mine(client, demo["shangcheng"], DELIVERY)["delivery.inspections_due"] == 0
    assert "近 60 天内均已检查" in client.get("/").content.decode()


@pytest.fixture
def money_flow(demo):
    """Four 清波门社区 projects, one at each step awaiting someone: final accounts drafted, submitted for audit,
    approved without a settlement, a settlement computed, and one approved but not yet paid out."""
    from gaizao.money.models import FinalAccounts, Settlement
    from gaizao.programme.models import Project

    division = demo["qingbo"].division.children.get(code="330102001051")
    district = demo["shangcheng"].division
    now = timezone.now()
    made = {}
    for key, fa_state, settlement_state in (
        ("draft", "draft", None),
        ("submitted", "submitted", None),
        ("approved", "approved", None),
        ("computed", "approved", "computed"),
        ("to_pay", "approved", "approved"),
    ):
        project = Project.objects.create(
            code=f"WB-M-{key}", name=f"资金待办{key}", division=division, district=district, state="completed"
        )
        fa = FinalAccounts.objects.create(project=project, state=fa_state, created_by=demo["qingbo"])
        if settlement_state:
            Settlement.objects.create(
                project=project,
                final_accounts=fa,
                state=settlement_state,
                ruleset_id="hz-2024",
                rule_date=now.date(),
                subsidy_total=Decimal("1000.00"),
                estimate_total=Decimal("1000.00"),
                computed_at=now,
            )
        made[key] = project
    return made


def test_money_todos_per_role(client, demo, money_flow):
    # the street keeps the books: its draft is to submit; auditing and settling are not its part
    assert _mine(client, demo["qingbo"], MONEY) == {"money.final_accounts_awaiting": 1}
    home = client.get("/").content.decode()
    assert f"/money/projects/{money_flow['draft'].pk}/final-accounts/" in home and "待报送审计" in home
    # the district: the submitted accounts to audit (and the draft, which it may submit too), the approved ones
    # to settle; the city approves and pays settlements, not the district
    assert _mine(client, demo["shangcheng"], MONEY) == {
        "money.final_accounts_awaiting": 2,
        "money.settlements_awaiting": 1,
    }
    home = client.get("/").content.decode()
    assert "待登记审计结果" in home and "待测算补助" in home
    # 市财政局: the computed settlement to approve and the approved one to pay out
    assert _mine(client, demo["finance"], MONEY) == {
        "money.settlements_awaiting": 1,
        "money.disbursements_due": 1,
    }
    home = client.get("/").content.decode()
    assert re.search(r"待拨付 1000\.00 元", home) and "待审批" in home
    # the city coordinator does all of it across the city; 西湖区 and a resident see none of 上城区's money
    assert _mine(client, demo["city"], MONEY) == {
        "money.final_accounts_awaiting": 2,
        "money.settlements_awaiting": 2,
        "money.disbursements_due": 1,
    }
    assert _mine(client, demo["xihu"], MONEY) == {
        "money.final_accounts_awaiting": 0,
        "money.settlements_awaiting": 0,
    }
    assert _mine(client, demo["resident"], MONEY) == {}
