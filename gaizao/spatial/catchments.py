"""Catchment (isochrone) polygons: the area reachable on foot within a network distance.

A catchment is the union of the reachable parts of every street segment (a segment reached from both ends is
covered from both sides up to the remaining distance) buffered by ``buffer_m`` on each side, returned in WGS84.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra
from shapely.geometry.base import BaseGeometry

from gaizao.spatial._augment import AugmentedGraph, augment
from gaizao.spatial.errors import SpatialInputError
from gaizao.spatial.joining import DEFAULT_SNAP_TOLERANCE_M, PointJoin, join_points
from gaizao.spatial.network import Network
from gaizao.spatial.points import Points

__all__ = ["LIFE_CIRCLE_DISTANCES_M", "Catchment", "isochrones", "service_areas"]

LIFE_CIRCLE_DISTANCES_M: Final = (300.0, 500.0, 1000.0)
"""GB 50180-2018 walking distances of the 5-, 10- and 15-minute life circles, metres."""

DEFAULT_BUFFER_M: Final = 25.0


@dataclass(frozen=True, eq=False)
class Catchment:
    """The area within ``distance_m`` along the network of a point (or of any of a set of points).

    Attributes
    ----------
    id
        The point id (for :func:`isochrones`) or the category (for :func:`service_areas`).
    distance_m
        The walking distance, metres.
    minutes
        ``distance_m`` at the network's walking speed.
    geometry
        Polygon or MultiPolygon in WGS84 lon/lat (empty if the point is not joined).
    area_m2
        Area of the geometry on the local projection, m².
    street_length_m
        Length of street reachable within the distance, metres.
    """

    id: str
    distance_m: float
    minutes: float
    geometry: BaseGeometry
    area_m2: float
    street_length_m: float

    @property
    def geojson(self) -> dict[str, object]:
        """A GeoJSON Feature of the catchment with its id, distance and area as properties."""
        import json

        return {
            "type": "Feature",
            "properties": {
                "id": self.id,
                "distance_m": self.distance_m,
                "minutes": round(self.minutes, 2),
                "area_m2": round(self.area_m2, 1),
            },
            "geometry": json.loads(shapely.to_geojson(self.geometry)),
        }


def _reachable_lines(
    aug: AugmentedGraph, dist: NDArray[np.float64], limit: float
) -> tuple[NDArray[np.object_], float]:
    """Projected LineStrings of the parts of segments within ``limit`` given node distances ``dist``."""
    du = dist[aug.edge_u]
    dv = dist[aug.edge_v]
    length = aug.edge_length_m
    ru = np.where(np.isfinite(du), limit - du, -1.0)
    rv = np.where(np.isfinite(dv), limit - dv, -1.0)
    touched = ((ru >= 0) | (rv >= 0)) & (aug.edge_kind != 1)
    is_street = aug.edge_kind[touched] != 3
    ru, rv, length = ru[touched], rv[touched], length[touched]
    a = aug.node_xy[aug.edge_u[touched]]
    b = aug.node_xy[aug.edge_v[touched]]
    whole = np.maximum(ru, 0) + np.maximum(rv, 0) >= length
    safe = np.where(length > 0, length, 1.0)
    fu = np.clip(np.maximum(ru, 0) / safe, 0, 1)
    fv = np.clip(np.maximum(rv, 0) / safe, 0, 1)
    part = ~whole
    from_u = part & (ru >= 0)
    from_v = part & (rv >= 0)
    pieces = [
        np.stack([a[whole], b[whole]], axis=1),
        np.stack([a[from_u], a[from_u] + fu[from_u, None] * (b[from_u] - a[from_u])], axis=1),
        np.stack([b[from_v], b[from_v] + fv[from_v, None] * (a[from_v] - b[from_v])], axis=1),
    ]
    street_mask = np.concatenate([is_street[whole], is_street[from_u], is_street[from_v]])
    coords = np.concatenate(pieces)
    seg_len = np.hypot(*(coords[:, 1] - coords[:, 0]).T) if len(coords) else np.zeros(0)
    street = float(np.sum(seg_len[street_mask]))
    return np.asarray(shapely.linestrings(coords), dtype=object) if len(coords) else np.zeros(
        0, object
    ), street


def _polygon(network: Network, lines: NDArray[np.object_], buffer_m: float) -> tuple[BaseGeometry, float]:
    if len(lines) == 0:
        return shapely.Polygon(), 0.0
    shape = shapely.union_all(shapely.buffer(lines, buffer_m, quad_segs=4))
    area = float(shapely.area(shape))
    wgs = shapely.transform(shape, lambda xy: network.projection.to_lonlat(xy))
    return wgs, area


def _check(distances_m: Sequence[float], buffer_m: float) -> tuple[float, ...]:
    values = tuple(float(d) for d in distances_m)
    if not values or any(not (np.isfinite(d) and d >= 0) for d in values):
        raise SpatialInputError("distances_m", "Catchment distances must be non-negative numbers of metres.")
    if not (np.isfinite(buffer_m) and buffer_m > 0):
        raise SpatialInputError("buffer_m", "The catchment buffer must be a positive number of metres.")
    return values


def isochrones(
    network: Network,
    points: Points,
    *,
    distances_m: Sequence[float] = LIFE_CIRCLE_DISTANCES_M,
    buffer_m: float = DEFAULT_BUFFER_M,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> list[Catchment]:
    """Catchment polygons of each point at each distance (default the 300/500/1000 m life circles).

    One bounded Dijkstra runs per point (limited to the largest distance) and serves every distance.

    Parameters
    ----------
    network
        The walking network.
    points
        Communities (or any points).
    distances_m
        Walking distances, metres.
    buffer_m
        Half-width of the band drawn around reachable streets, metres.
    snap_tolerance_m
        Points farther than this from every road get empty catchments.

    Returns
    -------
    list of Catchment
        Point by point, distance by distance (``len(points) * len(distances_m)`` items).
    """
    levels = _check(distances_m, buffer_m)
    join = join_points(network, points, snap_tolerance_m=snap_tolerance_m)
    aug = augment(network, (join,))
    nodes = aug.point_nodes[0]
    out: list[Catchment] = []
    for i, pid in enumerate(points.ids):
        dist = (
            np.asarray(dijkstra(aug.graph, directed=True, indices=int(nodes[i]), limit=max(levels)))
            if nodes[i] >= 0
            else None
        )
        for d in levels:
            if dist is None:
                geom, area, street = shapely.Polygon(), 0.0, 0.0
            else:
                lines, street = _reachable_lines(aug, dist, d)
                geom, area = _polygon(network, lines, buffer_m)
            out.append(Catchment(pid, d, d / network.walking_speed_m_per_min, geom, area, street))
    return out


def service_areas(
    network: Network,
    facilities: Points,
    *,
    distance_m: float,
    buffer_m: float = DEFAULT_BUFFER_M,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> list[Catchment]:
    """The area within ``distance_m`` of any facility of each category (one multi-source pass per category).

    Returns
    -------
    list of Catchment
        One per category (sorted), ``id`` being the category; uncategorised facilities form one ``""`` area.
    """
    (d,) = _check([distance_m], buffer_m)
    join: PointJoin = join_points(network, facilities, snap_tolerance_m=snap_tolerance_m)
    aug = augment(network, (join,))
    nodes = aug.point_nodes[0]
    cats = np.asarray(facilities.categories or [""] * len(facilities), dtype=object)
    out: list[Catchment] = []
    for cat in sorted(set(cats.tolist())):
        members = nodes[(cats == cat) & (nodes >= 0)]
        if len(members) == 0:
            out.append(Catchment(cat, d, d / network.walking_speed_m_per_min, shapely.Polygon(), 0.0, 0.0))
            continue
        dist = np.asarray(dijkstra(aug.graph, directed=True, indices=members, min_only=True, limit=d))
        lines, street = _reachable_lines(aug, dist, d)
        geom, area = _polygon(network, lines, buffer_m)
        out.append(Catchment(cat, d, d / network.walking_speed_m_per_min, geom, area, street))
    return out
