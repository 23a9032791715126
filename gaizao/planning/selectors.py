"""Reads of the special plan and the optimiser. Every user-visible read goes through ``gaizao.accounts.access``.

:func:`optimiser_candidates` is the "fetch" step (STYLE.md §1): it turns a district's screened communities into
plain rows with their estimate from the catalogue rates, expected municipal subsidy, life-circle gaps, readiness,
age and condition, for the pure optimiser in ``gaizao.spatial.programme_optimiser``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from gaizao.accounts.access import get_scoped, scoped
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.divisions.selectors import division_scope_q
from gaizao.planning.models import (
    OptimiserRun,
    PlanUnit,
    ProjectUnitLink,
    SpecialPlan,
    SpecialPlanState,
)

FEN = Decimal("0.01")
DISTRICT = "district__path"


def _int(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404("不存在 / not found") from exc


# --- special plans --------------------------------------------------------------------------------------------------


def plans_for(user: Any) -> QuerySet[SpecialPlan]:
    return scoped(SpecialPlan.objects.select_related("district"), user, field=DISTRICT)


def get_plan(user: Any, pk: Any) -> SpecialPlan:
    return get_scoped(SpecialPlan.objects.select_related("district"), user, field=DISTRICT, pk=_int(pk))


def get_unit(user: Any, pk: Any) -> PlanUnit:
    return get_scoped(
        PlanUnit.objects.select_related("plan", "plan__district"),
        user,
        field="plan__district__path",
        pk=_int(pk),
    )


def plan_units(plan: SpecialPlan) -> list[PlanUnit]:
    return list(plan.units.prefetch_related("communities").order_by("code"))


def approved_plan(district: Division) -> SpecialPlan | None:
    """The district's approved special plan (the one projects link to), or None."""
    return SpecialPlan.objects.filter(district=district, state=SpecialPlanState.APPROVED).first()


def districts_for(user: Any) -> list[Division]:
    """Districts inside the user's scope (the user's own when it is a district officer)."""
    return list(
        scoped(Division.objects.filter(level=DivisionLevel.DISTRICT), user, field="path").order_by("code")
    )


def approved_plans_within(division: Division) -> list[SpecialPlan]:
    """The approved special plans of the district, or of every district of the city."""
    return list(
        SpecialPlan.objects.filter(
            division_scope_q(division.path, "district__path"), state=SpecialPlanState.APPROVED
        ).select_related("district")
    )


def optimiser_scopes_for(user: Any) -> list[Division]:
    """Where ``user`` may run the optimiser: the whole city (city coordinator) and each district it may write."""
    from gaizao.planning.services import can_optimise

    levels = [DivisionLevel.CITY, DivisionLevel.DISTRICT]
    divisions = scoped(Division.objects.filter(level__in=levels), user, field="path").order_by("path")
    return [d for d in divisions if can_optimise(user, d)]


def district_communities(district: Division) -> QuerySet[Any]:
    """Every community of the district that is not archived (the district was fetched inside the user's scope)."""
    from gaizao.registry.models import Community

    return Community.objects.filter(division_scope_q(district.path), archived_at__isnull=True).select_related(
        "division"
    )


def screened_in(district: Division) -> QuerySet[Any]:
    from gaizao.registry.models import ScopeStatus

    return district_communities(district).filter(
        scope_status__in=[ScopeStatus.PRIORITY, ScopeStatus.MAY_INCLUDE]
    )


def unit_of_community(plan: SpecialPlan) -> dict[int, PlanUnit]:
    out: dict[int, PlanUnit] = {}
    for unit in plan.units.prefetch_related("memberships"):
        for m in unit.memberships.all():
            out[m.community_id] = unit
    return out


def plan_map(plan: SpecialPlan) -> dict[str, Any]:
    """The district's communities as GeoJSON points with their unit (code, id) in this plan version."""
    units = unit_of_community(plan)
    features = []
    for c in district_communities(plan.district).order_by("code"):
        if c.lon is None or c.lat is None:
            continue
        unit = units.get(c.pk)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {
                    "id": c.pk,
                    "name": c.name,
                    "code": c.code,
                    "scope": c.scope_status,
                    "households": c.households or 0,
                    "unit": unit.code if unit else "",
                    "unit_id": unit.pk if unit else None,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def project_link(project_id: int) -> ProjectUnitLink | None:
    return ProjectUnitLink.objects.select_related("unit", "unit__plan").filter(project_id=project_id).first()


# --- life-circle gaps -----------------------------------------------------------------------------------------------


def latest_gaps(community_ids: list[int]) -> dict[int, list[str]]:
    """Gap facility ids per community from the latest succeeded life-circle run that covers it (one query)."""
    from gaizao.lifecircle.models import CommunityAccess, RunStatus

    rows = (
        CommunityAccess.objects.filter(community_id__in=community_ids, run__status=RunStatus.SUCCEEDED)
        .order_by("community_id", "-run__finished_at", "-run_id")
        .values_list("community_id", "gap_facilities")
    )
    out: dict[int, list[str]] = {}
    for community_id, gaps in rows:
        if community_id not in out:
            out[community_id] = list(dict.fromkeys(gaps or []))
    return out


def latest_gap_items(community_ids: list[int]) -> dict[int, list[str]]:
    """Catalogue items the latest life-circle gaps recommend, per community (one query; the bulk form of
    ``gaizao.lifecircle.selectors.community_gap_items``)."""
    from gaizao.lifecircle.models import CommunityAccess, RunStatus

    rows = (
        CommunityAccess.objects.filter(community_id__in=community_ids, run__status=RunStatus.SUCCEEDED)
        .order_by("community_id", "-run__finished_at", "-run_id")
        .values_list("community_id", "gap_items")
    )
    out: dict[int, list[str]] = {}
    for community_id, items in rows:
        if community_id not in out:
            out[community_id] = list(items or [])
    return out


def residents_evidence(community_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per community: the top needs of its latest answered survey and whether its latest closed consent ballot passed.

    Three queries for a whole district (the bulk form of the participation selectors ``needs_priorities`` and
    ``latest_ballot_outcome``, whose rules it reuses).
    """
    from django.db.models import Count

    from gaizao.participation.models import Ballot, NeedsSurvey
    from gaizao.participation.selectors import CLOSED_STATES, survey_priorities

    out: dict[int, dict[str, Any]] = {cid: {"needs": [], "consent": False} for cid in community_ids}
    surveys = (
        NeedsSurvey.objects.filter(community_id__in=community_ids)
        .annotate(n=Count("responses"))
        .filter(n__gt=0)
        .order_by("community_id", "-created_at", "-id")
    )
    seen: set[int] = set()
    for survey in surveys:
        if survey.community_id in seen:
            continue
        seen.add(survey.community_id)
        out[survey.community_id]["needs"] = survey_priorities(survey)
    ballots = (
        Ballot.objects.filter(
            community_id__in=community_ids, purpose="renovation_consent", status__in=CLOSED_STATES
        )
        .order_by("community_id", "-closed_at", "-id")
        .values_list("community_id", "approved")
    )
    seen = set()
    for community_id, approved in ballots:
        if community_id in seen:
            continue
        seen.add(community_id)
        out[community_id]["consent"] = bool(approved)
    return out


def facility_names() -> dict[str, tuple[str, str]]:
    from gaizao.lifecircle.selectors import facility_names as names

    return names()


# --- optimiser runs -------------------------------------------------------------------------------------------------


def runs_for(user: Any) -> QuerySet[OptimiserRun]:
    return scoped(OptimiserRun.objects.select_related("district", "annual_plan"), user, field=DISTRICT)


def get_run(user: Any, pk: Any) -> OptimiserRun:
    return get_scoped(
        OptimiserRun.objects.select_related("district", "annual_plan"), user, field=DISTRICT, pk=_int(pk)
    )


# --- candidates -----------------------------------------------------------------------------------------------------

#: Items every pre-estimate prices (基础类, 二(二)): the works every old community needs.
BASE_ITEMS = ("rain_sewage_separation", "facade_repair", "roof_repair", "fire_protection", "security")
_CONDITION_FIELDS = (
    "water_supply",
    "drainage",
    "power_supply",
    "gas_supply",
    "fire_safety",
    "security",
    "roads",
    "lighting",
)


@dataclass
class CandidateRow:
    """One candidate community with everything the optimiser and the page need (money as Decimal yuan)."""

    community: Any
    street: str
    estimate: Decimal
    subsidy: Decimal
    households: int
    gaps: list[str]
    priority: bool
    urgency: float
    readiness: float
    readiness_notes: list[str] = field(default_factory=list)
    committed: bool = False
    project_code: str = ""
    estimate_source: str = ""
    unit_code: str = ""


def _street_name(division: Division) -> str:
    node: Division | None = division
    while node is not None and node.level not in (DivisionLevel.STREET, DivisionLevel.DISTRICT):
        node = node.parent
    return node.name if node is not None and node.level == DivisionLevel.STREET else ""


def _quantity(item: Any, community: Any) -> Decimal:
    """Pre-estimate quantity of a catalogue item for a community, from its size (planning-stage rule of thumb)."""
    households = Decimal(community.households or 0)
    buildings = Decimal(community.building_count or 0)
    area = community.building_area_m2 or Decimal(0)
    if item.unit == "户":
        return households
    if item.unit == "m²":
        if item.aspect == "service_functions":
            return max(Decimal(50), (households * Decimal("0.2")).quantize(Decimal(1)))
        return (area * Decimal("0.5")).quantize(Decimal(1))
    if item.unit == "m":
        return buildings * 100
    if item.unit == "台":
        return buildings * 2 if item.id == "elevator_retrofit" else max(Decimal(1), buildings)
    if item.unit == "个":
        return (households * Decimal("0.1")).quantize(Decimal(1))
    if item.unit == "处":
        return max(Decimal(1), buildings)
    return Decimal(1)


def _urgency(community: Any, plan_year: int) -> float:
    """0..1: half from age (20 years old → 0, 45 or more → 1), half from the share of poor or missing systems."""
    age = plan_year - community.built_year if community.built_year else 20
    by_age = min(1.0, max(0.0, (age - 20) / 25))
    filled = [getattr(community, f) for f in _CONDITION_FIELDS if getattr(community, f)]
    bad = sum(1 for v in filled if v in ("poor", "missing"))
    by_condition = bad / len(filled) if filled else (1.0 if community.infrastructure_deficient else 0.0)
    return round(0.5 * by_age + 0.5 * by_condition, 3)


def optimiser_candidates(
    district: Division, *, plan_year: int, on: dt.date
) -> tuple[list[CandidateRow], list[dict[str, Any]]]:
    """The district's (or, for a city-wide run, the city's) candidates for ``plan_year`` and the communities left
    out with the reason.

    A candidate is a screened community (priority or may include) that is not already in a project placed in an
    approved annual plan of an earlier year. Communities whose project is already 实施一批 are committed. The
    estimate is the project's current plan version when there is one, else a pre-estimate: the base works, the
    life-circle gap items and the residents' top needs, at the district's catalogue rates (programme unit rates).
    The municipal subsidy is the policy core's decision on that estimate (RULES §3).
    """
    from gaizao.policy import PolicyInputError, municipal_subsidy
    from gaizao.policy.catalogue import catalogue_item
    from gaizao.programme import selectors as programme
    from gaizao.programme.models import AnnualPlanState, ProjectCommunity, ProjectState

    # a city-wide run spans districts: each community is priced at its own district's rates and subsidy share
    districts = {
        d.path: d
        for d in Division.objects.filter(
            division_scope_q(district.path, "path"), level=DivisionLevel.DISTRICT
        )
    }
    rates_of: dict[int, dict[str, Any]] = {}

    def district_of(community: Any) -> Division:
        parts = community.division.path.split("/")
        for k in range(len(parts), 0, -1):
            found = districts.get("/".join(parts[:k]))
            if found is not None:
                return found
        return district

    communities = list(screened_in(district).order_by("code"))
    ids = [c.pk for c in communities]
    gaps = latest_gaps(ids)
    gap_items = latest_gap_items(ids)
    evidence = residents_evidence(ids)
    units: dict[int, PlanUnit] = {}
    for plan in approved_plans_within(district):
        units.update(unit_of_community(plan))
    memberships = (
        ProjectCommunity.objects.filter(community_id__in=ids, project__archived_at__isnull=True)
        .exclude(project__state=ProjectState.WITHDRAWN)
        .select_related("project", "project__plan__current_version")
    )
    project_of = {m.community_id: m.project for m in memberships}
    done_before = set(
        ProjectCommunity.objects.filter(
            community_id__in=ids,
            project__annual_plans__state=AnnualPlanState.APPROVED,
            project__annual_plans__plan_year__lt=plan_year,
        ).values_list("community_id", flat=True)
    )
    rows: list[CandidateRow] = []
    excluded: list[dict[str, Any]] = []
    streets: dict[int, str] = {}
    for c in communities:
        if c.pk in done_before:
            excluded.append(
                {
                    "community_id": c.pk,
                    "name": c.name,
                    "reason": "已列入往年批准的年度计划 / in an earlier approved plan",
                }
            )
            continue
        project = project_of.get(c.pk)
        estimate = subsidy = Decimal(0)
        source = ""
        version = None
        if project is not None:
            plan_row = getattr(project, "plan", None)
            version = plan_row.current_version if plan_row is not None else None
        if project is not None and version is not None and version.estimate > 0:
            members = project.communities.count() or 1
            estimate = (version.estimate / members).quantize(FEN, rounding=ROUND_HALF_UP)
            subsidy = (version.subsidy_amount / members).quantize(FEN, rounding=ROUND_HALF_UP)
            source = f"项目方案 v{version.number} / plan version {version.number}"
        else:
            item_ids = list(BASE_ITEMS)
            item_ids += gap_items.get(c.pk, [])
            item_ids += [i for i, score in evidence[c.pk]["needs"][:3] if score > 0]
            elevator = water = Decimal(0)
            priced = 0
            own = district_of(c)
            if own.pk not in rates_of:
                rates_of[own.pk] = programme.unit_rates_map(district=own)
            rates = rates_of[own.pk]
            for item_id in dict.fromkeys(item_ids):
                rate = rates.get(item_id)
                if rate is None:
                    continue
                try:
                    item = catalogue_item(item_id)
                except PolicyInputError:
                    continue
                amount = (_quantity(item, c) * rate.rate).quantize(FEN, rounding=ROUND_HALF_UP)
                estimate += amount
                priced += 1
                if item_id == "elevator_retrofit":
                    elevator += amount
                elif item_id == "secondary_water_supply":
                    water += amount
            if priced == 0 or estimate <= 0:
                excluded.append(
                    {
                        "community_id": c.pk,
                        "name": c.name,
                        "reason": "无单价，无法估算投资 / no unit rates to estimate its cost",
                    }
                )
                continue
            source = f"按目录单价估算 {priced} 项 / pre-estimate from {priced} catalogue rates"
            try:
                decision = municipal_subsidy(
                    district=own.code,
                    built_year=c.built_year,
                    affordable_housing=c.affordable_housing,
                    final_accounts=estimate,
                    elevator_cost=elevator,
                    secondary_water_cost=water,
                    building_area_m2=c.building_area_m2 or Decimal(0),
                    on=on,
                )
                subsidy = decision.amount if decision.payer == "municipal" else Decimal(0)
            except PolicyInputError:
                subsidy = Decimal(0)
        notes: list[str] = []
        readiness = 0.0
        if evidence[c.pk]["needs"]:
            readiness += 0.4
            notes.append("已完成需求调查 / needs survey answered")
        if evidence[c.pk]["consent"]:
            readiness += 0.6
            notes.append("改造意愿表决已通过 / consent vote passed")
        elif c.residents_willing:
            readiness += 0.2
            notes.append("居民改造意愿强烈 / residents strongly willing")
        unit = units.get(c.pk)
        rows.append(
            CandidateRow(
                community=c,
                street=streets.setdefault(c.division_id, _street_name(c.division))
                if c.division_id not in streets
                else streets[c.division_id],
                estimate=estimate,
                subsidy=min(subsidy, estimate),
                households=int(c.households or 0),
                gaps=gaps.get(c.pk, []),
                priority=c.scope_status == "priority",
                urgency=_urgency(c, plan_year),
                readiness=min(1.0, readiness),
                readiness_notes=notes,
                committed=project is not None and project.state == ProjectState.IMPLEMENTING,
                project_code=project.code if project is not None else "",
                estimate_source=source,
                unit_code=unit.code if unit else "",
            )
        )
    return rows, excluded


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (for the unit radius check)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
