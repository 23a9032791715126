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
        ({}, "community_live_division"),
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
        assert index in plan or "registry_community_division_id" in plan, plan


@only_postgres
@pytest.mark.parametrize(
    ("lookup", "index"),
    [
        ({"district_code": "330102"}, "registry_community_district_code"),
        ({"scope_status": "priority"}, "registry_community_scope_status"),
        ({"built_year__gte": 1985}, "community_built_year"),
        ({"is_sample": True}, "community_sample_code"),
        ({"code__gt": "S00010"}, "registry_community_code"),
    ],
)
def test_postgres_each_filter_has_an_index(accounts, divs, lookup, index):
    make_communities(divs, 20)
    plan = _plan(Community.objects.filter(**lookup).order_by().values("id"))
    assert index in plan, plan
