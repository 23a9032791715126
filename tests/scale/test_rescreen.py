"""Re-screening many communities writes in bulk: its statements do not grow with the number of communities, and
only the communities whose status changed get an audit event (written in one bulk insert)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gaizao.audit.models import AuditEvent
from gaizao.registry.models import Community
from gaizao.registry.services import communities_rescreen

from .conftest import make_communities

pytestmark = pytest.mark.django_db


def _rescreen_queries(actor) -> tuple[int, dict[str, int]]:
    with CaptureQueriesContext(connection) as ctx:
        counts = communities_rescreen(communities=Community.objects.all(), actor=actor, audit=True)
    return len(ctx.captured_queries), counts


def test_rescreen_statements_do_not_grow_and_audit_only_changes(accounts, divs):
    officer = accounts["shangcheng"]
    make_communities(divs, 5)
    Community.objects.update(built_year=2015)  # now out of scope by the rule, still stored as before
    small, _ = _rescreen_queries(officer)
    assert AuditEvent.objects.filter(action="screen").count() == 5
    make_communities(divs, 45, start=5)
    Community.objects.update(built_year=2015)
    large, counts = _rescreen_queries(officer)
    assert large == small, "one UPDATE per outcome and one bulk audit insert, whatever the number of rows"
    assert counts["out_of_scope"] == 50
    events = AuditEvent.objects.filter(action="screen")
    assert events.count() == 50, "the first five did not change the second time"
    event = events.filter(object_id=str(Community.objects.get(code="S00049").pk)).get()
    assert event.changes == {"scope_status": ["priority", "out_of_scope"]}
    assert event.actor == officer and event.division_path.startswith("330100/330102/")
    assert event.object_repr == "规模测试49号小区" and event.reason == "重新筛查 / re-screen"
    again, _ = _rescreen_queries(officer)
    assert AuditEvent.objects.filter(action="screen").count() == 50, "nothing changed, nothing audited"
    assert again <= small
    assert Community.objects.filter(scope_assessed_at__isnull=True).count() == 0


def test_rescreen_reports_progress_and_updates_instances(accounts, divs):
    make_communities(divs, 7)
    seen: list[tuple[int, int]] = []
    communities_rescreen(
        communities=Community.objects.all(), batch_size=3, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(3, 7), (6, 7), (7, 7)]
    items = list(Community.objects.all())
    for c in items:
        c.built_year = None
    counts = communities_rescreen(communities=items)
    assert counts["unscreened"] == 7 and items[0].scope_status == "unscreened"
    # a list is screened as held (the importer passes rows it just wrote) and the outcome stored
    assert Community.objects.filter(scope_status="unscreened").count() == 7
