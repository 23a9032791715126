"""Network distances from origins to facilities: nearest of each category, all pairs within a distance, counts.

The nearest-facility search runs **one** multi-source Dijkstra per category (``scipy.sparse.csgraph.dijkstra``
with ``indices=`` the category's facilities, ``min_only=True`` and ``limit=`` the cut-off) on the network with the
joined points added as nodes, so every distance includes both connectors and is exact when origin and facility
sit on the same segment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from gaizao.spatial._augment import AugmentedGraph, augment
from gaizao.spatial.errors import SpatialInputError
from gaizao.spatial.joining import DEFAULT_SNAP_TOLERANCE_M, PointJoin, join_points
from gaizao.spatial.network import Network
from gaizao.spatial.points import Points

__all__ = [
    "AccessResult",
    "CountResult",
    "PairDistances",
    "counts_within",
    "distances_between",
    "nearest_facilities",
]

_BATCH_CELLS: Final = 8_000_000  # dense distance cells per Dijkstra batch (64 MB of float64)


@dataclass(frozen=True, eq=False)
class AccessResult:
    """Network distance from every origin to the nearest facility of every category.

    Attributes
    ----------
    origin_ids
        Origin ids, the rows of the arrays.
    categories
        Facility categories (sorted), the columns of the arrays.
    distance_m
        ``(n_origins, n_categories)`` metres along the network including both connectors; NaN where no facility
        of the category is within ``max_distance_m`` or the origin is not joined.
    nearest_index
        ``(n_origins, n_categories)`` index into ``facility_ids`` of the nearest facility; -1 where none.
    facility_ids
        Facility ids, as given.
    max_distance_m
        The cut-off, metres (inclusive).
    walking_speed_m_per_min
        Speed used by :meth:`minutes`.
    origins, facilities
        How the points joined the network (not-joined ids, connector lengths, network piece).
    """

    origin_ids: tuple[str, ...]
    categories: tuple[str, ...]
    distance_m: NDArray[np.float64]
    nearest_index: NDArray[np.int64]
    facility_ids: tuple[str, ...]
    max_distance_m: float
    walking_speed_m_per_min: float
    origins: PointJoin
    facilities: PointJoin

    def minutes(self) -> NDArray[np.float64]:
        """``distance_m`` expressed as walking minutes."""
        return self.distance_m / self.walking_speed_m_per_min

    def distance(self, origin_id: str, category: str) -> float | None:
        """Distance in metres from ``origin_id`` to the nearest ``category`` facility, or None if none in reach."""
        d = float(self.distance_m[self.origin_ids.index(origin_id), self.categories.index(category)])
        return None if np.isnan(d) else d

    def nearest_facility_id(self, origin_id: str, category: str) -> str | None:
        """Id of the nearest ``category`` facility from ``origin_id``, or None if none in reach."""
        k = int(self.nearest_index[self.origin_ids.index(origin_id), self.categories.index(category)])
        return None if k < 0 else self.facility_ids[k]

    def as_mapping(self) -> dict[str, dict[str, float | None]]:
        """``{origin_id: {category: distance_m or None}}`` — the input of :func:`gaizao.spatial.gap_report`."""
        out: dict[str, dict[str, float | None]] = {}
        for i, oid in enumerate(self.origin_ids):
            row = self.distance_m[i]
            out[oid] = {
                c: (None if np.isnan(row[j]) else float(row[j])) for j, c in enumerate(self.categories)
            }
        return out

    def rows(self) -> Iterator[tuple[str, str, float | None]]:
        """``(origin_id, category, distance_m or None)`` per origin × category, origins in input order."""
        for i, oid in enumerate(self.origin_ids):
            for j, cat in enumerate(self.categories):
                d = float(self.distance_m[i, j])
                yield oid, cat, (None if np.isnan(d) else d)


@dataclass(frozen=True, eq=False)
class PairDistances:
    """Every (source, target) pair within a network distance, as aligned arrays.

    Attributes
    ----------
    source_index, target_index
        ``(n_pairs,)`` indices into ``source_ids`` and ``target_ids``.
    distance_m
        ``(n_pairs,)`` network distance including both connectors, metres.
    source_ids, target_ids
        The ids of the two point sets.
    max_distance_m
        The cut-off, metres (inclusive).
    sources, targets
        How the points joined the network.
    """

    source_index: NDArray[np.int64]
    target_index: NDArray[np.int64]
    distance_m: NDArray[np.float64]
    source_ids: tuple[str, ...]
    target_ids: tuple[str, ...]
    max_distance_m: float
    sources: PointJoin
    targets: PointJoin


@dataclass(frozen=True, eq=False)
class CountResult:
    """Number of facilities of each category within a network distance of every origin.

    Attributes
    ----------
    origin_ids, categories
        Rows and columns of ``count``.
    count
        ``(n_origins, n_categories)`` facilities within ``distance_m`` (0 for origins not joined).
    distance_m
        The distance, metres (inclusive).
    """

    origin_ids: tuple[str, ...]
    categories: tuple[str, ...]
    count: NDArray[np.int64]
    distance_m: float


def _check_distance(value: float, field: str) -> float:
    if not (isinstance(value, (int, float)) and np.isfinite(value) and value >= 0):
        raise SpatialInputError(field, f"{field} must be a non-negative number of metres, not {value!r}.")
    return float(value)


def _nearest_of_category(
    aug: AugmentedGraph,
    o_nodes: NDArray[np.int64],
    o_ok: NDArray[np.int64],
    f_nodes: NDArray[np.int64],
    members: NDArray[np.int64],
    cutoff: float,
    dist_out: NDArray[np.float64],
    nearest_out: NDArray[np.int64],
) -> None:
    """One multi-source pass from the category's facilities; fill the origins' column in place."""
    d, _pred, src = dijkstra(
        aug.graph,
        directed=True,
        indices=f_nodes[members],
        min_only=True,
        limit=cutoff,
        return_predecessors=True,
    )
    reached = d[o_nodes[o_ok]]
    ok = np.isfinite(reached)
    dist_out[o_ok[ok]] = reached[ok]
    # src holds the source node that reached each node; map it back to the facility's index
    member_of_node = np.full(aug.n_nodes, -1, dtype=np.int64)
    member_of_node[f_nodes[members]] = members
    nearest_out[o_ok[ok]] = member_of_node[src[o_nodes[o_ok[ok]]]]


def nearest_facilities(
    network: Network,
    origins: Points,
    facilities: Points,
    *,
    max_distance_m: float,
    categories: Sequence[str] | None = None,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
    progress: Callable[[int, int, str], None] | None = None,
) -> AccessResult:
    """Network distance from every origin to the nearest facility of each category, within a cut-off.

    Parameters
    ----------
    network
        The walking network.
    origins
        Communities (entrances or centroids); ids must be unique.
    facilities
        Facilities with :attr:`Points.categories` set.
    max_distance_m
        Cut-off in metres (inclusive); farther facilities count as not reachable.
    categories
        Categories to report (default: every category among ``facilities``, sorted). A category with no
        facility gives an all-NaN column.
    snap_tolerance_m
        Points farther than this from every road are not joined and are reported.
    progress
        Called as ``progress(done, total, category)`` after each category (for a background task's progress
        bar); ``done`` counts from 1.

    Returns
    -------
    AccessResult
    """
    cutoff = _check_distance(max_distance_m, "max_distance_m")
    if facilities.categories is None:
        raise SpatialInputError("facilities.category", "Facilities need a category each.")
    cats = tuple(categories) if categories is not None else facilities.category_names()
    o_join = join_points(network, origins, snap_tolerance_m=snap_tolerance_m)
    f_join = join_points(network, facilities, snap_tolerance_m=snap_tolerance_m)
    aug = augment(network, (o_join, f_join))
    o_nodes, f_nodes = aug.point_nodes
    dist = np.full((len(origins), len(cats)), np.nan)
    nearest = np.full((len(origins), len(cats)), -1, dtype=np.int64)
    o_ok = np.flatnonzero(o_nodes >= 0)
    fac_cat = np.asarray(facilities.categories, dtype=object)
    for j, cat in enumerate(cats):
        members = np.flatnonzero((fac_cat == cat) & (f_nodes >= 0))
        if len(members) and len(o_ok):
            _nearest_of_category(aug, o_nodes, o_ok, f_nodes, members, cutoff, dist[:, j], nearest[:, j])
        if progress is not None:
            progress(j + 1, len(cats), cat)
    return AccessResult(
        origin_ids=origins.ids,
        categories=cats,
        distance_m=dist,
        nearest_index=nearest,
        facility_ids=facilities.ids,
        max_distance_m=cutoff,
        walking_speed_m_per_min=network.walking_speed_m_per_min,
        origins=o_join,
        facilities=f_join,
    )


def _pairs_on(
    aug: AugmentedGraph, src_nodes: NDArray[np.int64], dst_nodes: NDArray[np.int64], cutoff: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """All (i, j) with distance(src_nodes[i], dst_nodes[j]) <= cutoff, one bounded search per source."""
    src_ok = np.flatnonzero(src_nodes >= 0)
    dst_ok = np.flatnonzero(dst_nodes >= 0)
    out_i: list[NDArray[np.int64]] = []
    out_j: list[NDArray[np.int64]] = []
    out_d: list[NDArray[np.float64]] = []
    if len(src_ok) == 0 or len(dst_ok) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    batch = max(1, _BATCH_CELLS // max(1, aug.n_nodes))
    for start in range(0, len(src_ok), batch):
        chunk = src_ok[start : start + batch]
        d = dijkstra(aug.graph, directed=True, indices=src_nodes[chunk], limit=cutoff)
        sub = np.asarray(d, dtype=np.float64).reshape(len(chunk), -1)[:, dst_nodes[dst_ok]]
        ii, jj = np.nonzero(np.isfinite(sub))
        out_i.append(chunk[ii])
        out_j.append(dst_ok[jj])
        out_d.append(sub[ii, jj])
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)


def distances_between(
    network: Network,
    sources: Points,
    targets: Points,
    *,
    max_distance_m: float,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> PairDistances:
    """Every (source, target) pair within ``max_distance_m`` along the network, with its distance.

    One bounded Dijkstra runs from each point of the smaller set (the network is undirected), so the cost grows
    with the number of points times the size of a catchment, not with the whole network.

    Parameters
    ----------
    network
        The walking network.
    sources, targets
        Point sets (may be the same object for community-to-community distances).
    max_distance_m
        Cut-off in metres (inclusive).
    snap_tolerance_m
        Points farther than this from every road are not joined and are reported.

    Returns
    -------
    PairDistances
        Sorted by source then target. A point is within 0 m of itself.
    """
    cutoff = _check_distance(max_distance_m, "max_distance_m")
    s_join = join_points(network, sources, snap_tolerance_m=snap_tolerance_m)
    t_join = (
        s_join if targets is sources else join_points(network, targets, snap_tolerance_m=snap_tolerance_m)
    )
    aug = augment(network, (s_join,) if targets is sources else (s_join, t_join))
    s_nodes = aug.point_nodes[0]
    t_nodes = s_nodes if targets is sources else aug.point_nodes[1]
    if len(t_nodes) < len(s_nodes):
        j, i, d = _pairs_on(aug, t_nodes, s_nodes, cutoff)
    else:
        i, j, d = _pairs_on(aug, s_nodes, t_nodes, cutoff)
    order = np.lexsort((j, i))
    return PairDistances(
        source_index=i[order],
        target_index=j[order],
        distance_m=d[order],
        source_ids=sources.ids,
        target_ids=targets.ids,
        max_distance_m=cutoff,
        sources=s_join,
        targets=t_join,
    )


def counts_within(
    network: Network,
    origins: Points,
    facilities: Points,
    *,
    distance_m: float,
    categories: Sequence[str] | None = None,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> CountResult:
    """Number of facilities of each category within ``distance_m`` along the network of every origin.

    Parameters
    ----------
    network, origins, facilities, snap_tolerance_m
        As for :func:`nearest_facilities`.
    distance_m
        The distance in metres (inclusive).
    categories
        Categories to count (default: all among ``facilities``, sorted).

    Returns
    -------
    CountResult
    """
    if facilities.categories is None:
        raise SpatialInputError("facilities.category", "Facilities need a category each.")
    cats = tuple(categories) if categories is not None else facilities.category_names()
    pairs = distances_between(
        network, origins, facilities, max_distance_m=distance_m, snap_tolerance_m=snap_tolerance_m
    )
    col = {c: k for k, c in enumerate(cats)}
    fac_col = np.array([col.get(c, -1) for c in facilities.categories], dtype=np.int64)
    counts = np.zeros((len(origins), len(cats)), dtype=np.int64)
    cj = fac_col[pairs.target_index]
    keep = cj >= 0
    np.add.at(counts, (pairs.source_index[keep], cj[keep]), 1)
    return CountResult(origin_ids=origins.ids, categories=cats, count=counts, distance_m=pairs.max_distance_m)
