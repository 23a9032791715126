"""The planning API through real HTTP: special plan, map edits, review, Word document, optimiser runs, what-if and
saving as the draft annual plan; scope and role refusals."""

from __future__ import annotations

import io
import json

from tests.planning.conftest import client_for

API = "/api/v1/planning"


def _post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_special_plan_journey_over_http(accounts, proposals, world):
    officer = client_for(accounts["shangcheng"])
    city = client_for(accounts["city"])
    r = _post(officer, f"{API}/plans", {"title": "上城区专项规划"})
    assert r.status_code == 201, r.content
    plan = r.json()
    assert plan["version"] == 1 and len(plan["units"]) == 2 and plan["can"]["submit"]
    pid = plan["id"]
    assert client_for(accounts["xihu"]).get(f"{API}/plans/{pid}").status_code == 404
    # the map
    fc = officer.get(f"{API}/plans/{pid}/map").json()
    assert {f["properties"]["unit"] for f in fc["features"]} >= {"U01", "U02"}
    # draw a unit from the far community, then edit it
    r = _post(officer, f"{API}/plans/{pid}/units", {"community_ids": [world["far"].pk], "name": "远处片区"})
    assert r.status_code == 201
    uid = r.json()["id"]
    r = officer.patch(
        f"{API}/units/{uid}",
        data=json.dumps(
            {"positioning": "补齐养老", "indicators": {"elderly_care_m2": "300"}, "phase_year": 2028}
        ),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["indicators"] == {"elderly_care_m2": "300"}
    # a toggle that breaks the radius is refused with the field
    near = world["communities"][0].pk
    r = _post(officer, f"{API}/units/{uid}/toggle", {"community_id": near})
    assert r.status_code == 400 and "communities" in r.json()["message"]
    r = _post(officer, f"{API}/units/{uid}/toggle", {"community_id": world["out"].pk})
    assert r.status_code == 400
    assert officer.delete(f"{API}/units/{uid}").status_code == 204
    # review: the officer cannot approve; the city can
    assert _post(officer, f"{API}/plans/{pid}/submit").json()["state"] == "submitted"
    assert _post(officer, f"{API}/plans/{pid}/approve").status_code == 403
    r = _post(city, f"{API}/plans/{pid}/approve", {"note": "同意"})
    assert r.status_code == 200 and r.json()["state"] == "approved"
    assert _post(officer, f"{API}/plans/{pid}/submit").status_code in (403, 409)
    # the Word document
    r = officer.get(f"{API}/plans/{pid}/document")
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "上城区专项规划" in text and "U01" in text


def test_optimiser_over_http(accounts, proposals, world):
    officer = client_for(accounts["shangcheng"])
    r = _post(
        officer,
        f"{API}/runs",
        {"plan_year": 2027, "budget": {"district_funds": "20000000"}, "min_per_street": 1},
    )
    assert r.status_code == 201, r.content
    run = r.json()
    assert run["status"] == "optimal" and run["chosen"] and run["can_save"]
    assert run["shadow_price"]["source"] == "district_funds"
    streets = {c["street"] for c in run["candidates"] if c["chosen"]}
    assert streets == {"清波街道", "湖滨街道"}
    r = _post(officer, f"{API}/runs/{run['id']}/whatif", {"budget": {"district_funds": "40000000"}})
    assert r.status_code == 201 and r.json()["benefit"] >= run["benefit"]
    assert client_for(accounts["xihu"]).get(f"{API}/runs/{run['id']}").status_code == 404
    assert _post(client_for(accounts["city"]), f"{API}/runs/{run['id']}/save").status_code == 403
    r = _post(officer, f"{API}/runs/{run['id']}/save")
    assert r.status_code == 200 and r.json()["state"] == "draft" and r.json()["plan_year"] == 2027
    r = _post(officer, f"{API}/runs", {"plan_year": 2027, "budget": {"district_funds": "abc"}})
    assert r.status_code == 400 and r.json()["code"]
    r = _post(
        officer,
        f"{API}/runs",
        {"district_code": "330106", "plan_year": 2027, "budget": {"district_funds": "1"}},
    )
    assert r.status_code == 400
