"""Oversight rules as data — 杭政办函〔2022〕10号 五 (统筹、协调、督查、考核) and 三(三)2 (绩效奖补): the default annual
targets of a district, the pace tolerance, the district assessment's indicators with their weights and data sources,
and the performance award's threshold and default pool, read from the ``[oversight]`` section of the rule set in
force; and the arithmetic on plain numbers (indicator score, weighted total, pace, award split).

Pure: no Django. The opinions name neither indicators nor weights, so every value here is marked to verify.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from gaizao.policy.errors import PolicyInputError
from gaizao.policy.money import split_largest_remainder
from gaizao.policy.ruleset import RULESET_DIR, RuleSet, _raw_with_base, _Reader, get_ruleset

__all__ = [
    "TARGET_KEYS",
    "AwardRules",
    "AwardShare",
    "Indicator",
    "OversightRules",
    "award_split",
    "expected_share",
    "indicator_score",
    "is_behind_pace",
    "oversight_rules",
    "weighted_points",
]

#: The quantified annual targets of a district, in the order of the forms.
TARGET_KEYS = (
    "communities_started",
    "communities_completed",
    "households",
    "buildings",
    "elevators_added",
    "property_coverage",
)
HUNDRED = Decimal(100)
_POINT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    #: points of 100
    weight: Decimal
    #: "full" or "zero": what a district with no records for the indicator scores
    empty: str
    #: the records the indicator is computed from (shown with every score)
    source: str


@dataclass(frozen=True, slots=True)
class AwardRules:
    threshold: Decimal
    pool_yuan: Decimal
    clause: str
    verified: bool


@dataclass(frozen=True, slots=True)
class OversightRules:
    clause: str
    targets: dict[str, Decimal]
    targets_clause: str
    targets_verified: bool
    pace_tolerance: Decimal
    indicators: tuple[Indicator, ...]
    assessment_clause: str
    assessment_verified: bool
    award: AwardRules


@cache
def _rules_of(path: str, verified: bool) -> OversightRules:
    raw = _raw_with_base(Path(path), RULESET_DIR)
    top = _Reader(raw, "", Path(path).name, verified)
    o = top.table("oversight")
    t = o.table("targets")
    targets = {key: Decimal(t.integer(key, 0, 1_000_000)) for key in TARGET_KEYS[:-1]}
    targets["property_coverage"] = t.decimal("property_coverage")
    if targets["property_coverage"] > 1:
        raise t.fail("property_coverage", "expected a share 0..1")
    tolerance = t.decimal("pace_tolerance")
    targets_clause, targets_verified = t.text("clause"), t.verified()
    t.done()
    a = o.table("assessment")
    indicators = []
    for row in a.tables("indicators"):
        empty = row.text("empty")
        if empty not in ("full", "zero"):
            raise row.fail("empty", "expected 'full' or 'zero'")
        indicators.append(
            Indicator(
                id=row.text("id"),
                name_zh=row.text("name_zh"),
                name_en=row.text("name_en"),
                weight=row.decimal("weight"),
                empty=empty,
                source=row.text("source"),
            )
        )
        row.done()
    if not indicators:
        raise a.fail("indicators", "at least one indicator is needed")
    if len({i.id for i in indicators}) != len(indicators):
        raise a.fail("indicators", "ids must be unique")
    if sum((i.weight for i in indicators), Decimal(0)) != HUNDRED:
        raise a.fail("indicators", "weights must sum to 100")
    assessment_clause, assessment_verified = a.text("clause"), a.verified()
    a.done()
    w = o.table("award")
    award = AwardRules(
        threshold=w.decimal("threshold"),
        pool_yuan=w.decimal("pool_yuan"),
        clause=w.text("clause"),
        verified=w.verified(),
    )
    w.done()
    rules = OversightRules(
        clause=o.text("clause"),
        targets=targets,
        targets_clause=targets_clause,
        targets_verified=targets_verified,
        pace_tolerance=tolerance,
        indicators=tuple(indicators),
        assessment_clause=assessment_clause,
        assessment_verified=assessment_verified,
        award=award,
    )
    o.done()
    return rules


def oversight_rules(on: dt.date | RuleSet) -> OversightRules:
    """The ``[oversight]`` rules of the rule set in force on ``on`` (or of the given rule set).

    Raises
    ------
    RuleSetError
        The section is missing or malformed (the message names the file and key).
    """
    ruleset = on if isinstance(on, RuleSet) else get_ruleset(on)
    return _rules_of(ruleset.path, ruleset.verified)


def indicator_score(ratio: Decimal | None, indicator: Indicator) -> Decimal:
    """An indicator's score on 0..100 (to 0.01) from a ratio (capped at 1); None = no records, per ``empty``."""
    if ratio is None:
        return HUNDRED if indicator.empty == "full" else Decimal(0)
    ratio = Decimal(ratio)
    if ratio < 0:
        raise PolicyInputError("ratio", f"ratio: {ratio} is negative.")
    return (min(ratio, Decimal(1)) * HUNDRED).quantize(_POINT, rounding=ROUND_HALF_UP)


def weighted_points(score: Decimal, indicator: Indicator) -> Decimal:
    """The points a score contributes to the total of 100: ``score × weight / 100``."""
    return (Decimal(score) * indicator.weight / HUNDRED).quantize(_POINT, rounding=ROUND_HALF_UP)


def expected_share(on: dt.date, year: int) -> Decimal:
    """The share of ``year`` elapsed on ``on`` (0 before it starts, 1 after it ends), the linear pace."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if on < start:
        return Decimal(0)
    if on >= end:
        return Decimal(1)
    return Decimal((on - start).days + 1) / Decimal((end - start).days + 1)


def is_behind_pace(actual: Decimal, target: Decimal, *, on: dt.date, year: int, tolerance: Decimal) -> bool:
    """Whether ``actual`` of ``target`` trails the year's elapsed share by more than ``tolerance``."""
    if target <= 0:
        return False
    return Decimal(actual) / Decimal(target) < expected_share(on, year) - tolerance


@dataclass(frozen=True, slots=True)
class AwardShare:
    key: str
    score: Decimal
    #: score above the threshold (the weight of the split), 0 when at or below
    above: Decimal
    amount: Decimal
    reason: str


def award_split(pool_yuan: Decimal, scores: dict[str, Decimal], *, threshold: Decimal) -> list[AwardShare]:
    """Share ``pool_yuan`` among the keys scoring above ``threshold``, in proportion to their score above it.

    The parts sum exactly to the pool (largest remainder to the fen); nobody above the threshold → nothing paid.

    Raises
    ------
    PolicyInputError
        A negative pool (field ``pool_yuan``) or no scores (field ``scores``).
    """
    if not scores:
        raise PolicyInputError("scores", "scores: at least one district score is needed.")
    if pool_yuan < 0:
        raise PolicyInputError("pool_yuan", f"pool_yuan: must not be negative, got {pool_yuan}.")
    keys = list(scores)
    above = [max(Decimal(scores[k]) - threshold, Decimal(0)) for k in keys]
    total_above = sum(above, Decimal(0))
    if total_above == 0:
        amounts = [Decimal("0.00")] * len(keys)
    else:
        amounts = split_largest_remainder(pool_yuan, above, field="pool_yuan")
    out = []
    for key, a, amount in zip(keys, above, amounts, strict=True):
        if a > 0:
            reason = (
                f"得分 {scores[key]} 高于门槛 {threshold}，超出 {a} 分，占超出分合计 {total_above} 的比例分配奖补。/ "
                f"score {scores[key]} is {a} above the threshold {threshold}; paid pro rata to the total {total_above}."
            )
        else:
            reason = (
                f"得分 {scores[key]} 未高于门槛 {threshold}，不予奖补。/ "
                f"score {scores[key]} is not above the threshold {threshold}; no award."
            )
        out.append(AwardShare(key, Decimal(scores[key]), a, amount, reason))
    return out
