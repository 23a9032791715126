"""Scope of renovation — 杭政办函〔2022〕10号 二(一) (RULES §1).

- **priority** (重点改造): built by 2000-12-31, no comprehensive renovation in the last 5 years, and not in the
  year's expropriation plan.
- **may_include** (可纳入): built after 2000, a 保障性安居工程 community, with clearly insufficient infrastructure and
  functions, imperfect property management, and residents strongly willing. Paid by the original construction unit
  (三(三)2), so no municipal subsidy.
- **out_of_scope** otherwise; every failing condition is named.

"The last 5 years" is the window of calendar years *ending with* the assessed year: assessed in 2024 with a window
of 5, a comprehensive renovation in 2020–2024 is recent, one in 2019 is not. The window is a rule set parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from gaizao.policy._values import as_bool, as_year
from gaizao.policy.errors import PolicyInputError
from gaizao.policy.reasons import Reason
from gaizao.policy.ruleset import RuleSet, get_ruleset, resolve_ruleset

__all__ = ["ScopeDecision", "ScopeStatus", "assess_scope"]

ScopeStatus = Literal["priority", "may_include", "out_of_scope"]


@dataclass(frozen=True, slots=True)
class ScopeDecision:
    """Whether a community is in the renovation scope, and why.

    Attributes
    ----------
    status
        ``"priority"``, ``"may_include"`` or ``"out_of_scope"``.
    reasons
        Every condition checked, in order, then the conclusion (code ``scope.<status>``).
    ruleset_id
        The rule set applied, e.g. ``"hz-2022-10"``.
    """

    status: ScopeStatus
    reasons: tuple[Reason, ...]
    ruleset_id: str

    @property
    def in_scope(self) -> bool:
        return self.status != "out_of_scope"

    @property
    def is_priority(self) -> bool:
        return self.status == "priority"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "ruleset": self.ruleset_id,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _ruleset_for_year(ruleset: RuleSet | str | None, assessed_year: int) -> RuleSet:
    # None: the rule set in force at the end of the assessed year (31 December) — deterministic, whatever today is.
    if ruleset is None:
        return get_ruleset(date(assessed_year, 12, 31))
    return resolve_ruleset(ruleset, date(assessed_year, 12, 31))


def assess_scope(
    *,
    built_year: int,
    assessed_year: int,
    last_comprehensive_renovation_year: int | None = None,
    in_expropriation_plan: bool = False,
    affordable_housing: bool = False,
    infrastructure_deficient: bool = False,
    management_deficient: bool = False,
    residents_willing: bool = False,
    ruleset: RuleSet | str | None = None,
) -> ScopeDecision:
    """Classify a community as priority, may-include or out of scope (杭政办函〔2022〕10号 二(一)).

    Parameters
    ----------
    built_year
        Year the community was completed.
    assessed_year
        The year the assessment is for (e.g. the plan year); the 5-year window ends with it.
    last_comprehensive_renovation_year
        Year of the last comprehensive renovation, or None if never renovated.
    in_expropriation_plan
        Included in the year's expropriation plan (年度征收计划).
    affordable_housing
        A 保障性安居工程 community.
    infrastructure_deficient, management_deficient, residents_willing
        The three further conditions for a post-2000 保障性安居工程 community.
    ruleset
        A :class:`~gaizao.policy.RuleSet`, a rule set id, or None for the one in force on 31 December of
        ``assessed_year``.

    Raises
    ------
    PolicyInputError
        A year is not an integer, the community is built after the assessed year, the renovation year lies
        outside ``built_year..assessed_year``, or no rule set covers the assessed year.
    """
    built_year = as_year(built_year, "built_year")
    assessed_year = as_year(assessed_year, "assessed_year")
    if built_year > assessed_year:
        raise PolicyInputError(
            "built_year", f"built_year: {built_year} is after assessed_year {assessed_year}."
        )
    renovated = last_comprehensive_renovation_year
    if renovated is not None:
        renovated = as_year(renovated, "last_comprehensive_renovation_year")
        if not built_year <= renovated <= assessed_year:
            raise PolicyInputError(
                "last_comprehensive_renovation_year",
                f"last_comprehensive_renovation_year: {renovated} is outside the years from built_year "
                f"{built_year} to assessed_year {assessed_year}.",
            )
    in_expropriation_plan = as_bool(in_expropriation_plan, "in_expropriation_plan")
    affordable_housing = as_bool(affordable_housing, "affordable_housing")
    infrastructure_deficient = as_bool(infrastructure_deficient, "infrastructure_deficient")
    management_deficient = as_bool(management_deficient, "management_deficient")
    residents_willing = as_bool(residents_willing, "residents_willing")
    rules = _ruleset_for_year(ruleset, assessed_year)

    scope = rules.scope
    clause = scope.clause
    cutoff = scope.built_by.value
    cutoff_text = cutoff.isoformat()
    reasons: list[Reason] = []

    if built_year <= cutoff.year:
        reasons.append(
            Reason(
                "scope.built_by_cutoff",
                scope.built_by.clause,
                f"建成年份 {built_year} 年，属 {cutoff.year} 年底前建成（截止 {cutoff_text}）",
                f"Built in {built_year}, by {cutoff_text}",
            )
        )
        window = scope.recent_renovation_window_years.value
        first = assessed_year - window + 1
        window_clause = scope.recent_renovation_window_years.clause
        recent = renovated is not None and renovated >= first
        if renovated is None:
            reasons.append(
                Reason(
                    "scope.no_recent_renovation",
                    window_clause,
                    f"未实施过综合改造（近 {window} 年为 {first}—{assessed_year} 年）",
                    f"No comprehensive renovation on record (the last {window} years are {first}–{assessed_year})",
                )
            )
        elif recent:
            reasons.append(
                Reason(
                    "scope.recent_renovation",
                    window_clause,
                    f"最近一次综合改造在 {renovated} 年，在近 {window} 年（{first}—{assessed_year} 年）内",
                    f"Last comprehensive renovation in {renovated}, within the last {window} years "
                    f"({first}–{assessed_year})",
                )
            )
        else:
            reasons.append(
                Reason(
                    "scope.no_recent_renovation",
                    window_clause,
                    f"最近一次综合改造在 {renovated} 年，不在近 {window} 年（{first}—{assessed_year} 年）内",
                    f"Last comprehensive renovation in {renovated}, before the last {window} years "
                    f"({first}–{assessed_year})",
                )
            )
        if in_expropriation_plan:
            reasons.append(
                Reason(
                    "scope.in_expropriation_plan",
                    clause,
                    f"已纳入 {assessed_year} 年度征收计划",
                    f"In the {assessed_year} expropriation plan",
                )
            )
        else:
            reasons.append(
                Reason(
                    "scope.not_in_expropriation_plan",
                    clause,
                    f"未纳入 {assessed_year} 年度征收计划",
                    f"Not in the {assessed_year} expropriation plan",
                )
            )
        if not recent and not in_expropriation_plan:
            reasons.append(
                Reason(
                    "scope.priority",
                    clause,
                    f"重点改造：{cutoff.year} 年底前建成、近 {window} 年未实施综合改造且未纳入年度征收计划",
                    f"Priority: built by {cutoff_text}, no comprehensive renovation in the last {window} years, "
                    "not in the expropriation plan",
                )
            )
            return ScopeDecision("priority", tuple(reasons), rules.id)
        failing_zh = "、".join(
            text
            for flag, text in (
                (recent, f"近 {window} 年已实施综合改造"),
                (in_expropriation_plan, "已纳入年度征收计划"),
            )
            if flag
        )
        failing_en = "; ".join(
            text
            for flag, text in (
                (recent, f"comprehensively renovated in the last {window} years"),
                (in_expropriation_plan, "in the expropriation plan"),
            )
            if flag
        )
        reasons.append(
            Reason(
                "scope.out_of_scope",
                clause,
                f"不在改造范围：{failing_zh}",
                f"Out of scope: {failing_en}",
            )
        )
        return ScopeDecision("out_of_scope", tuple(reasons), rules.id)

    reasons.append(
        Reason(
            "scope.built_after_cutoff",
            scope.built_by.clause,
            f"建成年份 {built_year} 年，晚于 {cutoff_text}，不属重点改造范围",
            f"Built in {built_year}, after {cutoff_text}: not a priority community",
        )
    )
    conditions = (
        (
            affordable_housing,
            "affordable_housing",
            "not_affordable_housing",
            "保障性安居工程小区",
            "An affordable housing (保障性安居工程) community",
            "不是保障性安居工程小区",
            "Not an affordable housing (保障性安居工程) community",
        ),
        (
            infrastructure_deficient,
            "infrastructure_deficient",
            "infrastructure_adequate",
            "小区基础设施和功能明显不足",
            "Infrastructure and functions clearly insufficient",
            "小区基础设施和功能未认定为明显不足",
            "Infrastructure and functions not found clearly insufficient",
        ),
        (
            management_deficient,
            "management_deficient",
            "management_adequate",
            "物业管理不完善",
            "Property management imperfect",
            "物业管理未认定为不完善",
            "Property management not found imperfect",
        ),
        (
            residents_willing,
            "residents_willing",
            "residents_not_willing",
            "居民改造意愿强烈",
            "Residents strongly willing to renovate",
            "居民改造意愿未认定为强烈",
            "Residents not found strongly willing to renovate",
        ),
    )
    failing: list[tuple[str, str]] = []
    for flag, code_yes, code_no, yes_zh, yes_en, no_zh, no_en in conditions:
        if flag:
            reasons.append(Reason(f"scope.{code_yes}", clause, yes_zh, yes_en))
        else:
            reasons.append(Reason(f"scope.{code_no}", clause, no_zh, no_en))
            failing.append((no_zh, no_en))
    if not failing:
        reasons.append(
            Reason(
                "scope.may_include",
                clause,
                f"可纳入改造范围：{cutoff.year} 年后建成的保障性安居工程小区，基础设施和功能明显不足、物业管理不完善、"
                "居民改造意愿强烈",
                f"May be included: built after {cutoff.year}, affordable housing, infrastructure insufficient, "
                "management imperfect, residents willing",
            )
        )
        developer_clause = rules.subsidy.original_developer_clause
        reasons.append(
            Reason(
                "scope.paid_by_original_developer",
                developer_clause,
                "改造费用由原建设单位承担，市级财政不予补助",
                "The original construction unit pays for the renovation; no municipal subsidy",
            )
        )
        return ScopeDecision("may_include", tuple(reasons), rules.id)
    reasons.append(
        Reason(
            "scope.out_of_scope",
            clause,
            "不在改造范围：" + "；".join(zh for zh, _ in failing),
            "Out of scope: " + "; ".join(en[0].lower() + en[1:] for _, en in failing),
        )
    )
    return ScopeDecision("out_of_scope", tuple(reasons), rules.id)
