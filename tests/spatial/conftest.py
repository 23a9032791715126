"""Shared helpers: tiny networks laid out in local metres around central Hangzhou, and the shared data paths."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyproj

from gaizao.spatial import Network, Points, network_from_lines

#: The Hangzhou network and bus stops bundled in the package (copies of ../shared/data/hangzhou), so these tests
#: never depend on a folder outside the repository.
PACKAGE = Path(__file__).resolve().parents[2] / "gaizao"
ROADS = PACKAGE / "lifecircle" / "data" / "central_main_roads_osm.geojson"
BUS_STOPS = PACKAGE / "registry" / "data" / "central_bus_stops_osm.csv"

_LOCAL = pyproj.Transformer.from_crs(
    "+proj=aeqd +lat_0=30.25 +lon_0=120.15 +datum=WGS84 +units=m", "EPSG:4326", always_xy=True
)


def lonlat(xy: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Local metres (east, north of 120.15E 30.25N) to WGS84 lon/lat."""
    arr = np.asarray(xy, dtype=float)
    lon, lat = _LOCAL.transform(arr[:, 0], arr[:, 1])
    return list(zip(np.atleast_1d(lon).tolist(), np.atleast_1d(lat).tolist(), strict=True))


def net(*lines: Sequence[tuple[float, float]]) -> Network:
    """A network from lines given in local metres."""
    return network_from_lines([lonlat(line) for line in lines])


def pts(
    xy: dict[str, tuple[float, float]],
    *,
    categories: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
) -> Points:
    """Points from ``{id: (x_m, y_m)}``."""
    ll = lonlat(list(xy.values()))
    return Points.from_arrays(
        list(xy), [p[0] for p in ll], [p[1] for p in ll], categories=categories, weights=weights
    )
