"""The [stewardship] rule-set section and the scorecard arithmetic, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gaizao.policy import PolicyInputError
from gaizao.policy import stewardship as rules

D = Decimal


def test_followup_schedule_from_the_rule_set():
    follow = rules.followup_rules(dt.date(2026, 1, 1))
    assert follow.months == (6, 12, 24) and follow.verified is False
    assert rules.followup_due_dates(dt.date(2025, 8, 31)) == [
        (6, dt.date(2026, 2, 28)),
        (12, dt.date(2026, 8, 31)),
        (24, dt.date(2027, 8, 31)),
    ]
    assert rules.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert rules.add_months(dt.date(2024, 3, 15), -3) == dt.date(2023, 12, 15)
    with pytest.raises(PolicyInputError) as err:
        rules.followup_due_dates("2025-01-01")  # type: ignore[arg-type]
    assert err.value.field == "handed_over_on"


def test_matters_and_disclosure():
    assert [rules.matter_rule(d).matter for d in ("fee", "fund_use", "fund_top_up", "management_rules")] == [
        4,
        5,
        6,
        2,
    ]
    assert rules.matter_rule("fund_top_up").clause == "民法典 第278条第一款第(六)项"
    # the 2019 rule set inherits the section, re-cited only where it cites the 2022 document
    assert rules.matter_rule("fee", dt.date(2020, 6, 1)).matter == 4
    assert rules.section_clause(dt.date(2020, 6, 1)).startswith("杭政办函〔2019〕72号")
    with pytest.raises(PolicyInputError) as err:
        rules.matter_rule("elevator")
    assert err.value.field == "decision"
    assert rules.fee_ballot_modes() == frozenset({"professional", "community_operator"})
    assert rules.disclosure_interval_months() == 12
    assert rules.disclosure_clause() == "民法典 第281条"


def test_scorecard_weights_sum_to_one():
    table = rules.scorecard_rules()
    assert [g.goal for g in table.goals] == [
        "complete_facilities",
        "clean_environment",
        "supporting_services",
        "long_term_management",
        "distinctive_culture",
        "harmonious_relations",
    ]
    assert all(g.evaluation + g.facts == 1 for g in table.goals)


@pytest.mark.parametrize(
    ("mean", "facts", "expected"),
    [
        (None, {}, None),
        (D(5), {}, D("100.0")),
        (D(1), {}, D("0.0")),
        (D(3), {"property_contract": True, "management_rules": False}, D("50.0")),  # 0.4×50 + 0.6×50
        (None, {"property_contract": True, "fee_collection": D("0.9")}, D("95.0")),
        (D(5), {"property_contract": None}, D("100.0")),  # not applicable: the evaluation alone
        (D(4), {"property_contract": True, "management_rules": True, "fund_disclosed": True}, D("90.0")),
    ],
)
def test_goal_score(mean, facts, expected):
    goal = next(g for g in rules.scorecard_rules().goals if g.goal == "long_term_management")
    assert rules.goal_score(goal, evaluation_mean=mean, facts=facts) == expected


def test_goal_score_refuses_out_of_range():
    goal = next(g for g in rules.scorecard_rules().goals if g.goal == "long_term_management")
    with pytest.raises(PolicyInputError) as err:
        rules.goal_score(goal, evaluation_mean=D(6), facts={})
    assert err.value.field == "evaluation_mean"
    with pytest.raises(PolicyInputError) as err:
        rules.goal_score(goal, evaluation_mean=None, facts={"fee_collection": D("1.2")})
    assert err.value.field == "facts"
    evaluation_only = next(g for g in rules.scorecard_rules().goals if g.goal == "supporting_services")
    assert rules.goal_score(evaluation_only, evaluation_mean=D(2), facts={"property_contract": True}) == D(
        "25.0"
    )
