"""A life-circle run stores its results in bulk (COPY on PostgreSQL), timed apart from computing them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gaizao.lifecircle.models import AnalysisRun, CommunityAccess
from gaizao.lifecircle.services import analysis_run_execute, analysis_run_start
from tests.lifecircle.conftest import (  # noqa: F401  (fixtures: the life-circle tests' tiny network and world)
    _fresh_network_cache,
    accounts,
    data_dir,
    divisions,
    network,
    world,
)

pytestmark = pytest.mark.django_db


def test_store_is_one_bulk_write_and_timed_apart(world):  # noqa: F811  (the imported fixture)
    run = analysis_run_start(actor=world["accounts"]["shangcheng"], network=world["network"])
    with CaptureQueriesContext(connection) as ctx:
        analysis_run_execute(run=run, draw_catchments=True)
    run = AnalysisRun.objects.get(pk=run.pk)
    timings = run.summary["timings"]
    assert {"distances_s", "gaps_s", "units_s", "store_s"} <= set(timings)
    assert CommunityAccess.objects.filter(run=run).count() == run.community_count == 4
    inserts = [
        q["sql"]
        for q in ctx.captured_queries
        if "lifecircle_communityaccess" in q["sql"] and "INSERT" in q["sql"]
    ]
    if connection.vendor == "postgresql":
        assert inserts == [], "PostgreSQL stores by COPY, not INSERT"
    else:
        assert len(inserts) == 1, "one bulk INSERT for the run's rows"
    row = CommunityAccess.objects.filter(run=run).order_by("community__code").first()
    assert row is not None and isinstance(row.distances, dict) and isinstance(row.gaps, list)
    assert row.reachable and isinstance(row.gap_items, list)
