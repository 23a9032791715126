"""The network with joined points added as nodes, so shortest paths to and from them are exact.

Each joined point adds two nodes: its *join node* on the segment (splitting the segment into pieces whose lengths
add up to the segment's) and its *point node*, hanging off the join node by the connector. The original segment
stays in the graph as well; the pieces are a parallel path of exactly the same length, so no distance between
original nodes changes. Several points on one segment split it in order of their offsets, so two points on the
same segment reach each other directly along it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from gaizao.spatial.joining import PointJoin
from gaizao.spatial.network import Network, _symmetric_min_csr


@dataclass(frozen=True, eq=False)
class AugmentedGraph:
    """The graph with point nodes; ``point_node[i]`` is the node of point ``i`` of the joins (or -1)."""

    graph: sp.csr_matrix
    node_xy: NDArray[np.float64]
    edge_u: NDArray[np.int64]
    edge_v: NDArray[np.int64]
    edge_length_m: NDArray[np.float64]
    point_nodes: tuple[NDArray[np.int64], ...]
    edge_kind: NDArray[np.int8]
    """Per edge: 0 an unsplit segment, 1 a segment split by join nodes (drawn by its pieces), 2 a piece, 3 a
    connector."""

    @property
    def n_nodes(self) -> int:
        return int(self.node_xy.shape[0])


def augment(network: Network, joins: tuple[PointJoin, ...]) -> AugmentedGraph:
    """Add the joined points of every join in ``joins`` to ``network``'s graph."""
    n = network.n_nodes
    sizes = [len(j.ids) for j in joins]
    joined = np.concatenate([j.joined for j in joins]) if joins else np.zeros(0, dtype=bool)
    edge = np.concatenate([j.edge for j in joins]) if joins else np.zeros(0, dtype=np.int64)
    offset = np.concatenate([j.offset_m for j in joins]) if joins else np.zeros(0)
    connector = np.concatenate([j.connector_m for j in joins]) if joins else np.zeros(0)
    xy = np.concatenate([j.xy for j in joins]) if joins else np.zeros((0, 2))

    idx = np.flatnonzero(joined)
    m = len(idx)
    order = idx[np.lexsort((offset[idx], edge[idx]))]
    e = edge[order]
    o = offset[order]
    join_node = n + np.arange(m, dtype=np.int64)
    point_node = n + m + np.arange(m, dtype=np.int64)

    starts = np.ones(m, dtype=bool)
    starts[1:] = e[1:] != e[:-1]
    ends = np.ones(m, dtype=bool)
    ends[:-1] = e[1:] != e[:-1]
    prev = np.where(starts, network.edge_u[e], np.roll(join_node, 1))
    prev_offset = np.where(starts, 0.0, np.roll(o, 1))
    piece_u = [network.edge_u, prev, join_node[ends], join_node]
    piece_v = [network.edge_v, join_node, network.edge_v[e[ends]], point_node]
    piece_w = [
        network.edge_length_m,
        o - prev_offset,
        network.edge_length_m[e[ends]] - o[ends],
        connector[order],
    ]
    kind = np.zeros(network.n_edges, dtype=np.int8)
    kind[np.unique(e)] = 1
    edge_kind = np.concatenate(
        [kind, np.full(m, 2, np.int8), np.full(int(ends.sum()), 2, np.int8), np.full(m, 3, np.int8)]
    )
    u = np.concatenate(piece_u)
    v = np.concatenate(piece_v)
    w = np.maximum(np.concatenate(piece_w), 0.0)
    total = n + 2 * m
    graph = _symmetric_min_csr(u, v, w, total)

    a = network.node_xy[network.edge_u[e]]
    b = network.node_xy[network.edge_v[e]]
    frac = o / np.where(network.edge_length_m[e] > 0, network.edge_length_m[e], 1.0)
    join_xy = a + frac[:, None] * (b - a)
    node_xy = np.concatenate([network.node_xy, join_xy, xy[order]])

    node_of_point = np.full(len(joined), -1, dtype=np.int64)
    node_of_point[order] = point_node
    bounds = np.cumsum([0, *sizes])
    per_join = tuple(node_of_point[bounds[i] : bounds[i + 1]] for i in range(len(joins)))
    return AugmentedGraph(
        graph=graph,
        node_xy=node_xy,
        edge_u=u,
        edge_v=v,
        edge_length_m=w,
        point_nodes=per_join,
        edge_kind=edge_kind,
    )
