"""Life-circle standards (GB 50180-2018), the renovation catalogue and the programme calendar."""

from __future__ import annotations

from datetime import date

import pytest

from gaizao.policy import (
    LEVELS_DO_NOT_SUBSTITUTE,
    PolicyInputError,
    catalogue_aspects,
    catalogue_categories,
    catalogue_item,
    catalogue_items,
    comprehensive_bundle,
    consultation_departments,
    delivery_modes,
    facility_ids,
    funding_sources,
    is_submission_late,
    life_circle_facilities,
    life_circle_levels,
    liuyou_goals,
    plan_period_for,
    plan_periods,
    plan_submission_deadline,
    project_pools,
    renovation_modes,
    reviewing_bureaus,
)

# ------------------------------------------------------------------------------------------ life circles


def test_levels_distances_and_ranges() -> None:
    levels = {level.id: level for level in life_circle_levels()}
    assert list(levels) == ["15min", "10min", "5min", "block"]
    assert (levels["15min"].min_walk_distance_m, levels["15min"].walk_distance_m) == (800, 1000)
    assert levels["10min"].walk_distance_m == 500
    assert levels["5min"].walk_distance_m == 300
    assert levels["block"].walk_distance_m == 150 and levels["block"].verified is False
    assert levels["15min"].population == (50_000, 100_000)
    assert levels["10min"].dwellings == (5_000, 8_000)
    assert levels["5min"].population == (5_000, 12_000)
    assert levels["block"].dwellings == (300, 1_000)
    assert levels["10min"].clause == "GB 50180-2018 表4.0.1, 2.0.3"


def test_levels_do_not_substitute_street_centre_is_not_a_community_station() -> None:
    assert LEVELS_DO_NOT_SUBSTITUTE is True
    fifteen = {f.id for f in life_circle_facilities("15min")}
    five = {f.id for f in life_circle_facilities("5min")}
    assert "street_community_service_center" in fifteen and "street_community_service_center" not in five
    assert "community_service_station" in five and "community_service_station" not in fifteen


def test_required_and_optional_facilities_are_flagged_and_unverified() -> None:
    five = {f.id: f for f in life_circle_facilities("5min")}
    assert five["elderly_day_care"].required is True
    assert five["elderly_day_care"].name_zh == "老年人日间照料中心（托老所）"
    assert five["elderly_day_care"].catalogue_items == ("elderly_care",)
    assert five["nursery"].required is False
    assert five["kindergarten"].required is True
    assert all(not f.verified for f in life_circle_facilities())
    assert all(f.clause == "GB 50180-2018 附录B" for f in life_circle_facilities())


def test_same_kind_at_several_levels_once_per_level() -> None:
    keys = [(f.level, f.id) for f in life_circle_facilities()]
    assert len(keys) == len(set(keys))
    bus = {f.level: f.required for f in life_circle_facilities() if f.id == "bus_stop"}
    assert bus == {"15min": True, "10min": True, "5min": False}
    assert "bus_stop" in facility_ids()
    assert all(i.isascii() and i == i.lower() for i in facility_ids())


def test_facilities_point_to_existing_catalogue_items() -> None:
    items = {i.id for i in catalogue_items()}
    for facility in life_circle_facilities():
        assert set(facility.catalogue_items) <= items, facility.id


def test_unknown_level_is_refused() -> None:
    with pytest.raises(PolicyInputError) as caught:
        life_circle_facilities("20min")
    assert caught.value.field == "level"


# --------------------------------------------------------------------------------------------- catalogue


def test_five_aspects_three_categories() -> None:
    assert [(a.id, a.name_zh) for a in catalogue_aspects()] == [
        ("infrastructure", "基础设施"),
        ("living_environment", "居住环境"),
        ("service_functions", "服务功能"),
        ("community_character", "小区特色"),
        ("long_term_management", "长效管理"),
    ]
    assert [(c.id, c.name_zh) for c in catalogue_categories()] == [
        ("basic", "基础类"),
        ("improve", "完善类"),
        ("enhance", "提升类"),
    ]


def test_items_are_well_formed_and_every_aspect_has_items() -> None:
    items = catalogue_items()
    assert len({i.id for i in items}) == len(items)
    aspects = {a.id for a in catalogue_aspects()}
    assert {i.aspect for i in items} == aspects
    assert {i.category for i in items} == {"basic", "improve", "enhance"}
    assert all(i.unit for i in items)
    elevator = catalogue_item("elevator_retrofit")
    assert (elevator.category, elevator.unit, elevator.bundle_key) == ("improve", "台", "elevator")
    assert elevator.clause == "国办发〔2020〕23号 二(一)2（2）" and elevator.verified
    assert catalogue_item("waterlogging_control").verified is False
    assert {i.id for i in catalogue_items(aspect="community_character")} == {
        "community_signage",
        "cultural_features",
    }
    with pytest.raises(PolicyInputError):
        catalogue_item("helipad")


def test_items_excluded_from_the_subsidy_base() -> None:
    from gaizao.policy.catalogue import subsidy_excluded_kind

    assert subsidy_excluded_kind("elevator_retrofit") == "elevator"
    assert subsidy_excluded_kind("secondary_water_supply") == "secondary_water"
    assert subsidy_excluded_kind("roof_repair") is None


def test_comprehensive_bundle_components() -> None:
    bundle = {b.key: b for b in comprehensive_bundle()}
    assert list(bundle) == [
        "parking",
        "elevator",
        "elderly_child_care",
        "security_fire",
        "barrier_free",
        "waterlogging",
        "long_term_management",
    ]
    assert bundle["elevator"].item_ids == ("elevator_retrofit",)
    assert "waterlogging_control" in bundle["waterlogging"].item_ids
    assert all(b.item_ids and b.clause == "杭政办函〔2022〕10号 四(三)" for b in bundle.values())


def test_liuyou_goals_measure_aspects() -> None:
    goals = liuyou_goals()
    assert [g.name_zh for g in goals] == [
        "有完善设施",
        "有整洁环境",
        "有配套服务",
        "有长效管理",
        "有特色文化",
        "有和谐关系",
    ]
    aspects = {a.id for a in catalogue_aspects()}
    assert all(g.aspects and set(g.aspects) <= aspects and not g.verified for g in goals)
    assert goals[0].clause == "杭政办函〔2022〕10号 一(一)"


# --------------------------------------------------------------------------------------------- programme


@pytest.mark.parametrize(
    ("plan_year", "deadline"),
    [
        (2025, date(2024, 10, 31)),
        (2023, date(2022, 10, 31)),
        (2021, date(2020, 10, 31)),  # from hz-2019-72, in force on that day
    ],
)
def test_submission_deadline_is_31_october_of_the_year_before(plan_year: int, deadline: date) -> None:
    assert plan_submission_deadline(plan_year) == deadline


def test_submission_late_edges() -> None:
    assert is_submission_late(2025, date(2024, 10, 31)) is False
    assert is_submission_late(2025, date(2024, 11, 1)) is True
    with pytest.raises(PolicyInputError) as caught:
        plan_submission_deadline(2019)  # deadline 2018-10-31: no rule set in force
    assert caught.value.field == "plan_year"
    with pytest.raises(PolicyInputError):
        is_submission_late(2025, "2024-10-31")  # type: ignore[arg-type]


def test_fourteenth_five_year_plan_target() -> None:
    period = plan_period_for(2023, date(2024, 1, 1))
    assert period is not None
    assert (period.id, period.start_year, period.end_year) == ("14th-fyp", 2021, 2025)
    started = next(t for t in period.targets if t.id == "communities_started")
    assert (started.value, started.comparison) == (1000, "at_least")
    assert period.clause == "杭政办函〔2022〕10号 一(一)"
    assert plan_period_for(2026, date(2024, 1, 1)) is None
    assert [p.id for p in plan_periods(date(2020, 1, 1))] == ["hz-2019-2022"]


def test_programme_lists() -> None:
    on = date(2024, 1, 1)
    assert [p.id for p in project_pools(on)] == ["implementing", "planning", "reserve"]
    assert [p.name_zh for p in project_pools(on)] == ["实施一批", "谋划一批", "储备一批"]
    assert [b.name_zh for b in reviewing_bureaus(on)] == ["市建委", "市发改委", "市规划和自然资源局"]
    assert [m.name_zh for m in renovation_modes(on)] == ["综合整治", "拆改结合"]
    assert [m.id for m in delivery_modes(on)] == ["epc", "full_process_consulting", "agent_construction"]
    departments = [d.name_zh for d in consultation_departments(on)]
    assert departments == [
        "住建",
        "发改",
        "财政",
        "规划和自然资源",
        "园文",
        "城管",
        "民政",
        "水",
        "电",
        "气",
        "通信",
    ]
    sources = {s.id for s in funding_sources(on)}
    assert {
        "central_provincial",
        "special_bonds",
        "municipal_subsidy",
        "district_funds",
        "resident_payment",
        "maintenance_fund",
        "housing_provident_fund",
        "utilities",
        "social_capital",
    } <= sources
    assert all(s.clause.startswith("杭政办函〔2022〕10号 三(") for s in funding_sources(on))
