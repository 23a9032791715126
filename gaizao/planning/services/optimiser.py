"""Optimiser runs: choose a district's projects for a year within its budget, explain the choice, price the budget."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import ApplicationError
from gaizao.planning import selectors
from gaizao.planning.models import OptimiserRun, PlanUnit
from gaizao.planning.selectors import CandidateRow
from gaizao.planning.services._common import FEN, _require, _rules
from gaizao.planning.services.permissions import can_optimise

if TYPE_CHECKING:  # the solver (highspy, scipy) loads when a run is made, not when the app starts
    from gaizao.spatial.programme_optimiser import Candidate, ProgrammeChoice, ProgrammeProblem

#: Larger budget steps tried when one more million buys nothing (yuan).
SHADOW_STEPS_YUAN = (2e6, 5e6, 1e7, 2e7, 5e7)

#: Sources the optimiser budgets: the district's own money and the municipal subsidy (三(三)).
BUDGET_SOURCES = ("district_funds", "municipal_subsidy")


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
        ProgrammeProblem,
        Targets,
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
    candidates = tuple(_candidate(r) for r in rows)
    ids = {c.id for c in candidates}
    problem = ProgrammeProblem(
        candidates=candidates,
        budget_yuan={k: float(v) for k, v in clean_budget.items()},
        weights={k: float(v) for k, v in clean_weights.items()},
        targets=Targets(**clean_targets),
        groups=_unit_groups(units, ids),
        min_per_street=street_min,
    )
    try:
        result = optimise_programme(problem, time_limit_s=time_limit_s)
        shadow: dict[str, Any] = {}
        if result.feasible and candidates:
            names = {str(r.community.pk): r.community.name for r in rows}
            shadow = _shadow(problem, result, names, time_limit_s=time_limit_s)
    except SpatialError as exc:
        raise ApplicationError(exc.message, field=exc.field, code=exc.code) from exc
    unit_size = Counter(u.code for m, u in units.items() if str(m) in ids)
    out_rows = _result_rows(rows, candidates, result, problem.weights, unit_size)
    chosen_rows = [x for x in out_rows if x["chosen"]]
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
        totals=_totals(chosen_rows, candidates=len(rows)),
        spent=_spent(chosen_rows, clean_budget),
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


# --- the calculation: plain data in, plain data out (no database) ---------------------------------------------------


def _candidate(row: CandidateRow) -> Candidate:
    """The optimiser's view of one candidate community (money as float yuan per budget source)."""
    from gaizao.spatial.programme_optimiser import Candidate

    return Candidate(
        id=str(row.community.pk),
        cost_yuan={
            "district_funds": float(row.estimate - row.subsidy),
            "municipal_subsidy": float(row.subsidy),
        },
        households=row.households,
        gaps=len(row.gaps),
        priority=1.0 if row.priority else 0.0,
        urgency=row.urgency,
        readiness=row.readiness,
        street=row.street,
        committed=row.committed,
    )


def _unit_groups(units: Mapping[int, Any], ids: set[str]) -> tuple[tuple[str, ...], ...]:
    """The candidates that go together: those of one plan unit (by community id), when more than one is a candidate."""
    groups: dict[int, list[str]] = {}
    for cid, unit in units.items():
        if str(cid) in ids:
            groups.setdefault(unit.pk, []).append(str(cid))
    return tuple(tuple(sorted(g)) for g in groups.values() if len(g) > 1)


def _shadow(
    problem: ProgrammeProblem, result: ProgrammeChoice, names: Mapping[str, str], *, time_limit_s: float
) -> dict[str, Any]:
    """The price of the budget: what one more million of district funds buys (by re-solving) and, when it buys
    nothing, the first larger step of ``SHADOW_STEPS_YUAN`` that does (under ``"next"``)."""
    from gaizao.spatial.programme_optimiser import budget_shadow_price

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
    return shadow


def _result_rows(
    rows: Sequence[CandidateRow],
    candidates: Sequence[Candidate],
    result: ProgrammeChoice,
    weights: Mapping[str, float],
    unit_size: Mapping[str, int],
) -> list[dict[str, Any]]:
    """One row per candidate with its benefit and why it was chosen or not; the chosen first, by benefit.

    ``unit_size`` counts the candidates of each plan unit (by unit code): a left-out candidate whose unit holds
    others was left out with its unit.
    """
    from gaizao.spatial.programme_optimiser import benefit_of

    chosen = set(result.chosen)
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
                "benefit": round(benefit_of(cand, weights), 1),
                "chosen": cand.id in chosen,
                "committed": r.committed,
                "project_code": r.project_code,
                "unit": r.unit_code,
                "reasons": reasons,
            }
        )
    out_rows.sort(key=lambda x: (not x["chosen"], -x["benefit"]))
    return out_rows


def _spent(chosen_rows: Sequence[Mapping[str, Any]], sources: Iterable[str]) -> dict[str, str]:
    """What the chosen set spends of each budgeted source (yuan, as text)."""
    return {
        s: str(
            sum(
                (Decimal(x["district_cost"] if s == "district_funds" else x["subsidy"]) for x in chosen_rows),
                Decimal(0),
            )
        )
        for s in sources
    }


def _totals(chosen_rows: Sequence[Mapping[str, Any]], *, candidates: int) -> dict[str, Any]:
    """The chosen set's communities, households, gaps and estimate (yuan, as text), and how many were candidates."""
    return {
        "communities": len(chosen_rows),
        "households": sum(x["households"] for x in chosen_rows),
        "gaps": sum(len(x["gaps"]) for x in chosen_rows),
        "estimate": str(sum((Decimal(x["estimate"]) for x in chosen_rows), Decimal(0))),
        "candidates": candidates,
    }
