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
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(Community)  # the audit's content type is looked up once per process
    officer = accounts["shangcheng"]
    make_communities(divs, 5)
    Community.objects.filter(code__in=["S00001", "S00003"]).update(built_year=2015)
    small, _ = _rescreen_queries(officer)  # two changed, three unchanged
    assert AuditEvent.objects.filter(action="screen").count() == 2
    make_communities(divs, 45, start=5)
    Community.objects.filter(code__gte="S00005", code__lt="S00030").update(built_year=2015)
    large, counts = _rescreen_queries(officer)  # 25 changed, 25 unchanged
    assert large == small, "one UPDATE per outcome and one bulk audit insert, whatever the number of rows"
    assert counts["out_of_scope"] == 27
    events = AuditEvent.objects.filter(action="screen")
    assert events.count() == 2 + 25, "rows that did not change are not audited"
    event = events.filter(object_id=str(Community.objects.get(code="S00029").pk)).get()
    assert event.changes == {"scope_status": ["priority", "out_of_scope"]}
    assert event.actor == officer and event.division_path.startswith("330100/330102/")
    assert event.object_repr == "规模测试29号小区" and event.reason == "重新筛查 / re-screen"
    again, _ = _rescreen_queries(officer)
    assert AuditEvent.objects.filter(action="screen").count() == 27, "nothing changed, nothing audited"
    assert again <= small
    assert Community.objects.filter(screening__isnull=True).count() == 0, "every community read is stamped"


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
