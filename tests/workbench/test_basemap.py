"""The offline base layer: district outlines and names, main roads, street names — from the package's own data."""

from __future__ import annotations

import json

import pytest

from gaizao.web.basemap import static_layers


def test_static_layers_come_from_the_bundled_files_simplified():
    layers = static_layers()
    assert len(layers["districts"]) == 13
    names = {f["properties"]["name"] for f in layers["districts"]}
    assert {"上城区", "西湖区", "拱墅区"} <= names
    for district in layers["districts"]:
        lon, lat = district["properties"]["label"]
        assert 118.3 < lon < 121.0 and 29.1 < lat < 30.6  # inside Hangzhou
    highways = {f["properties"]["highway"] for f in layers["roads"]}
    assert highways <= {"primary", "secondary", "tertiary"}
    assert any(f["properties"]["name"] == "保俶路" for f in layers["roads"])


@pytest.mark.django_db
def test_basemap_endpoint_is_small_public_and_cacheable(client, hangzhou):
    from gaizao.divisions.models import Division
    from gaizao.registry.models import Community

    community_div = Division.objects.get(name="清波门社区")
    Community.objects.create(code="WB-9", name="清波小区", division=community_div, lon=120.165, lat=30.243)
    response = client.get("/map/basemap.json")
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]
    assert len(response.content) < 600_000  # simplified: well under the 3 MB budget
    data = json.loads(response.content)
    assert "OpenStreetMap" in data["attribution"]
    streets = [f for f in data["features"] if f["properties"]["kind"] == "street"]
    assert [s["properties"]["name"] for s in streets] == ["清波街道"]
    assert streets[0]["geometry"]["coordinates"] == [120.165, 30.243]
