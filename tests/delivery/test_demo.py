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
