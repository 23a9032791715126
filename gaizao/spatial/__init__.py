"""Gaizao's spatial core: walking networks, nearest-facility distances, catchments, gaps and siting.

Pure Python on numpy, scipy, shapely, pyproj, pyogrio and highspy; it never imports Django. Coordinates in and
out are WGS84 lon/lat degrees; every distance is in metres along the network (``*_m``). See ``docs/spatial.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from gaizao.spatial.network import (
        DEFAULT_WALKING_SPEED_M_PER_MIN,
        Network,
        load_network,
        network_from_lines,
    )
    from gaizao.spatial.points import Points
    from gaizao.spatial.siting import SitingResult, maximal_covering, site_facilities
    from gaizao.spatial.units import FacilityService, RenovationUnit, facility_service, renovation_units

#: Where each public name lives. The package loads a module only when one of its names is first used (PEP 562),
#: so a caller that needs only the coordinate conversions (the registry importer) does not load scipy and highspy.
_WHERE = {
    "AccessResult": "gaizao.spatial.access",
    "CountResult": "gaizao.spatial.access",
    "PairDistances": "gaizao.spatial.access",
    "counts_within": "gaizao.spatial.access",
    "distances_between": "gaizao.spatial.access",
    "nearest_facilities": "gaizao.spatial.access",
    "LIFE_CIRCLE_DISTANCES_M": "gaizao.spatial.catchments",
    "Catchment": "gaizao.spatial.catchments",
    "isochrones": "gaizao.spatial.catchments",
    "service_areas": "gaizao.spatial.catchments",
    "bd09_to_wgs84": "gaizao.spatial.crs",
    "gcj02_to_wgs84": "gaizao.spatial.crs",
    "to_wgs84": "gaizao.spatial.crs",
    "wgs84_to_bd09": "gaizao.spatial.crs",
    "wgs84_to_gcj02": "gaizao.spatial.crs",
    "NetworkReadError": "gaizao.spatial.errors",
    "SolverError": "gaizao.spatial.errors",
    "SpatialError": "gaizao.spatial.errors",
    "SpatialInputError": "gaizao.spatial.errors",
    "UnknownCRSError": "gaizao.spatial.errors",
    "CommunityGaps": "gaizao.spatial.gaps",
    "Requirement": "gaizao.spatial.gaps",
    "RequirementCheck": "gaizao.spatial.gaps",
    "gap_report": "gaizao.spatial.gaps",
    "gap_report_from_policy": "gaizao.spatial.gaps",
    "DEFAULT_SNAP_TOLERANCE_M": "gaizao.spatial.joining",
    "PointJoin": "gaizao.spatial.joining",
    "join_points": "gaizao.spatial.joining",
    "DEFAULT_WALKING_SPEED_M_PER_MIN": "gaizao.spatial.network",
    "Network": "gaizao.spatial.network",
    "load_network": "gaizao.spatial.network",
    "network_from_lines": "gaizao.spatial.network",
    "Points": "gaizao.spatial.points",
    "SitingResult": "gaizao.spatial.siting",
    "maximal_covering": "gaizao.spatial.siting",
    "site_facilities": "gaizao.spatial.siting",
    "FacilityService": "gaizao.spatial.units",
    "RenovationUnit": "gaizao.spatial.units",
    "facility_service": "gaizao.spatial.units",
    "renovation_units": "gaizao.spatial.units",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


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
