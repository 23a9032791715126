"""Reading LineStrings from GeoJSON, GeoPackage and Shapefile into WGS84 coordinate runs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pyogrio
import pyproj
import shapely
from numpy.typing import NDArray

from gaizao.spatial.errors import NetworkReadError

_WGS84_LIKE = {"EPSG:4326", "OGC:CRS84", "EPSG:4490"}  # CGCS2000 differs from WGS84 by centimetres


def read_line_coordinates(
    path: str | Path, *, layer: str | int | None = None
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Read every LineString (and each part of every MultiLineString) from ``path``.

    Returns
    -------
    coords
        ``(n, 2)`` WGS84 lon/lat of every vertex, line after line.
    line_index
        ``(n,)`` the index of the line (part) each vertex belongs to; consecutive vertices of the same line are
        joined by a segment.

    Raises
    ------
    NetworkReadError
        If the file does not exist, cannot be read, or holds no LineString.
    """
    p = Path(path)
    if not p.exists():
        raise NetworkReadError("network", f"The network file {str(p)!r} does not exist.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta, _fids, wkb, _fields = pyogrio.raw.read(p, layer=layer, columns=[], read_geometry=True)
    except Exception as exc:  # pyogrio raises several GDAL-derived types
        raise NetworkReadError(
            "network",
            f"The network file {str(p)!r} cannot be read as GeoJSON, GeoPackage or Shapefile: {exc}",
        ) from exc
    if wkb is None or len(wkb) == 0:
        raise NetworkReadError("network", f"The network file {str(p)!r} has no features.")
    geoms = shapely.from_wkb(wkb)
    types = shapely.get_type_id(geoms)
    lines = geoms[
        (types == shapely.GeometryType.LINESTRING) | (types == shapely.GeometryType.MULTILINESTRING)
    ]
    if len(lines) == 0:
        raise NetworkReadError("network", f"The network file {str(p)!r} has no LineString features.")
    is_multi = shapely.get_type_id(lines) == shapely.GeometryType.MULTILINESTRING
    parts = shapely.get_parts(lines) if np.any(is_multi) else lines
    coords, index = shapely.get_coordinates(parts, return_index=True)
    if len(coords) < 2:
        raise NetworkReadError("network", f"The network file {str(p)!r} has no LineString with two vertices.")
    crs = meta.get("crs")
    if crs and str(crs).upper() not in _WGS84_LIKE:
        try:
            transformer = pyproj.Transformer.from_crs(
                pyproj.CRS.from_user_input(crs), "EPSG:4326", always_xy=True
            )
        except pyproj.exceptions.CRSError as exc:
            raise NetworkReadError(
                "network", f"The network file's CRS {crs!r} is not understood: {exc}"
            ) from exc
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        coords = np.column_stack([x, y])
    return np.asarray(coords, dtype=np.float64), np.asarray(index, dtype=np.int64)
