"""The communities GeoJSON is bounded: points up to a cap, grid clusters beyond it, boundaries only when zoomed in
and then simplified to the zoom."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gaizao.registry import selectors

from .conftest import make_communities

pytestmark = pytest.mark.django_db
URL = "/api/v1/registry/communities.geojson"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_points_below_the_cap_clusters_above_it(accounts, divs, monkeypatch):
    make_communities(divs, 40)
    client = _client(accounts["city"])
    fc = client.get(URL).json()
    assert fc["clustered"] is False and fc["total"] == 40 and len(fc["features"]) == 40
    monkeypatch.setattr(selectors, "GEOJSON_MAX_FEATURES", 10)
    monkeypatch.setattr(
        selectors.communities_geojson, "__kwdefaults__", {"shapes": False, "max_features": 10}
    )
    fc = client.get(URL).json()
    assert fc["clustered"] is True and fc["total"] == 40
    assert 0 < len(fc["features"]) <= 10
    assert sum(f["properties"]["count"] for f in fc["features"]) == 40
    assert all(f["properties"]["cluster"] for f in fc["features"])
    statuses = {s for f in fc["features"] for s, n in f["properties"]["statuses"].items() if n}
    assert {f["properties"]["status"] for f in fc["features"]} <= statuses
    # the same view at a higher zoom: smaller cells, so at least as many clusters
    zoomed = client.get(URL, {"bbox": "120.15,30.23,120.17,30.25", "zoom": 18}).json()
    assert zoomed["total"] <= 40


def test_clusters_are_grid_cells_at_the_zoom(accounts, divs):
    make_communities(divs, 30)
    city = accounts["city"]
    coarse = selectors.communities_geojson(city, zoom=8, max_features=5)
    fine = selectors.communities_geojson(city, zoom=17, max_features=5)
    assert coarse["clustered"] and fine["clustered"]
    assert len(coarse["features"]) == 1 and coarse["features"][0]["properties"]["count"] == 30
    assert len(fine["features"]) <= 5 and sum(f["properties"]["count"] for f in fine["features"]) == 30


def test_bbox_limits_and_shapes_are_simplified_by_zoom(accounts, divs):
    make_communities(divs, 10)  # S00000 at (120.16, 30.24), then 0.0001° apart
    client = _client(accounts["city"])
    box = "120.1599,30.2399,120.1602,30.2402"
    fc = client.get(URL, {"bbox": box}).json()
    assert [f["properties"]["code"] for f in fc["features"]] == ["S00000", "S00001", "S00002"]
    assert {f["geometry"]["type"] for f in fc["features"]} == {"Point"}
    far = client.get(URL, {"bbox": box, "zoom": 12, "shapes": "true"}).json()
    assert {f["geometry"]["type"] for f in far["features"]} == {"Point"}, "no polygons when zoomed out"
    near = client.get(URL, {"bbox": box, "zoom": 15, "shapes": "true"}).json()
    closer = client.get(URL, {"bbox": box, "zoom": 19, "shapes": "true"}).json()
    assert {f["geometry"]["type"] for f in near["features"]} == {"Polygon"}
    vertices = [len(f["geometry"]["coordinates"][0]) for f in near["features"]]
    detailed = [len(f["geometry"]["coordinates"][0]) for f in closer["features"]]
    assert all(v < 1001 for v in vertices), "simplified: fewer vertices than the 1,001 stored"
    assert sum(detailed) > sum(vertices), "more detail at a closer zoom"
    assert len(json.dumps(near)) < len(json.dumps(closer))
    assert client.get(URL, {"bbox": "1,2,3"}).status_code == 400
