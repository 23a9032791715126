"""The delivery demo: loaded on top of the demo world, three projects at several stages, idempotent."""

from __future__ import annotations

import pytest

from gaizao.delivery.models import Delivery, RectificationOrder

pytestmark = pytest.mark.django_db


def test_delivery_demo_puts_projects_at_several_stages(demo_world):
    from gaizao.accounts.models import User
    from gaizao.delivery import selectors
    from gaizao.delivery.demo import load_demo

    lines: list[str] = []
    deliveries = Delivery.objects.filter(is_sample=True)
    assert set(deliveries.values_list("stage", flat=True)) == {"handed_over", "construction", "preliminary"}
    assert RectificationOrder.objects.filter(escalated_at__isnull=False).count() == 1
    rows = selectors.stage_event_counts(User.objects.get(username="city"))
    assert sum(r["completed_projects"] for r in rows) == 1 and sum(r["started_projects"] for r in rows) == 2
    builder = User.objects.get(username="builder")
    assert selectors.deliveries_for(builder).count() == 2
    load_demo(out=lines.append)
    assert Delivery.objects.filter(is_sample=True).count() == 3


def test_delivery_demo_hands_the_first_project_over_a_year_ago(demo_world):
    """The handed-over project's life lies in the year or so before its handover about 13 months ago."""
    import datetime as dt

    from django.utils import timezone

    from gaizao.delivery import services

    today = timezone.localdate()
    handed = Delivery.objects.get(is_sample=True, stage="handed_over")
    handed_on = max(handed.handovers.values_list("handed_on", flat=True))
    assert dt.timedelta(days=365) < today - handed_on < dt.timedelta(days=430)
    assert handed.acceptance.held_on < handed_on
    plan = services.approved_annual_plan(handed.project)
    assert plan is not None and plan.plan_year < today.year
    assert timezone.localtime(plan.approved_at).year == plan.plan_year
    order = RectificationOrder.objects.filter(delivery=handed).order_by("issued_at").first()
    assert order is not None
    assert order.issued_at < order.closed_at and timezone.localtime(order.closed_at).date() < handed_on
    others = Delivery.objects.filter(is_sample=True).exclude(pk=handed.pk)
    assert {services.approved_annual_plan(d.project).plan_year for d in others} == {today.year}
