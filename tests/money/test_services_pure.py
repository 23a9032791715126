"""The calculations of the money services on plain data (no database): the audit's figures, the settlement split
and the residents' shares. The services that fetch their inputs and store the results are tested beside them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gaizao.errors import ApplicationError
from gaizao.money import services
from gaizao.policy.settlement import CommunityInput

D = Decimal
ON = dt.date(2026, 6, 1)
SUBMITTED = {"total": D("1000.00"), "elevator": D("200.00"), "secondary_water": D("50.00")}


def test_audited_figures_add_each_adjustment_to_the_total_and_its_exclusion():
    # given the submitted figures and three adjustments (审减 negative)
    adjustments = [("", D("-100.00")), ("elevator", D("-20.00")), ("secondary_water", D("5.00"))]
    # when
    figures = services.audited_figures(SUBMITTED, adjustments)
    # then
    assert figures == {"total": D("885.00"), "elevator": D("180.00"), "secondary_water": D("55.00")}
    assert SUBMITTED["total"] == D("1000.00"), "the submitted figures are left as they were"


@pytest.mark.parametrize(
    ("adjustments", "field", "code"),
    [
        ([("elevator", D("-200.01"))], "adjustments", "invalid"),
        ([("", D("-1000.01"))], "adjustments", "invalid"),
        ([("", D("-750.01"))], "exclusions", "exclusions_above_total"),
    ],
)
def test_audited_figures_refuse_a_negative_figure_or_exclusions_above_the_total(adjustments, field, code):
    with pytest.raises(ApplicationError) as exc:
        services.audited_figures(SUBMITTED, adjustments)
    assert (exc.value.field, exc.value.code) == (field, code)


def _community(key: str, area: str) -> CommunityInput:
    return CommunityInput(
        key=key, district="上城区", built_year=1995, affordable_housing=False, building_area_m2=D(area)
    )


def test_settlement_split_adds_up_and_splits_the_estimate_by_building_area():
    # given two communities, one three times the other's building area
    communities = [_community("a", "3000"), _community("b", "1000")]
    # when
    split = services.settlement_split(
        final_accounts=D("1000000.00"),
        elevator_cost=D("100000.00"),
        secondary_water_cost=D("0.00"),
        communities=communities,
        estimate=D("100.01"),
        on=ON,
    )
    # then
    assert len(split.rows) == len(split.estimates) == 2
    assert split.subsidy_total == sum(r.decision.amount for r in split.rows) > 0
    assert split.estimates == (D("75.01"), D("25.00"))
    assert split.estimate_total == D("100.01")
    assert split.ruleset_id == split.rows[0].decision.ruleset_id


def test_settlement_split_names_the_field_of_a_policy_input_error():
    with pytest.raises(ApplicationError) as exc:
        services.settlement_split(
            final_accounts=D("100.00"),
            elevator_cost=D("60.00"),
            secondary_water_cost=D("40.01"),
            communities=[_community("a", "1000")],
            estimate=D("0.00"),
            on=ON,
        )
    assert exc.value.field == "exclusions"


def test_household_amounts_share_by_area_or_equally_to_the_fen():
    households = [("1", D("60.00")), ("2", D("90.00")), ("3", D("50.00"))]
    by_area = services.household_amounts(D("1000.00"), "exclusive_area", households)
    equal = services.household_amounts(D("1000.00"), "per_household", households)
    assert by_area == [D("300.00"), D("450.00"), D("250.00")]
    assert sum(equal) == D("1000.00") and max(equal) - min(equal) == D("0.01")


def test_household_amounts_name_the_field_of_a_bad_area():
    with pytest.raises(ApplicationError) as exc:
        services.household_amounts(D("10.00"), "exclusive_area", [("1", D("50")), ("2", D("-1"))])
    assert exc.value.field == "area_m2"
