"""Writes of the division tree."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from django.db import transaction

from gaizao.divisions.models import Division, DivisionLevel

DATA_DIR = Path(__file__).parent / "data"
CITY_CODE = "330100"
# 西湖风景名胜区 is a functional area with no GB/T 2260 code (reference/hangzhou-divisions.md).
WEST_LAKE_SCENIC_AREA_CODE = "330100-XHFJQ"

DISTRICT_NAMES_EN = {
    "330102": "Shangcheng",
    "330105": "Gongshu",
    "330106": "Xihu",
    "330108": "Binjiang",
    "330109": "Xiaoshan",
    "330110": "Yuhang",
    "330111": "Fuyang",
    "330112": "Lin'an",
    "330113": "Linping",
    "330114": "Qiantang",
    "330122": "Tonglu",
    "330127": "Chun'an",
    "330182": "Jiande",
    WEST_LAKE_SCENIC_AREA_CODE: "West Lake Scenic Area",
}


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _center(geometry: dict[str, Any]) -> tuple[float, float]:
    from shapely.geometry import shape

    point = shape(geometry).representative_point()
    return point.x, point.y


@transaction.atomic
def divisions_load_hangzhou() -> dict[str, int]:
    """Create or update Hangzhou's division tree from the bundled national codes and boundaries.

    Idempotent: re-running updates names and boundaries by code and never duplicates.
    Returns counts per level.
    """
    city, _ = Division.objects.update_or_create(
        code=CITY_CODE,
        defaults={
            "name": "杭州市",
            "name_en": "Hangzhou",
            "level": DivisionLevel.CITY,
            "parent": None,
            "path": CITY_CODE,
        },
    )
    boundaries: dict[str, dict[str, Any]] = {}
    with open(DATA_DIR / "districts_wgs84.geojson", encoding="utf-8") as f:
        for feature in json.load(f)["features"]:
            boundaries[str(feature["properties"]["adcode"])] = feature["geometry"]

    by_code: dict[str, Division] = {}
    rows = _read_csv("districts.csv")
    for row in rows:
        geometry = boundaries.get(row["code"])
        lon, lat = _center(geometry) if geometry else (None, None)
        by_code[row["code"]], _ = Division.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": DISTRICT_NAMES_EN.get(row["code"], ""),
                "level": DivisionLevel.DISTRICT,
                "parent": city,
                "path": f"{city.path}/{row['code']}",
                "boundary": geometry,
                "center_lon": lon,
                "center_lat": lat,
            },
        )
    Division.objects.update_or_create(
        code=WEST_LAKE_SCENIC_AREA_CODE,
        defaults={
            "name": "西湖风景名胜区",
            "name_en": DISTRICT_NAMES_EN[WEST_LAKE_SCENIC_AREA_CODE],
            "level": DivisionLevel.DISTRICT,
            "parent": city,
            "path": f"{city.path}/{WEST_LAKE_SCENIC_AREA_CODE}",
            "has_official_code": False,
            "center_lon": 120.1417,
            "center_lat": 30.2460,
        },
    )
    streets = 0
    existing = {
        d.code: d for d in Division.objects.filter(level__in=[DivisionLevel.STREET, DivisionLevel.COMMUNITY])
    }
    new_rows: list[Division] = []
    for row in _read_csv("streets.csv"):
        parent = by_code[row["areaCode"]]
        node = existing.get(row["code"]) or Division(code=row["code"])
        node.name, node.level, node.parent, node.path = (
            row["name"],
            DivisionLevel.STREET,
            parent,
            f"{parent.path}/{row['code']}",
        )
        if node.pk:
            node.save()
        else:
            new_rows.append(node)
        by_code[row["code"]] = node
        streets += 1
    Division.objects.bulk_create(new_rows, batch_size=500)
    for node in new_rows:
        by_code[node.code] = node
    new_rows = []
    communities = 0
    for row in _read_csv("communities_and_villages.csv"):
        parent = by_code[row["streetCode"]]
        node = existing.get(row["code"]) or Division(code=row["code"])
        node.name, node.level, node.parent, node.path = (
            row["name"],
            DivisionLevel.COMMUNITY,
            parent,
            f"{parent.path}/{row['code']}",
        )
        if node.pk:
            node.save()
        else:
            new_rows.append(node)
        communities += 1
    Division.objects.bulk_create(new_rows, batch_size=1000)
    return {"districts": len(rows) + 1, "streets": streets, "communities": communities}
