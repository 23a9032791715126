"""Writes of the special plan and the optimiser. Each is one transaction that checks the move and audits it.

``SPECIAL_PLAN_MACHINE`` names every legal move of a plan version: a district drafts and submits; the coordination
group (the city coordinator, 市建委 / 协调小组) approves or returns; approving a version supersedes the one approved
before. Each move has a ``can_<move>(user, plan)`` that the service, the page and the API all use.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gaizao.accounts.access import can_write, require_role, require_write
from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.planning import selectors
from gaizao.planning.models import (
    INDICATORS,
    OptimiserRun,
    PlanUnit,
    PlanUnitCommunity,
    ProjectUnitLink,
    SpecialPlan,
    SpecialPlanState,
)
from gaizao.policy.planning import PlanningRules, planning_rules

FEN = Decimal("0.01")

SPECIAL_PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    SpecialPlanState.DRAFT: frozenset({SpecialPlanState.SUBMITTED}),
    SpecialPlanState.SUBMITTED: frozenset({SpecialPlanState.APPROVED, SpecialPlanState.RETURNED}),
    SpecialPlanState.RETURNED: frozenset({SpecialPlanState.SUBMITTED}),
    SpecialPlanState.APPROVED: frozenset({SpecialPlanState.SUPERSEDED}),
    SpecialPlanState.SUPERSEDED: frozenset(),
}
SPECIAL_PLAN_MACHINE = StateMachine("special_plan", SpecialPlanState, SPECIAL_PLAN_TRANSITIONS)

#: Larger budget steps tried when one more million buys nothing (yuan).
SHADOW_STEPS_YUAN = (2e6, 5e6, 1e7, 2e7, 5e7)

#: Sources the optimiser budgets: the district's own money and the municipal subsidy (三(三)).
BUDGET_SOURCES = ("district_funds", "municipal_subsidy")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _rules() -> PlanningRules:
    return planning_rules(timezone.localdate())


def _role(user: Any) -> str | None:
    return getattr(user, "role", None) if user is not None and user.is_authenticated else None


# --- can_<move> -----------------------------------------------------------------------------------------------------


def can_edit(user: Any, plan: SpecialPlan) -> bool:
    """A district officer edits its own district's draft or returned version."""
    if _role(user) != Role.DISTRICT_OFFICER:
        return False
    if not plan.is_editable:
        return False
    return can_write(user, plan.district)


def can_submit(user: Any, plan: SpecialPlan) -> bool:
    if not can_edit(user, plan):
        return False
    return SPECIAL_PLAN_MACHINE.allows(plan, SpecialPlanState.SUBMITTED)


def can_review(user: Any, plan: SpecialPlan) -> bool:
    """The coordination group (city coordinator) approves or returns a submitted version."""
    if _role(user) != Role.CITY_COORDINATOR:
        return False
    if plan.state != SpecialPlanState.SUBMITTED:
        return False
    return can_write(user, plan.district)


def can_new_version(user: Any, plan: SpecialPlan) -> bool:
    """A new version starts from the approved (or superseded) one, once no other version is being drafted."""
    if _role(user) != Role.DISTRICT_OFFICER or not can_write(user, plan.district):
        return False
    if plan.state not in (SpecialPlanState.APPROVED, SpecialPlanState.SUPERSEDED):
        return False
    return not SpecialPlan.objects.filter(
        district=plan.district,
        state__in=[SpecialPlanState.DRAFT, SpecialPlanState.SUBMITTED, SpecialPlanState.RETURNED],
    ).exists()


def can_create_plan(user: Any, district: Division) -> bool:
    """A district officer starts a version when none is being drafted or reviewed."""
    if _role(user) != Role.DISTRICT_OFFICER or not can_write(user, district):
        return False
    return not SpecialPlan.objects.filter(
        district=district,
        state__in=[SpecialPlanState.DRAFT, SpecialPlanState.SUBMITTED, SpecialPlanState.RETURNED],
    ).exists()


def can_optimise(user: Any, district: Division) -> bool:
    """A district officer for its district; the city coordinator for any district or the whole city."""
    if district.level == DivisionLevel.CITY and _role(user) != Role.CITY_COORDINATOR:
        return False
    return _role(user) in (Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR) and can_write(user, district)


def can_save_run(user: Any, run: OptimiserRun) -> bool:
    """Only the district officer saves a feasible district run, once, as its draft annual plan (annual plans are
    per district; a city-wide run informs the coordinator and is not saved)."""
    if _role(user) != Role.DISTRICT_OFFICER or not can_write(user, run.district):
        return False
    if run.annual_plan_id is not None or run.district.level != DivisionLevel.DISTRICT:
        return False
    return run.status != "infeasible" and bool(run.chosen)


def _require(check: bool) -> None:
    if not check:
        raise PermissionError_("您无权执行此操作。/ You may not do this.")


def _require_editable(actor: Any, plan: SpecialPlan) -> None:
    if not plan.is_editable:
        raise StateError(
            "只有编制中或退回修改的规划可以修改。/ plan: only a draft or returned version can be changed.",
            field="plan",
        )
    _require(can_edit(actor, plan))


# --- unit size ------------------------------------------------------------------------------------------------------


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


def _required_facilities(community_ids: list[int]) -> list[dict[str, Any]]:
    gaps = selectors.latest_gaps(community_ids)
    names = selectors.facility_names()
    counts: dict[str, int] = {}
    for cid in community_ids:
        for facility in gaps.get(cid, []):
            counts[facility] = counts.get(facility, 0) + 1
    return [
        {
            "facility": f,
            "name_zh": names.get(f, (f, f))[0],
            "name_en": names.get(f, (f, f))[1],
            "communities": n,
        }
        for f, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _refresh_unit(unit: PlanUnit) -> None:
    ids = list(unit.memberships.values_list("community_id", flat=True))
    unit.required_facilities = _required_facilities(ids)
    unit.save(update_fields=["required_facilities"])


def _default_mode() -> str:
    from gaizao.policy import renovation_modes

    return renovation_modes(timezone.localdate())[0].id


def _next_code(plan: SpecialPlan) -> str:
    n = plan.units.count() + 1
    code = f"U{n:02d}"
    while plan.units.filter(code=code).exists():
        n += 1
        code = f"U{n:02d}"
    return code


def _check_members(plan: SpecialPlan, communities: list[Any], *, unit: PlanUnit | None = None) -> None:
    screened = set(selectors.screened_in(plan.district).values_list("pk", flat=True))
    for c in communities:
        if c.pk not in screened:
            raise ApplicationError(
                f"小区“{c.name}”不在本区筛查纳入的小区中。/ communities: {c.name} is not a screened community of "
                f"{plan.district.name}.",
                field="communities",
            )
        taken = (
            PlanUnitCommunity.objects.filter(plan=plan, community=c)
            .exclude(unit=unit)
            .select_related("unit")
            .first()
        )
        if taken is not None:
            raise ApplicationError(
                f"小区“{c.name}”已属于单元 {taken.unit.code}。/ communities: {c.name} already belongs to unit "
                f"{taken.unit.code}.",
                field="communities",
            )
    problems = unit_size_problems(communities)
    if problems:
        raise ApplicationError(" ".join(problems), field="communities", code="unit_too_large")


# --- special plan ---------------------------------------------------------------------------------------------------


@transaction.atomic
def special_plan_create(
    *, actor: Any, district: Division, title: str = "", is_sample: bool = False
) -> SpecialPlan:
    """Start the district's next special plan version: a copy of the latest version's units, or (for the first
    version) the renovation units the latest life-circle analysis proposes, cut to the rule set's size limit."""
    require_role(actor, Role.DISTRICT_OFFICER)
    require_write(actor, district)
    if district.level != DivisionLevel.DISTRICT:
        raise ApplicationError("专项规划按区县编制。/ district: choose a district.", field="district")
    if not can_create_plan(actor, district):
        raise StateError(
            "已有正在编制或审查的版本。/ plan: a version is already being drafted or reviewed.",
            field="district",
        )
    previous = SpecialPlan.objects.filter(district=district).order_by("-version").first()
    version = (SpecialPlan.objects.filter(district=district).aggregate(n=Max("version"))["n"] or 0) + 1
    plan = SpecialPlan.objects.create(
        district=district,
        version=version,
        title=(title.strip() or f"{district.name}城镇老旧小区改造专项规划")[:200],
        based_on=previous,
        created_by=actor,
        is_sample=is_sample,
    )
    copied = 0
    if previous is not None:
        for old in previous.units.prefetch_related("memberships").order_by("code"):
            unit = PlanUnit.objects.create(
                plan=plan,
                code=old.code,
                name=old.name,
                mode=old.mode,
                positioning=old.positioning,
                indicators=dict(old.indicators),
                required_facilities=list(old.required_facilities),
                phase_year=old.phase_year,
                source=PlanUnit.Source.COPIED,
            )
            for m in old.memberships.all():
                PlanUnitCommunity.objects.create(plan=plan, unit=unit, community_id=m.community_id)
            copied += 1
    audit_record(
        actor=actor,
        action="special_plan.create",
        obj=plan,
        changes={"version": version, "state": [None, plan.state], "units_copied": copied},
    )
    if previous is None:
        special_plan_units_from_proposals(actor=actor, plan=plan)
    return plan


@transaction.atomic
def special_plan_units_from_proposals(*, actor: Any, plan: SpecialPlan) -> list[PlanUnit]:
    """Add the life-circle analysis's renovation-unit proposals (连片) for communities not yet in a unit.

    A proposal larger than the rule set's limit is cut into neighbouring parts that fit. Returns the units made.
    """
    from gaizao.lifecircle import selectors as lifecircle

    _require_editable(actor, plan)
    rules = _rules()
    run = lifecircle.latest_run_for(actor, plan.district)
    if run is None:
        run = lifecircle.latest_run_for(actor)
    proposals = lifecircle.renovation_unit_proposals(run_id=run.pk) if run is not None else []
    screened = {c.pk: c for c in selectors.screened_in(plan.district)}
    taken = set(PlanUnitCommunity.objects.filter(plan=plan).values_list("community_id", flat=True))
    next_year = timezone.localdate().year + 1
    made: list[PlanUnit] = []
    for proposal in proposals:
        members = [screened[i] for i in proposal["community_ids"] if i in screened and i not in taken]
        if len(members) < 2:
            continue
        for chunk in _split_to_size(members, rules):
            if len(chunk) < 2:
                continue
            names = selectors.facility_names()
            shared = [names.get(f, (f, f))[0] for f in proposal.get("shared_gaps", [])[:3]]
            unit = PlanUnit.objects.create(
                plan=plan,
                code=_next_code(plan),
                name=f"{chunk[0].name}片区",
                mode=_default_mode(),
                positioning=(
                    f"连片补齐{'、'.join(shared)}等生活圈短板，统筹共享配套。"
                    if shared
                    else "连片综合改造，统筹共享配套。"
                ),
                phase_year=next_year if any(c.scope_status == "priority" for c in chunk) else next_year + 1,
                source=PlanUnit.Source.PROPOSAL,
            )
            for c in chunk:
                PlanUnitCommunity.objects.create(plan=plan, unit=unit, community=c)
                taken.add(c.pk)
            _refresh_unit(unit)
            made.append(unit)
    audit_record(
        actor=actor,
        action="special_plan.units_from_proposals",
        obj=plan,
        changes={"run": run.pk if run else None, "units": [u.code for u in made]},
    )
    return made


def _communities(plan: SpecialPlan, community_ids: list[Any]) -> list[Any]:
    try:
        ids = sorted({int(i) for i in community_ids})
    except (TypeError, ValueError) as exc:
        raise ApplicationError(
            "小区编号无效。/ communities: not a list of ids.", field="communities"
        ) from exc
    found = list(selectors.district_communities(plan.district).filter(pk__in=ids))
    if len(found) != len(ids):
        raise ApplicationError(
            "有小区不在本区。/ communities: some communities are not in this district.", field="communities"
        )
    return found


@transaction.atomic
def unit_create(
    *, actor: Any, plan: SpecialPlan, community_ids: list[Any], name: str = "", mode: str = ""
) -> PlanUnit:
    """Draw a unit on the map: the communities clicked, checked against the size limit."""
    _require_editable(actor, plan)
    communities = _communities(plan, community_ids)
    if not communities:
        raise ApplicationError("请至少选择一个小区。/ communities: choose at least one.", field="communities")
    _check_members(plan, communities)
    mode = mode or _default_mode()
    _check_mode(mode)
    unit = PlanUnit.objects.create(
        plan=plan,
        code=_next_code(plan),
        name=(name.strip() or f"{communities[0].name}片区")[:120],
        mode=mode,
        source=PlanUnit.Source.MAP,
        phase_year=timezone.localdate().year + 1,
    )
    for c in communities:
        PlanUnitCommunity.objects.create(plan=plan, unit=unit, community=c)
    _refresh_unit(unit)
    audit_record(
        actor=actor,
        action="plan_unit.create",
        obj=plan,
        changes={"unit": unit.code, "communities": [c.code for c in communities]},
    )
    return unit


def _check_mode(mode: str) -> None:
    from gaizao.policy import renovation_modes

    modes = {m.id for m in renovation_modes(timezone.localdate())}
    if mode not in modes:
        raise ApplicationError(f"改造模式“{mode}”无效。/ mode: choose one of {sorted(modes)}.", field="mode")


def _indicator_values(raw: dict[str, Any]) -> dict[str, str]:
    known = {i[0] for i in INDICATORS}
    out: dict[str, str] = {}
    for key, value in raw.items():
        if key not in known:
            raise ApplicationError(f"未知指标“{key}”。/ indicators: unknown {key!r}.", field="indicators")
        text = str(value).strip()
        if not text:
            continue
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ApplicationError(
                f"指标“{key}”不是有效数字。/ indicators.{key}: not a number.", field=f"indicators.{key}"
            ) from exc
        if not number.is_finite() or number < 0:
            raise ApplicationError(
                f"指标“{key}”不能为负数。/ indicators.{key}: must not be negative.", field=f"indicators.{key}"
            )
        out[key] = str(number)
    return out


@transaction.atomic
def unit_update(
    *,
    actor: Any,
    unit: PlanUnit,
    name: str | None = None,
    mode: str | None = None,
    positioning: str | None = None,
    indicators: dict[str, Any] | None = None,
    phase_year: int | str | None = None,
) -> PlanUnit:
    """Change a unit's name, mode, positioning, indicator controls or phase year."""
    unit = PlanUnit.objects.select_for_update().select_related("plan", "plan__district").get(pk=unit.pk)
    _require_editable(actor, unit.plan)
    before = {
        "name": unit.name,
        "mode": unit.mode,
        "phase_year": unit.phase_year,
        "indicators": unit.indicators,
    }
    if name is not None:
        if not name.strip():
            raise ApplicationError("请填写单元名称。/ name is required.", field="name")
        unit.name = name.strip()[:120]
    if mode is not None:
        _check_mode(mode)
        unit.mode = mode
    if positioning is not None:
        unit.positioning = positioning.strip()
    if indicators is not None:
        unit.indicators = _indicator_values(indicators)
    if phase_year is not None:
        try:
            year = int(phase_year)
        except (TypeError, ValueError) as exc:
            raise ApplicationError("实施年度须为年份。/ phase_year: a year.", field="phase_year") from exc
        if not 2000 <= year <= 2100:
            raise ApplicationError("实施年度须为年份。/ phase_year: a year.", field="phase_year")
        unit.phase_year = year
    unit.save()
    after = {
        "name": unit.name,
        "mode": unit.mode,
        "phase_year": unit.phase_year,
        "indicators": unit.indicators,
    }
    audit_record(
        actor=actor,
        action="plan_unit.update",
        obj=unit.plan,
        changes={"unit": unit.code, **{k: [before[k], after[k]] for k in after if before[k] != after[k]}},
    )
    return unit


@transaction.atomic
def unit_toggle_community(*, actor: Any, unit: PlanUnit, community_id: Any) -> bool:
    """Add the community to the unit, or remove it when it is a member (the map's click). Returns membership."""
    unit = PlanUnit.objects.select_for_update().select_related("plan", "plan__district").get(pk=unit.pk)
    plan = unit.plan
    _require_editable(actor, plan)
    (community,) = _communities(plan, [community_id])
    member = unit.memberships.filter(community=community).first()
    if member is not None:
        if unit.memberships.count() == 1:
            raise ApplicationError(
                "单元至少保留一个小区，可删除整个单元。/ communities: a unit keeps at least one community; delete "
                "the unit instead.",
                field="communities",
            )
        member.delete()
        added = False
    else:
        members = [m.community for m in unit.memberships.select_related("community")]
        _check_members(plan, [*members, community], unit=unit)
        PlanUnitCommunity.objects.create(plan=plan, unit=unit, community=community)
        added = True
    _refresh_unit(unit)
    audit_record(
        actor=actor,
        action="plan_unit.add_community" if added else "plan_unit.remove_community",
        obj=plan,
        changes={"unit": unit.code, "community": community.code},
    )
    return added


@transaction.atomic
def unit_delete(*, actor: Any, unit: PlanUnit) -> None:
    plan = unit.plan
    _require_editable(actor, plan)
    code = unit.code
    unit.delete()
    audit_record(actor=actor, action="plan_unit.delete", obj=plan, changes={"unit": code})


@transaction.atomic
def special_plan_submit(*, actor: Any, plan: SpecialPlan, now: dt.datetime | None = None) -> SpecialPlan:
    """Submit the version to the coordination group. Every unit must fit the size limit."""
    plan = SpecialPlan.objects.select_for_update().select_related("district").get(pk=plan.pk)
    _require(can_edit(actor, plan))
    units = selectors.plan_units(plan)
    if not units:
        raise ApplicationError(
            "规划还没有改造单元。/ units: the plan has no renovation units.", field="units"
        )
    for unit in units:
        problems = unit_size_problems(list(unit.communities.all()))
        if problems:
            raise ApplicationError(
                f"单元 {unit.code}：" + " ".join(problems), field="units", code="unit_too_large"
            )
    plan.submitted_at = _now(now)
    SPECIAL_PLAN_MACHINE.move(plan, to=SpecialPlanState.SUBMITTED, actor=actor, changes={"units": len(units)})
    return plan


@transaction.atomic
def special_plan_approve(
    *, actor: Any, plan: SpecialPlan, note: str = "", now: dt.datetime | None = None
) -> SpecialPlan:
    """The coordination group approves the version; the previously approved version is superseded."""
    plan = SpecialPlan.objects.select_for_update().select_related("district").get(pk=plan.pk)
    _require(can_review(actor, plan))
    for old in SpecialPlan.objects.select_for_update().filter(
        district=plan.district, state=SpecialPlanState.APPROVED
    ):
        SPECIAL_PLAN_MACHINE.move(
            old, to=SpecialPlanState.SUPERSEDED, actor=actor, reason=f"由 v{plan.version} 替代 / superseded"
        )
    plan.approved_at = _now(now)
    plan.approved_by = actor
    plan.review_note = note.strip()
    SPECIAL_PLAN_MACHINE.move(plan, to=SpecialPlanState.APPROVED, actor=actor, reason=note)
    return plan


@transaction.atomic
def special_plan_return(*, actor: Any, plan: SpecialPlan, note: str) -> SpecialPlan:
    plan = SpecialPlan.objects.select_for_update().select_related("district").get(pk=plan.pk)
    _require(can_review(actor, plan))
    if not note.strip():
        raise ApplicationError("退回须写明意见。/ note: state why the plan is returned.", field="note")
    plan.review_note = note.strip()
    SPECIAL_PLAN_MACHINE.move(plan, to=SpecialPlanState.RETURNED, actor=actor, reason=note)
    return plan


@transaction.atomic
def project_link_unit(*, actor: Any, project: Any, unit: PlanUnit) -> ProjectUnitLink:
    """Link a programme project to a unit of the district's approved special plan."""
    require_role(actor, Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR)
    require_write(actor, project.division)
    unit = PlanUnit.objects.select_related("plan").get(pk=unit.pk)
    if unit.plan.state != SpecialPlanState.APPROVED:
        raise StateError(
            "项目只能关联已批准的专项规划单元。/ unit: projects link to units of the approved plan only.",
            field="unit",
        )
    if unit.plan.district_id != project.district_id:
        raise ApplicationError("单元与项目不在同一区县。/ unit: another district's unit.", field="unit")
    link, _created = ProjectUnitLink.objects.update_or_create(
        project=project, defaults={"unit": unit, "linked_by": actor}
    )
    audit_record(
        actor=actor,
        action="special_plan.project_link",
        obj=unit.plan,
        changes={"project": project.code, "unit": unit.code},
    )
    return link


# --- optimiser ------------------------------------------------------------------------------------------------------


def _money(value: Any, field: str) -> Decimal:
    try:
        out = Decimal(str(value).strip() or "0")
    except InvalidOperation as exc:
        raise ApplicationError(f"“{field}”不是有效金额。/ {field}: not an amount.", field=field) from exc
    if not out.is_finite() or out < 0:
        raise ApplicationError(f"“{field}”不能为负数。/ {field} must not be negative.", field=field)
    return out.quantize(FEN, rounding=ROUND_HALF_UP)


def _count(value: Any, field: str) -> int:
    try:
        out = int(str(value).strip() or "0")
    except ValueError as exc:
        raise ApplicationError(f"“{field}”须为整数。/ {field}: a whole number.", field=field) from exc
    if out < 0:
        raise ApplicationError(f"“{field}”不能为负数。/ {field} must not be negative.", field=field)
    return out


def default_weights() -> dict[str, str]:
    return {k: str(v) for k, v in _rules().weights.items()}


@transaction.atomic
def optimiser_run(
    *,
    actor: Any,
    district: Division,
    plan_year: int | str,
    budget: dict[str, Any],
    targets: dict[str, Any] | None = None,
    weights: dict[str, Any] | None = None,
    min_per_street: Any = 0,
    keep_units: bool = True,
    parent: OptimiserRun | None = None,
    time_limit_s: float = 10.0,
) -> OptimiserRun:
    """Choose the district's projects for ``plan_year``: build the candidates, solve exactly, explain, price the
    budget (one more million of district funds, by re-solving) and store the run."""
    from gaizao.spatial.errors import SpatialError
    from gaizao.spatial.programme_optimiser import (
        BENEFIT_COMPONENTS,
        Candidate,
        ProgrammeProblem,
        Targets,
        benefit_of,
        budget_shadow_price,
        optimise_programme,
    )

    _require(can_optimise(actor, district))
    if district.level not in (DivisionLevel.DISTRICT, DivisionLevel.CITY):
        raise ApplicationError(
            "按区县或全市优化。/ district: choose a district or the city.", field="district"
        )
    year = _count(plan_year, "plan_year")
    if not 2000 <= year <= 2100:
        raise ApplicationError("计划年度须为年份。/ plan_year: a year.", field="plan_year")
    clean_budget: dict[str, Decimal] = {}
    for source, value in budget.items():
        if source not in BUDGET_SOURCES:
            raise ApplicationError(
                f"预算来源“{source}”无效。/ budget: choose among {list(BUDGET_SOURCES)}.", field="budget"
            )
        if str(value).strip() != "":
            clean_budget[source] = _money(value, f"budget.{source}")
    if "district_funds" not in clean_budget:
        raise ApplicationError(
            "请填写区级财政预算。/ budget.district_funds is required.", field="budget.district_funds"
        )
    clean_targets = {
        k: _count((targets or {}).get(k, 0), f"targets.{k}") for k in ("communities", "households", "gaps")
    }
    clean_weights: dict[str, Decimal] = {}
    for key, value in {**default_weights(), **(weights or {})}.items():
        if key not in BENEFIT_COMPONENTS:
            raise ApplicationError(f"未知权重“{key}”。/ weights: unknown {key!r}.", field="weights")
        clean_weights[key] = _money(value, f"weights.{key}")
    street_min = _count(min_per_street, "min_per_street")
    rows, excluded = selectors.optimiser_candidates(district, plan_year=year, on=timezone.localdate())
    units: dict[int, PlanUnit] = {}
    if keep_units:
        for plan in selectors.approved_plans_within(district):
            units.update(selectors.unit_of_community(plan))
    candidates = tuple(
        Candidate(
            id=str(r.community.pk),
            cost_yuan={
                "district_funds": float(r.estimate - r.subsidy),
                "municipal_subsidy": float(r.subsidy),
            },
            households=r.households,
            gaps=len(r.gaps),
            priority=1.0 if r.priority else 0.0,
            urgency=r.urgency,
            readiness=r.readiness,
            street=r.street,
            committed=r.committed,
        )
        for r in rows
    )
    ids = {c.id for c in candidates}
    groups: dict[int, list[str]] = {}
    for cid, unit in units.items():
        if str(cid) in ids:
            groups.setdefault(unit.pk, []).append(str(cid))
    problem = ProgrammeProblem(
        candidates=candidates,
        budget_yuan={k: float(v) for k, v in clean_budget.items()},
        weights={k: float(v) for k, v in clean_weights.items()},
        targets=Targets(**clean_targets),
        groups=tuple(tuple(sorted(g)) for g in groups.values() if len(g) > 1),
        min_per_street=street_min,
    )
    try:
        result = optimise_programme(problem, time_limit_s=time_limit_s)
        shadow: dict[str, Any] = {}
        if result.feasible and candidates:
            names = {str(r.community.pk): r.community.name for r in rows}

            def priced(delta: float) -> dict[str, Any]:
                price = budget_shadow_price(
                    problem, result, source="district_funds", delta_yuan=delta, time_limit_s=time_limit_s
                )
                return {
                    "source": price.source,
                    "delta_yuan": str(Decimal(str(price.delta_yuan)).quantize(FEN)),
                    "delta_wan": int(delta / 10_000),
                    "benefit_gain": round(price.benefit_gain, 1),
                    "communities_gain": price.communities_gain,
                    "households_gain": price.households_gain,
                    "gaps_gain": price.gaps_gain,
                    "added": [names[i] for i in price.added],
                    "dropped": [names[i] for i in price.dropped],
                    "exact": price.exact,
                }

            shadow = priced(1_000_000.0)
            if shadow["benefit_gain"] <= 0:
                # one more million buys nothing: say how much more the next gain needs
                for delta in SHADOW_STEPS_YUAN:
                    step = priced(delta)
                    if step["benefit_gain"] > 0:
                        shadow["next"] = step
                        break
    except SpatialError as exc:
        raise ApplicationError(exc.message, field=exc.field, code=exc.code) from exc
    chosen = set(result.chosen)
    unit_size = Counter(u.code for m, u in units.items() if str(m) in ids)
    out_rows = []
    for r, cand in zip(rows, candidates, strict=True):
        if cand.id in chosen:
            reasons = [x.message for x in result.reasons.get(cand.id, ())] + r.readiness_notes
        elif r.unit_code and unit_size.get(r.unit_code, 0) > 1:
            reasons = [
                f"须与单元 {r.unit_code} 的其他小区一并实施，整体超出预算或效益不及入选组合。/ Its unit {r.unit_code} "
                "goes together and, as a whole, does not fit the budget as well as the chosen set."
            ]
        else:
            reasons = [
                "在预算内不及入选组合的效益（含性价比、街道与目标约束）。/ Within the budget the chosen set gives "
                "more benefit (value for money, street minimum and targets)."
            ]
        out_rows.append(
            {
                "community_id": r.community.pk,
                "code": r.community.code,
                "name": r.community.name,
                "street": r.street,
                "lon": r.community.lon,
                "lat": r.community.lat,
                "households": r.households,
                "estimate": str(r.estimate),
                "subsidy": str(r.subsidy),
                "district_cost": str(r.estimate - r.subsidy),
                "estimate_source": r.estimate_source,
                "gaps": r.gaps,
                "priority": r.priority,
                "urgency": r.urgency,
                "readiness": r.readiness,
                "benefit": round(benefit_of(cand, problem.weights), 1),
                "chosen": cand.id in chosen,
                "committed": r.committed,
                "project_code": r.project_code,
                "unit": r.unit_code,
                "reasons": reasons,
            }
        )
    out_rows.sort(key=lambda x: (not x["chosen"], -x["benefit"]))
    chosen_rows = [x for x in out_rows if x["chosen"]]
    spent = {
        s: str(
            sum(
                (Decimal(x["district_cost"] if s == "district_funds" else x["subsidy"]) for x in chosen_rows),
                Decimal(0),
            )
        )
        for s in clean_budget
    }
    run = OptimiserRun.objects.create(
        district=district,
        plan_year=year,
        parent=parent,
        budget={k: str(v) for k, v in clean_budget.items()},
        targets=clean_targets,
        weights={k: str(v) for k, v in clean_weights.items()},
        min_per_street=street_min,
        keep_units=keep_units,
        status=result.status,
        message=result.message,
        chosen=[int(i) for i in result.chosen],
        rows=out_rows,
        excluded=excluded,
        totals={
            "communities": len(chosen_rows),
            "households": sum(x["households"] for x in chosen_rows),
            "gaps": sum(len(x["gaps"]) for x in chosen_rows),
            "estimate": str(sum((Decimal(x["estimate"]) for x in chosen_rows), Decimal(0))),
            "candidates": len(rows),
        },
        spent=spent,
        shadow=shadow,
        benefit=result.benefit,
        bound=result.bound if math.isfinite(result.bound) else result.benefit,
        gap=result.optimality_gap,
        solver=result.solver,
        seconds=round(result.seconds, 3),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="optimiser.run",
        obj=run,
        changes={
            "plan_year": year,
            "budget": run.budget,
            "status": result.status,
            "chosen": len(result.chosen),
            "gap": result.optimality_gap,
        },
    )
    return run


@transaction.atomic
def optimiser_rerun(*, actor: Any, run: OptimiserRun, budget: dict[str, Any]) -> OptimiserRun:
    """The what-if: the same question with another budget."""
    return optimiser_run(
        actor=actor,
        district=run.district,
        plan_year=run.plan_year,
        budget={**run.budget, **budget},
        targets=run.targets,
        weights=run.weights,
        min_per_street=run.min_per_street,
        keep_units=run.keep_units,
        parent=run,
    )


@transaction.atomic
def optimiser_save(*, actor: Any, run: OptimiserRun, now: dt.datetime | None = None) -> Any:
    """Save the chosen set as the district's draft annual plan for the run's year, through programme services.

    Each chosen community gets a project (one per approved plan unit when units go together) created with
    ``project_create`` unless it already has one, linked to its plan unit, and moved from 储备 to 谋划 with
    ``project_move``; then ``annual_plan_compile`` creates or refreshes the draft annual plan, which lists the
    projects that are ready (实施一批) — the others enter it as their consent, consultation and publication complete.
    """
    from gaizao.programme import services as programme
    from gaizao.programme.models import ProjectCommunity, ProjectState

    run = OptimiserRun.objects.select_for_update().select_related("district").get(pk=run.pk)
    _require(can_save_run(actor, run))
    plan = selectors.approved_plan(run.district)
    units = selectors.unit_of_community(plan) if plan and run.keep_units else {}
    chosen = [int(i) for i in run.chosen]
    busy = {
        m.community_id: m.project
        for m in ProjectCommunity.objects.filter(community_id__in=chosen, project__archived_at__isnull=True)
        .exclude(project__state=ProjectState.WITHDRAWN)
        .select_related("project")
    }
    batches: dict[str, list[int]] = {}
    for cid in chosen:
        if cid in busy:
            continue
        unit = units.get(cid)
        batches.setdefault(f"u{unit.pk}" if unit else f"c{cid}", []).append(cid)
    projects = {p.pk: p for p in busy.values()}
    for key, ids in batches.items():
        unit = units.get(ids[0]) if key.startswith("u") else None
        project = programme.project_create(
            actor=actor, community_ids=ids, renovation_unit=f"{unit.code} {unit.name}" if unit else ""
        )
        projects[project.pk] = project
    moved = []
    for project in projects.values():
        members = list(project.communities.values_list("pk", flat=True))
        unit = next((units[c] for c in members if c in units), None)
        if unit is not None:
            project_link_unit(actor=actor, project=project, unit=unit)
        if project.state == ProjectState.RESERVE:
            programme.project_move(
                actor=actor,
                project=project,
                to=ProjectState.PLANNING,
                reason=f"列入{run.plan_year}年度计划（优化 #{run.pk}）/ chosen for {run.plan_year} by run {run.pk}",
                now=now,
            )
            moved.append(project.code)
    annual = programme.annual_plan_compile(actor=actor, district=run.district, plan_year=run.plan_year)
    run.annual_plan = annual
    run.saved_at = _now(now)
    run.save(update_fields=["annual_plan", "saved_at"])
    audit_record(
        actor=actor,
        action="optimiser.save",
        obj=run,
        changes={
            "annual_plan": annual.pk,
            "projects": sorted(p.code for p in projects.values()),
            "moved": moved,
        },
    )
    return annual
