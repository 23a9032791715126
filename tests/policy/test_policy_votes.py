"""Owners' decisions — 民法典 第278条, 第1259条; 法释〔2009〕7号 第8、9条, at every edge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from gaizao.policy import PolicyInputError, Unit, VoteTally, exclusive_area, tally_owner_vote, vote_matters

D = Decimal
ART_278 = "民法典 第278条第二款"


def roll(n: int, area: str = "100") -> list[Unit]:
    return [Unit(f"u{i}", f"o{i}", D(area)) for i in range(n)]


def ballots(yes: int = 0, no: int = 0, abstain: int = 0, start: int = 0) -> dict[str, str]:
    result: dict[str, str] = {}
    i = start
    for choice, count in (("yes", yes), ("no", no), ("abstain", abstain)):
        for _ in range(count):
            result[f"o{i}"] = choice
            i += 1
    return result


def codes(tally: VoteTally) -> list[str]:
    return [r.code for r in tally.reasons]


def reason(tally: VoteTally, prefix: str):  # type: ignore[no-untyped-def]
    return next(r for r in tally.reasons if r.code.startswith(prefix))


# ------------------------------------------------------------------------------------------------ quorum


def test_exactly_two_thirds_participation_meets_the_quorum() -> None:
    tally = tally_owner_vote(matter=7, units=roll(9), ballots=ballots(yes=6))
    assert tally.participating_area_ratio == Fraction(2, 3)
    assert tally.participating_owners_ratio == Fraction(2, 3)
    assert tally.quorum_met is True
    assert tally.approved is True
    q = reason(tally, "vote.quorum_area")
    assert q.code == "vote.quorum_area_met"
    assert q.clause == ART_278
    assert q.message == "参与表决专有部分面积占比 0.6667 ≥ 2/3（600 m² / 900 m²）"
    assert reason(tally, "vote.quorum_owners").message == "参与表决人数占比 0.6667 ≥ 2/3（6 人 / 9 人）"
    assert codes(tally)[-1] == "vote.approved"


def test_just_under_two_thirds_of_the_area_fails_the_quorum() -> None:
    units = [*roll(8), Unit("u8", "o8", D("100.01"))]  # o6..o8 do not vote: 600 / 900.01 m² is just under 2/3
    tally = tally_owner_vote(matter=1, units=units, ballots=ballots(yes=6))
    assert tally.participating_owners_ratio == Fraction(2, 3)
    assert tally.participating_area_ratio is not None and tally.participating_area_ratio < Fraction(2, 3)
    assert tally.quorum_met is False
    assert tally.approved is False
    q = reason(tally, "vote.quorum_area")
    assert q.code == "vote.quorum_area_not_met"
    assert "< 2/3" in q.message and "600 m² / 900.01 m²" in q.message
    assert reason(tally, "vote.quorum_owners").code == "vote.quorum_owners_met"
    assert codes(tally)[-1] == "vote.quorum_not_met"


def test_just_under_two_thirds_of_the_owners_fails_the_quorum() -> None:
    # 3000 owners, 1999 take part holding well over 2/3 of the area.
    units = [Unit("big", "o0", D("100000")), *[Unit(f"u{i}", f"o{i}", D("1")) for i in range(1, 3000)]]
    tally = tally_owner_vote(matter=1, units=units, ballots=ballots(yes=1999))
    assert tally.participating_owners_ratio == Fraction(1999, 3000)
    assert tally.quorum_met is False
    assert reason(tally, "vote.quorum_owners").code == "vote.quorum_owners_not_met"
    assert reason(tally, "vote.quorum_area").code == "vote.quorum_area_met"


# ---------------------------------------------------------------------------------------------- approval


@pytest.mark.parametrize("matter", [6, 7, 8])
def test_exactly_three_quarters_approves_matters_6_to_8(matter: int) -> None:
    tally = tally_owner_vote(matter=matter, units=roll(8), ballots=ballots(yes=6, no=2))
    assert tally.yes_area_ratio == Fraction(3, 4) and tally.yes_owners_ratio == Fraction(3, 4)
    assert tally.approved is True
    a = reason(tally, "vote.approval_area")
    assert a.code == "vote.approval_area_met" and a.clause == ART_278
    assert "0.7500 ≥ 3/4" in a.message
    assert tally.approval.comparison == "at_least"


@pytest.mark.parametrize("matter", [6, 7, 8])
def test_just_under_three_quarters_rejects_matters_6_to_8(matter: int) -> None:
    units = roll(8)
    votes = ballots(yes=6, no=2)
    units[6] = Unit("u6", "o6", D("100.01"))  # o6 votes no: yes area 600 / 800.01 is just under 3/4
    tally = tally_owner_vote(matter=matter, units=units, ballots=votes)
    assert tally.yes_owners_ratio == Fraction(3, 4)
    assert tally.yes_area_ratio is not None and tally.yes_area_ratio < Fraction(3, 4)
    assert tally.approved is False
    assert reason(tally, "vote.approval_area").code == "vote.approval_area_not_met"
    assert reason(tally, "vote.approval_owners").code == "vote.approval_owners_met"
    assert codes(tally)[-1] == "vote.rejected"


@pytest.mark.parametrize("matter", [1, 2, 3, 4, 5, 9])
def test_exactly_half_fails_more_than_half(matter: int) -> None:
    tally = tally_owner_vote(matter=matter, units=roll(8), ballots=ballots(yes=4, no=4))
    assert tally.yes_area_ratio == Fraction(1, 2)
    assert tally.quorum_met is True
    assert tally.approved is False
    a = reason(tally, "vote.approval_area")
    assert a.code == "vote.approval_area_not_met"
    assert "0.5000 ≤ 1/2" in a.message
    assert tally.approval.comparison == "more_than"


@pytest.mark.parametrize("matter", [1, 2, 3, 4, 5, 9])
def test_one_more_than_half_passes_the_majority_matters(matter: int) -> None:
    tally = tally_owner_vote(matter=matter, units=roll(9), ballots=ballots(yes=5, no=4))
    assert tally.approved is True
    assert "0.5556 > 1/2" in reason(tally, "vote.approval_area").message


def test_matter_5_using_funds_is_a_majority_matter_but_6_raising_them_is_three_quarters() -> None:
    votes = ballots(yes=5, no=3)  # 5/8 = 0.625
    assert tally_owner_vote(matter=5, units=roll(8), ballots=votes).approved is True
    assert tally_owner_vote(matter=6, units=roll(8), ballots=votes).approved is False


def test_participating_area_not_total_is_the_denominator_of_approval() -> None:
    # 7 of 10 take part, 6 yes: 6/7 ≥ 3/4 of participants although only 6/10 of all owners.
    tally = tally_owner_vote(matter=7, units=roll(10), ballots=ballots(yes=6, no=1))
    assert tally.yes_owners_ratio == Fraction(6, 7)
    assert tally.approved is True


def test_abstentions_take_part_and_count_against_approval() -> None:
    tally = tally_owner_vote(matter=7, units=roll(8), ballots=ballots(yes=5, abstain=3))
    assert tally.participating_owners == 8
    assert tally.abstain_owners == 3 and tally.abstain_area == D("300")
    assert tally.yes_owners_ratio == Fraction(5, 8)
    assert tally.approved is False
    assert "弃权 3 人 300 m²" in reason(tally, "vote.participation").message


# ---------------------------------------------------------------------------------------------- counting


def test_one_owner_with_several_units_counts_once_with_all_the_area() -> None:
    units = [Unit("a1", "alice", D("80")), Unit("a2", "alice", D("70")), Unit("b1", "bob", D("50"))]
    tally = tally_owner_vote(matter=1, units=units, ballots={"alice": "yes", "bob": "no"})
    assert tally.total_owners == 2
    assert tally.total_area == D("200")
    assert tally.yes_area == D("150") and tally.yes_owners == 1
    counted = reason(tally, "vote.owners_counted")
    assert counted.clause == "法释〔2009〕7号 第9条"
    assert "共 3 个专有部分，业主人数计 2 人" in counted.message


def test_developer_held_units_count_once_together() -> None:
    units = [*roll(4), *[Unit(f"d{i}", "developer", D("90"), developer_held=True) for i in range(5)]]
    tally = tally_owner_vote(matter=7, units=units, ballots={**ballots(yes=3), "developer": "no"})
    assert tally.total_owners == 5
    assert tally.total_area == D("850")
    assert tally.no_area == D("450") and tally.no_owners == 1
    assert (
        "建设单位尚未出售或尚未交付的 5 个专有部分合计按一人计算"
        in reason(tally, "vote.owners_counted").message
    )
    assert tally.approved is False  # 300/750 of the area


def test_developer_units_under_two_owner_ids_count_as_one_owner() -> None:
    # 法释〔2009〕7号 第9条: the developer's unsold units count as one owner whatever ids they carry.
    units = [
        Unit("d1", "dev", D("90"), developer_held=True),
        Unit("d2", "dev2", D("90"), developer_held=True),
        Unit("a", "a", D("60")),
        Unit("b", "b", D("60")),
    ]
    tally = tally_owner_vote(matter=7, units=units, ballots={"dev2": "yes", "a": "yes", "b": "yes"})
    assert tally.total_owners == 3
    assert tally.participating_owners == 3 and tally.yes_area == D("300")
    assert tally.approved is True


def test_developer_cannot_vote_twice_under_two_ids() -> None:
    units = [
        Unit("d1", "dev", D("90"), developer_held=True),
        Unit("d2", "dev2", D("90"), developer_held=True),
    ]
    with pytest.raises(PolicyInputError) as caught:
        tally_owner_vote(matter=1, units=units, ballots={"dev": "yes", "dev2": "no"})
    assert caught.value.field == "ballots"


def test_consent_matter_never_lower_than_the_rule_sets() -> None:
    from gaizao.policy import get_ruleset, matter_not_lower

    assert get_ruleset(date(2024, 1, 1)).vote.renovation_consent_matter.value == 7
    assert matter_not_lower(matter=7, required=7)
    assert matter_not_lower(matter=8, required=7)
    assert not matter_not_lower(matter=9, required=7)
    assert not matter_not_lower(matter=5, required=7)


def test_area_and_total_are_exact_decimals() -> None:
    units = [Unit("a", "a", D("0.1")), Unit("b", "b", D("0.2")), Unit("c", "c", D("0.3"))]
    tally = tally_owner_vote(matter=1, units=units, ballots={"a": "yes", "b": "yes", "c": "no"})
    assert tally.total_area == D("0.6")
    assert tally.yes_area_ratio == Fraction(1, 2)
    assert tally.approved is False  # 0.3/0.6 is exactly half: not more than half


def test_no_participation_is_not_a_quorum_and_ratios_are_none() -> None:
    tally = tally_owner_vote(matter=7, units=roll(3), ballots={})
    assert tally.quorum_met is False and tally.approved is False
    assert tally.yes_area_ratio is None
    assert "—" in reason(tally, "vote.approval_area").message


# ------------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"matter": 0}, "matter"),
        ({"matter": 10}, "matter"),
        ({"matter": "7"}, "matter"),
        ({"matter": True}, "matter"),
        ({"ballots": {"stranger": "yes"}}, "ballots"),
        ({"ballots": {"o1": "maybe"}}, "ballots['o1']"),
        ({"ballots": {"o1": "YES"}}, "ballots['o1']"),
        ({"ballots": [("o1", "yes")]}, "ballots"),
        ({"units": []}, "units"),
        ({"units": [Unit("u", "o1", D("-1"))]}, "units[0].area_m2"),
        ({"units": [Unit("u", "o1", D("0"))]}, "units[0].area_m2"),
        ({"units": [Unit("u", "o1", 12.5)]}, "units[0].area_m2"),  # type: ignore[arg-type]
        ({"units": [Unit("u", "o1", D("1")), Unit("u", "o2", D("1"))]}, "units[1].unit_id"),
    ],
)
def test_invalid_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"matter": 7, "units": roll(3), "ballots": {}}
    arguments.update(kwargs)
    with pytest.raises(PolicyInputError) as caught:
        tally_owner_vote(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


def test_int_and_string_areas_are_accepted_exactly() -> None:
    tally = tally_owner_vote(
        matter=1,
        units=[Unit("a", "a", 80), Unit("b", "b", "20.5")],
        ballots={"a": "yes"},  # type: ignore[arg-type]
    )
    assert tally.total_area == D("100.5")


# -------------------------------------------------------------------------------------- exclusive area


def test_exclusive_area_precedence_register_survey_contract() -> None:
    assert exclusive_area(registered=D("80.1"), surveyed=D("81"), contract=D("82")) == (
        D("80.1"),
        "registered",
    )
    assert exclusive_area(surveyed=D("81"), contract=D("82")) == (D("81"), "surveyed")
    assert exclusive_area(contract=D("82")) == (D("82"), "contract")


def test_exclusive_area_errors() -> None:
    with pytest.raises(PolicyInputError) as caught:
        exclusive_area()
    assert caught.value.field == "registered"
    with pytest.raises(PolicyInputError) as caught:
        exclusive_area(registered=D("-3"), surveyed=D("81"))
    assert caught.value.field == "registered"


def test_nine_matters() -> None:
    matters = vote_matters()
    assert [m.number for m in matters] == list(range(1, 10))
    assert matters[6].name_zh == "改建、重建建筑物及其附属设施"
    assert matters[6].clause == "民法典 第278条第一款第（七）项"


def test_to_dict_gives_fractions_as_text_and_float() -> None:
    data = tally_owner_vote(matter=7, units=roll(9), ballots=ballots(yes=6)).to_dict()
    assert data["participating_area_ratio"] == {"fraction": "2/3", "value": 2 / 3}
    assert data["total_area"] == "900"
    assert data["quorum"] == {"area": "2/3", "owners": "2/3", "comparison": "at_least"}
    assert data["approved"] is True
