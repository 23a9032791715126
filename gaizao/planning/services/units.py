"""Renovation units of a special plan: drawn on the map, proposed by the life-circle analysis, edited, deleted."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError
from gaizao.planning import selectors
from gaizao.planning.models import INDICATORS, PlanUnit, PlanUnitCommunity, SpecialPlan
from gaizao.planning.services._common import _rules
from gaizao.planning.services.permissions import _require_editable
from gaizao.planning.services.unit_size import _split_to_size, unit_size_problems


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
