"""Walking networks: nodes at every vertex, segment lengths in metres, a CSR graph and its connected pieces.

A :class:`Network` is built once per city (or district) from a road file with :func:`load_network` or from
coordinate runs with :func:`network_from_lines`, and is then reused by every analysis. It is immutable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Final

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import connected_components

from gaizao.spatial._projection import LocalProjection
from gaizao.spatial._reading import read_line_coordinates
from gaizao.spatial.crs import to_wgs84
from gaizao.spatial.errors import NetworkReadError, SpatialInputError

__all__ = ["DEFAULT_WALKING_SPEED_M_PER_MIN", "Network", "load_network", "network_from_lines"]

DEFAULT_WALKING_SPEED_M_PER_MIN: Final = 80.0
"""Default walking speed, 80 m/min (4.8 km/h, 1.33 m/s), used only to express distances as minutes.

The life-circle levels use the walking distances of GB 50180-2018 (300, 500 and 1000 m), not speed × minutes."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Network:
    """An undirected walking network.

    Every LineString vertex is a node (so curved roads keep their length); vertices with the same coordinates
    (after rounding to ``vertex_decimals`` decimal degrees) are one node. Every pair of consecutive vertices is a
    segment (an *edge*); points join the network on segments.

    Attributes
    ----------
    node_lonlat
        ``(n_nodes, 2)`` WGS84 lon/lat of the nodes, degrees.
    node_xy
        ``(n_nodes, 2)`` the nodes on :attr:`projection`, metres.
    edge_u, edge_v
        ``(n_edges,)`` end nodes of every segment (self-loops removed; parallel segments kept).
    edge_length_m
        ``(n_edges,)`` segment lengths, metres, measured on the local projection.
    graph
        ``(n_nodes, n_nodes)`` symmetric CSR matrix of the shortest segment between each pair of adjacent nodes,
        metres.
    node_component
        ``(n_nodes,)`` connected piece of every node; piece 0 is the largest, 1 the next, and so on.
    component_sizes
        ``(n_components,)`` nodes in each piece, largest first.
    projection
        The local azimuthal equidistant projection (centred on the network's bounding box) used for lengths.
    walking_speed_m_per_min
        Walking speed used to express distances as minutes.
    """

    node_lonlat: FloatArray
    node_xy: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    edge_length_m: FloatArray
    graph: sp.csr_matrix
    node_component: IntArray
    component_sizes: IntArray
    projection: LocalProjection
    walking_speed_m_per_min: float = DEFAULT_WALKING_SPEED_M_PER_MIN
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_xy.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of segments (edges) points can join."""
        return int(self.edge_u.shape[0])

    @property
    def n_components(self) -> int:
        """Number of connected pieces."""
        return int(self.component_sizes.shape[0])

    @property
    def edge_component(self) -> IntArray:
        """``(n_edges,)`` connected piece of every segment."""
        return self.node_component[self.edge_u]

    @cached_property
    def segment_tree(self) -> shapely.STRtree:
        """An STRtree over the projected segments (built on first use)."""
        return shapely.STRtree(self.segment_geometries)

    @cached_property
    def segment_geometries(self) -> NDArray[np.object_]:
        """``(n_edges,)`` shapely LineStrings of the segments on the projection, metres."""
        coords = np.stack([self.node_xy[self.edge_u], self.node_xy[self.edge_v]], axis=1)
        return np.asarray(shapely.linestrings(coords), dtype=object)

    def summary(self) -> str:
        """A one-line description: nodes, edges, pieces, largest piece."""
        largest = int(self.component_sizes[0]) if self.n_components else 0
        return (
            f"{self.n_nodes:,} nodes, {self.n_edges:,} edges, {self.n_components:,} connected pieces "
            f"(largest {largest:,} nodes)"
        )


def load_network(
    path: str | Path,
    *,
    layer: str | int | None = None,
    crs: str = "wgs84",
    walking_speed_m_per_min: float = DEFAULT_WALKING_SPEED_M_PER_MIN,
    vertex_decimals: int = 7,
) -> Network:
    """Load a walking network from a GeoJSON, GeoPackage or Shapefile of LineStrings.

    Parameters
    ----------
    path
        The road file. Its CRS is honoured if it declares one; otherwise coordinates are lon/lat in ``crs``.
    layer
        Layer name or index for multi-layer files (GeoPackage); the first layer by default.
    crs
        Datum of undeclared lon/lat coordinates: ``"wgs84"`` (default), ``"gcj02"`` or ``"bd09"``.
    walking_speed_m_per_min
        Walking speed for expressing distances as minutes, m/min (default 80).
    vertex_decimals
        Vertices equal after rounding lon/lat to this many decimals are one node (7 ≈ 1 cm, OSM's precision).

    Returns
    -------
    Network

    Raises
    ------
    NetworkReadError
        If the file is missing, unreadable or has no LineStrings.
    """
    coords, line_index = read_line_coordinates(path, layer=layer)
    lon, lat = coords[:, 0], coords[:, 1]
    if crs != "wgs84":
        lon, lat = to_wgs84(lon, lat, crs)
    return _build(lon, lat, line_index, walking_speed_m_per_min, vertex_decimals)


def network_from_lines(
    lines: Iterable[ArrayLike],
    *,
    crs: str = "wgs84",
    walking_speed_m_per_min: float = DEFAULT_WALKING_SPEED_M_PER_MIN,
    vertex_decimals: int = 7,
) -> Network:
    """Build a walking network from lon/lat coordinate runs, one per road line.

    Parameters
    ----------
    lines
        Each item an ``(k, 2)`` array-like of lon/lat vertices (``k >= 2``) in ``crs``.
    crs, walking_speed_m_per_min, vertex_decimals
        As for :func:`load_network`.
    """
    runs: list[FloatArray] = []
    for i, line in enumerate(lines):
        arr = np.asarray(line, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 2:
            raise SpatialInputError(
                f"lines[{i}]", f"Line {i} must be a list of at least two (lon, lat) pairs."
            )
        runs.append(arr)
    if not runs:
        raise NetworkReadError("network", "The network has no lines.")
    coords = np.concatenate(runs)
    index = np.repeat(np.arange(len(runs), dtype=np.int64), [len(r) for r in runs])
    lon, lat = to_wgs84(coords[:, 0], coords[:, 1], crs)
    return _build(lon, lat, index, walking_speed_m_per_min, vertex_decimals)


def _build(lon: FloatArray, lat: FloatArray, line_index: IntArray, speed: float, decimals: int) -> Network:
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        raise NetworkReadError("network", "The network has vertices with missing or infinite coordinates.")
    if np.any(np.abs(lat) > 90) or np.any(np.abs(lon) > 180):
        raise NetworkReadError(
            "network", "The network's coordinates are not lon/lat degrees; give the file a CRS or convert it."
        )
    if not speed > 0:
        raise SpatialInputError(
            "walking_speed_m_per_min", "The walking speed must be a positive number (m/min)."
        )
    scale = 10.0**decimals
    klon = np.round(lon * scale).astype(np.int64) + np.int64(round(180 * scale))
    klat = np.round(lat * scale).astype(np.int64) + np.int64(round(90 * scale))
    keys = klon * np.int64(round(180 * scale) + 1) + klat
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    node_lonlat = np.column_stack([lon[first], lat[first]])
    projection = LocalProjection.centred_on(node_lonlat[:, 0], node_lonlat[:, 1])
    node_xy = projection.to_xy(node_lonlat[:, 0], node_lonlat[:, 1])

    same_line = line_index[1:] == line_index[:-1]
    u = inverse[:-1][same_line].astype(np.int64)
    v = inverse[1:][same_line].astype(np.int64)
    keep = u != v
    u, v = u[keep], v[keep]
    length = np.hypot(*(node_xy[u] - node_xy[v]).T)
    if len(u) == 0:
        raise NetworkReadError("network", "The network has no segment of positive length.")
    graph = _symmetric_min_csr(u, v, length, len(node_xy))
    n_comp, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels, minlength=n_comp)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(n_comp)
    return Network(
        node_lonlat=node_lonlat,
        node_xy=node_xy,
        edge_u=u,
        edge_v=v,
        edge_length_m=length,
        graph=graph,
        node_component=rank[labels].astype(np.int64),
        component_sizes=sizes[order].astype(np.int64),
        projection=projection,
        walking_speed_m_per_min=float(speed),
    )


def _symmetric_min_csr(u: IntArray, v: IntArray, w: FloatArray, n: int) -> sp.csr_matrix:
    """A symmetric CSR matrix keeping the smallest weight of parallel edges (explicit zeros stay edges)."""
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    data = np.concatenate([w, w])
    key = rows * np.int64(n) + cols
    order = np.argsort(key, kind="stable")
    key = key[order]
    data = data[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    if len(starts) < len(key):
        data = np.minimum.reduceat(data, starts)
    key = key[starts]
    rows = key // n
    cols = key - rows * n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    index_type = np.int32 if max(n, len(key)) < 2**31 - 1 else np.int64
    return sp.csr_matrix((data, cols.astype(index_type), indptr.astype(index_type)), shape=(n, n), copy=False)


def components_of(network: Network, nodes: Sequence[int]) -> IntArray:
    """The connected piece of each node in ``nodes``."""
    return network.node_component[np.asarray(nodes, dtype=np.int64)]
