"""Shared facilities and renovation units (连片): which facilities serve which communities, and which
neighbouring communities share gaps and could be renovated together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from gaizao.spatial.access import PairDistances
from gaizao.spatial.errors import SpatialInputError
from gaizao.spatial.gaps import CommunityGaps
from gaizao.spatial.points import Points

__all__ = ["FacilityService", "RenovationUnit", "facility_service", "renovation_units"]


@dataclass(frozen=True)
class FacilityService:
    """The communities one facility serves (within its category's service distance).

    Attributes
    ----------
    facility_id, category
        The facility.
    service_distance_m
        The distance used, metres.
    community_ids
        Communities within that distance, nearest first.
    distances_m
        Their network distances, metres, aligned with ``community_ids``.
    """

    facility_id: str
    category: str
    service_distance_m: float
    community_ids: tuple[str, ...]
    distances_m: tuple[float, ...]

    @property
    def is_shared(self) -> bool:
        """True when the facility serves two or more communities."""
        return len(self.community_ids) >= 2


@dataclass(frozen=True)
class RenovationUnit:
    """A proposed renovation unit (连片): neighbouring communities within walking distance sharing gaps.

    Attributes
    ----------
    community_ids
        Members, sorted.
    shared_gaps
        ``(facility_id, level_id)`` gaps that at least two members have, most common first.
    common_gaps
        Gaps every member has.
    residents
        Sum of member weights (residents) when known, else the number of members.
    """

    community_ids: tuple[str, ...]
    shared_gaps: tuple[tuple[str, str], ...]
    common_gaps: tuple[tuple[str, str], ...]
    residents: float


def facility_service(
    pairs: PairDistances,
    facilities: Points,
    *,
    service_distance_m: Mapping[str, float],
) -> list[FacilityService]:
    """Which communities each facility serves.

    Parameters
    ----------
    pairs
        :func:`gaizao.spatial.distances_between` with communities as sources and ``facilities`` as targets and a
        cut-off at least the largest service distance.
    facilities
        The facilities (with categories) used as targets.
    service_distance_m
        ``{category: metres}`` — a facility serves communities within its category's distance (e.g. the walking
        distance of the life-circle level the category belongs to). Categories not listed serve at the cut-off.

    Returns
    -------
    list of FacilityService
        One per facility, in the order of ``facilities``.
    """
    if facilities.ids != pairs.target_ids:
        raise SpatialInputError(
            "facilities", "The facilities must be the targets the pair distances were made for."
        )
    cats = facilities.categories or ("",) * len(facilities)
    served: list[list[tuple[float, str]]] = [[] for _ in facilities.ids]
    for s, t, d in zip(pairs.source_index, pairs.target_index, pairs.distance_m, strict=True):
        limit = float(service_distance_m.get(cats[t], pairs.max_distance_m))
        if d <= limit:
            served[t].append((float(d), pairs.source_ids[s]))
    out = []
    for k, fid in enumerate(facilities.ids):
        items = sorted(served[k])
        limit = float(service_distance_m.get(cats[k], pairs.max_distance_m))
        out.append(
            FacilityService(fid, cats[k], limit, tuple(c for _, c in items), tuple(d for d, _ in items))
        )
    return out


def renovation_units(
    pairs: PairDistances,
    gaps: Sequence[CommunityGaps],
    *,
    max_distance_m: float,
    min_shared_gaps: int = 1,
    weights: Mapping[str, float] | None = None,
) -> list[RenovationUnit]:
    """Group neighbouring communities that share gaps into proposed renovation units.

    Two communities are linked when they are within ``max_distance_m`` of each other along the network and share
    at least ``min_shared_gaps`` gaps; units are the connected groups of two or more linked communities.

    Parameters
    ----------
    pairs
        :func:`gaizao.spatial.distances_between` of the communities with themselves.
    gaps
        :func:`gaizao.spatial.gap_report` for the same communities.
    max_distance_m
        Walking distance between neighbours, metres.
    min_shared_gaps
        Gaps two neighbours must share to be linked.
    weights
        Residents per community id, for :attr:`RenovationUnit.residents`.

    Returns
    -------
    list of RenovationUnit
        Largest first.
    """
    ids = pairs.source_ids
    if pairs.target_ids != ids:
        raise SpatialInputError("pairs", "Renovation units need community-to-community pair distances.")
    gap_sets = {g.community_id: g.gap_keys for g in gaps}
    rows: list[int] = []
    cols: list[int] = []
    for s, t, d in zip(pairs.source_index, pairs.target_index, pairs.distance_m, strict=True):
        if s >= t or d > max_distance_m:
            continue
        a, b = gap_sets.get(ids[s], frozenset()), gap_sets.get(ids[t], frozenset())
        if len(a & b) >= min_shared_gaps:
            rows.append(int(s))
            cols.append(int(t))
    n = len(ids)
    graph = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    units: list[RenovationUnit] = []
    for label in np.unique(labels):
        members = sorted(ids[k] for k in np.flatnonzero(labels == label))
        if len(members) < 2:
            continue
        counts: dict[tuple[str, str], int] = {}
        for cid in members:
            for key in gap_sets.get(cid, frozenset()):
                counts[key] = counts.get(key, 0) + 1
        shared = tuple(sorted((k for k, c in counts.items() if c >= 2), key=lambda k: (-counts[k], k)))
        common = tuple(sorted(k for k, c in counts.items() if c == len(members)))
        residents = (
            float(sum((weights or {}).get(c, 1.0) for c in members)) if weights else float(len(members))
        )
        units.append(RenovationUnit(tuple(members), shared, common, residents))
    units.sort(key=lambda u: (-len(u.community_ids), u.community_ids))
    return units
