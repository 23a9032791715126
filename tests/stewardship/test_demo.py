"""The demo loader on a handed-over delivery: everything the issue's done-when asks for, idempotently."""

from __future__ import annotations

import pytest

from gaizao.stewardship import demo, selectors, services
from gaizao.stewardship.models import Convention, FundDisclosure, ManagementPlan

pytestmark = pytest.mark.django_db


def test_demo_skips_without_a_handed_over_delivery(accounts):
    lines: list[str] = []
    assert demo.load_demo(lines.append) == {}
    assert "skipped" in lines[0]


def test_demo_on_a_handed_over_delivery(handed_over, project, community, owners, accounts):
    # the plan delivery's demo agrees before 实施 (registered with programme's conditions)
    demo.agree_sample_plan(project=project, actor=accounts["shangcheng"])
    counts = demo.load_demo(lambda line: None)
    assert counts == {"plans": 1, "ballots": 3, "contracts": 1, "followups": 3, "findings_closed": 1}
    assert all(c.met for c in selectors.management_plan_conditions(project))
    assert selectors.active_contract(community).company.name.startswith("杭州清波物业")
    assert str(services.fund_balance(community)) == "420000.00"
    assert FundDisclosure.objects.filter(community=community).count() == 1
    assert Convention.objects.filter(community=community, ballot__matter=2).count() == 1
    twelve = selectors.community_followups(community).get(months=12)
    assert selectors.is_closed(twelve.inspection.findings.get())
    from gaizao.accounts.models import User

    assert list(selectors.communities_for(User.objects.get(username="wuye"))) == [community]
    assert demo.load_demo(lambda line: None) == {"contracts": 1}
    assert ManagementPlan.objects.count() == 1


def test_demo_on_the_demo_world(demo_world):
    """On top of the whole demo world (it loads delivery's demo, which hands one project over, then this app's)."""
    from gaizao.delivery.demo import load_demo as delivery_demo

    delivery_demo(out=lambda line: None)
    assert demo.load_demo(lambda line: None) == {"contracts": 1}
    # every demo project in 实施 agreed its plan (with the owners' ballots) before the move
    from gaizao.programme.models import Project
    from gaizao.programme.services import implementation_conditions

    implementing = list(Project.objects.filter(state="implementing"))
    assert implementing and all(ManagementPlan.objects.filter(project=p).exists() for p in implementing)
    assert all(
        c.met for p in implementing for c in implementation_conditions(p) if c.code.startswith("stewardship.")
    )
    plan = ManagementPlan.objects.get(project__delivery__stage="handed_over")
    twelve = selectors.community_followups(plan.project.communities.get()).get(months=12)
    assert selectors.is_closed(twelve.inspection.findings.get())
    # an honest timeline: handed over about 13 months ago, the 6- and 12-month follow-ups inspected on their
    # days, the 24-month one still to come
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    followups = {f.months: f for f in selectors.community_followups(plan.project.communities.get())}
    handed_on = services.handed_over_on(plan.project.delivery)
    assert handed_on is not None and dt.timedelta(days=365) < today - handed_on < dt.timedelta(days=430)
    for months in (6, 12):
        inspected = timezone.localtime(followups[months].inspection.inspected_at).date()
        assert followups[months].due_on <= inspected < today
    order = twelve.inspection.findings.get().order
    assert twelve.inspection.inspected_at < order.closed_at < timezone.now() - dt.timedelta(days=7)
    assert followups[24].inspection is None and followups[24].due_on > today
    assert all(c.met for c in selectors.management_plan_conditions(plan.project))
