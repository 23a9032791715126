"""Access-matrix cases for the workbench's own routes."""

from __future__ import annotations

from tests.matrix_types import Case, statuses

CASES = [
    # public data only (district outlines, OSM main roads, street names at aggregated positions)
    Case("offline base map", "/map/basemap.json", statuses(200)),
]
