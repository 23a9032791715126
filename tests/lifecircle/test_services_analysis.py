"""The analysis run on the tiny hand-made network: distances, gaps, catchments, units, job progress."""

from __future__ import annotations

import pytest

from gaizao.audit.models import AuditEvent
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.jobs.models import JobStatus
from gaizao.lifecircle import engine
from gaizao.lifecircle.models import AnalysisRun, Catchment, CommunityAccess, RunStatus
from gaizao.lifecircle.selectors import community_gap_items, renovation_unit_proposals
from gaizao.lifecircle.services import analysis_run_start

pytestmark = pytest.mark.django_db


def _access(run: AnalysisRun, code: str) -> CommunityAccess:
    return CommunityAccess.objects.get(run=run, community__code=code)


def test_run_succeeds_for_the_district_only(run, world):
    assert run.status == RunStatus.SUCCEEDED
    assert run.division.code == "330102"
    codes = set(CommunityAccess.objects.filter(run=run).values_list("community__code", flat=True))
    assert codes == {"C1", "C2", "C4", "C5"}  # C3 is in 西湖区
    assert run.community_count == 4
    assert run.joined_count == 4
    assert run.standards_version.startswith("GB 50180-2018")


#: (community, category, metres worked out by hand from the layout in conftest.py)
HAND_COMPUTED = [
    ("C1", "elderly_day_care", 20 + 250),  # 20 m connector north of O, then 250 m east
    ("C2", "elderly_day_care", 650),
    ("C5", "elderly_day_care", 750),
    ("C4", "elderly_day_care", 400 + 350),  # centroid at the top of the branch
    ("C2", "bus_stop", 10),  # the stop's own 10 m connector
    ("C5", "bus_stop", 100 + 10),
    ("C1", "bus_stop", 20 + 900 + 10),
    ("C4", "bus_stop", 400 + 300 + 10),
]


def test_distances_match_hand_computed_values(run):
    for code, category, expected_m in HAND_COMPUTED:
        assert _access(run, code).distances[category] == pytest.approx(expected_m, abs=0.5), (code, category)


def test_categories_without_any_facility_are_null(run):
    assert _access(run, "C1").distances["nursery"] is None


def test_levels_do_not_substitute_and_gaps_carry_catalogue_items(run):
    c1 = _access(run, "C1")
    assert c1.reachable["5min"]["elderly_day_care"] is True
    assert c1.reachable["10min"]["bus_stop"] is False  # 930 m > 500 m
    assert c1.reachable["15min"]["bus_stop"] is True  # 930 m <= 1000 m
    c1_gaps = {(g["level"], g["facility"]) for g in c1.gaps}
    assert ("10min", "bus_stop") in c1_gaps
    assert ("15min", "bus_stop") not in c1_gaps
    assert ("5min", "elderly_day_care") not in c1_gaps

    c2 = _access(run, "C2")
    gap = next(g for g in c2.gaps if g["facility"] == "elderly_day_care")
    assert gap["level"] == "5min"
    assert gap["distance_m"] == pytest.approx(650, abs=0.5)
    assert gap["items"] == ["elderly_care"]
    assert "elderly_care" in c2.gap_items
    assert c2.reachable["10min"]["bus_stop"] is True


def test_score_is_the_share_of_required_facilities_met(run):
    c1 = _access(run, "C1")
    checks = [v for level in c1.reachable.values() for v in level.values()]
    assert c1.score == pytest.approx(round(100 * sum(checks) / len(checks), 1))
    assert _access(run, "C2").score > _access(run, "C4").score  # C2 reaches the bus stop at both levels


def test_catchments_per_level_grow_with_distance(run):
    rows = {c.level: c for c in Catchment.objects.filter(run=run, community__code="C2")}
    assert set(rows) == {"5min", "10min", "15min"}
    assert rows["5min"].area_m2 < rows["10min"].area_m2 < rows["15min"].area_m2
    assert rows["5min"].geometry["type"] in {"Polygon", "MultiPolygon"}


def test_job_progress_recorded_step_by_step(run):
    job = run.job
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.done == job.total == 6
    assert "4" in job.message
    assert job.result["url"] == f"/lifecircle/runs/{run.pk}/"
    assert job.owner.username == "shangcheng"
    actions = set(
        AuditEvent.objects.filter(object_id=str(run.pk), content_type__model="analysisrun").values_list(
            "action", flat=True
        )
    )
    assert {"analysis_start", "analysis_finish"} <= actions


def test_cross_app_gap_items_and_units(run, world):
    c2 = world["communities"]["C2"]
    assert "elderly_care" in community_gap_items(community_id=c2.pk)
    assert community_gap_items(community_id=world["communities"]["C3"].pk) == []  # never analysed
    units = renovation_unit_proposals(run_id=run.pk)
    assert [sorted(u["community_ids"]) for u in units] == [sorted([c2.pk, world["communities"]["C5"].pk])]
    assert "elderly_day_care" in units[0]["shared_gaps"]
    assert units[0]["residents"] == 3200
    assert renovation_unit_proposals(run_id=999999) == []


def test_network_is_built_once_per_file(run, world, django_capture_on_commit_callbacks):
    assert engine.cached_network_count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = analysis_run_start(actor=world["accounts"]["shangcheng"])
    again.refresh_from_db()
    assert again.status == RunStatus.SUCCEEDED
    assert engine.cached_network_count() == 1
    assert again.summary["timings"]["network_s"] < 0.05


def test_city_coordinator_runs_the_city(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = analysis_run_start(actor=world["accounts"]["city"])
    run.refresh_from_db()
    assert run.division.code == "330100"
    assert run.community_count == 5


def test_only_district_officers_and_the_city_start_runs(world):
    with pytest.raises(PermissionError_):
        analysis_run_start(actor=world["accounts"]["qingbo"])
    with pytest.raises(PermissionError_):
        analysis_run_start(actor=world["accounts"]["ndrc"])
    xihu = world["accounts"]["xihu"].division
    with pytest.raises(PermissionError_):
        analysis_run_start(actor=world["accounts"]["shangcheng"], division=xihu)


def test_no_network_is_a_clear_error(accounts, data_dir):
    with pytest.raises(ApplicationError) as err:
        analysis_run_start(actor=accounts["shangcheng"])
    assert err.value.field == "network"
    assert "network" in err.value.message


def test_unreadable_network_fails_the_run_and_the_job(world, data_dir, django_capture_on_commit_callbacks):
    (data_dir / "tiny.geojson").write_text("{not json")
    world["network"].file_sha256 = "changed"
    world["network"].save()
    with django_capture_on_commit_callbacks(execute=True):
        run = analysis_run_start(actor=world["accounts"]["shangcheng"])
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "tiny.geojson" in run.message
    run.job.refresh_from_db()
    assert run.job.status == JobStatus.FAILED
    assert "/" in run.job.error  # the bilingual sentence


def test_a_second_run_waits_for_the_first(world):
    from gaizao.errors import StateError

    first = analysis_run_start(actor=world["accounts"]["shangcheng"])  # queued: no commit, no worker
    assert first.status == RunStatus.QUEUED
    with pytest.raises(StateError) as err:
        analysis_run_start(actor=world["accounts"]["shangcheng"])
    assert f"#{first.pk}" in err.value.message
    analysis_run_start(actor=world["accounts"]["city"])  # another division is not blocked
