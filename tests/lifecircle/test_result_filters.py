"""Search and filters on a run's result table (issue 16 §4), server-side with pagination, through HTTP: the page,
its HTMX table, the map's GeoJSON and the API all keep the same communities."""

from __future__ import annotations

import re

import pytest

from gaizao.divisions.models import Division
from gaizao.lifecircle import views
from gaizao.lifecircle.models import CommunityAccess

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-community="(\d+)"', html)


def _codes(world: dict, pks: list[str]) -> set[str]:
    by_pk = {str(c.pk): code for code, c in world["communities"].items()}
    return {by_pk[pk] for pk in pks}


@pytest.fixture
def officer(client, world, run):
    client.force_login(world["accounts"]["shangcheng"])
    return client


def test_unfiltered_table_lists_every_community_of_the_run(officer, run, world):
    html = officer.get(f"/lifecircle/runs/{run.pk}/").content.decode()
    assert 'id="result-filters"' in html and 'hx-target="#results"' in html
    assert _codes(world, _rows(html)) == {"C1", "C2", "C4", "C5"}


def test_search_by_name_or_code_answers_the_table_alone_to_htmx(officer, run, world):
    resp = officer.get(f"/lifecircle/runs/{run.pk}/", {"q": "c2", "category": "bus_stop"}, **HTMX)
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="results"')
    assert _codes(world, _rows(html)) == {"C2"}
    assert 'data-query="q=c2"' in html
    full = officer.get(f"/lifecircle/runs/{run.pk}/", {"q": "小区C5"}).content.decode()
    assert _codes(world, _rows(full)) == {"C5"}
    assert 'data-query="q=%E5%B0%8F%E5%8C%BAC5"' in full  # the map starts with the same filter


def test_street_filter_and_unknown_street(officer, run, world):
    html = officer.get(f"/lifecircle/runs/{run.pk}/", {"street": "330102001"}).content.decode()
    assert _codes(world, _rows(html)) == {"C1", "C2", "C4", "C5"}
    assert '<option value="330102001" selected>' in html
    resp = officer.get(f"/lifecircle/runs/{run.pk}/", {"street": "330106001"}, **HTMX)
    assert resp.status_code == 400
    assert "街道 330106001 不在本次分析范围内" in resp.content.decode() and _rows(resp.content.decode()) == []


def test_score_range_gap_and_item_filters(officer, run, world):
    scores = dict(CommunityAccess.objects.filter(run=run).values_list("community__code", "score"))
    low = sorted(scores.values())[1]
    html = officer.get(f"/lifecircle/runs/{run.pk}/", {"score_max": f"{low:g}"}, **HTMX).content.decode()
    assert _codes(world, _rows(html)) == {code for code, s in scores.items() if s <= low}
    html = officer.get(f"/lifecircle/runs/{run.pk}/", {"score_min": f"{low:g}"}, **HTMX).content.decode()
    assert _codes(world, _rows(html)) == {code for code, s in scores.items() if s >= low}

    gaps = {
        a.community.code: a
        for a in CommunityAccess.objects.filter(run=run).select_related("community", "run")
    }
    with_gap = {code for code, a in gaps.items() if "elderly_day_care" in a.gap_facilities}
    assert "C2" in with_gap and "C1" not in with_gap  # C1 is 270 m from the day care centre, C2 650 m
    html = officer.get(f"/lifecircle/runs/{run.pk}/", {"gap": "elderly_day_care"}, **HTMX).content.decode()
    assert _codes(world, _rows(html)) == with_gap
    with_item = {code for code, a in gaps.items() if "elderly_care" in a.gap_items}
    html = officer.get(f"/lifecircle/runs/{run.pk}/", {"item": "elderly_care"}, **HTMX).content.decode()
    assert _codes(world, _rows(html)) == with_item
    both = officer.get(
        f"/lifecircle/runs/{run.pk}/", {"gap": "elderly_day_care", "q": "C5"}, **HTMX
    ).content.decode()
    assert _codes(world, _rows(both)) == with_gap & {"C5"}


def test_bad_filters_are_refused_naming_the_field(officer, run):
    resp = officer.get(f"/lifecircle/runs/{run.pk}/", {"score_min": "abc"})
    assert resp.status_code == 400
    assert "最低得分须为 0–100 之间的数字：abc" in resp.content.decode()
    resp = officer.get(f"/lifecircle/runs/{run.pk}/", {"score_min": "80", "score_max": "20"}, **HTMX)
    assert resp.status_code == 400 and "最低得分不能高于最高得分" in resp.content.decode()
    resp = officer.get(f"/lifecircle/runs/{run.pk}/", {"gap": "unicorn_stable"}, **HTMX)
    assert resp.status_code == 400 and "unicorn_stable" in resp.content.decode()
    resp = officer.get(f"/api/v1/lifecircle/runs/{run.pk}/communities", {"item": "moat"})
    assert resp.status_code == 400 and "改造内容 moat" in str(resp.json())


def test_pages_keep_the_filter(officer, run, world, monkeypatch):
    monkeypatch.setattr(views, "RESULTS_PER_PAGE", 2)
    first = officer.get(
        f"/lifecircle/runs/{run.pk}/", {"q": "小区", "category": "bus_stop"}, **HTMX
    ).content.decode()
    assert "1 / 2" in first
    link = re.search(r'href="\?([^"]*page=2)"', first)
    assert (
        link is not None and "q=%E5%B0%8F%E5%8C%BA" in link.group(1) and "category=bus_stop" in link.group(1)
    )
    second = officer.get(f"/lifecircle/runs/{run.pk}/?{link.group(1).replace('&amp;', '&')}", **HTMX)
    pages = _rows(first) + _rows(second.content.decode())
    assert len(pages) == 4 and _codes(world, pages) == {"C1", "C2", "C4", "C5"}


def test_map_and_api_follow_the_same_filter(officer, run, world):
    params = {"gap": "elderly_day_care", "category": "elderly_day_care"}
    table = officer.get(f"/lifecircle/runs/{run.pk}/", params, **HTMX).content.decode()
    geo = officer.get(f"/api/v1/lifecircle/runs/{run.pk}/gaps.geojson", params).json()
    assert {str(f["properties"]["id"]) for f in geo["features"]} == set(_rows(table))
    assert all(f["properties"]["gap"] for f in geo["features"])
    api = officer.get(f"/api/v1/lifecircle/runs/{run.pk}/communities", {"q": "C1"}).json()
    assert [r["code"] for r in api] == ["C1"]
    assert api[0]["distances"]["elderly_day_care"] == 270


def test_another_districts_officer_cannot_filter_the_run(client, run, world):
    client.force_login(world["accounts"]["xihu"])
    assert client.get(f"/lifecircle/runs/{run.pk}/", {"q": "C1"}, **HTMX).status_code == 404
    assert Division.objects.filter(code="330106001").exists()
