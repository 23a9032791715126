"""Municipal subsidy — 杭政办函〔2022〕10号 三(三)2, at every edge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gaizao.policy import WEST_LAKE_SCENIC_AREA_CODE, PolicyInputError, districts, municipal_subsidy

D = Decimal
ON = date(2024, 6, 30)
CLAUSE = "杭政办函〔2022〕10号 三(三)2"


def subsidy(**overrides: object):  # type: ignore[no-untyped-def]
    kwargs: dict[str, object] = {
        "district": "上城区",
        "built_year": 1995,
        "affordable_housing": False,
        "final_accounts": D("1000000"),
        "elevator_cost": D("0"),
        "secondary_water_cost": D("0"),
        "building_area_m2": D("5000"),
        "on": ON,
    }
    kwargs.update(overrides)
    return municipal_subsidy(**kwargs)  # type: ignore[arg-type]


SHARES = [
    ("上城区", "330102", "0.50"),
    ("拱墅区", "330105", "0.50"),
    ("西湖区", "330106", "0.50"),
    ("西湖风景名胜区", WEST_LAKE_SCENIC_AREA_CODE, "0.50"),
    ("滨江区", "330108", "0.20"),
    ("钱塘区", "330114", "0.20"),
    ("富阳区", "330111", "0.20"),
    ("临安区", "330112", "0.20"),
    ("萧山区", "330109", "0.10"),
    ("余杭区", "330110", "0.10"),
    ("临平区", "330113", "0.10"),
    ("桐庐县", "330122", "0.10"),
    ("淳安县", "330127", "0.10"),
    ("建德市", "330182", "0.10"),
]


@pytest.mark.parametrize(("name", "code", "share"), SHARES)
def test_every_district_share_by_name_and_by_code(name: str, code: str, share: str) -> None:
    by_name = subsidy(district=name)
    by_code = subsidy(district=code)
    assert by_name.share == by_code.share == D(share)
    assert by_name.district_code == by_code.district_code == code
    assert by_name.amount == by_code.amount == (D(share) * D("1000000")).quantize(D("0.01"))
    first = by_name.reasons[0]
    assert first.code == "subsidy.district_share"
    assert first.clause == CLAUSE
    assert name in first.message and code in first.message
    assert f"{int(D(share) * 100)}%" in first.message


def test_district_table_lists_thirteen_divisions_and_the_scenic_area() -> None:
    table = districts(ON)
    assert {(d.name_zh, d.code, str(d.share)) for d in table} == set(SHARES)
    assert all(d.verified for d in table)


@pytest.mark.parametrize("alias", [330102, " 上城区 ", "Shangcheng District", "shangcheng district"])
def test_district_aliases(alias: object) -> None:
    assert subsidy(district=alias).district_code == "330102"


def test_west_lake_aliases_and_internal_code() -> None:
    assert WEST_LAKE_SCENIC_AREA_CODE == "330100-XHFJQ"
    for alias in ("杭州西湖风景名胜区", "330100-XHFJQ", "X330100", "West Lake Scenic Area"):
        assert subsidy(district=alias).district_name == "西湖风景名胜区"


def test_cap_exactly_400_per_m2_is_not_capped() -> None:
    decision = subsidy(final_accounts=D("2000000"), building_area_m2=D("5000"))
    assert decision.base == D("2000000")
    assert decision.cap == D("2000000")
    assert decision.capped is False
    assert decision.amount == D("1000000.00")
    assert [r.code for r in decision.reasons] == [
        "subsidy.district_share",
        "subsidy.built_by_cutoff",
        "subsidy.base",
        "subsidy.not_capped",
        "subsidy.amount",
    ]
    assert "不高于 400 元/m²" in decision.reasons[3].message


def test_cap_one_fen_above_400_per_m2_is_capped() -> None:
    decision = subsidy(final_accounts=D("2000000.01"), building_area_m2=D("5000"))
    assert decision.capped is True
    assert decision.subsidised_base == D("2000000")
    assert decision.amount == D("1000000.00")
    reason = decision.reasons[3]
    assert reason.code == "subsidy.capped"
    assert reason.clause == CLAUSE
    assert "2,000,000.01 元" in reason.message and "400 元/m²" in reason.message


def test_exclusions_are_taken_off_before_the_cap() -> None:
    decision = subsidy(
        district="拱墅区",
        final_accounts=D("3000000"),
        elevator_cost=D("800000"),
        secondary_water_cost=D("300000"),
        building_area_m2=D("5000"),
    )
    assert decision.base == D("1900000")
    assert decision.capped is False
    assert decision.amount == D("950000.00")
    assert "加装电梯 800,000.00 元" in decision.reasons[2].message


def test_exclusions_equal_to_final_accounts_give_zero() -> None:
    decision = subsidy(final_accounts=D("100"), elevator_cost=D("60"), secondary_water_cost=D("40"))
    assert decision.base == 0 and decision.amount == D("0.00")


def test_exclusions_larger_than_final_accounts_are_refused() -> None:
    with pytest.raises(PolicyInputError) as caught:
        subsidy(final_accounts=D("100"), elevator_cost=D("60"), secondary_water_cost=D("40.01"))
    assert caught.value.field == "final_accounts"
    assert "elevator_cost" in str(caught.value) and "secondary_water_cost" in str(caught.value)


def test_rounding_half_up_once_at_the_end() -> None:
    # 10% × 100,000.05 = 10,000.005 → 10,000.01 (half-up), not banker's 10,000.00.
    decision = subsidy(district="萧山区", final_accounts=D("100000.05"), building_area_m2=D("1000"))
    assert decision.amount == D("10000.01")
    assert decision.amount.as_tuple().exponent == -2
    # 20% × 0.025 = 0.005 → 0.01
    assert subsidy(district="滨江区", final_accounts=D("0.025"), building_area_m2=D("1")).amount == D("0.01")


def test_post_2000_affordable_housing_is_paid_by_the_original_developer() -> None:
    decision = subsidy(built_year=2001, affordable_housing=True)
    assert decision.payer == "original_developer"
    assert decision.amount == D("0.00")
    assert decision.eligible is False
    assert decision.reasons[-1].code == "subsidy.paid_by_original_developer"
    assert decision.reasons[-1].clause == CLAUSE


def test_post_2000_other_community_gets_no_municipal_subsidy() -> None:
    decision = subsidy(built_year=2001)
    assert decision.payer == "municipal"
    assert decision.amount == D("0.00")
    assert decision.reasons[-1].code == "subsidy.built_after_cutoff"


def test_built_in_2000_is_eligible() -> None:
    assert subsidy(built_year=2000).eligible is True


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"district": "朝阳区"}, "district"),
        ({"district": ""}, "district"),
        ({"district": 110105}, "district"),
        ({"final_accounts": D("-1")}, "final_accounts"),
        ({"final_accounts": 1000.5}, "final_accounts"),
        ({"final_accounts": "abc"}, "final_accounts"),
        ({"final_accounts": D("NaN")}, "final_accounts"),
        ({"elevator_cost": D("-0.01")}, "elevator_cost"),
        ({"secondary_water_cost": None}, "secondary_water_cost"),
        ({"building_area_m2": D("-5")}, "building_area_m2"),
        ({"building_area_m2": D("0")}, "building_area_m2"),
        ({"built_year": True}, "built_year"),
        ({"affordable_housing": 1}, "affordable_housing"),
        ({"on": date(2019, 8, 14)}, "on"),
        ({"on": "2024-01-01"}, "on"),
    ],
)
def test_invalid_input_names_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(PolicyInputError) as caught:
        subsidy(**overrides)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}:")


def test_retired_district_is_refused_after_2021_with_its_successor() -> None:
    with pytest.raises(PolicyInputError, match="拱墅区") as caught:
        subsidy(district="下城区")
    assert caught.value.field == "district"
    with pytest.raises(PolicyInputError, match="330104"):
        subsidy(district="330104")


def test_legacy_district_under_the_2019_rule_set_is_unverified() -> None:
    decision = subsidy(district="下城区", on=date(2020, 5, 1))
    assert decision.ruleset_id == "hz-2019-72"
    assert decision.share == D("0.50")
    assert decision.reasons[0].clause.startswith("杭政办函〔2019〕72号")
    assert not any(d.verified for d in districts(date(2020, 5, 1)))


def test_amount_uses_the_ruleset_in_force_on_the_date() -> None:
    assert subsidy(on=date(2022, 3, 16)).ruleset_id == "hz-2019-72"
    assert subsidy(on=date(2022, 3, 17)).ruleset_id == "hz-2022-10"


def test_to_dict_keeps_money_exact_as_strings() -> None:
    data = subsidy(final_accounts=D("2000000.01")).to_dict()
    assert data["amount"] == "1000000.00"
    assert data["base"] == "2000000.01"
    assert data["capped"] is True
    assert data["district"] == {"code": "330102", "name": "上城区"}
