"""Special plan (专项规划, 三(一)) rules: the size limit of a renovation unit (连片) and the default weights of the
programme optimiser's benefit — the ``[planning]`` section of the rule set in force.

The opinions ask each district for renovation units but give no size; the limits keep units sensible instead of
the unbounded chains that "neighbours sharing gaps" produces. They are data, so a coordination group's decision
is a rule-set edit, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from gaizao.policy.ruleset import RULESET_DIR, Param, RuleSet, _raw_with_base, _Reader, get_ruleset

__all__ = ["PlanningRules", "planning_rules"]


@dataclass(frozen=True, slots=True)
class PlanningRules:
    """The special plan's limits and the optimiser's default weights.

    Attributes
    ----------
    unit_max_communities, unit_max_residents, unit_max_radius_m
        A renovation unit holds at most this many communities, residents, and lies within this radius (metres)
        of its centre.
    weights
        ``{component: weight}`` of the benefit (households, gaps, priority, urgency, readiness).
    weights_clause, weights_verified
        Where the weights come from and whether that was read from a retrieved text.
    """

    clause: str
    unit_max_communities: Param[int]
    unit_max_residents: Param[int]
    unit_max_radius_m: Param[int]
    weights: dict[str, Decimal]
    weights_clause: str
    weights_verified: bool


@cache
def _rules_of(ruleset_id: str, path: str, verified: bool) -> PlanningRules:
    raw = _raw_with_base(Path(path), RULESET_DIR)
    top = _Reader(raw, "", Path(path).name, verified)
    p = top.table("planning")
    w = p.table("weights")
    weights: dict[str, Decimal] = {}
    for key in ("households", "gaps", "priority", "urgency", "readiness"):
        weights[key] = w.decimal(key)
    weights_clause = w.text("clause")
    weights_verified = w.verified()
    w.done()
    rules = PlanningRules(
        clause=p.text("clause"),
        unit_max_communities=p.param_int("unit_max_communities", 1, 1000),
        unit_max_residents=p.param_int("unit_max_residents", 1, 10_000_000),
        unit_max_radius_m=p.param_int("unit_max_radius_m", 1, 100_000),
        weights=weights,
        weights_clause=weights_clause,
        weights_verified=weights_verified,
    )
    p.done()
    return rules


def planning_rules(on: date | RuleSet) -> PlanningRules:
    """The ``[planning]`` rules of the rule set in force on ``on`` (or of the given rule set).

    Raises
    ------
    PolicyInputError
        No rule set is in force on ``on``.
    RuleSetError
        The section is missing or malformed (the message names the file and key).
    """
    ruleset = on if isinstance(on, RuleSet) else get_ruleset(on)
    return _rules_of(ruleset.id, ruleset.path, ruleset.verified)
