"""Renovation plans: pricing, the expected subsidy, saving versions, finalising and reopening."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError, StateError
from gaizao.programme import rules
from gaizao.programme.models import (
    AnnualPlan,
    AnnualPlanState,
    Plan,
    PlanState,
    PlanVersion,
    Project,
    ProjectState,
)
from gaizao.programme.selectors import unit_rates_map
from gaizao.programme.services._common import FEN, _decimal, _now, _require_officer
from gaizao.programme.services.conditions import Condition, funding_problems_of
from gaizao.programme.services.machines import PLAN_MACHINE


def subsidy_date(project: Project, *, now: dt.datetime) -> tuple[dt.date, Any]:
    """The date whose rule set the project's subsidy follows (RULES §6a transitional rule) and the reason."""
    from gaizao.policy import subsidy_commitment_date

    approved = (
        AnnualPlan.objects.filter(projects=project, state=AnnualPlanState.APPROVED, approved_at__isnull=False)
        .order_by("approved_at")
        .values_list("approved_at", flat=True)
        .first()
    )
    return subsidy_commitment_date(
        annual_plan_approved_on=timezone.localtime(approved).date() if approved else None,
        estimate_on=timezone.localtime(now).date(),
    )


def _subsidy_for(
    project: Project, *, estimate: Decimal, elevator: Decimal, water: Decimal, now: dt.datetime
) -> tuple[Decimal, dict[str, Any]]:
    """Expected municipal subsidy: the estimate stands in for the final accounts (RULES §3). For a renovation unit
    the estimate and the excluded costs are split over the communities by building area with the largest-remainder
    method (the parts add up exactly), and each community's subsidy is computed on its part."""
    from gaizao.policy import PolicyInputError, municipal_subsidy, split_largest_remainder

    on, transitional = subsidy_date(project, now=now)
    communities = list(project.communities.order_by("code"))
    areas = [c.building_area_m2 or Decimal(0) for c in communities]
    weights = areas if sum(areas, Decimal(0)) > 0 else [Decimal(1)] * len(communities)
    estimates = split_largest_remainder(estimate, weights, field="estimate")
    elevators = split_largest_remainder(elevator, weights, field="elevator_cost")
    waters = split_largest_remainder(water, weights, field="secondary_water_cost")
    parts = []
    amount = Decimal(0)
    for community, area, part, lift, pipe in zip(
        communities, areas, estimates, elevators, waters, strict=True
    ):
        try:
            decision = municipal_subsidy(
                district=project.district.code,
                built_year=community.built_year,  # type: ignore[arg-type]  # a missing year: PolicyInputError
                affordable_housing=community.affordable_housing,
                final_accounts=part,
                elevator_cost=lift,
                secondary_water_cost=pipe,
                building_area_m2=area,
                on=on,
            )
        except PolicyInputError as exc:
            parts.append({"community": community.name, "error": str(exc), "amount": "0.00", "reasons": []})
            continue
        data = decision.to_dict()
        data["community"] = community.name
        data["estimate_part"] = str(part)
        parts.append(data)
        amount += decision.amount
    return amount.quantize(FEN, rounding=ROUND_HALF_UP), {
        "amount": str(amount),
        "on": on.isoformat(),
        "transitional": transitional.to_dict(),
        "parts": parts,
    }


def _elevator_stairwells(project: Project, raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate the stairwells an elevator retrofit concerns: buildings of the project's communities."""
    from gaizao.registry.models import Building

    out = []
    seen = set()
    for entry in raw or []:
        building_id = entry.get("building_id")
        building = (
            Building.objects.select_related("community")
            .filter(pk=building_id, community__in=project.communities.all())
            .first()
            if building_id is not None
            else None
        )
        stairwell = str(entry.get("stairwell", "")).strip()
        if building is None or not stairwell:
            raise ApplicationError(
                "加装电梯单元须为本项目小区的楼栋和单元号。/ elevator_stairwells: each entry needs a building of the "
                "project's communities and a stairwell.",
                field="elevator_stairwells",
            )
        key = (building.pk, stairwell)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            {
                "building_id": building.pk,
                "building": building.code,
                "stairwell": stairwell,
                "community": building.community.name,
            }
        )
    return out


@dataclass(frozen=True)
class PricedItems:
    """A plan's priced rows, the catalogue items they cover, the excluded costs and the estimate."""

    rows: list[dict[str, Any]]
    seen: set[str]
    elevator: Decimal
    water: Decimal
    estimate: Decimal


def price_items(items: list[dict[str, Any]], *, rates: dict[str, Decimal], on: dt.date) -> PricedItems:
    """Price ``items`` (pure): each row's quantity × unit rate (its own, else the configured ``rates``), the
    elevator and secondary-water costs the subsidy excludes under the rule set of ``on``, and the estimate."""
    from gaizao.policy import PolicyInputError, excluded_cost_of
    from gaizao.policy.catalogue import catalogue_item

    rows = []
    seen: set[str] = set()
    elevator = water = Decimal(0)
    for raw in items:
        item_id = str(raw.get("item_id", ""))
        try:
            item = catalogue_item(item_id)
        except PolicyInputError as exc:
            raise ApplicationError(f"改造内容“{item_id}”不在目录中。/ items: {exc}", field="items") from exc
        if item_id in seen:
            raise ApplicationError(
                f"改造内容“{item.name_zh}”重复。/ items: {item_id} listed twice.", field="items"
            )
        seen.add(item_id)
        quantity = _decimal(raw.get("quantity", 0), f"items.{item_id}.quantity")
        if raw.get("unit_rate") not in (None, ""):
            rate = _decimal(raw["unit_rate"], f"items.{item_id}.unit_rate")
        else:
            found = rates.get(item_id)
            if found is None:
                raise ApplicationError(
                    f"“{item.name_zh}”没有单价，请填写单价。/ items.{item_id}.unit_rate: no unit rate configured; "
                    "enter one.",
                    field=f"items.{item_id}.unit_rate",
                )
            rate = found
        amount = (quantity * rate).quantize(FEN, rounding=ROUND_HALF_UP)
        kind = excluded_cost_of(item_id, on=on)
        if kind == "elevator":
            elevator += amount
        elif kind == "secondary_water":
            water += amount
        rows.append(
            {
                "item_id": item_id,
                "name_zh": item.name_zh,
                "name_en": item.name_en,
                "aspect": item.aspect,
                "category": item.category,
                "bundle_key": item.bundle_key,
                "unit": item.unit,
                "quantity": str(quantity),
                "unit_rate": str(rate),
                "amount": str(amount),
                "origin": str(raw.get("origin") or "manual"),
            }
        )
    estimate = sum((Decimal(str(r["amount"])) for r in rows), Decimal(0)).quantize(FEN)
    return PricedItems(rows=rows, seen=seen, elevator=elevator, water=water, estimate=estimate)


def clean_funding_of(funding: dict[str, Any], *, sources: set[str]) -> tuple[dict[str, str], Decimal]:
    """The funding sources with a non-zero amount, as decimal strings, and their total (pure)."""
    clean_funding: dict[str, str] = {}
    for source, value in funding.items():
        if source not in sources:
            raise ApplicationError(
                f"资金来源“{source}”无效。/ funding: unknown source {source!r}.", field="funding"
            )
        amount = _decimal(value, f"funding.{source}").quantize(FEN, rounding=ROUND_HALF_UP)
        if amount:
            clean_funding[source] = str(amount)
    funding_total = sum((Decimal(v) for v in clean_funding.values()), Decimal(0)).quantize(FEN)
    return clean_funding, funding_total


def bundle_coverage(seen: set[str]) -> list[dict[str, Any]]:
    """Which components of the comprehensive bundle the plan's items cover (pure)."""
    from gaizao.policy.catalogue import comprehensive_bundle

    return [
        {
            "key": c.key,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "covered": bool(set(c.item_ids) & seen),
            "items": [i for i in c.item_ids if i in seen],
        }
        for c in comprehensive_bundle()
    ]


def plan_preview(
    *,
    actor: Any,
    project: Project,
    items: list[dict[str, Any]],
    funding: dict[str, Any],
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What saving would compute, without saving: the estimate, the funding total and balance and the expected
    subsidy, by the same pure pricing as :func:`plan_save` (the plan editor's live totals; the save stays the
    authority). Refuses what the save refuses about items and funding, naming the row and field."""
    now = _now(now)
    _require_officer(actor, project.division)
    rates = {item_id: found.rate for item_id, found in unit_rates_map(district=project.district).items()}
    subsidy_on, _transitional = subsidy_date(project, now=now)
    priced = price_items(items, rates=rates, on=subsidy_on)
    sources = {c.id for c in rules.funding_sources(now.date())}
    _clean, funding_total = clean_funding_of(funding, sources=sources)
    subsidy_amount, _subsidy = _subsidy_for(
        project, estimate=priced.estimate, elevator=priced.elevator, water=priced.water, now=now
    )
    return {
        "estimate": str(priced.estimate),
        "funding_total": str(funding_total),
        "balance": str(priced.estimate - funding_total),
        "subsidy_amount": str(subsidy_amount),
        "items": {r["item_id"]: r["amount"] for r in priced.rows},
    }


@transaction.atomic
def plan_save(
    *,
    actor: Any,
    project: Project,
    mode: str,
    delivery_mode: str = "",
    items: list[dict[str, Any]],
    funding: dict[str, Any],
    note: str = "",
    elevator_stairwells: list[dict[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> PlanVersion:
    """Save the plan as a new version: price the items, check the funding sources, compute the expected subsidy."""
    now = _now(now)
    plan = Plan.objects.select_for_update().get(project=project)
    _require_officer(actor, project.division)
    if plan.state != PlanState.DRAFT:
        raise StateError(
            "方案已定稿或锁定，请先退回编制再修改。/ plan: the plan is not a draft; reopen it before changing it.",
            field="plan",
        )
    if project.state in (ProjectState.IMPLEMENTING, ProjectState.WITHDRAWN):
        raise StateError("项目已实施或撤销，方案不能修改。/ plan: the project is implementing or withdrawn.")
    modes = {c.id for c in rules.renovation_modes(now.date())}
    if mode not in modes:
        raise ApplicationError(f"改造模式“{mode}”无效。/ mode: choose one of {sorted(modes)}.", field="mode")
    deliveries = {c.id for c in rules.delivery_modes(now.date())}
    if delivery_mode and delivery_mode not in deliveries:
        raise ApplicationError(
            f"建设模式“{delivery_mode}”无效。/ delivery_mode: choose one of {sorted(deliveries)}.",
            field="delivery_mode",
        )
    rates = {item_id: found.rate for item_id, found in unit_rates_map(district=project.district).items()}
    subsidy_on, _transitional = subsidy_date(project, now=now)  # the excluded costs of the subsidy's rule set
    priced = price_items(items, rates=rates, on=subsidy_on)
    rows, estimate = priced.rows, priced.estimate
    sources = {c.id for c in rules.funding_sources(now.date())}
    clean_funding, funding_total = clean_funding_of(funding, sources=sources)
    subsidy_amount, subsidy = _subsidy_for(
        project, estimate=estimate, elevator=priced.elevator, water=priced.water, now=now
    )
    if elevator_stairwells is None:  # not given: the current version's stairwells carry over
        elevator_stairwells = list(plan.current_version.elevator_stairwells) if plan.current_version else []
    stairwells = _elevator_stairwells(project, elevator_stairwells)
    bundle = bundle_coverage(priced.seen)
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        mode=mode,
        delivery_mode=delivery_mode,
        items=rows,
        funding=clean_funding,
        estimate=estimate,
        funding_total=funding_total,
        subsidy_amount=subsidy_amount,
        subsidy=subsidy,
        bundle=bundle,
        elevator_stairwells=stairwells,
        note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    plan.current_version = version
    plan.save(update_fields=["current_version"])
    audit_record(
        actor=actor,
        action="plan.save",
        obj=plan,
        changes={
            "version": number,
            "estimate": estimate,
            "funding_total": funding_total,
            "subsidy": subsidy_amount,
            "items": len(rows),
        },
    )
    return version


@transaction.atomic
def plan_finalise(*, actor: Any, project: Project) -> Plan:
    """Finalise the plan: it needs items, and a funding plan that adds up to the estimate exactly."""
    plan = Plan.objects.select_for_update().get(project=project)
    _require_officer(actor, project.division)
    version = plan.current_version
    if plan.state == PlanState.DRAFT:
        if version is None or not version.items:
            raise ApplicationError("方案还没有改造内容。/ items: the plan has no items yet.", field="items")
        if version.funding_total != version.estimate:
            diff = version.estimate - version.funding_total
            raise ApplicationError(
                f"资金来源合计 {version.funding_total} 元与估算 {version.estimate} 元不一致（差 {diff} 元）。/ "
                f"funding: sources add up to {version.funding_total} yuan, the estimate is {version.estimate} yuan "
                f"(difference {diff}) ({rules.funding_clause()}).",
                field="funding",
                code="funding_unbalanced",
            )
        problems = funding_problems_of(project, version, on=timezone.localdate())
        if problems:
            first = problems[0]
            error = ApplicationError(
                "资金方案不符合规则："
                + "；".join(f"{r.message}（{r.clause}）" for r in problems)
                + "。/ funding: "
                + "; ".join(f"{r.message_en} ({r.clause})" for r in problems)
                + ".",
                field="funding",
                code=first.code,
            )
            error.missing = [  # type: ignore[attr-defined]
                Condition(r.code, False, f"{r.message}。/ {r.message_en}.", r.clause).to_dict()
                for r in problems
            ]
            raise error
    PLAN_MACHINE.move(
        plan,
        to=PlanState.FINALISED,
        actor=actor,
        changes={"version": version.number if version else None},
    )
    return plan


@transaction.atomic
def plan_reopen(*, actor: Any, project: Project, reason: str = "") -> Plan:
    plan = Plan.objects.select_for_update().get(project=project)
    _require_officer(actor, project.division)
    PLAN_MACHINE.move(
        plan,
        to=PlanState.DRAFT,
        actor=actor,
        reason=reason,
    )
    return plan


# --- joint consultation ---------------------------------------------------------------------------------------------
