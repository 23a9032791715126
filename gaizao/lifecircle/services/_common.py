"""Constants and private helpers shared by the life-circle services."""

from __future__ import annotations

import datetime as dt

from gaizao.accounts.models import Role
from gaizao.errors import ApplicationError

JOB_KIND = "lifecircle.analysis"
NETWORK_JOB_KIND = "lifecircle.network_upload"
#: Who may start a run: district officers for their district, the city coordinator for the city (or a district).
RUN_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR})
#: Who may upload a network: the same roles.
NETWORK_ROLES = RUN_ROLES
NETWORK_EXTENSIONS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".zip": "Shapefile (zip)",
}
MAX_SITING_K = 20
#: A queued or running run older than this no longer blocks a new one (its worker is presumed gone).
RUN_STALE_AFTER = dt.timedelta(minutes=30)
#: Catchments are drawn for district-sized runs only (a city run keeps its size modest without them).
CATCHMENT_MAX_COMMUNITIES = 400
#: Neighbours for renovation units (连片): communities within this walking distance of each other.
UNIT_NEIGHBOUR_M = 500.0


def _spatial_error(
    exc: Exception, field: str = "network", *, shown: dict[str, str] | None = None
) -> ApplicationError:
    """The core's error as an application error; server paths in ``shown`` are replaced by the names users know."""
    message = getattr(exc, "message", str(exc))
    for path, name in (shown or {}).items():
        message = message.replace(path, name)
    return ApplicationError(f"路网或点位数据无法使用。/ {message}", field=getattr(exc, "field", field))
