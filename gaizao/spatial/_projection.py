"""A local azimuthal equidistant projection centred on the network, so distances come out in metres."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyproj
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LocalProjection:
    """Azimuthal equidistant projection about ``(lon0, lat0)`` on the WGS84 ellipsoid, units metres.

    Over a city (tens of kilometres) its scale error stays below a few parts per million, so straight-line lengths
    of short road segments in it equal their geodesic lengths to well under a millimetre per 100 m.
    """

    lon0: float
    lat0: float
    _forward: pyproj.Transformer = field(init=False, repr=False, compare=False)
    _inverse: pyproj.Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        crs = pyproj.CRS.from_proj4(
            f"+proj=aeqd +lat_0={self.lat0!r} +lon_0={self.lon0!r} +datum=WGS84 +units=m +no_defs"
        )
        object.__setattr__(self, "_forward", pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True))
        object.__setattr__(self, "_inverse", pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True))

    @property
    def proj4(self) -> str:
        """The PROJ string of the projection."""
        return f"+proj=aeqd +lat_0={self.lat0!r} +lon_0={self.lon0!r} +datum=WGS84 +units=m +no_defs"

    def to_xy(self, lon: FloatArray, lat: FloatArray) -> FloatArray:
        """Project WGS84 lon/lat (degrees) to an ``(n, 2)`` array of x/y metres."""
        x, y = self._forward.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        return np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])

    def to_lonlat(self, xy: FloatArray) -> FloatArray:
        """Unproject an ``(n, 2)`` array of x/y metres to an ``(n, 2)`` array of WGS84 lon/lat (degrees)."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        lon, lat = self._inverse.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)])

    @classmethod
    def centred_on(cls, lon: FloatArray, lat: FloatArray) -> LocalProjection:
        """The projection centred on the middle of the bounding box of the given WGS84 coordinates."""
        lon0 = float((np.min(lon) + np.max(lon)) / 2.0)
        lat0 = float((np.min(lat) + np.max(lat)) / 2.0)
        return cls(round(lon0, 6), round(lat0, 6))
