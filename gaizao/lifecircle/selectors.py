"""Reads of life-circle results, each inside the viewer's scope (``gaizao.accounts.access``).

A run is visible to an account whose scope contains the run's division (a 上城区 officer sees 上城区 runs, never a
西湖区 or a city-wide run; the city coordinator sees every run). A community's results are visible to whoever may
read the community. Out-of-scope ids answer 404.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from gaizao.accounts.access import get_scoped, scope_path, scoped
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.divisions.selectors import division_scope_q
from gaizao.errors import ApplicationError
from gaizao.lifecircle.models import (
    AnalysisRun,
    Catchment,
    CommunityAccess,
    RoadNetwork,
    RunStatus,
    SitingProposal,
)
from gaizao.registry.models import Community, Facility, StockSite


def _int_or_404(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404("不存在或无权查看 / not found") from None


# --- networks ------------------------------------------------------------------------------------------------


def networks_for(user: Any) -> QuerySet[RoadNetwork]:
    """Networks an account may use: those of its scope and those of any division above it (the city's)."""
    path = scope_path(user)
    if path is None:
        return RoadNetwork.objects.none()
    ancestors = [path[:i] for i in range(len(path)) if path[i] == "/"] + [path]
    return (
        RoadNetwork.objects.filter(division_scope_q(path) | _paths_q(ancestors))
        .select_related("division")
        .distinct()
    )


def _paths_q(paths: list[str]) -> Any:
    from django.db.models import Q

    return Q(division__path__in=[p for p in paths if p])


def get_network_for(user: Any, pk: Any) -> RoadNetwork:
    network = networks_for(user).filter(pk=_int_or_404(pk)).first()
    if network is None:
        raise Http404("不存在或无权查看 / not found")
    return network


def default_network_for(user: Any) -> RoadNetwork | None:
    return networks_for(user).order_by("-is_default", "-loaded_at").first()


# --- runs ----------------------------------------------------------------------------------------------------


def runs_for(user: Any) -> QuerySet[AnalysisRun]:
    return scoped(AnalysisRun.objects.select_related("division", "network", "created_by", "job"), user)


def get_run_for(user: Any, pk: Any) -> AnalysisRun:
    return get_scoped(
        AnalysisRun.objects.select_related("division", "network", "job"), user, pk=_int_or_404(pk)
    )


def latest_run_for(user: Any, division: Division | None = None) -> AnalysisRun | None:
    qs = runs_for(user).filter(status=RunStatus.SUCCEEDED)
    if division is not None:
        qs = qs.filter(division=division)
    return qs.first()


def run_results(run: AnalysisRun) -> QuerySet[CommunityAccess]:
    """The run's per-community results (the run was fetched through ``get_run_for``).

    Through the run's related manager, so every row's ``run`` is ``run`` itself: the rows decode their distances
    and gaps with the run's ``result_layout`` without fetching it again.
    """
    return run.results.select_related("community", "community__division")


@dataclass(frozen=True)
class ResultFilter:
    """Search and filters on a run's result table (issue 16 §4); the empty filter keeps every row."""

    q: str = ""
    street: Division | None = None
    score_min: float | None = None
    score_max: float | None = None
    gap: str = ""
    item: str = ""

    def params(self) -> dict[str, str]:
        """The filter as query parameters (empty ones left out), for links and the map."""
        out = {
            "q": self.q,
            "street": self.street.code if self.street is not None else "",
            "score_min": "" if self.score_min is None else f"{self.score_min:g}",
            "score_max": "" if self.score_max is None else f"{self.score_max:g}",
            "gap": self.gap,
            "item": self.item,
        }
        return {k: v for k, v in out.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.params())


def _score(params: Mapping[str, Any], field: str, label: str) -> float | None:
    raw = str(params.get(field, "") or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (0 <= value <= 100):
        raise ApplicationError(
            f"{label}须为 0–100 之间的数字：{raw}。/ The {field.replace('_', ' ')} must be a number from 0 to 100: "
            f"{raw}.",
            field=field,
        )
    return value


def result_filter_from(run: AnalysisRun, params: Mapping[str, Any]) -> ResultFilter:
    """Read the filter from request parameters; an unknown street, category or item is an error naming it."""
    q = str(params.get("q", "") or "").strip()[:100]
    street = None
    code = str(params.get("street", "") or "").strip()
    if code:
        street = run_streets(run).filter(code=code).first()
        if street is None:
            raise ApplicationError(
                f"街道 {code} 不在本次分析范围内。/ The street {code} is not in this run's scope.",
                field="street",
            )
    score_min = _score(params, "score_min", "最低得分")
    score_max = _score(params, "score_max", "最高得分")
    if score_min is not None and score_max is not None and score_min > score_max:
        raise ApplicationError(
            "最低得分不能高于最高得分。/ The minimum score cannot exceed the maximum score.",
            field="score_min",
        )
    gap = str(params.get("gap", "") or "").strip()
    if gap and gap not in {c["facility"] for c in run.result_layout.get("checks", [])}:
        raise ApplicationError(
            f"设施类别 {gap} 不是本次分析的必配设施。/ {gap} is not a required facility of this run.",
            field="gap",
        )
    item = str(params.get("item", "") or "").strip()
    if item and item not in run_items(run):
        raise ApplicationError(
            f"改造内容 {item} 不在本次分析的建议中。/ The item {item} is not recommended by this run.",
            field="item",
        )
    return ResultFilter(q=q, street=street, score_min=score_min, score_max=score_max, gap=gap, item=item)


def run_results_filtered(run: AnalysisRun, filters: ResultFilter) -> QuerySet[CommunityAccess]:
    """``run_results`` narrowed by ``filters`` in the database (name or code search, street, score range, a gap
    of a category, a recommended item)."""
    qs = run_results(run)
    if filters.q:
        qs = qs.filter(Q(community__name__icontains=filters.q) | Q(community__code__icontains=filters.q))
    if filters.street is not None:
        qs = qs.filter(division_scope_q(filters.street.path, "community__division__path"))
    if filters.score_min is not None:
        qs = qs.filter(score__gte=filters.score_min)
    if filters.score_max is not None:
        qs = qs.filter(score__lte=filters.score_max)
    # The JSON lists hold ids as quoted strings: match the quoted id, on SQLite and PostgreSQL alike.
    if filters.gap:
        qs = qs.filter(gap_facilities__icontains=json.dumps(filters.gap))
    if filters.item:
        qs = qs.filter(gap_items__icontains=json.dumps(filters.item))
    return qs


def run_streets(run: AnalysisRun) -> QuerySet[Division]:
    """The streets (街道乡镇) inside the run's division, for the street filter."""
    return Division.objects.filter(
        division_scope_q(run.division.path, "path"), level=DivisionLevel.STREET
    ).order_by("code")


def run_items(run: AnalysisRun) -> list[str]:
    """The catalogue items the run's requirement checks would recommend, in first-seen order."""
    return list(dict.fromkeys(i for c in run.result_layout.get("checks", []) for i in c.get("items", [])))


def run_categories(run: AnalysisRun) -> list[dict[str, Any]]:
    """The categories analysed, with names, as ``[{"id", "name_zh", "name_en", "gaps"}]``."""
    names = facility_names()
    counts = run.summary.get("gaps_by_facility", {}) if isinstance(run.summary, dict) else {}
    cats = run.summary.get("categories", []) if isinstance(run.summary, dict) else []
    return [
        {
            "id": c,
            "name_zh": names.get(c, (c, c))[0],
            "name_en": names.get(c, (c, c))[1],
            "gaps": counts.get(c, 0),
        }
        for c in cats
    ]


def facility_names() -> dict[str, tuple[str, str]]:
    from gaizao.policy import life_circle_facilities

    return {f.id: (f.name_zh, f.name_en) for f in life_circle_facilities()}


def gaps_geojson(run: AnalysisRun, category: str, filters: ResultFilter | None = None) -> dict[str, Any]:
    """Communities of ``run`` (those ``filters`` keep) as GeoJSON points with their distance to ``category`` and
    whether it is a gap."""
    features = []
    rows = run_results(run) if filters is None else run_results_filtered(run, filters)
    for row in rows:
        c = row.community
        if c.lon is None or c.lat is None:
            continue
        levels = [g["level"] for g in row.gaps if g["facility"] == category]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {
                    "id": c.pk,
                    "name": c.name,
                    "division": c.division.name,
                    "distance_m": row.distances.get(category),
                    "gap": bool(levels),
                    "gap_levels": levels,
                    "score": row.score,
                    "gap_count": row.gap_count,
                    "population": row.population,
                    "joined": row.joined,
                    "url": f"/lifecircle/communities/{c.pk}/",
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"run": run.pk, "category": category},
    }


# --- communities ---------------------------------------------------------------------------------------------


def get_community_for(user: Any, pk: Any) -> Community:
    return get_scoped(Community.objects.select_related("division"), user, pk=_int_or_404(pk))


def community_access_latest(community: Community) -> CommunityAccess | None:
    """The community's result in the latest succeeded run.

    Guarded by the community, not the run: whoever may read the community (fetched through
    ``get_community_for``) may read what any run found for it, e.g. a 社区 organiser reading the district's run.
    """
    qs = CommunityAccess.objects.filter(community=community, run__status=RunStatus.SUCCEEDED)
    return qs.select_related("run", "run__network").order_by("-run__finished_at", "-run_id").first()


def community_access_before_after(
    community: Community, *, before: dt.date | None, after: dt.date | None
) -> dict[str, Any]:
    """The community's life-circle results around its works, for the performance evaluation: ``before`` the latest
    succeeded run finished before the day works started, ``after`` the latest finished on or after the day they were
    completed (``None`` when no such run, or the day is not known yet). ``closed`` are the gap facilities
    (``gap_facilities``) of before that are not gaps after, ``opened`` the reverse; ``reachable_before`` /
    ``reachable_after`` count the (level, facility) requirements met. Guarded by the community, as
    :func:`community_access_latest`."""
    qs = (
        CommunityAccess.objects.filter(community=community, run__status=RunStatus.SUCCEEDED)
        .select_related("run")
        .order_by("-run__finished_at", "-run_id")
    )
    first = qs.filter(run__finished_at__date__lt=before).first() if before is not None else None
    last = qs.filter(run__finished_at__date__gte=after).first() if after is not None else None
    gaps_before = {str(f) for f in (first.gap_facilities or [])} if first is not None else set()
    gaps_after = {str(f) for f in (last.gap_facilities or [])} if last is not None else set()
    both = first is not None and last is not None
    return {
        "before": first,
        "after": last,
        "closed": sorted(gaps_before - gaps_after) if both else [],
        "opened": sorted(gaps_after - gaps_before) if both else [],
        "reachable_before": _reachable(first),
        "reachable_after": _reachable(last),
    }


def _reachable(access: CommunityAccess | None) -> int | None:
    if access is None:
        return None
    levels = access.reachable if isinstance(access.reachable, dict) else {}
    return sum(1 for facilities in levels.values() for ok in (facilities or {}).values() if ok)


def run_visible_to(user: Any, run: AnalysisRun) -> bool:
    return runs_for(user).filter(pk=run.pk).exists()


def community_catchments(access: CommunityAccess) -> dict[str, Any]:
    """The community's 5/10/15-minute catchments of ``access``'s run (see ``services.catchments_fill``)."""
    rows = Catchment.objects.filter(run_id=access.run_id, community_id=access.community_id)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": r.geometry,
                "properties": {
                    "level": r.level,
                    "distance_m": r.distance_m,
                    "area_m2": r.area_m2,
                    "run": r.run_id,
                },
            }
            for r in rows
        ],
    }


def facilities_near(community: Community, radius_m: float = 1200) -> QuerySet[Facility]:
    """Facilities within a box of ``radius_m`` around the community (for drawing; distances come from the run)."""
    if community.lon is None or community.lat is None:
        return Facility.objects.none()
    import math

    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(0.1, math.cos(math.radians(community.lat))))
    return Facility.objects.filter(
        archived_at__isnull=True,
        lon__gte=community.lon - dlon,
        lon__lte=community.lon + dlon,
        lat__gte=community.lat - dlat,
        lat__lte=community.lat + dlat,
    )


# --- siting --------------------------------------------------------------------------------------------------


def proposals_for(user: Any) -> QuerySet[SitingProposal]:
    return scoped(
        SitingProposal.objects.select_related("run", "run__division"), user, field="run__division__path"
    )


def get_proposal_for(user: Any, pk: Any) -> SitingProposal:
    return get_scoped(
        SitingProposal.objects.select_related("run", "run__division", "run__network"),
        user,
        field="run__division__path",
        pk=_int_or_404(pk),
    )


def stock_sites_in(run: AnalysisRun) -> QuerySet[StockSite]:
    return StockSite.objects.filter(division_scope_q(run.division.path), archived_at__isnull=True)


# --- cross-app interface (programme) -------------------------------------------------------------------------


def community_gap_items(*, community_id: int) -> list[str]:
    """Recommended catalogue item ids from the latest run's gaps for the community; ``[]`` if none.

    Not scoped: the caller (the programme app) has already fetched the community inside its user's scope.
    """
    row = (
        CommunityAccess.objects.filter(community_id=community_id, run__status=RunStatus.SUCCEEDED)
        .order_by("-run__finished_at", "-run_id")
        .only("gap_items")
        .first()
    )
    return list(row.gap_items) if row is not None else []


def renovation_unit_proposals(*, run_id: int) -> list[dict[str, Any]]:
    """Groups of neighbouring communities sharing gaps (连片), from ``gaizao.spatial``; ``[]`` for no run.

    Each item: ``{"community_ids": [int, ...], "shared_gaps": [facility id, ...], "common_gaps": [...],
    "residents": int}`` (gap facility ids may repeat across levels, most shared first).
    """
    run = AnalysisRun.objects.filter(pk=run_id, status=RunStatus.SUCCEEDED).only("units").first()
    if run is None:
        return []
    return [
        {
            "community_ids": [int(c) for c in u["community_ids"]],
            "shared_gaps": list(dict.fromkeys(g[0] for g in u.get("shared_gaps", []))),
            "common_gaps": list(dict.fromkeys(g[0] for g in u.get("common_gaps", []))),
            "residents": int(u.get("residents", 0)),
        }
        for u in run.units
    ]
