"""Scope of renovation — 杭政办函〔2022〕10号 二(一), at every edge."""

from __future__ import annotations

import pytest

from gaizao.policy import PolicyInputError, assess_scope, get_ruleset

CLAUSE = "杭政办函〔2022〕10号 二(一)"


def codes(decision: object) -> list[str]:
    return [r.code for r in decision.reasons]  # type: ignore[attr-defined]


def test_priority_when_built_by_2000_never_renovated_not_expropriated() -> None:
    decision = assess_scope(built_year=1995, assessed_year=2024)
    assert decision.status == "priority"
    assert codes(decision) == [
        "scope.built_by_cutoff",
        "scope.no_recent_renovation",
        "scope.not_in_expropriation_plan",
        "scope.priority",
    ]
    assert all(r.clause == CLAUSE for r in decision.reasons)
    assert decision.ruleset_id == "hz-2022-10"
    assert "1995" in decision.reasons[0].message
    assert "2020—2024" in decision.reasons[1].message


@pytest.mark.parametrize(
    ("built_year", "status", "code"),
    [
        (2000, "priority", "scope.built_by_cutoff"),
        (2001, "out_of_scope", "scope.built_after_cutoff"),
    ],
)
def test_built_year_boundary_2000_12_31(built_year: int, status: str, code: str) -> None:
    decision = assess_scope(built_year=built_year, assessed_year=2024)
    assert decision.status == status
    assert decision.reasons[0].code == code
    assert "2000-12-31" in decision.reasons[0].message


@pytest.mark.parametrize(
    ("renovated", "status", "code"),
    [
        (2024, "out_of_scope", "scope.recent_renovation"),  # the assessed year itself
        (2020, "out_of_scope", "scope.recent_renovation"),  # first year of the 5-year window 2020–2024
        (2019, "priority", "scope.no_recent_renovation"),  # just outside the window
        (1998, "priority", "scope.no_recent_renovation"),
    ],
)
def test_five_year_window_edge(renovated: int, status: str, code: str) -> None:
    decision = assess_scope(built_year=1990, assessed_year=2024, last_comprehensive_renovation_year=renovated)
    assert decision.status == status
    assert decision.reasons[1].code == code
    assert str(renovated) in decision.reasons[1].message
    assert "2020—2024" in decision.reasons[1].message


def test_expropriation_plan_excludes_and_every_failure_is_named() -> None:
    decision = assess_scope(
        built_year=1990,
        assessed_year=2024,
        last_comprehensive_renovation_year=2022,
        in_expropriation_plan=True,
    )
    assert decision.status == "out_of_scope"
    assert codes(decision) == [
        "scope.built_by_cutoff",
        "scope.recent_renovation",
        "scope.in_expropriation_plan",
        "scope.out_of_scope",
    ]
    assert "近 5 年已实施综合改造" in decision.reasons[-1].message
    assert "已纳入年度征收计划" in decision.reasons[-1].message


def test_post_2000_affordable_housing_with_all_conditions_may_be_included() -> None:
    decision = assess_scope(
        built_year=2005,
        assessed_year=2024,
        affordable_housing=True,
        infrastructure_deficient=True,
        management_deficient=True,
        residents_willing=True,
    )
    assert decision.status == "may_include"
    assert codes(decision) == [
        "scope.built_after_cutoff",
        "scope.affordable_housing",
        "scope.infrastructure_deficient",
        "scope.management_deficient",
        "scope.residents_willing",
        "scope.may_include",
        "scope.paid_by_original_developer",
    ]
    assert decision.reasons[-1].clause == "杭政办函〔2022〕10号 三(三)2"


@pytest.mark.parametrize(
    "missing", ["affordable_housing", "infrastructure_deficient", "management_deficient", "residents_willing"]
)
def test_post_2000_missing_any_condition_is_out_of_scope(missing: str) -> None:
    flags = dict.fromkeys(
        ["affordable_housing", "infrastructure_deficient", "management_deficient", "residents_willing"], True
    )
    flags[missing] = False
    decision = assess_scope(built_year=2005, assessed_year=2024, **flags)
    assert decision.status == "out_of_scope"
    negative = {
        "affordable_housing": "scope.not_affordable_housing",
        "infrastructure_deficient": "scope.infrastructure_adequate",
        "management_deficient": "scope.management_adequate",
        "residents_willing": "scope.residents_not_willing",
    }[missing]
    assert negative in codes(decision)
    assert codes(decision)[-1] == "scope.out_of_scope"


def test_post_2000_expropriation_and_renovation_do_not_matter_for_may_include() -> None:
    decision = assess_scope(
        built_year=2003,
        assessed_year=2024,
        affordable_housing=True,
        infrastructure_deficient=True,
        management_deficient=True,
        residents_willing=True,
        in_expropriation_plan=True,
    )
    assert decision.status == "may_include"


def test_ruleset_defaults_to_the_one_in_force_at_the_end_of_the_assessed_year() -> None:
    assert assess_scope(built_year=1990, assessed_year=2021).ruleset_id == "hz-2019-72"
    assert assess_scope(built_year=1990, assessed_year=2022).ruleset_id == "hz-2022-10"
    old = assess_scope(built_year=1990, assessed_year=2024, ruleset="hz-2019-72")
    assert old.ruleset_id == "hz-2019-72"
    assert old.reasons[0].clause.startswith("杭政办函〔2019〕72号")
    explicit = assess_scope(
        built_year=1990, assessed_year=2024, ruleset=get_ruleset(__import__("datetime").date(2023, 1, 1))
    )
    assert explicit.ruleset_id == "hz-2022-10"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"built_year": 2025, "assessed_year": 2024}, "built_year"),
        ({"built_year": "1990", "assessed_year": 2024}, "built_year"),
        ({"built_year": 1990, "assessed_year": 2024.0}, "assessed_year"),
        (
            {"built_year": 1990, "assessed_year": 2024, "last_comprehensive_renovation_year": 2025},
            "last_comprehensive_renovation_year",
        ),
        (
            {"built_year": 1990, "assessed_year": 2024, "last_comprehensive_renovation_year": 1980},
            "last_comprehensive_renovation_year",
        ),
        ({"built_year": 1990, "assessed_year": 2024, "residents_willing": "yes"}, "residents_willing"),
        ({"built_year": 1990, "assessed_year": 2018}, "on"),
        ({"built_year": 1990, "assessed_year": 2024, "ruleset": "hz-1999-1"}, "ruleset"),
    ],
)
def test_invalid_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(PolicyInputError) as caught:
        assess_scope(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert field in str(caught.value)


def test_to_dict_is_json_ready() -> None:
    data = assess_scope(built_year=1990, assessed_year=2024).to_dict()
    assert data["status"] == "priority"
    assert data["reasons"][0] == {
        "code": "scope.built_by_cutoff",
        "clause": CLAUSE,
        "message": "建成年份 1990 年，属 2000 年底前建成（截止 2000-12-31）",
        "message_en": "Built in 1990, by 2000-12-31",
    }
