"""Gaizao's spatial core: walking networks, nearest-facility distances, catchments, gaps and siting.

Pure Python on numpy, scipy, shapely, pyproj, pyogrio and highspy; it never imports Django. Coordinates in and
out are WGS84 lon/lat degrees; every distance is in metres along the network (``*_m``). See ``docs/spatial.md``.
"""

from __future__ import annotations

from gaizao.spatial.access import (
    AccessResult,
    CountResult,
    PairDistances,
    counts_within,
    distances_between,
    nearest_facilities,
)
from gaizao.spatial.crs import bd09_to_wgs84, gcj02_to_wgs84, to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from gaizao.spatial.errors import (
    NetworkReadError,
    SolverError,
    SpatialError,
    SpatialInputError,
    UnknownCRSError,
)
from gaizao.spatial.joining import DEFAULT_SNAP_TOLERANCE_M, PointJoin, join_points
from gaizao.spatial.network import DEFAULT_WALKING_SPEED_M_PER_MIN, Network, load_network, network_from_lines
from gaizao.spatial.points import Points

__all__ = [
    "DEFAULT_SNAP_TOLERANCE_M",
    "DEFAULT_WALKING_SPEED_M_PER_MIN",
    "AccessResult",
    "CountResult",
    "NetworkReadError",
    "Network",
    "PairDistances",
    "PointJoin",
    "Points",
    "SolverError",
    "SpatialError",
    "SpatialInputError",
    "UnknownCRSError",
    "bd09_to_wgs84",
    "counts_within",
    "distances_between",
    "gcj02_to_wgs84",
    "join_points",
    "load_network",
    "nearest_facilities",
    "network_from_lines",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]
