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
from gaizao.spatial.catchments import LIFE_CIRCLE_DISTANCES_M, Catchment, isochrones, service_areas
from gaizao.spatial.crs import bd09_to_wgs84, gcj02_to_wgs84, to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from gaizao.spatial.errors import (
    NetworkReadError,
    SolverError,
    SpatialError,
    SpatialInputError,
    UnknownCRSError,
)
from gaizao.spatial.gaps import (
    CommunityGaps,
    Requirement,
    RequirementCheck,
    gap_report,
    gap_report_from_policy,
)
from gaizao.spatial.joining import DEFAULT_SNAP_TOLERANCE_M, PointJoin, join_points
from gaizao.spatial.network import DEFAULT_WALKING_SPEED_M_PER_MIN, Network, load_network, network_from_lines
from gaizao.spatial.points import Points
from gaizao.spatial.siting import SitingResult, maximal_covering, site_facilities
from gaizao.spatial.units import FacilityService, RenovationUnit, facility_service, renovation_units

__all__ = [
    "DEFAULT_SNAP_TOLERANCE_M",
    "DEFAULT_WALKING_SPEED_M_PER_MIN",
    "LIFE_CIRCLE_DISTANCES_M",
    "AccessResult",
    "Catchment",
    "CommunityGaps",
    "CountResult",
    "FacilityService",
    "RenovationUnit",
    "Requirement",
    "RequirementCheck",
    "SitingResult",
    "facility_service",
    "gap_report",
    "gap_report_from_policy",
    "isochrones",
    "maximal_covering",
    "renovation_units",
    "service_areas",
    "site_facilities",
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
