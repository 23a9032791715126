"""Funding eligibility of a project's funding plan — 杭政办函〔2022〕10号 三(三), 三(四); RULES §6a.

Each funding source may carry a rule in the rule set (``funding_rules``): the municipal-subsidy line never exceeds the
computed subsidy; provident-fund loans and mortgages only in 拆改结合; the original developer pays for post-cutoff
保障性安居工程 communities, and nobody else's; the performance award is paid to districts after assessment, never
planned in a project. :func:`funding_problems` returns one :class:`Reason` per broken rule (empty = allowed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gaizao.policy._values import money
from gaizao.policy.reasons import Reason
from gaizao.policy.ruleset import RuleSet, resolve_ruleset

__all__ = ["FundingCommunity", "excluded_cost_of", "funding_problems", "subsidy_commitment_date"]


@dataclass(frozen=True, slots=True)
class FundingCommunity:
    """What funding eligibility needs to know of one community of the project."""

    name: str
    built_year: int | None
    affordable_housing: bool


def _name(ruleset: RuleSet, source: str) -> tuple[str, str]:
    for choice in ruleset.funding_sources:
        if choice.id == source:
            return choice.name_zh, choice.name_en
    return source, source


def _mode_names(ruleset: RuleSet, modes: Sequence[str]) -> tuple[str, str]:
    zh = {c.id: c.name_zh for c in ruleset.renovation_modes}
    en = {c.id: c.name_en for c in ruleset.renovation_modes}
    return "、".join(zh.get(m, m) for m in modes), ", ".join(en.get(m, m) for m in modes)


def funding_problems(
    *,
    funding: Mapping[str, Decimal],
    mode: str,
    communities: Sequence[FundingCommunity],
    municipal_subsidy: Decimal,
    on: date,
    ruleset: RuleSet | str | None = None,
) -> tuple[Reason, ...]:
    """Every funding rule the plan breaks, each as a :class:`Reason` naming the clause (empty when allowed).

    Parameters
    ----------
    funding
        ``source id -> amount_yuan`` (``Decimal``); zero amounts are ignored.
    mode
        The renovation mode id (``comprehensive_improvement`` or ``demolition_rebuilding``).
    communities
        The project's communities (built year and 保障性安居工程 flag).
    municipal_subsidy
        The computed municipal subsidy of the plan, yuan.
    on
        Date that selects the rule set.
    """
    rules = resolve_ruleset(ruleset, on)
    cutoff = rules.subsidy.applies_built_by.value.year
    post_affordable = [c for c in communities if c.affordable_housing and (c.built_year or 0) > cutoff]
    used = {k: v for k, v in funding.items() if v}
    out: list[Reason] = []
    for rule in rules.funding_rules:
        name_zh, name_en = _name(rules, rule.source)
        amount = used.get(rule.source)
        if rule.rule == "at_most_subsidy":
            if amount is not None and amount > municipal_subsidy:
                out.append(
                    Reason(
                        "funding.subsidy_exceeds_rule",
                        rule.clause,
                        f"资金来源“{name_zh}” {money(amount)} 元超过按规则计算的市级补助 {money(municipal_subsidy)} 元",
                        f"Funding line {name_en} {money(amount)} yuan exceeds the municipal subsidy the rule gives, "
                        f"{money(municipal_subsidy)} yuan",
                    )
                )
        elif rule.rule == "modes":
            if amount is not None and mode not in rule.modes:
                modes_zh, modes_en = _mode_names(rules, rule.modes)
                out.append(
                    Reason(
                        "funding.source_not_in_mode",
                        rule.clause,
                        f"资金来源“{name_zh}”仅适用于{modes_zh}改造",
                        f"Funding source {name_en} is allowed only in {modes_en}",
                    )
                )
        elif rule.rule == "original_developer":
            if amount is not None and not post_affordable:
                out.append(
                    Reason(
                        "funding.original_developer_not_eligible",
                        rule.clause,
                        f"“{name_zh}”仅适用于 {cutoff} 年后建成的保障性安居工程小区，本项目小区均不属于",
                        f"{name_en} pays only for affordable housing built after {cutoff}; no community of this "
                        "project is one",
                    )
                )
            if amount is None and post_affordable and len(post_affordable) == len(communities):
                out.append(
                    Reason(
                        "funding.original_developer_required",
                        rule.clause,
                        f"{cutoff} 年后建成的保障性安居工程小区（"
                        + "、".join(c.name for c in post_affordable)
                        + f"）由原建设单位承担改造费用，资金方案须列“{name_zh}”",
                        f"Affordable housing built after {cutoff} is paid for by the original construction unit; the "
                        f"funding plan must list {name_en}",
                    )
                )
        elif rule.rule == "not_project_source" and amount is not None:
            out.append(
                Reason(
                    "funding.not_a_project_source",
                    rule.clause,
                    f"“{name_zh}”在考核后拨付给区、县（市），不能列入项目资金来源",
                    f"{name_en} is paid to districts after assessment; it is not a project funding source",
                )
            )
    return tuple(out)


def excluded_cost_of(item_id: str, *, on: date, ruleset: RuleSet | str | None = None) -> str | None:
    """The id of the excluded investment (rule-set list) a catalogue item falls under, or None."""
    rules = resolve_ruleset(ruleset, on)
    for cost in rules.subsidy.excluded_costs:
        if item_id in cost.item_ids:
            return cost.id
    return None


def subsidy_commitment_date(
    *, annual_plan_approved_on: date | None, estimate_on: date
) -> tuple[date, Reason]:
    """The date whose rule set a project's subsidy follows (RULES §6a transitional rule) and why.

    The subsidy follows the rule set in force on the day the annual plan listing the project was approved (the
    commitment), not the settlement date; before approval the estimate uses the rule set in force on
    ``estimate_on``.
    """
    if annual_plan_approved_on is not None:
        return annual_plan_approved_on, Reason(
            "subsidy.transitional_commitment",
            "RULES §6a",
            f"按年度计划批准日 {annual_plan_approved_on.isoformat()} 有效的规则计算补助",
            f"Subsidy under the rule set in force on the annual plan's approval, {annual_plan_approved_on.isoformat()}",
        )
    return estimate_on, Reason(
        "subsidy.transitional_estimate",
        "RULES §6a",
        f"年度计划尚未批准，按 {estimate_on.isoformat()} 有效的规则估算补助",
        f"The annual plan is not approved yet: estimate under the rule set in force on {estimate_on.isoformat()}",
    )
