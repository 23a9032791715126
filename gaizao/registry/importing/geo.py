"""Coordinates on import: declared GCJ-02 / BD-09 converted to WGS84 by ``gaizao.spatial.crs``, GIS files in
another EPSG CRS reprojected with pyproj, and points outside Hangzhou rejected.

"Inside Hangzhou" is the union of the district boundaries in ``divisions``: a fast bounding-box pre-check, then
shapely's vectorised ``contains_xy`` on the prepared union.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from gaizao.spatial import crs as spatial_crs

_LOCK = threading.Lock()
_CACHE: dict[str, Any] = {}


def convert_to_wgs84(
    lons: Sequence[float] | np.ndarray, lats: Sequence[float] | np.ndarray, crs: str
) -> tuple[np.ndarray, np.ndarray]:
    """Convert arrays of lon/lat in ``crs`` ("wgs84", "gcj02", "bd09") to WGS84 with the spatial core."""
    x = np.asarray(lons, dtype=float)
    y = np.asarray(lats, dtype=float)
    if crs == "wgs84" or len(x) == 0:
        return x, y
    out = spatial_crs.to_wgs84(x, y, crs)
    return np.asarray(out[0], dtype=float), np.asarray(out[1], dtype=float)


def hangzhou_area() -> tuple[Any, tuple[float, float, float, float]] | None:
    """The prepared union of the district boundaries and its bounds, or None when no boundary is loaded."""
    from gaizao.divisions.models import Division, DivisionLevel

    stamp = Division.objects.filter(level=DivisionLevel.DISTRICT, boundary__isnull=False).count()
    with _LOCK:
        cached = _CACHE.get("area")
        if cached is not None and cached[0] == stamp:
            return cached[1]
    import shapely
    from shapely.geometry import shape

    shapes = [
        shape(b)
        for b in Division.objects.filter(level=DivisionLevel.DISTRICT, boundary__isnull=False).values_list(
            "boundary", flat=True
        )
    ]
    result = None
    if shapes:
        union = shapely.union_all(shapes)
        shapely.prepare(union)
        result = (union, union.bounds)
    with _LOCK:
        _CACHE["area"] = (stamp, result)
    return result


def inside_hangzhou(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Boolean mask of the points inside Hangzhou (all True when no district boundary is loaded)."""
    import shapely

    area = hangzhou_area()
    if area is None or len(lons) == 0:
        return np.ones(len(lons), dtype=bool)
    union, (minx, miny, maxx, maxy) = area
    finite = np.isfinite(lons) & np.isfinite(lats)
    inbox = finite & (lons >= minx) & (lons <= maxx) & (lats >= miny) & (lats <= maxy)
    mask = np.zeros(len(lons), dtype=bool)
    if inbox.any():
        mask[inbox] = shapely.contains_xy(union, lons[inbox], lats[inbox])
    return mask


def outside_message(lon: float, lat: float, crs: str, *, swapped_inside: bool) -> str:
    crs_label = {"wgs84": "WGS84", "gcj02": "GCJ-02", "bd09": "BD-09"}.get(crs, crs)
    if swapped_inside:
        return (
            f"坐标({lon:g}, {lat:g})不在杭州市范围内：经度和纬度似乎填反了。/ "
            f"The point ({lon:g}, {lat:g}) lies outside Hangzhou: longitude and latitude look swapped."
        )
    if abs(lon) > 180 or abs(lat) > 90:
        hint_zh, hint_en = (
            "数值像投影坐标（米），请换算为经纬度",
            "the values look like projected metres, not degrees",
        )
    else:
        hint_zh = f"请检查坐标系（按 {crs_label} 读取）：高德、腾讯为 GCJ-02，百度为 BD-09，GPS 为 WGS84"
        hint_en = f"check the coordinate system (read as {crs_label}; Amap/Tencent use GCJ-02, Baidu BD-09, GPS WGS84)"
    return (
        f"坐标({lon:g}, {lat:g})不在杭州市范围内，可能坐标系有误：{hint_zh}。/ "
        f"The point ({lon:g}, {lat:g}) lies outside Hangzhou — probably a wrong coordinate system: {hint_en}."
    )


def reproject_to_wgs84(geoms: list[Any], declared: str | None) -> list[Any]:
    """Reproject GIS geometries from the file's EPSG CRS to WGS84 (no-op for WGS84 / CGCS2000 geographic)."""
    if not declared:
        return geoms
    text = declared.upper()
    if text in {"EPSG:4326", "EPSG:4490", "OGC:CRS84"}:
        return geoms
    import shapely
    from pyproj import CRS, Transformer

    source = CRS.from_user_input(declared)
    if source.is_geographic and source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return geoms
    transformer = Transformer.from_crs(source, CRS.from_epsg(4326), always_xy=True)
    arr = np.array(geoms, dtype=object)
    valid = np.array([g is not None for g in geoms])
    if valid.any():
        arr[valid] = shapely.transform(
            arr[valid], lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
    return list(arr)
