"""Funding eligibility, subsidy exclusions and the transitional rule as rule-set data (RULES §6a)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from gaizao.policy import (
    FundingCommunity,
    RuleSetError,
    excluded_cost_of,
    funding_problems,
    get_ruleset,
    load_rulesets,
    subsidy_commitment_date,
)
from gaizao.policy.ruleset import RULESET_DIR

ON = date(2024, 6, 30)
OLD = [FundingCommunity("老小区", 1989, False)]
NEW_AFFORDABLE = [FundingCommunity("安居小区", 2005, True)]


def codes(**kw) -> dict[str, str]:
    args = {
        "mode": "comprehensive_improvement",
        "communities": OLD,
        "municipal_subsidy": D("100000"),
        "on": ON,
    }
    return {r.code: r.clause for r in funding_problems(**(args | kw))}


def test_allowed_plan_has_no_problems():
    assert codes(funding={"municipal_subsidy": D("100000"), "district_funds": D("900000")}) == {}


def test_subsidy_line_above_the_rule_is_refused():
    problems = funding_problems(
        funding={"municipal_subsidy": D("1400000")},
        mode="comprehensive_improvement",
        communities=OLD,
        municipal_subsidy=D("100000"),
        on=ON,
    )
    (problem,) = problems
    assert problem.code == "funding.subsidy_exceeds_rule" and problem.clause == "杭政办函〔2022〕10号 三(三)2"
    assert "1,400,000.00" in problem.message and "100,000.00" in problem.message


def test_provident_fund_loan_only_in_demolition_rebuilding():
    assert codes(funding={"provident_fund_loan": D("1")}) == {
        "funding.source_not_in_mode": "杭政办函〔2022〕10号 三(三)4"
    }
    assert codes(funding={"provident_fund_loan": D("1")}, mode="demolition_rebuilding") == {}


def test_original_developer_pays_post_2000_affordable_housing_only_and_always():
    assert set(codes(funding={"original_developer": D("1")})) == {"funding.original_developer_not_eligible"}
    assert set(codes(funding={"district_funds": D("1")}, communities=NEW_AFFORDABLE)) == {
        "funding.original_developer_required"
    }
    assert codes(funding={"original_developer": D("1")}, communities=NEW_AFFORDABLE) == {}


def test_performance_award_is_not_a_project_source():
    assert set(codes(funding={"performance_award": D("1")})) == {"funding.not_a_project_source"}
    assert codes(funding={"performance_award": D("0")}) == {}


def test_excluded_costs_are_a_rule_set_list_with_sources():
    costs = get_ruleset(ON).subsidy.excluded_costs
    assert [c.id for c in costs] == ["elevator", "secondary_water"]
    assert all(c.clause == "杭政办函〔2022〕10号 三(三)2" for c in costs)
    assert excluded_cost_of("elevator_retrofit", on=ON) == "elevator"
    assert excluded_cost_of("secondary_water_supply", on=ON) == "secondary_water"
    assert excluded_cost_of("roof_repair", on=ON) is None


def test_publication_minimum_and_consent_matter_in_both_rule_sets():
    for on in (date(2020, 1, 1), ON):
        rules = get_ruleset(on)
        assert rules.programme.publication_min_days.value == 7
        assert rules.vote.renovation_consent_matter.value == 7
    assert get_ruleset(date(2020, 1, 1)).programme.publication_min_days.clause.startswith(
        "杭政办函〔2019〕72号"
    )


def test_transitional_rule_uses_the_annual_plan_approval_date():
    on, reason = subsidy_commitment_date(
        annual_plan_approved_on=date(2022, 1, 10), estimate_on=date(2024, 5, 1)
    )
    assert on == date(2022, 1, 10) and reason.code == "subsidy.transitional_commitment"
    assert get_ruleset(on).id == "hz-2019-72"
    on, reason = subsidy_commitment_date(annual_plan_approved_on=None, estimate_on=date(2024, 5, 1))
    assert on == date(2024, 5, 1) and reason.code == "subsidy.transitional_estimate"
    assert get_ruleset(on).subsidy.transitional_rule.value == "annual_plan_approved"


def test_a_funding_rule_naming_an_unknown_source_is_a_rule_set_error(tmp_path: Path):
    text = (RULESET_DIR / "hz-2022-10.toml").read_text(encoding="utf-8")
    (tmp_path / "hz-2022-10.toml").write_text(
        text.replace('source = "provident_fund_loan"', 'source = "lottery"'), encoding="utf-8"
    )
    with pytest.raises(RuleSetError, match="lottery"):
        load_rulesets(tmp_path)
