"""The size limit of a renovation unit (communities, residents, radius): checked and, for a proposal, cut to fit.

Pure rule checks on community records; the limits come from the planning rule set in force.
"""

from __future__ import annotations

from typing import Any

from gaizao.planning import selectors
from gaizao.planning.services._common import _rules
from gaizao.policy.planning import PlanningRules


def unit_size_problems(communities: list[Any], rules: PlanningRules | None = None) -> list[str]:
    """What makes a set of communities too large to be one renovation unit (empty when it fits)."""
    rules = rules or _rules()
    out = []
    limit = rules.unit_max_communities
    if len(communities) > limit.value:
        out.append(
            f"单元不能超过 {limit.value} 个小区（现有 {len(communities)} 个）。/ communities: a unit holds at most "
            f"{limit.value} communities ({limit.clause})."
        )
    residents = sum(int(c.population or 0) for c in communities)
    limit = rules.unit_max_residents
    if residents > limit.value:
        out.append(
            f"单元人口不能超过 {limit.value} 人（现有 {residents} 人）。/ communities: a unit has at most "
            f"{limit.value} residents ({limit.clause})."
        )
    located = [c for c in communities if c.lon is not None and c.lat is not None]
    if len(located) >= 2:
        lon = sum(c.lon for c in located) / len(located)
        lat = sum(c.lat for c in located) / len(located)
        radius = max(selectors.distance_m(lon, lat, c.lon, c.lat) for c in located)
        limit = rules.unit_max_radius_m
        if radius > limit.value:
            out.append(
                f"单元半径不能超过 {limit.value} 米（现为 {radius:.0f} 米）。/ communities: a unit lies within "
                f"{limit.value} m of its centre, this one spans {radius:.0f} m ({limit.clause})."
            )
    return out


def _split_to_size(communities: list[Any], rules: PlanningRules) -> list[list[Any]]:
    """Cut an over-large proposal into neighbouring chunks that each fit (west to east, then south to north)."""
    ordered = sorted(communities, key=lambda c: (round((c.lon or 0) * 100), c.lat or 0, c.code))
    chunks: list[list[Any]] = []
    for c in ordered:
        if chunks and not unit_size_problems([*chunks[-1], c], rules):
            chunks[-1].append(c)
        else:
            chunks.append([c])
    return chunks
