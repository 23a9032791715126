from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from gaizao.registry.models import REQUIRED_SURVEY_FIELDS, Community
from gaizao.registry.selectors import (
    CommunityFilters,
    communities_missing,
    community_list,
    get_community_for,
    missing_fields,
    screening_counts,
    survey_completeness,
)
from gaizao.registry.services import communities_rescreen

pytestmark = pytest.mark.django_db

FULL = {
    "built_year": 1990,
    "land_area_m2": Decimal("10000"),
    "building_area_m2": Decimal("20000"),
    "building_count": 10,
    "households": 300,
    "population": 800,
    "elderly_share": Decimal("0.3"),
    "structure": "brick_concrete",
    "floors_max": 6,
    "property_management": "street",
    "water_supply": "fair",
    "drainage": "poor",
    "power_supply": "fair",
    "gas_supply": "good",
    "fire_safety": "poor",
    "roads": "fair",
    "parking_spaces": 50,
    "green_area_m2": Decimal("1500"),
    "lon": 120.16,
}


@pytest.fixture
def world(divisions, qingbomen, xihu_street):
    from gaizao.divisions.models import Division

    laodong = Division.objects.get(code="330102001052")  # 劳动路社区, same street as 清波门社区
    a = Community.objects.create(
        code="A", name="清波甲小区", division=qingbomen, address="清波街", **FULL, lat=30.24
    )
    b = Community.objects.create(
        code="B",
        name="劳动乙小区",
        division=laodong,
        **{**FULL, "households": None, "structure": ""},
        lat=30.24,
    )
    c = Community.objects.create(code="C", name="西湖丙小区", division=xihu_street, built_year=2010)
    communities_rescreen(communities=Community.objects.all())
    return {"a": a, "b": b, "c": c}


def test_district_officer_sees_only_own_district(world, accounts):
    names = set(community_list(accounts["shangcheng"]).values_list("code", flat=True))
    assert names == {"A", "B"}
    assert set(community_list(accounts["xihu"]).values_list("code", flat=True)) == {"C"}
    assert community_list(accounts["city"]).count() == 3
    assert community_list(accounts["resident"]).count() == 0
    assert community_list(accounts["qingbomen"]).count() == 1


def test_out_of_scope_detail_is_404(world, accounts):
    assert get_community_for(accounts["shangcheng"], world["a"].pk).code == "A"
    with pytest.raises(Http404):
        get_community_for(accounts["shangcheng"], world["c"].pk)
    with pytest.raises(Http404):
        get_community_for(accounts["shangcheng"], "not-a-number")


def test_filters(world, accounts):
    city = accounts["city"]
    assert [c.code for c in community_list(city, CommunityFilters.from_params({"q": "劳动"}))] == ["B"]
    assert [c.code for c in community_list(city, CommunityFilters.from_params({"q": "清波街"}))] == ["A"]
    assert [c.code for c in community_list(city, CommunityFilters.from_params({"district": "330106"}))] == [
        "C"
    ]
    assert [c.code for c in community_list(city, CommunityFilters.from_params({"street": "330102001"}))] == [
        "A",
        "B",
    ]
    assert [
        c.code for c in community_list(city, CommunityFilters.from_params({"status": "out_of_scope"}))
    ] == ["C"]
    assert [c.code for c in community_list(city, CommunityFilters.from_params({"built_from": "2000"}))] == [
        "C"
    ]
    assert community_list(city, CommunityFilters.from_params({"sample": "sample"})).count() == 0
    bad = CommunityFilters.from_params({"built_from": "abc", "status": "nope"})
    assert bad.errors and bad.status == ""


def test_completeness_figures(world, accounts):
    n = len(REQUIRED_SURVEY_FIELDS)
    data = survey_completeness(accounts["city"])
    districts = {d.code: d for d in data["districts"]}
    # 上城区: A complete (n of n), B misses households and structure (n-2 of n).
    assert districts["330102"].communities == 2
    assert districts["330102"].filled == 2 * n - 2
    assert districts["330102"].required == 2 * n
    # 西湖区: C has only built_year.
    assert districts["330106"].filled == 1
    assert districts["330106"].share == pytest.approx(1 / n)
    streets = {s.code: s for s in data["streets"]}
    assert streets["330102001"].communities == 2 and streets["330102001"].parent_code == "330102"
    assert data["total"].filled == 2 * n - 1
    assert data["fields"]["households"] == pytest.approx(1 / 3)
    assert data["fields"]["built_year"] == 1.0
    # An officer sees only their own district.
    assert [d.code for d in survey_completeness(accounts["shangcheng"])["districts"]] == ["330102"]


def test_missing_list(world, accounts):
    assert missing_fields(world["a"]) == []
    assert missing_fields(world["b"]) == ["households", "structure"]
    assert {c.code for c in communities_missing(accounts["city"])} == {"B", "C"}


def test_screening_counts(world, accounts):
    rows = {r["district_code"]: r for r in screening_counts(accounts["city"])}
    assert rows["330102"]["priority"] == 2 and rows["330102"]["total"] == 2
    assert rows["330106"]["out_of_scope"] == 1
    assert rows["330102"]["district"] == "上城区"


def test_nearest_facility_per_category(world, accounts, qingbomen, xihu_street):
    from gaizao.registry.models import Facility
    from gaizao.registry.selectors import nearest_facility_per_category

    a = world["a"]  # at 120.16, 30.24
    Facility.objects.create(
        code="K1", category="kindergarten", name="近", division=qingbomen, lon=120.161, lat=30.24
    )
    Facility.objects.create(
        code="K2", category="kindergarten", name="远", division=qingbomen, lon=120.163, lat=30.24
    )
    Facility.objects.create(
        code="B1", category="bus_stop", name="站", division=qingbomen, lon=120.16, lat=30.2405
    )
    Facility.objects.create(
        code="X1", category="bus_stop", name="外", division=qingbomen, lon=120.19, lat=30.24
    )
    Facility.objects.create(
        code="W1", category="fresh_market", name="西湖", division=xihu_street, lon=120.1601, lat=30.24
    )
    rows = nearest_facility_per_category(accounts["shangcheng"], a, 1000)
    assert [(r["category"], r["facility"].code, r["count"]) for r in rows] == [
        ("bus_stop", "B1", 1),
        ("kindergarten", "K1", 2),
    ]
    assert rows[0]["distance_m"] == 56 and rows[1]["label"].startswith("幼儿园")
    # The city sees the 西湖区 facility too (scope applies to facilities, not to the community's district).
    assert "fresh_market" in [r["category"] for r in nearest_facility_per_category(accounts["city"], a, 1000)]
