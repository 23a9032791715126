"""Compact results (issue 19 §3): rows keep two binary arrays in the run's layout and read back in the former
shape; the migration moves existing JSON results to the compact layout and back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from gaizao.lifecircle import storage
from gaizao.lifecircle.models import AnalysisRun, CommunityAccess


def _shapes(run: AnalysisRun) -> dict[int, tuple]:
    return {
        a.community_id: (a.distances, a.reachable, a.gaps, a.gap_count, a.gap_facilities, a.gap_items)
        for a in AnalysisRun.objects.get(pk=run.pk).results.all()
    }


@pytest.mark.django_db
def test_rows_are_compact_and_read_back_in_the_former_shape(run):
    layout = run.result_layout
    assert layout["version"] == storage.LAYOUT_VERSION
    assert layout["categories"] == run.summary["categories"]
    c2 = CommunityAccess.objects.get(run=run, community__code="C2")
    assert len(bytes(c2.distance_blob)) == 4 * len(layout["categories"])
    assert len(bytes(c2.met_bits)) == (len(layout["checks"]) + 7) // 8
    assert c2.distances["elderly_day_care"] == 650
    assert set(c2.distances) == set(layout["categories"])
    assert c2.gap_count == len(c2.gaps) > 0
    gap = next(g for g in c2.gaps if g["facility"] == "elderly_day_care")
    assert gap["distance_m"] == 650 and gap["level_distance_m"] == 300 and "elderly_care" in gap["items"]
    assert c2.reachable[gap["level"]]["elderly_day_care"] is False
    assert sum(not ok for checks in c2.reachable.values() for ok in checks.values()) == c2.gap_count


def test_pack_round_trip_keeps_decimetres_and_none():
    layout = {"categories": ["a", "b", "c"], "checks": []}
    blob = storage.pack_distances([1234.3, None, 0.1])
    assert storage.unpack_distances(layout, blob) == {"a": 1234.3, "b": None, "c": 0.1}
    checks = [{"level": "5min", "facility": f"f{i}"} for i in range(11)]
    met = [i % 3 == 0 for i in range(11)]
    assert storage.unpack_met({"checks": checks}, storage.pack_met(met)) == met


@pytest.mark.django_db(transaction=True)
def test_migration_moves_results_both_ways(run):
    before = _shapes(run)
    executor = MigrationExecutor(connection)
    executor.migrate([("lifecircle", "0001_initial")])
    old = executor.loader.project_state([("lifecircle", "0001_initial")]).apps
    OldAccess = old.get_model("lifecircle", "CommunityAccess")
    rows = {r.community_id: r for r in OldAccess.objects.filter(run_id=run.pk)}
    assert {pk: (r.distances, r.reachable, r.gaps) for pk, r in rows.items()} == {
        pk: shape[:3] for pk, shape in before.items()
    }
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert _shapes(run) == before
