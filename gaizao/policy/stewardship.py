"""Long-term management rules as data — 杭政办函〔2022〕10号 四(四), 民法典 第278条、第281条: the follow-up
inspection schedule after handover, the Art. 278 matter each owners' decision is taken under, the interval of the
maintenance fund's public disclosure and the weights of the 六有 scorecard, read from the ``[stewardship]``
section of the rule set in force; and the scorecard arithmetic on plain numbers.

Pure: no Django. The section is inherited by rule sets ``based_on`` another (and re-cited there).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from gaizao.policy.errors import PolicyInputError, RuleSetError
from gaizao.policy.ruleset import RULESET_DIR, _raw_with_base, get_ruleset

__all__ = [
    "FollowUpRules",
    "GoalWeights",
    "MatterRule",
    "ScorecardRules",
    "add_months",
    "disclosure_interval_months",
    "disclosure_clause",
    "fee_ballot_modes",
    "followup_due_dates",
    "followup_rules",
    "goal_score",
    "matter_rule",
    "scorecard_rules",
    "section_clause",
]

#: The owners' decisions the long-term management needs, by the key of ``[stewardship.matters]``.
DECISIONS = ("fee", "fund_use", "fund_top_up", "management_rules")


@dataclass(frozen=True, slots=True)
class FollowUpRules:
    #: Months after handover at which a follow-up inspection is due, ascending.
    months: tuple[int, ...]
    #: Days after the due date before a follow-up not yet done counts as late.
    window_days: int
    clause: str
    verified: bool


@dataclass(frozen=True, slots=True)
class MatterRule:
    decision: str
    #: Art. 278 item number (1..9).
    matter: int
    clause: str


@dataclass(frozen=True, slots=True)
class GoalWeights:
    goal: str
    #: Weight of the residents' evaluation and of the recorded facts; they sum to 1.
    evaluation: Decimal
    facts: Decimal
    fact_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScorecardRules:
    goals: tuple[GoalWeights, ...]
    clause: str
    verified: bool


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise RuleSetError(f"{where}.{key}: expected a non-empty string")
    return value


def _decimal(table: dict[str, Any], key: str, where: str) -> Decimal:
    try:
        out = Decimal(str(table.get(key)))
    except (InvalidOperation, ValueError):
        raise RuleSetError(f"{where}.{key}: expected a decimal string") from None
    if not out.is_finite() or not Decimal(0) <= out <= Decimal(1):
        raise RuleSetError(f"{where}.{key}: expected a weight between 0 and 1")
    return out


@cache
def _section(path: str) -> dict[str, Any]:
    raw = _raw_with_base(Path(path), RULESET_DIR)
    section = raw.get("stewardship")
    if not isinstance(section, dict):
        raise RuleSetError(f"{Path(path).name}: stewardship: the section is missing")
    return section


def _rules(on: dt.date | None) -> tuple[dict[str, Any], bool]:
    ruleset = get_ruleset(on or dt.date.today())
    return _section(ruleset.path), ruleset.verified


def _table(section: dict[str, Any], key: str) -> dict[str, Any]:
    table = section.get(key)
    if not isinstance(table, dict):
        raise RuleSetError(f"stewardship.{key}: the table is missing")
    return table


def section_clause(on: dt.date | None = None) -> str:
    """The clause the long-term management rests on (四(四))."""
    section, _ = _rules(on)
    return _text(section, "clause", "stewardship")


def followup_rules(on: dt.date | None = None) -> FollowUpRules:
    """The follow-up schedule in force on ``on`` (default today)."""
    section, verified = _rules(on)
    table = _table(section, "followup")
    months = table.get("months")
    if (
        not isinstance(months, list)
        or not months
        or not all(isinstance(m, int) and m > 0 for m in months)
        or sorted(set(months)) != months
    ):
        raise RuleSetError("stewardship.followup.months: expected ascending positive whole months")
    window = table.get("window_days", 0)
    if not isinstance(window, int) or window < 0:
        raise RuleSetError("stewardship.followup.window_days: expected a whole number of days ≥ 0")
    return FollowUpRules(
        months=tuple(months),
        window_days=window,
        clause=_text(table, "clause", "stewardship.followup"),
        verified=bool(table.get("verified", verified)),
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole ``months``, clamped to the month's last day (31 Jan + 1 month → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def followup_due_dates(handed_over_on: dt.date, on: dt.date | None = None) -> list[tuple[int, dt.date]]:
    """``(months, due date)`` of each follow-up inspection after a handover on ``handed_over_on``.

    Raises
    ------
    PolicyInputError
        ``handed_over_on`` is not a date (field ``handed_over_on``).
    """
    if not isinstance(handed_over_on, dt.date):
        raise PolicyInputError("handed_over_on", f"handed_over_on: expected a date, got {handed_over_on!r}.")
    rules = followup_rules(on or handed_over_on)
    return [(m, add_months(handed_over_on, m)) for m in rules.months]


def matter_rule(decision: str, on: dt.date | None = None) -> MatterRule:
    """The Art. 278 matter of an owners' decision: ``fee``, ``fund_use``, ``fund_top_up`` or ``management_rules``.

    Raises
    ------
    PolicyInputError
        ``decision`` is not one of those (field ``decision``).
    """
    if decision not in DECISIONS:
        raise PolicyInputError("decision", f"decision: unknown owners' decision {decision!r}.")
    section, _ = _rules(on)
    table = _table(section, "matters")
    entry = table.get(decision)
    if not isinstance(entry, dict):
        raise RuleSetError(f"stewardship.matters.{decision}: the entry is missing")
    matter = entry.get("value")
    if not isinstance(matter, int) or not 1 <= matter <= 9:
        raise RuleSetError(f"stewardship.matters.{decision}.value: expected an Art. 278 item 1..9")
    return MatterRule(decision, matter, _text(entry, "clause", f"stewardship.matters.{decision}"))


def fee_ballot_modes(on: dt.date | None = None) -> frozenset[str]:
    """Management modes whose fee standard needs the owners' matter-4 ballot."""
    section, _ = _rules(on)
    modes = _table(section, "matters").get("fee_ballot_modes", [])
    if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
        raise RuleSetError("stewardship.matters.fee_ballot_modes: expected a list of mode ids")
    return frozenset(modes)


def disclosure_interval_months(on: dt.date | None = None) -> int:
    """The longest interval between two public disclosures of a community's maintenance fund."""
    section, _ = _rules(on)
    value = _table(section, "disclosure").get("interval_months")
    if not isinstance(value, int) or value <= 0:
        raise RuleSetError("stewardship.disclosure.interval_months: expected whole months > 0")
    return value


def disclosure_clause(on: dt.date | None = None) -> str:
    section, _ = _rules(on)
    return _text(_table(section, "disclosure"), "clause", "stewardship.disclosure")


@cache
def _scorecard(path: str, verified_default: bool) -> ScorecardRules:
    table = _table(_section(path), "scorecard")
    goals = []
    for i, row in enumerate(table.get("goals", [])):
        where = f"stewardship.scorecard.goals[{i}]"
        evaluation = _decimal(row, "evaluation", where)
        facts = _decimal(row, "facts", where)
        if evaluation + facts != 1:
            raise RuleSetError(f"{where}: evaluation and facts must sum to 1")
        fact_ids = row.get("fact_ids", [])
        if not isinstance(fact_ids, list) or not all(isinstance(f, str) and f for f in fact_ids):
            raise RuleSetError(f"{where}.fact_ids: expected a list of fact ids")
        if facts > 0 and not fact_ids:
            raise RuleSetError(f"{where}: a goal weighted on facts needs fact_ids")
        goals.append(GoalWeights(_text(row, "id", where), evaluation, facts, tuple(fact_ids)))
    if len({g.goal for g in goals}) != len(goals):
        raise RuleSetError("stewardship.scorecard.goals: ids must be unique")
    return ScorecardRules(
        goals=tuple(goals),
        clause=_text(table, "clause", "stewardship.scorecard"),
        verified=bool(table.get("verified", verified_default)),
    )


def scorecard_rules(on: dt.date | None = None) -> ScorecardRules:
    ruleset = get_ruleset(on or dt.date.today())
    return _scorecard(ruleset.path, ruleset.verified)


HUNDRED = Decimal(100)
_POINT = Decimal("0.1")


def goal_score(
    weights: GoalWeights, *, evaluation_mean: Decimal | None, facts: dict[str, bool | Decimal | None]
) -> Decimal | None:
    """One goal's score on 0..100 (to 0.1): the weighted mix of the residents' evaluation and the facts.

    Parameters
    ----------
    evaluation_mean
        The residents' mean score on 1..5, or None when nobody has evaluated the goal.
    facts
        ``{fact id: True | False | share 0..1 | None}``; None means "not applicable" and is left out.

    Returns
    -------
    The score, or None when neither part has anything to say. A missing part's weight goes to the other.

    Raises
    ------
    PolicyInputError
        A mean outside 1..5 (field ``evaluation_mean``) or a share outside 0..1 (field ``facts``).
    """
    eval_part: Decimal | None = None
    if evaluation_mean is not None:
        mean = Decimal(str(evaluation_mean))
        if not Decimal(1) <= mean <= Decimal(5):
            raise PolicyInputError("evaluation_mean", f"evaluation_mean: {evaluation_mean} is outside 1..5.")
        eval_part = (mean - 1) / 4 * HUNDRED
    values: list[Decimal] = []
    for fact_id in weights.fact_ids:
        value = facts.get(fact_id)
        if value is None:
            continue
        share = Decimal(1 if value else 0) if isinstance(value, bool) else Decimal(str(value))
        if not Decimal(0) <= share <= Decimal(1):
            raise PolicyInputError("facts", f"facts.{fact_id}: {value} is outside 0..1.")
        values.append(share * HUNDRED)
    fact_part = sum(values, Decimal(0)) / len(values) if values else None
    if weights.facts == 0:
        fact_part = None
    if eval_part is None and fact_part is None:
        return None
    if eval_part is None:
        assert fact_part is not None
        score = fact_part
    elif fact_part is None:
        score = eval_part
    else:
        score = eval_part * weights.evaluation + fact_part * weights.facts
    return score.quantize(_POINT, rounding=ROUND_HALF_UP)
