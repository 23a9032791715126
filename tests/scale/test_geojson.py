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


def _spread(divs, n: int) -> None:
    """``n`` communities across about 0.4° (a whole zoom of 11 for the extent), loaded in bulk and the aggregates
    rebuilt, as a generator does."""
    from gaizao.registry.models import Community
    from gaizao.registry.stats import community_stats_refresh

    make_communities(divs, n)
    for i, c in enumerate(Community.objects.order_by("code")):
        Community.objects.filter(pk=c.pk).update(lon=120.0 + 0.01 * i, lat=30.2 + 0.003 * (i % 7))
    community_stats_refresh()


def _features(fc) -> list[tuple]:
    return sorted(
        (
            f["properties"]["count"],
            f["properties"]["status"],
            tuple(sorted(f["properties"]["statuses"].items())),
            tuple(round(v, 5) for v in f["geometry"]["coordinates"]),
        )
        for f in fc["features"]
    )


def test_the_whole_scope_is_clustered_from_the_map_cells_as_the_communities_would_be(accounts, divs):
    """Without a view, a city's or a district's clusters are added up from the map cells (no community row read)
    at the whole zoom below the extent's, and equal grouping the communities at that zoom; a street's scope, a
    search or a street filter group the communities themselves, with the same result."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gaizao.registry.selectors import CommunityFilters

    _spread(divs, 40)
    for name in ("city", "shangcheng"):
        user = accounts[name]
        with CaptureQueriesContext(connection) as ctx:
            fc = selectors.communities_geojson(user, max_features=5)
        assert fc["clustered"] and fc["total"] == 40 and fc["zoom"] == 11.0, fc["zoom"]
        assert not [q["sql"] for q in ctx.captured_queries if 'FROM "registry_community"' in q["sql"]]
        assert 0 < len(fc["features"]) <= 5 and sum(f["properties"]["count"] for f in fc["features"]) == 40
        scanned = selectors.communities_geojson(user, zoom=fc["zoom"], max_features=5)
        assert _features(scanned) == _features(fc)
        fine = selectors.communities_geojson(user, max_features=30)
        assert _features(fine) == _features(selectors.communities_geojson(user, zoom=11, max_features=30))
        assert len(fine["features"]) > len(fc["features"])
    priority = CommunityFilters.from_params({"status": "priority"})
    city = accounts["city"]
    with CaptureQueriesContext(connection) as ctx:
        by_status = selectors.communities_geojson(city, priority, max_features=5)
    assert not [q["sql"] for q in ctx.captured_queries if 'FROM "registry_community"' in q["sql"]]
    assert by_status["total"] == sum(f["properties"]["count"] for f in by_status["features"])
    assert _features(by_status) == _features(
        selectors.communities_geojson(city, priority, zoom=11, max_features=5)
    )
    # below a district the cells do not fit the scope: the communities are grouped, at the same whole zoom
    for user, filters in (
        (accounts["qingbo"], None),
        (city, CommunityFilters.from_params({"street": "330102001"})),
    ):
        with CaptureQueriesContext(connection) as ctx:
            fc = selectors.communities_geojson(user, filters, max_features=5)
        assert [q["sql"] for q in ctx.captured_queries if 'FROM "registry_community"' in q["sql"]]
        assert fc["total"] == 40 and fc["zoom"] == 11.0
        assert _features(fc) == _features(selectors.communities_geojson(city, max_features=5))
