"""Deep pages go by keyset (``after`` / ``before`` the code of a neighbouring row), not by OFFSET."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .conftest import make_communities

pytestmark = pytest.mark.django_db


def _codes(html: str) -> list[str]:
    return re.findall(r"<td>(S\d{5})</td>", html)


def _link(html: str, rel: str) -> str:
    match = re.search(rf'href="\?([^"]+)" rel="{rel}"', html)
    assert match, f"no {rel} link"
    return match.group(1).replace("&amp;", "&")


def test_registry_pages_forward_and_back_by_keyset(accounts, divs):
    make_communities(divs, 120)
    client = Client()
    client.force_login(accounts["city"])
    first = client.get("/registry/", {"status": "priority"}).content.decode()
    page1 = _codes(first)
    assert len(page1) == 50 and page1 == sorted(page1)
    nxt = _link(first, "next")
    assert "after=" + page1[-1] in nxt and "status=priority" in nxt and "page=2" in nxt
    with CaptureQueriesContext(connection) as ctx:
        second = client.get("/registry/?" + nxt).content.decode()
    page2 = _codes(second)
    assert page2[0] > page1[-1] and len(page2) == 50
    assert not any(" OFFSET " in q["sql"] for q in ctx.captured_queries), "a keyset page used OFFSET"
    assert "第 2 /" in second or "Page 2 /" in second
    back = client.get("/registry/?" + _link(second, "prev")).content.decode()
    assert _codes(back) == page1
    third = client.get("/registry/?" + _link(second, "next")).content.decode()
    assert 0 < len(_codes(third)) < 50 and 'rel="next"' not in third
    before = client.get("/registry/?" + _link(third, "prev")).content.decode()
    assert _codes(before) == page2


def test_offset_pages_still_answer(accounts, divs):
    make_communities(divs, 60)
    client = Client()
    client.force_login(accounts["city"])
    html = client.get("/registry/", {"page": "2"}).content.decode()
    assert _codes(html) == [f"S{i:05d}" for i in range(50, 60)]
    assert client.get("/registry/", {"page": "x"}).status_code == 200
    screening = client.get("/registry/screening/", {"after": "S00049"}).content.decode()
    assert "规模测试50号小区" in screening and "规模测试49号小区" not in screening
    survey = client.get("/registry/survey/").status_code
    assert survey == 200


def test_api_pages_by_after(accounts, divs):
    make_communities(divs, 30)
    client = Client()
    client.force_login(accounts["city"])
    body = client.get("/api/v1/registry/communities", {"limit": 20}).json()
    assert body["count"] == 30 and len(body["items"]) == 20 and body["next_after"] == "S00019"
    rest = client.get("/api/v1/registry/communities", {"limit": 20, "after": body["next_after"]}).json()
    assert [i["code"] for i in rest["items"]] == [f"S{i:05d}" for i in range(20, 30)]
    assert rest["next_after"] is None


def test_survey_missing_list_counted_by_the_completeness_query(accounts, divs):
    from gaizao.registry.models import Community
    from gaizao.registry.selectors import communities_missing, survey_completeness

    make_communities(divs, 55)
    data = survey_completeness(accounts["city"])
    assert data["missing_communities"] == communities_missing(accounts["city"]).count() == 55
    assert data["total"].communities == Community.objects.count()
    client = Client()
    client.force_login(accounts["city"])
    html = client.get("/registry/survey/").content.decode()
    assert "（55 " in html and 'rel="next"' in html


def test_deep_offset_pages_read_the_same_rows_as_offset(accounts, divs, monkeypatch):
    """Past ``DEEP_OFFSET`` an offset page finds its first key with a narrow query (from the nearer end when the
    count is exact), then reads by keyset: the rows are those of ``OFFSET``, with and without filters."""
    from gaizao.registry import selectors

    make_communities(divs, 45)
    monkeypatch.setattr(selectors, "DEEP_OFFSET", 5)
    city = accounts["city"]
    for params in ({}, {"status": "priority"}, {"built_from": "1985"}, {"q": "规模"}):
        filters = selectors.CommunityFilters.from_params(params)
        everything = list(selectors.community_list(city, filters).values_list("code", flat=True))
        assert len(everything) > 10, params
        for page in range(1, len(everything) // 10 + 3):
            got = [c.code for c in selectors.community_page(city, filters, {"page": str(page)}, per_page=10)]
            start = (min(page, -(-len(everything) // 10)) - 1) * 10
            assert got == everything[start : start + 10], (params, page)
    client = Client()
    client.force_login(city)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/registry/", {"page": "1"}).content.decode()
    assert _codes(html) == [f"S{i:05d}" for i in range(45)]
    assert not any(" OFFSET " in q["sql"] for q in ctx.captured_queries)


def test_counts_over_a_search_stop_at_the_cap(accounts, divs, monkeypatch):
    """A search's or a year range's count stops past ``COUNT_CAP`` ("N+"); counts the aggregates answer stay
    exact; a page past the capped count is still reachable by its link."""
    from gaizao.registry import selectors

    make_communities(divs, 30)
    monkeypatch.setattr(selectors, "COUNT_CAP", 20)
    client = Client()
    client.force_login(accounts["city"])
    searched = client.get("/registry/", {"q": "规模"}).content.decode()
    assert re.search(r'data-testid="result-count">\D*20\+', searched), "capped count"
    exact = client.get("/registry/").content.decode()
    assert re.search(r'data-testid="result-count">\D*30 ', exact), "the aggregates count exactly"
    few = client.get("/registry/", {"q": "规模测试1"}).content.decode()
    assert re.search(r'data-testid="result-count">\D*11 ', few), "under the cap the count is exact"
    assert selectors.community_count(accounts["city"], selectors.CommunityFilters(q="规模")) == 30
    past = client.get("/registry/", {"q": "规模", "page": "3"})
    assert past.status_code == 200 and _codes(past.content.decode()) == [], "no last page to clamp to: empty"
