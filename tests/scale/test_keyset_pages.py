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
