"""GCJ-02 / BD-09 conversions: round trips under 0.5 m and input converted before joining."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaizao.spatial import (
    Points,
    UnknownCRSError,
    bd09_to_wgs84,
    gcj02_to_wgs84,
    nearest_facilities,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from tests.spatial.conftest import lonlat, net, pts

GEOD = pyproj.Geod(ellps="WGS84")


def _metres(lon1, lat1, lon2, lat2):  # type: ignore[no-untyped-def]
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_gcj02_offset_in_hangzhou_matches_the_readme() -> None:
    glon, glat = wgs84_to_gcj02(120.15, 30.25)
    east = _metres(120.15, 30.25, float(glon), 30.25)
    south = _metres(120.15, 30.25, 120.15, float(glat))
    assert 400 < east < 520 and float(glon) > 120.15
    assert 200 < south < 320 and float(glat) < 30.25
    blon, _blat = wgs84_to_bd09(120.15, 30.25)
    assert 1000 < _metres(120.15, 30.25, float(blon), 30.25) < 1200


@settings(max_examples=200, deadline=None)
@given(st.floats(118.3, 120.9), st.floats(29.2, 30.6))
def test_round_trips_are_under_half_a_metre(lon: float, lat: float) -> None:
    for forward, back in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84)):
        x, y = back(*forward(lon, lat))
        assert _metres(lon, lat, float(x), float(y)) < 0.5


def test_vectorised_and_dispatched() -> None:
    lon = np.linspace(120.0, 120.3, 1000)
    lat = np.linspace(30.1, 30.4, 1000)
    gx, gy = wgs84_to_gcj02(lon, lat)
    x, y = to_wgs84(gx, gy, "GCJ-02")
    assert np.max(_metres(lon, lat, x, y)) < 0.01
    x, y = to_wgs84(*wgs84_to_bd09(lon, lat), "bd09")
    assert np.max(_metres(lon, lat, x, y)) < 0.01
    x, y = to_wgs84(lon, lat, "wgs84")
    np.testing.assert_array_equal(x, lon)
    with pytest.raises(UnknownCRSError) as err:
        to_wgs84(lon, lat, "cgcs2000-3")
    assert err.value.field == "crs"
    # outside China the published algorithm leaves coordinates alone
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_gcj02_input_gives_the_same_distances_as_wgs84() -> None:
    network = net([(0, 0), (1000, 0), (1000, 1000)])
    origins = pts({"o": (100, 30)})
    facilities = pts({"f": (1000, 400)}, categories=["c"])
    wgs = nearest_facilities(network, origins, facilities, max_distance_m=5000)
    (olon, olat), (flon, flat) = lonlat([(100, 30)])[0], lonlat([(1000, 400)])[0]
    og = wgs84_to_gcj02(olon, olat)
    fg = wgs84_to_gcj02(flon, flat)
    o2 = Points.from_arrays(["o"], [og[0]], [og[1]], crs="gcj02")
    f2 = Points.from_arrays(["f"], [fg[0]], [fg[1]], categories=["c"], crs="gcj02")
    converted = nearest_facilities(network, o2, f2, max_distance_m=5000)
    assert converted.distance("o", "c") == pytest.approx(wgs.distance("o", "c"), abs=0.01)
    # read as if it were WGS84, the same coordinates land ~500 m away and miss the road
    wrong = nearest_facilities(
        network,
        Points.from_arrays(["o"], [og[0]], [og[1]]),
        Points.from_arrays(["f"], [fg[0]], [fg[1]], categories=["c"]),
        max_distance_m=5000,
        snap_tolerance_m=100,
    )
    assert wrong.distance("o", "c") is None
