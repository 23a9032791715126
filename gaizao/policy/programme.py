"""Programme calendar and the fixed lists the policy names — 杭政办函〔2022〕10号 一(一), 三(二)–三(四), 四(三).

The lists (funding sources, pools, consulting departments, delivery modes, reviewing bureaus, renovation modes) come
from the rule set, so Django apps build their choices from here and a policy revision updates them.
"""

from __future__ import annotations

from datetime import date, datetime

from gaizao.policy._values import as_year
from gaizao.policy.errors import PolicyInputError
from gaizao.policy.ruleset import Choice, PlanPeriod, RuleSet, all_rulesets, get_ruleset, resolve_ruleset

__all__ = [
    "consultation_departments",
    "delivery_modes",
    "funding_sources",
    "is_submission_late",
    "plan_period_for",
    "plan_periods",
    "plan_submission_deadline",
    "project_pools",
    "renovation_modes",
    "reviewing_bureaus",
]


def _deadline(ruleset: RuleSet, plan_year: int) -> date:
    calendar = ruleset.calendar
    return date(
        plan_year - calendar.years_before_plan_year, calendar.submission_month, calendar.submission_day
    )


def plan_submission_deadline(plan_year: int, *, ruleset: RuleSet | str | None = None) -> date:
    """Last day a district may submit its renovation plan for ``plan_year`` to 市建委 (四(三): 每年10月底前).

    For plan year 2025 that is 2024-10-31. With ``ruleset=None`` the deadline is taken from the rule set in force
    on that deadline.

    Raises
    ------
    PolicyInputError
        ``plan_year`` is not a year, or no rule set is in force on its deadline.
    """
    plan_year = as_year(plan_year, "plan_year")
    if ruleset is not None:
        return _deadline(resolve_ruleset(ruleset, date(plan_year, 1, 1)), plan_year)
    for candidate in reversed(all_rulesets()):
        deadline = _deadline(candidate, plan_year)
        if candidate.covers(deadline):
            return deadline
    raise PolicyInputError(
        "plan_year", f"plan_year: no rule set sets a submission deadline for plan year {plan_year}."
    )


def is_submission_late(plan_year: int, submitted_on: date, *, ruleset: RuleSet | str | None = None) -> bool:
    """True if a plan for ``plan_year`` submitted on ``submitted_on`` missed the deadline (the deadline day is
    still on time)."""
    if isinstance(submitted_on, datetime):
        submitted_on = submitted_on.date()
    if not isinstance(submitted_on, date):
        raise PolicyInputError("submitted_on", f"submitted_on: expected a date, got {submitted_on!r}.")
    return submitted_on > plan_submission_deadline(plan_year, ruleset=ruleset)


def _rules(on: date | None) -> RuleSet:
    return get_ruleset(on or date.today())


def plan_periods(on: date | None = None) -> tuple[PlanPeriod, ...]:
    """Plan periods and their targets in the rule set in force on ``on`` (default today), e.g. the 14th
    Five-Year Plan 2021–2025 with at least 1,000 communities started (一(一)). Later periods are added as data."""
    return _rules(on).plan_periods


def plan_period_for(year: int, on: date | None = None) -> PlanPeriod | None:
    """The plan period containing ``year`` (None if no period is configured for it)."""
    year = as_year(year, "year")
    return next((p for p in plan_periods(on) if p.contains(year)), None)


def funding_sources(on: date | None = None) -> tuple[Choice, ...]:
    """Funding sources of a project's plan (三(三), 三(四))."""
    return _rules(on).funding_sources


def project_pools(on: date | None = None) -> tuple[Choice, ...]:
    """Project pools: ``implementing`` 实施一批, ``planning`` 谋划一批, ``reserve`` 储备一批 (四(三))."""
    return _rules(on).project_pools


def consultation_departments(on: date | None = None) -> tuple[Choice, ...]:
    """Departments and utilities of the joint consultation 联合会商 (三(二))."""
    return _rules(on).consultation_departments


def delivery_modes(on: date | None = None) -> tuple[Choice, ...]:
    """Delivery modes: EPC, full-process consulting, agent construction 代建 (四(三))."""
    return _rules(on).delivery_modes


def reviewing_bureaus(on: date | None = None) -> tuple[Choice, ...]:
    """The three bureaus that jointly review the annual plan: 市建委, 市发改委, 市规划和自然资源局 (四(三))."""
    return _rules(on).reviewing_bureaus


def renovation_modes(on: date | None = None) -> tuple[Choice, ...]:
    """Renovation modes: 综合整治 and 拆改结合 (二(二))."""
    return _rules(on).renovation_modes
