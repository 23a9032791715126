from __future__ import annotations

import json

import pytest

from gaizao.audit.models import AuditEvent
from gaizao.registry.models import Building, Community, Facility, Owner, StockSite, Unit
from gaizao.registry.services import communities_rescreen

pytestmark = pytest.mark.django_db
API = "/api/v1/registry"


@pytest.fixture
def world(divisions, qingbomen, xihu_street):
    a = Community.objects.create(
        code="A", name="清波甲小区", division=qingbomen, built_year=1990, lon=120.165, lat=30.245
    )
    c = Community.objects.create(
        code="C", name="西湖丙小区", division=xihu_street, built_year=2010, lon=120.12, lat=30.27
    )
    communities_rescreen(communities=Community.objects.all())
    b = Building.objects.create(community=a, code="1", floors=6, stairwells=1)
    owner = Owner.objects.create(division=qingbomen, name="张三丰", phone="13812345678")
    Unit.objects.create(building=b, stairwell="1", number="101", area_registered_m2="60.50", owner=owner)
    Unit.objects.create(building=b, stairwell="1", number="102", area_contract_m2="70.00", owner=owner)
    Facility.objects.create(
        code="F1", category="kindergarten", name="清波幼儿园", division=qingbomen, lon=120.166, lat=30.245
    )
    Facility.objects.create(
        code="F2", category="kindergarten", name="西湖幼儿园", division=xihu_street, lon=120.12, lat=30.27
    )
    StockSite.objects.create(
        code="S1",
        kind="vacant_lot",
        name="空地",
        division=qingbomen,
        community=a,
        area_m2="300",
        lon=120.165,
        lat=30.246,
    )
    return {"a": a, "c": c}


def _get(client, accounts, user, url, **params):
    client.force_login(accounts[user])
    return client.get(url, params)


def test_list_is_scoped_and_filtered(client, accounts, world):
    r = _get(client, accounts, "shangcheng", f"{API}/communities")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and body["items"][0]["code"] == "A"
    assert body["items"][0]["division_code"] == "330102001051"
    r = _get(client, accounts, "city", f"{API}/communities", status="out_of_scope")
    assert [i["code"] for i in r.json()["items"]] == ["C"]
    r = _get(client, accounts, "city", f"{API}/communities", limit=1, offset=1)
    assert r.json()["count"] == 2 and len(r.json()["items"]) == 1


def test_detail_and_404_out_of_scope(client, accounts, world):
    r = _get(client, accounts, "shangcheng", f"{API}/communities/{world['a'].pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["scope_status"] == "priority"
    assert body["scope_reasons"][-1]["code"] == "scope.priority"
    assert body["scope_reasons"][-1]["clause"].startswith("杭政办函〔2022〕10号")
    assert "households" in body["missing_fields"]
    r = _get(client, accounts, "shangcheng", f"{API}/communities/{world['c'].pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert _get(client, accounts, "resident", f"{API}/communities/{world['a'].pk}").status_code == 404
    client.logout()
    assert client.get(f"{API}/communities").status_code == 401


def test_patch_updates_audits_and_rescreens(client, accounts, world):
    client.force_login(accounts["qingbo"])
    r = client.patch(
        f"{API}/communities/{world['a'].pk}",
        json.dumps({"built_year": 2005, "households": 240, "reason": "普查更正"}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["scope_status"] == "out_of_scope"
    assert r.json()["survey"]["households"] == 240
    event = AuditEvent.objects.get(action="update")
    assert event.changes["built_year"] == [1990, 2005] and event.reason == "普查更正"


def test_patch_refused_for_reader_and_out_of_scope(client, accounts, world):
    client.force_login(accounts["ndrc"])
    r = client.patch(
        f"{API}/communities/{world['a'].pk}",
        json.dumps({"built_year": 2005}),
        content_type="application/json",
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    client.force_login(accounts["xihu"])
    r = client.patch(
        f"{API}/communities/{world['a'].pk}",
        json.dumps({"built_year": 2005}),
        content_type="application/json",
    )
    assert r.status_code == 404


def test_patch_invalid_value_names_field(client, accounts, world):
    client.force_login(accounts["shangcheng"])
    r = client.patch(
        f"{API}/communities/{world['a'].pk}",
        json.dumps({"built_year": 1500}),
        content_type="application/json",
    )
    assert r.status_code == 400
    assert "built_year" in r.json()["message"]


def test_units_masked_unless_personal_data_role(client, accounts, world):
    url = f"{API}/communities/{world['a'].pk}/units"
    rows = _get(client, accounts, "city", url).json()
    assert rows[0]["owner_name"] == "张**" and rows[0]["owner_phone"] == "138****5678"
    assert rows[0]["area_m2"] == "60.50" and rows[0]["area_source"] == "registered"
    assert rows[1]["area_source"] == "contract"
    rows = _get(client, accounts, "qingbomen", url).json()
    assert rows[0]["owner_name"] == "张三丰" and rows[0]["owner_phone"] == "13812345678"
    assert _get(client, accounts, "xihu", url).status_code == 404
    buildings = _get(client, accounts, "city", f"{API}/communities/{world['a'].pk}/buildings").json()
    assert buildings == [
        {
            "id": buildings[0]["id"],
            "code": "1",
            "floors": 6,
            "stairwells": 1,
            "has_elevator": False,
            "structure": "",
            "built_year": None,
            "unit_count": 2,
        }
    ]


def test_geojson_completeness_screening(client, accounts, world):
    fc = _get(client, accounts, "shangcheng", f"{API}/communities.geojson").json()
    assert fc["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in fc["features"]] == ["A"]
    assert fc["features"][0]["properties"]["status"] == "priority"
    assert fc["features"][0]["geometry"]["coordinates"] == [120.165, 30.245]
    fc = _get(client, accounts, "city", f"{API}/communities.geojson", bbox="120.15,30.2,120.2,30.3").json()
    assert [f["properties"]["code"] for f in fc["features"]] == ["A"]
    r = _get(client, accounts, "city", f"{API}/communities.geojson", bbox="east")
    assert r.status_code == 400 and "bbox" in r.json()["message"]
    comp = _get(client, accounts, "city", f"{API}/completeness").json()
    assert comp["clause"] == "杭政办函〔2022〕10号 三(一)"
    assert {d["code"] for d in comp["districts"]} == {"330102", "330106"}
    rows = _get(client, accounts, "city", f"{API}/screening").json()
    assert {(r["district_code"], r["priority"], r["out_of_scope"]) for r in rows} == {
        ("330102", 1, 0),
        ("330106", 0, 1),
    }


def test_facilities_and_stock_sites_scoped(client, accounts, world):
    body = _get(client, accounts, "shangcheng", f"{API}/facilities").json()
    assert [f["code"] for f in body["items"]] == ["F1"]
    body = _get(client, accounts, "city", f"{API}/facilities", category="kindergarten").json()
    assert body["count"] == 2
    body = _get(client, accounts, "xihu", f"{API}/stock-sites").json()
    assert body["count"] == 0
    body = _get(client, accounts, "shangcheng", f"{API}/stock-sites").json()
    assert body["items"][0]["area_m2"] == "300.00" and body["items"][0]["community_id"] == world["a"].pk
