"""Life-circle gap report: which required (▲) facilities each community cannot reach within its level's distance.

Levels do not substitute for each other (GB 50180-2018, 各层级配套设施为非包含关系): a requirement
``(facility, level)`` is met only by a facility **of that category** within **that level's** walking distance. A
15-minute facility (e.g. 卫生服务中心) therefore never meets a 5-minute requirement (社区卫生服务站), because it is a
different category; a category required at two levels (公交车站 at 10 and 15 minutes) is checked against each
level's own distance.

The core function :func:`gap_report` takes plain data; :func:`gap_report_from_policy` adapts ``gaizao.policy``'s
life-circle objects (duck-typed by attribute names).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gaizao.spatial.errors import SpatialInputError

__all__ = ["CommunityGaps", "Requirement", "RequirementCheck", "gap_report", "gap_report_from_policy"]


@dataclass(frozen=True)
class Requirement:
    """One facility a life-circle level lists: ``required`` is True for ▲ (应配建), False for △ (按需)."""

    facility_id: str
    level_id: str
    required: bool = True


@dataclass(frozen=True)
class RequirementCheck:
    """A required facility at a level, checked for one community.

    Attributes
    ----------
    facility_id, level_id
        The requirement.
    level_distance_m
        The level's walking distance, metres.
    distance_m
        Network distance to the nearest facility of the category, metres, or None if none was found in reach.
    met
        ``distance_m <= level_distance_m``.
    """

    facility_id: str
    level_id: str
    level_distance_m: float
    distance_m: float | None
    met: bool


@dataclass(frozen=True)
class CommunityGaps:
    """The life-circle assessment of one community.

    Attributes
    ----------
    community_id
        The community (origin) id.
    checks
        One :class:`RequirementCheck` per required facility per level, levels in the given order.
    score
        Share of required facilities met, 0–1 (1.0 when nothing is required).
    level_scores
        ``{level_id: share met at that level}``.
    gaps
        The unmet checks — each a candidate catalogue item for the community's renovation plan.
    """

    community_id: str
    checks: tuple[RequirementCheck, ...]
    score: float
    level_scores: Mapping[str, float]
    gaps: tuple[RequirementCheck, ...]

    @property
    def gap_keys(self) -> frozenset[tuple[str, str]]:
        """The gaps as ``(facility_id, level_id)`` pairs."""
        return frozenset((g.facility_id, g.level_id) for g in self.gaps)


def gap_report(
    distances: Mapping[str, Mapping[str, float | None]],
    *,
    levels: Mapping[str, float],
    requirements: Iterable[tuple[str, str, bool] | Requirement],
) -> list[CommunityGaps]:
    """Check every community against every required facility of every life-circle level.

    Parameters
    ----------
    distances
        ``{community_id: {facility_id (category): distance_m or None}}``, e.g.
        :meth:`gaizao.spatial.AccessResult.as_mapping` with a cut-off at least the largest level distance. A
        category missing from a community's mapping counts as not reachable.
    levels
        ``{level_id: walking distance in metres}``, e.g. ``{"5min": 300, "10min": 500, "15min": 1000}``.
    requirements
        ``(facility_id, level_id, required)`` tuples or :class:`Requirement`; only ``required`` ones (▲) are
        checked.

    Returns
    -------
    list of CommunityGaps
        In the order of ``distances``.

    Raises
    ------
    SpatialInputError
        If a requirement names a level not in ``levels`` or a level distance is not a non-negative number.
    """
    for lid, d in levels.items():
        if not (isinstance(d, (int, float)) and np.isfinite(d) and d >= 0):
            raise SpatialInputError(
                "levels", f"The walking distance of level {lid!r} must be a number of metres."
            )
    reqs: list[Requirement] = []
    for r in requirements:
        req = r if isinstance(r, Requirement) else Requirement(str(r[0]), str(r[1]), bool(r[2]))
        if req.level_id not in levels:
            raise SpatialInputError(
                "requirements",
                f"The requirement {req.facility_id!r} names the level {req.level_id!r}, which is not among "
                f"the levels {', '.join(map(repr, levels))}.",
            )
        if req.required:
            reqs.append(req)
    level_order = {lid: k for k, lid in enumerate(levels)}
    reqs.sort(key=lambda r: level_order[r.level_id])
    out: list[CommunityGaps] = []
    for cid, row in distances.items():
        checks: list[RequirementCheck] = []
        for req in reqs:
            limit = float(levels[req.level_id])
            raw = row.get(req.facility_id)
            found = None if raw is None or not np.isfinite(raw) else float(raw)
            met = found is not None and found <= limit
            checks.append(RequirementCheck(req.facility_id, req.level_id, limit, found, met))
        n_met = sum(c.met for c in checks)
        per_level: dict[str, float] = {}
        for lid in levels:
            at = [c for c in checks if c.level_id == lid]
            if at:
                per_level[lid] = sum(c.met for c in at) / len(at)
        out.append(
            CommunityGaps(
                community_id=str(cid),
                checks=tuple(checks),
                score=n_met / len(checks) if checks else 1.0,
                level_scores=per_level,
                gaps=tuple(c for c in checks if not c.met),
            )
        )
    return out


def gap_report_from_policy(
    distances: Mapping[str, Mapping[str, float | None]],
    *,
    levels: Sequence[object],
    facilities: Sequence[object],
) -> list[CommunityGaps]:
    """:func:`gap_report` fed with ``gaizao.policy`` objects.

    Parameters
    ----------
    distances
        As for :func:`gap_report`.
    levels
        Objects with ``id`` and ``walk_distance_m`` (``gaizao.policy.life_circle_levels()``). Levels without a
        walking distance (居住街坊) are skipped, with their requirements.
    facilities
        Objects with ``id``, ``level`` (a level id, or an object with ``id``) and ``required``
        (``gaizao.policy.life_circle_facilities()``).
    """
    level_map: dict[str, float] = {}
    for lv in levels:
        dist = getattr(lv, "walk_distance_m", None)
        if dist is not None:
            level_map[str(lv.id)] = float(dist)  # type: ignore[attr-defined]
    reqs: list[Requirement] = []
    for f in facilities:
        level = getattr(f, "level", None)
        level_id = str(getattr(level, "id", level))
        if level_id in level_map:
            reqs.append(Requirement(str(f.id), level_id, bool(getattr(f, "required", False))))  # type: ignore[attr-defined]
    return gap_report(distances, levels=level_map, requirements=reqs)
