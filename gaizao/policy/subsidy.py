"""Municipal subsidy — 杭政办函〔2022〕10号 三(三)2 (RULES §3).

``subsidy = share × min(base, 400 yuan/m² × building area)`` where ``base`` is the approved final accounts minus
elevator installation and secondary water supply. Communities built after 2000 get no municipal subsidy; a
post-2000 保障性安居工程 community is paid for by its original construction unit. Money is Decimal throughout and
rounded once, at the end, half-up to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, localcontext
from typing import Any, Literal

from gaizao.policy._values import as_bool, as_decimal, as_year, money, round_fen
from gaizao.policy.districts import resolve_district
from gaizao.policy.errors import PolicyInputError
from gaizao.policy.reasons import Reason
from gaizao.policy.ruleset import RuleSet, resolve_ruleset

__all__ = ["Payer", "SubsidyDecision", "municipal_subsidy"]

Payer = Literal["municipal", "original_developer"]
_ZERO = Decimal(0)


def _percent(share: Decimal) -> str:
    return format((share * 100).normalize(), "f") + "%"


@dataclass(frozen=True, slots=True)
class SubsidyDecision:
    """The municipal subsidy of one project, and why.

    Attributes
    ----------
    amount
        Subsidy in yuan, rounded half-up to the fen (``Decimal``, 2 places).
    share
        The district's share (``Decimal("0.50")``, ``0.20`` or ``0.10``).
    base
        Final accounts minus elevator and secondary-water costs, yuan, exact (before the per-m² cap).
    cap
        ``cap_per_m2 × building_area_m2``, yuan, exact.
    subsidised_base
        ``min(base, cap)``; zero when the community is not eligible.
    capped
        True if the base was above the cap and the cap applied.
    payer
        ``"municipal"``, or ``"original_developer"`` for a post-2000 保障性安居工程 community.
    eligible
        False when no municipal subsidy applies (built after 2000).
    """

    amount: Decimal
    share: Decimal
    base: Decimal
    capped: bool
    payer: Payer
    reasons: tuple[Reason, ...]
    eligible: bool
    cap: Decimal
    subsidised_base: Decimal
    district_code: str
    district_name: str
    ruleset_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "amount": str(self.amount),
            "share": str(self.share),
            "base": str(self.base),
            "cap": str(self.cap),
            "subsidised_base": str(self.subsidised_base),
            "capped": self.capped,
            "payer": self.payer,
            "eligible": self.eligible,
            "district": {"code": self.district_code, "name": self.district_name},
            "ruleset": self.ruleset_id,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def municipal_subsidy(
    *,
    district: str | int,
    built_year: int,
    affordable_housing: bool,
    final_accounts: Decimal,
    elevator_cost: Decimal,
    secondary_water_cost: Decimal,
    building_area_m2: Decimal,
    on: date,
    ruleset: RuleSet | str | None = None,
) -> SubsidyDecision:
    """Compute the municipal subsidy (杭政办函〔2022〕10号 三(三)2).

    Parameters
    ----------
    district
        Name (``"上城区"``), code (``"330102"``), or 西湖风景名胜区 / ``"X330100"``.
    built_year
        Year the community was completed.
    affordable_housing
        A 保障性安居工程 community (matters only when built after 2000).
    final_accounts, elevator_cost, secondary_water_cost
        Approved final-accounts amount and the excluded costs, yuan (``Decimal``, ``int`` or numeric string).
        Use the budget for an estimate before completion.
    building_area_m2
        Building area renovated, m², more than zero.
    on
        Date that selects the rule set (the settlement or estimate date).
    ruleset
        A rule set or id to force one; None = the one in force on ``on``.

    Raises
    ------
    PolicyInputError
        Unknown district, negative money or area, exclusions larger than the final accounts, or no rule set on
        ``on``; the message names the field.
    """
    if isinstance(on, datetime):
        on = on.date()
    if not isinstance(on, date):
        raise PolicyInputError("on", f"on: expected a date, got {on!r}.")
    rules = resolve_ruleset(ruleset, on)
    found = resolve_district(district, rules)
    built_year = as_year(built_year, "built_year")
    affordable_housing = as_bool(affordable_housing, "affordable_housing")
    final = as_decimal(final_accounts, "final_accounts")
    elevator = as_decimal(elevator_cost, "elevator_cost")
    water = as_decimal(secondary_water_cost, "secondary_water_cost")
    area = as_decimal(building_area_m2, "building_area_m2", positive=True)

    sub = rules.subsidy
    clause = sub.clause
    with localcontext() as ctx:
        ctx.prec = 60
        excluded = elevator + water
        if excluded > final:
            raise PolicyInputError(
                "final_accounts",
                f"final_accounts: {final} yuan is less than the excluded elevator_cost + secondary_water_cost "
                f"= {excluded} yuan; check the final accounts and the exclusions.",
            )
        base = final - excluded
        cap_per_m2 = sub.cap_per_m2.value
        cap = cap_per_m2 * area
        share = found.share
        reasons: list[Reason] = [
            Reason(
                "subsidy.district_share",
                found.clause,
                f"{found.name_zh}（{found.code}）市级财政补助比例 {_percent(share)}",
                f"{found.name_en} ({found.code}): municipal share {_percent(share)}",
            ),
            Reason(
                "subsidy.base",
                sub.excluded_costs_clause,
                f"补助基数 = 核定竣工财务决算 {money(final)} 元 − 加装电梯 {money(elevator)} 元 − 二次供水 "
                f"{money(water)} 元 = {money(base)} 元",
                f"Base = approved final accounts {money(final)} − elevator {money(elevator)} − secondary water "
                f"supply {money(water)} = {money(base)} yuan",
            ),
        ]
        cutoff = sub.applies_built_by.value
        if built_year > cutoff.year:
            if affordable_housing:
                reasons.append(
                    Reason(
                        "subsidy.paid_by_original_developer",
                        sub.original_developer_clause,
                        f"{built_year} 年建成（晚于 {cutoff.isoformat()}）的保障性安居工程小区，改造费用由原建设单位承担，"
                        "市级补助 0.00 元",
                        f"Affordable housing built in {built_year} (after {cutoff.isoformat()}): the original "
                        "construction unit pays; municipal subsidy 0.00 yuan",
                    )
                )
                payer: Payer = "original_developer"
            else:
                reasons.append(
                    Reason(
                        "subsidy.built_after_cutoff",
                        sub.applies_built_by.clause,
                        f"{built_year} 年建成，晚于 {cutoff.isoformat()}，市级财政补助仅适用于 {cutoff.year} 年底前建成的"
                        "小区，市级补助 0.00 元",
                        f"Built in {built_year}, after {cutoff.isoformat()}: the municipal subsidy applies only to "
                        f"communities built by then; municipal subsidy 0.00 yuan",
                    )
                )
                payer = "municipal"
            return SubsidyDecision(
                amount=round_fen(_ZERO),
                share=share,
                base=base,
                capped=False,
                payer=payer,
                reasons=tuple(reasons),
                eligible=False,
                cap=cap,
                subsidised_base=_ZERO,
                district_code=found.code,
                district_name=found.name_zh,
                ruleset_id=rules.id,
            )

        reasons.insert(
            1,
            Reason(
                "subsidy.built_by_cutoff",
                sub.applies_built_by.clause,
                f"{built_year} 年建成，属 {cutoff.year} 年底前建成的城镇老旧小区，市级财政给予补助",
                f"Built in {built_year}, by {cutoff.isoformat()}: eligible for the municipal subsidy",
            ),
        )
        capped = base > cap
        per_m2 = base / area
        cap_text = format(cap_per_m2.normalize(), "f")
        if capped:
            subsidised = cap
            reasons.append(
                Reason(
                    "subsidy.capped",
                    sub.cap_per_m2.clause,
                    f"补助基数 {money(base)} 元（折合 {money(per_m2)} 元/m²）高于 {cap_text} 元/m² × {area} m² = "
                    f"{money(cap)} 元，按 {cap_text} 元/m² 核定为 {money(cap)} 元",
                    f"Base {money(base)} yuan ({money(per_m2)} yuan/m²) is above {cap_text} yuan/m² × {area} m² = "
                    f"{money(cap)} yuan; capped at {money(cap)} yuan",
                )
            )
        else:
            subsidised = base
            reasons.append(
                Reason(
                    "subsidy.not_capped",
                    sub.cap_per_m2.clause,
                    f"补助基数 {money(base)} 元（折合 {money(per_m2)} 元/m²）不高于 {cap_text} 元/m² × {area} m² = "
                    f"{money(cap)} 元，按实核定",
                    f"Base {money(base)} yuan ({money(per_m2)} yuan/m²) is not above {cap_text} yuan/m² × {area} m² = "
                    f"{money(cap)} yuan; the actual base applies",
                )
            )
        amount = round_fen(share * subsidised)
        reasons.append(
            Reason(
                "subsidy.amount",
                clause,
                f"市级补助 = {_percent(share)} × {money(subsidised)} 元 = {money(amount)} 元（最后一次四舍五入到分）",
                f"Municipal subsidy = {_percent(share)} × {money(subsidised)} = {money(amount)} yuan "
                "(rounded half-up to the fen once)",
            )
        )
    return SubsidyDecision(
        amount=amount,
        share=share,
        base=base,
        capped=capped,
        payer="municipal",
        reasons=tuple(reasons),
        eligible=True,
        cap=cap,
        subsidised_base=subsidised,
        district_code=found.code,
        district_name=found.name_zh,
        ruleset_id=rules.id,
    )
