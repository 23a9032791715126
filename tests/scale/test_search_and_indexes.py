"""Search finds substrings of name, code and address through an index (pg_trgm on PostgreSQL, FTS5 on SQLite),
and every list filter has an index the planner can use (checked with EXPLAIN on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from gaizao.registry.models import Community
from gaizao.registry.selectors import CommunityFilters, community_list

from .conftest import make_communities

pytestmark = pytest.mark.django_db

only_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN plans and pg_trgm indexes exist only on PostgreSQL"
)


def _codes(user, **params) -> list[str]:
    return list(community_list(user, CommunityFilters.from_params(params)).values_list("code", flat=True))


def test_search_finds_substrings_and_follows_edits(accounts, divs):
    city = accounts["city"]
    make_communities(divs, 12)
    assert _codes(city, q="规模测试11号") == ["S00011"]
    assert _codes(city, q="s0001") == [f"S{i:05d}" for i in range(10, 12)], (
        "case-insensitive, inside the code"
    )
    assert _codes(city, q="清波街3号") == ["S00003"]
    assert len(_codes(city, q="号")) == 12, "one character: the LIKE fallback"
    c = Community.objects.get(code="S00004")
    c.name = "劳动新村"
    c.save()
    assert _codes(city, q="劳动新村") == ["S00004"] and _codes(city, q="规模测试4号") == []
    Community.objects.filter(code="S00005").update(address="葛岭路1号")
    assert _codes(city, q="葛岭路") == ["S00005"]
    Community.objects.filter(code="S00006").delete()
    assert _codes(city, q="规模测试6号") == []
    assert _codes(city, q='"引号') == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table is SQLite's search index")
def test_sqlite_search_uses_the_fts5_table(accounts, divs):
    from django.test.utils import CaptureQueriesContext

    make_communities(divs, 3)
    with CaptureQueriesContext(connection) as ctx:
        assert _codes(accounts["city"], q="规模测试2号") == ["S00002"]
    assert any("registry_community_search MATCH" in q["sql"] for q in ctx.captured_queries)


def _plan(qs, *off: str) -> str:
    """The plan of ``qs`` with sequential scans (and the scan kinds in ``off``) disabled: on a tiny test table this
    asks whether an index *can* answer the query, which is what a missing index would make impossible."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_community")
        for setting in ("enable_seqscan", *off):
            cursor.execute(f"SET LOCAL {setting} = off")
    return qs.explain()


@only_postgres
@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({"q": "规模测试11号"}, "community_name_trgm"),
        ({"q": "S0001"}, "community_code_trgm"),
        ({"q": "清波街3号"}, "community_address_trgm"),
    ],
)
def test_postgres_search_uses_trigram_indexes(accounts, divs, params, index):
    from gaizao.registry.search import community_search_q

    make_communities(divs, 20)
    assert _codes(accounts["city"], **params)
    plan = _plan(Community.objects.filter(community_search_q(params["q"])).values("id"), "enable_indexscan")
    assert f"Bitmap Index Scan on {index}" in plan, plan


@only_postgres
@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({}, "community_live_"),
        ({"status": "priority"}, "community_live_division"),
        ({"district": "330102"}, "community_live_division"),
        ({"built_from": "1985", "built_to": "1990"}, "community_built_year"),
    ],
)
def test_postgres_counts_read_the_covering_index(accounts, divs, params, index):
    make_communities(divs, 20)
    qs = (
        community_list(accounts["city"], CommunityFilters.from_params(params))
        .order_by()
        .values("division_id")
    )
    plan = _plan(qs)
    assert "Seq Scan on registry_community" not in plan, plan
    # with a filter the planner may prefer that filter's own index over the covering one; either answers it
    assert "on registry_community" in plan, plan
    if not params:
        # every partial index over the live rows (community_live_*) answers an unfiltered count; which one the
        # planner takes on a 20-row table depends on its statistics, so any of them will do
        assert index in plan or "registry_community_division_id" in plan, plan


@only_postgres
@pytest.mark.parametrize(
    ("lookup", "index"),
    [
        # the district's own index, or the (district_code, scope_status) one, which it leads: either answers it
        ({"district_code": "330102"}, ("registry_community_district_code", "registry_co_distric_af4a69_idx")),
        ({"scope_status": "priority"}, "registry_community_scope_status"),
        ({"built_year__gte": 1985}, "community_built_year"),
        ({"is_sample": True}, "community_sample_code"),
        ({"code__gt": "S00010"}, "registry_community_code"),
    ],
)
def test_postgres_each_filter_has_an_index(accounts, divs, lookup, index):
    make_communities(divs, 20)
    plan = _plan(Community.objects.filter(**lookup).order_by().values("id"))
    assert any(name in plan for name in ((index,) if isinstance(index, str) else index)), plan


def test_two_character_search_finds_substrings_of_each_field(accounts, divs):
    """Two characters (most Chinese words) are answered by the bigram index on PostgreSQL, by LIKE elsewhere:
    the same substring semantics either way, following edits."""
    city = accounts["city"]
    make_communities(divs, 12)
    Community.objects.filter(code="S00004").update(name="劳动新村")
    Community.objects.filter(code="S00007").update(address="新村路7号")
    assert _codes(city, q="新村") == ["S00004", "S00007"]
    assert _codes(city, q="s0") == [f"S{i:05d}" for i in range(12)], "case-insensitive, inside the code"
    assert _codes(city, q="动新") == ["S00004"]
    assert _codes(city, q="村S") == [], "no match across two fields"
    c = Community.objects.get(code="S00004")
    c.name = "劳动花园"
    c.save()
    assert _codes(city, q="新村") == ["S00007"]


@only_postgres
def test_postgres_two_character_search_uses_the_bigram_index(accounts, divs):
    from gaizao.registry.search import community_search_q

    make_communities(divs, 20)
    assert _codes(accounts["city"], q="测试")
    plan = _plan(Community.objects.filter(community_search_q("测试")).values("id"), "enable_indexscan")
    assert "Bitmap Index Scan on community_search_bigrams" in plan, plan


def test_a_search_in_a_district_scope_narrows_by_the_district_and_finds_the_same_rows(accounts, divs):
    """A district account's search also filters on its district's code (so PostgreSQL can intersect the search
    index with the district index); the rows are those of the scope, exactly as without it."""
    from django.test.utils import CaptureQueriesContext

    make_communities(divs, 6)
    west = Community.objects.create(code="W1", name="西湖新村", division=divs["330106002"])
    Community.objects.filter(code="S00003").update(name="清波新村")
    officer, city = accounts["shangcheng"], accounts["city"]
    assert _codes(city, q="新村") == ["S00003", "W1"]
    with CaptureQueriesContext(connection) as ctx:
        assert _codes(officer, q="新村") == ["S00003"]
        assert _codes(officer, q="清波新村") == ["S00003"]
    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "registry_community"' in q["sql"]]
    assert len(reads) == 2 and all('"registry_community"."district_code" = ' in sql for sql in reads), reads
    assert west.district_code == "330106" and _codes(officer, q="西湖") == []
    assert _codes(officer, q="新村", district="330106") == [], (
        "a district filter outside the scope finds nothing"
    )
    # the city's scope has no district of its own: no extra filter
    with CaptureQueriesContext(connection) as ctx:
        _codes(city, q="新村")
    assert not any('"district_code" = ' in q["sql"] for q in ctx.captured_queries)


@only_postgres
def test_postgres_deep_offset_key_and_capped_filter_count_read_their_indexes(accounts, divs):
    """The deep offset page's key comes from the live-code index alone; a status + year count from the
    status-year index."""
    from django.utils import timezone

    make_communities(divs, 40)
    city = accounts["city"]
    # archived rows the partial index leaves out make it the cheaper one on a table this small (no vacuum has
    # marked pages all-visible yet, so an index-only scan is not yet costed as one); the scope's join is planned
    # by division on a test-sized tree, so the key read itself is what is checked
    Community.objects.filter(code__gte="S00010").update(archived_at=timezone.now())
    live = Community.objects.filter(archived_at__isnull=True, division_id__isnull=False)
    plan = _plan(live.order_by("code").values_list("code", "division_id")[5:6], "enable_bitmapscan")
    assert "using community_live_code" in plan, plan
    assert community_list(city, CommunityFilters.from_params({"status": "priority"})).exists()
    filtered = live.filter(scope_status="priority", built_year__gte=1985, built_year__lte=1990)
    plan = _plan(filtered.order_by().values("division_id")[:10001])
    assert "using community_live_status_year" in plan, plan


@only_postgres
def test_postgres_map_reads_the_live_location_index(accounts, divs):
    """The GeoJSON's count, extent and clusters read locations, division and status from one partial index."""
    make_communities(divs, 20)
    located = Community.objects.filter(archived_at__isnull=True, lon__isnull=False, lat__isnull=False)
    box = located.filter(lon__gte=120.16, lon__lte=120.161, lat__gte=30.24, lat__lte=30.241)
    plan = _plan(box.order_by().values("division_id", "scope_status", "lon", "lat"), "enable_bitmapscan")
    assert "Index Only Scan using community_live_location" in plan, plan
