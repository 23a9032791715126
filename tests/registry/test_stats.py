"""The materialised survey and screening aggregates (CommunityStats): every community write keeps them equal to a
rebuild from the communities, the dashboards read them instead of the communities, and the job rebuilds them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gaizao.divisions.models import Division
from gaizao.registry.importing import import_file
from gaizao.registry.models import Community, CommunityCell, CommunityDivisionCell, CommunityStats
from gaizao.registry.selectors import CommunityFilters, screening_counts, survey_completeness
from gaizao.registry.services import communities_rescreen, community_create, community_update
from gaizao.registry.stats import community_stats_refresh
from tests.registry.test_import_helpers import HEADERS, community_row, csv_bytes

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple]:
    stats = sorted(
        (
            s.division_id,
            s.scope_status,
            s.is_sample,
            s.communities,
            s.missing,
            tuple(sorted(s.filled.items())),
            s.filled_total,
            s.located,
            (s.lon_min, s.lon_max, s.lat_min, s.lat_max),
        )
        for s in CommunityStats.objects.all()
    )
    cells = sorted(
        (
            c.area_id,
            c.scope_status,
            c.is_sample,
            c.cx,
            c.cy,
            c.communities,
            round(c.lon_sum, 9),
            round(c.lat_sum, 9),
        )
        for c in CommunityCell.objects.all()
    )
    divisions = sorted(
        (c.division_id, c.area_id, c.scope_status, c.is_sample, c.cx, c.cy, c.communities)
        for c in CommunityDivisionCell.objects.all()
    )
    return [*stats, *cells, *divisions]


def _assert_current() -> list[tuple]:
    """The incrementally kept rows equal a rebuild from the communities."""
    kept = _snapshot()
    community_stats_refresh()
    assert _snapshot() == kept
    return kept


@pytest.mark.parametrize("one_by_one", [300, 0], ids=["changed-cells", "whole-areas"])
def test_every_write_keeps_the_aggregates_current(accounts, qingbomen, xihu_street, one_by_one, monkeypatch):
    """(The map cells of an area are added up cell by cell for a small write, whole for a large one: both.)"""
    from gaizao.registry import stats

    monkeypatch.setattr(stats, "_CELLS_ONE_BY_ONE", one_by_one)
    officer, city = accounts["shangcheng"], accounts["city"]
    a = community_create(actor=officer, code="A1", name="甲", division=qingbomen, built_year=1985)
    b = community_create(actor=officer, code="B1", name="乙", division=qingbomen)
    assert _assert_current()
    total = survey_completeness(city)["total"]
    assert (total.communities, survey_completeness(city)["missing_communities"]) == (2, 2)
    assert total.filled == 1  # built_year of A1
    # an update fills fields and re-screens: status and counts move
    community_update(actor=officer, community=b, built_year=2015, households=120, lon=120.16, lat=30.24)
    _assert_current()
    assert survey_completeness(city)["total"].filled == 4
    # the located community is on the map's aggregates: its count, extent and grid cell (area: its district)
    located = CommunityStats.objects.get(division=qingbomen, located=1)
    assert (located.lon_min, located.lat_max) == (120.16, 30.24)
    cell = CommunityCell.objects.get()
    assert (cell.area.code, cell.communities, cell.lon_sum) == ("330102", 1, 120.16)
    # a move to another division moves the community's counts with it
    b = Community.objects.get(pk=b.pk)
    community_update(actor=city, community=b, division=xihu_street)
    _assert_current()
    assert set(CommunityStats.objects.values_list("division_id", flat=True)) == {qingbomen.pk, xihu_street.pk}
    assert CommunityCell.objects.get().area.code == "330106", "the located community moved to 西湖区's cells"
    # a bulk re-screen after a change behind the services' back refreshes the divisions whose status moved
    Community.objects.filter(pk=a.pk).update(built_year=2016)
    communities_rescreen(communities=Community.objects.all(), actor=city, audit=True)
    _assert_current()
    by_district = {r["district_code"]: r for r in screening_counts(city)}
    assert by_district["330102"]["out_of_scope"] == 1 and by_district["330106"]["out_of_scope"] == 1
    # an import writes many communities in bulk and refreshes their divisions
    report = import_file(
        kind="communities",
        data=csv_bytes(HEADERS, [community_row(i) for i in range(5)]),
        filename="c.csv",
        actor=officer,
    )
    assert report.written, report.errors[:3]
    _assert_current()
    assert survey_completeness(city)["total"].communities == 7
    # Community.save (demo loaders, admin) keeps them too
    Community.objects.create(code="Z1", name="丙", division=qingbomen, elderly_share=Decimal("0.3"))
    _assert_current()
    assert survey_completeness(accounts["shangcheng"])["total"].communities == 7


def test_dashboards_read_the_aggregates_not_the_communities(accounts, qingbomen):
    officer, city = accounts["shangcheng"], accounts["city"]
    for i in range(3):
        community_create(
            actor=officer, code=f"C{i}", name=f"小区{i}", division=qingbomen, built_year=1980 + i
        )
    table = Community._meta.db_table
    with CaptureQueriesContext(connection) as ctx:
        data = survey_completeness(city, CommunityFilters.from_params({"district": "330102"}))
        rows = screening_counts(city, CommunityFilters.from_params({"status": "priority"}))
    assert data["total"].communities == 3 and data["districts"][0].code == "330102"
    assert sum(r["total"] for r in rows) == Community.objects.filter(scope_status="priority").count()
    assert not [q["sql"] for q in ctx.captured_queries if f'"{table}"' in q["sql"]]
    # a name search or a year range needs the communities themselves, and still answers correctly
    searched = survey_completeness(city, CommunityFilters.from_params({"built_from": "1981"}))
    assert searched["total"].communities == 2


def test_the_job_and_the_command_rebuild_after_a_bulk_load(accounts, qingbomen, client):
    from django.core.management import call_command

    from gaizao.jobs.services import job_run, job_start
    from gaizao.registry.jobs import STATS_REFRESH

    Community.objects.bulk_create(  # bypasses the services, as a generator or a restore does
        [
            Community(code=f"R{i}", name=f"批量{i}", division=qingbomen, district_code="330102")
            for i in range(4)
        ]
    )
    assert survey_completeness(accounts["city"])["total"].communities == 0
    job = job_start(kind=STATS_REFRESH, title="统计", owner=accounts["city"], params={})
    job = job_run(str(job.pk))
    assert job.status == "succeeded" and job.result == {"rows": 1}
    assert survey_completeness(accounts["city"])["total"].communities == 4
    CommunityStats.objects.all().delete()
    call_command("registry_stats", stdout=open("/dev/null", "w"))
    assert survey_completeness(accounts["city"])["total"].communities == 4
    # the survey page shows the figure
    client.force_login(accounts["city"])
    page = client.get("/registry/survey/")
    assert page.status_code == 200 and page.context["data"]["total"].communities == 4
    assert Division.objects.filter(pk=qingbomen.pk).exists()
