"""Catchment polygons at the life-circle distances."""

from __future__ import annotations

import pytest
import shapely

from gaizao.spatial import LIFE_CIRCLE_DISTANCES_M, isochrones, service_areas
from tests.spatial.conftest import lonlat, net, pts


def test_isochrones_follow_the_streets() -> None:
    network = net([(0, 0), (1000, 0), (2000, 0)], [(1000, 0), (1000, 2000)], [(5000, 0), (6000, 0)])
    result = isochrones(network, pts({"o": (1000, 0), "far": (1000, 5000)}), buffer_m=10)
    assert [(c.id, c.distance_m) for c in result] == [
        ("o", 300.0),
        ("o", 500.0),
        ("o", 1000.0),
        ("far", 300.0),
        ("far", 500.0),
        ("far", 1000.0),
    ]
    five, ten, fifteen = result[:3]
    # three arms from the crossing: 3 × 300 m, 3 × 500 m, all three arms 1000 m
    assert five.street_length_m == pytest.approx(900, abs=0.01)
    assert ten.street_length_m == pytest.approx(1500, abs=0.01)
    assert fifteen.street_length_m == pytest.approx(3000, abs=0.01)
    assert five.minutes == pytest.approx(300 / 80)
    assert five.geometry.covers(shapely.Point(lonlat([(1000, 250)])[0]))
    assert not five.geometry.covers(shapely.Point(lonlat([(1000, 400)])[0]))
    assert fifteen.geometry.covers(shapely.Point(lonlat([(1000, 990)])[0]))
    assert not fifteen.geometry.intersects(shapely.Point(lonlat([(5500, 0)])[0]))
    # ~ 2 × buffer × street length
    assert five.area_m2 == pytest.approx(2 * 10 * 900, rel=0.05)
    assert result[3].geometry.is_empty and result[3].area_m2 == 0
    assert five.geojson["properties"]["distance_m"] == 300.0  # type: ignore[index]
    assert LIFE_CIRCLE_DISTANCES_M == (300.0, 500.0, 1000.0)


def test_service_area_of_a_category_is_one_pass_over_all_its_facilities() -> None:
    network = net([(0, 0), (4000, 0)])
    facilities = pts({"a": (500, 0), "b": (3500, 0), "c": (2000, 0)}, categories=["x", "x", "y"])
    areas = service_areas(network, facilities, distance_m=500)
    assert [a.id for a in areas] == ["x", "y"]
    assert areas[0].street_length_m == pytest.approx(2000, abs=0.01)
    assert areas[0].geometry.geom_type == "MultiPolygon"
    assert areas[1].street_length_m == pytest.approx(1000, abs=0.01)
