"""Scope (a 上城区 officer cannot see a 西湖区 run), the HTTP API and the network upload."""

from __future__ import annotations

import pytest

from gaizao.lifecircle.selectors import get_run_for, runs_for

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


def test_selectors_scope_runs(run, xihu_run, world):
    acc = world["accounts"]
    assert list(runs_for(acc["shangcheng"])) == [run]
    assert list(runs_for(acc["xihu"])) == [xihu_run]
    assert set(runs_for(acc["city"])) == {run, xihu_run}
    assert list(runs_for(acc["resident"])) == []
    from django.http import Http404

    with pytest.raises(Http404):
        get_run_for(acc["shangcheng"], xihu_run.pk)
    with pytest.raises(Http404):
        get_run_for(acc["shangcheng"], "abc")


def test_pages_and_api_answer_404_out_of_scope(client, run, xihu_run, world):
    c = _client(client, world["accounts"]["shangcheng"])
    for url in (
        f"/lifecircle/runs/{xihu_run.pk}/",
        f"/lifecircle/runs/{xihu_run.pk}/siting/",
        f"/api/v1/lifecircle/runs/{xihu_run.pk}",
        f"/api/v1/lifecircle/runs/{xihu_run.pk}/gaps.geojson?category=bus_stop",
        f"/api/v1/lifecircle/runs/{xihu_run.pk}/communities",
        f"/lifecircle/communities/{world['communities']['C3'].pk}/",
        f"/api/v1/lifecircle/communities/{world['communities']['C3'].pk}/access",
    ):
        assert c.get(url).status_code == 404, url
    assert c.get(f"/lifecircle/runs/{run.pk}/").status_code == 200


def test_api_lists_starts_and_shows_runs(client, world, django_capture_on_commit_callbacks):
    c = _client(client, world["accounts"]["shangcheng"])
    with django_capture_on_commit_callbacks(execute=True):
        resp = c.post("/api/v1/lifecircle/runs", data={}, content_type="application/json")
    assert resp.status_code == 202
    body = resp.json()
    assert body["division_code"] == "330102"
    assert body["job_url"].startswith("/jobs/")
    detail = c.get(f"/api/v1/lifecircle/runs/{body['id']}").json()
    assert detail["status"] == "succeeded"
    assert detail["community_count"] == 4
    assert "elderly_day_care" in detail["summary"]["categories"]
    listed = c.get("/api/v1/lifecircle/runs").json()
    assert [r["id"] for r in listed] == [body["id"]]
    job = c.get(body["job_url"].replace("/jobs/", "/api/v1/jobs/").rstrip("/")).json()
    assert job["status"] == "succeeded"
    assert job["done"] == job["total"] == 6


def test_api_refuses_to_start_for_another_district(client, world):
    c = _client(client, world["accounts"]["shangcheng"])
    resp = c.post("/api/v1/lifecircle/runs", data={"division": "330106"}, content_type="application/json")
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"
    resp = _client(client, world["accounts"]["qingbo"]).post(
        "/api/v1/lifecircle/runs", data={}, content_type="application/json"
    )
    assert resp.status_code == 403


def test_api_gaps_geojson_and_community_access(client, run, world):
    c = _client(client, world["accounts"]["shangcheng"])
    fc = c.get(f"/api/v1/lifecircle/runs/{run.pk}/gaps.geojson?category=elderly_day_care").json()
    by_name = {f["properties"]["name"]: f["properties"] for f in fc["features"]}
    assert by_name["小区C1"]["gap"] is False
    assert by_name["小区C2"]["gap"] is True
    assert by_name["小区C2"]["gap_levels"] == ["5min"]
    assert by_name["小区C2"]["distance_m"] == pytest.approx(650, abs=0.5)
    c2 = world["communities"]["C2"]
    data = c.get(f"/api/v1/lifecircle/communities/{c2.pk}/access").json()
    assert data["run"]["id"] == run.pk
    assert {f["properties"]["level"] for f in data["catchments"]["features"]} == {"5min", "10min", "15min"}
    assert data["roads"]["geometry"]["type"] == "MultiLineString"
    assert {f["properties"]["category"] for f in data["facilities"]["features"]} == {
        "elderly_day_care",
        "bus_stop",
    }
    five = next(lv for lv in data["levels"] if lv["id"] == "5min")
    assert "elderly_day_care" in [g["facility"] for g in five["gaps"]]
    rows = c.get(f"/api/v1/lifecircle/runs/{run.pk}/communities").json()
    assert len(rows) == 4
    units = c.get(f"/api/v1/lifecircle/runs/{run.pk}/units").json()
    assert len(units) == 1
    roads = c.get(f"/api/v1/lifecircle/runs/{run.pk}/roads.geojson").json()
    assert roads["properties"]["segments"] == 5  # every segment of the tiny network is near a community
    assert roads["geometry"]["type"] == "MultiLineString"


def test_api_siting_propose_and_save(client, run, world):
    c = _client(client, world["accounts"]["shangcheng"])
    resp = c.post(
        f"/api/v1/lifecircle/runs/{run.pk}/siting",
        data={"category": "elderly_day_care", "k": 2},
        content_type="application/json",
    )
    assert resp.status_code == 201
    body = resp.json()
    assert (body["covered_before"], body["covered_after"]) == (1000, 4700)
    assert body["saved"] is False
    saved = c.post(
        f"/api/v1/lifecircle/siting/{body['id']}/save", data={"note": "ok"}, content_type="application/json"
    )
    assert saved.status_code == 200
    assert saved.json()["saved"] is True
    again = c.post(f"/api/v1/lifecircle/siting/{body['id']}/save", data={}, content_type="application/json")
    assert again.status_code == 409
    bad = c.post(
        f"/api/v1/lifecircle/runs/{run.pk}/siting",
        data={"category": "elderly_day_care", "k": 0},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "k" in bad.json()["message"]
    xihu = _client(client, world["accounts"]["xihu"])
    assert xihu.get(f"/api/v1/lifecircle/siting/{body['id']}").status_code == 404


def test_residents_get_404_and_anonymous_401(client, run, world):
    c = _client(client, world["accounts"]["resident"])
    assert c.get("/api/v1/lifecircle/runs").status_code == 404
    assert c.get("/lifecircle/").status_code == 404
    client.logout()
    assert client.get("/api/v1/lifecircle/runs").status_code == 401
    assert client.get("/lifecircle/").status_code == 302
