"""Gap report, shared facilities and renovation units."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gaizao.spatial import (
    Requirement,
    SpatialInputError,
    distances_between,
    facility_service,
    gap_report,
    gap_report_from_policy,
    nearest_facilities,
    renovation_units,
)
from tests.spatial.conftest import net, pts

LEVELS = {"5min": 300.0, "10min": 500.0, "15min": 1000.0}
REQUIREMENTS = [
    ("kindergarten", "5min", True),
    ("community_health_station", "5min", False),  # △, never a gap
    ("primary_school", "10min", True),
    ("bus_stop", "10min", True),
    ("bus_stop", "15min", True),
    ("health_centre", "15min", True),
]


def test_each_requirement_is_checked_at_its_own_level() -> None:
    distances = {
        "A": {"kindergarten": 250.0, "primary_school": 480.0, "bus_stop": 700.0, "health_centre": 200.0},
        "B": {"kindergarten": None, "primary_school": 900.0, "bus_stop": 100.0},
    }
    a, b = gap_report(distances, levels=LEVELS, requirements=REQUIREMENTS)
    assert [c.facility_id for c in a.checks] == [
        "kindergarten",
        "primary_school",
        "bus_stop",
        "bus_stop",
        "health_centre",
    ]
    # the bus stop 700 m away meets the 15-minute requirement but not the 10-minute one
    assert a.gap_keys == {("bus_stop", "10min")}
    assert a.score == pytest.approx(4 / 5)
    assert a.level_scores == {"5min": 1.0, "10min": 0.5, "15min": 1.0}
    # a 15-minute health centre close by does not stand in for anything at 5 minutes
    assert b.gap_keys == {("kindergarten", "5min"), ("primary_school", "10min"), ("health_centre", "15min")}
    assert b.score == pytest.approx(2 / 5)
    assert b.gaps[0].distance_m is None


def test_unknown_level_names_the_field() -> None:
    with pytest.raises(SpatialInputError) as err:
        gap_report({"A": {}}, levels=LEVELS, requirements=[Requirement("x", "20min")])
    assert err.value.field == "requirements"


@dataclass(frozen=True)
class _Level:
    id: str
    walk_distance_m: float | None


@dataclass(frozen=True)
class _Facility:
    id: str
    level: str
    required: bool


def test_policy_adapter_reads_the_attribute_names() -> None:
    levels = [_Level("15min", 1000), _Level("10min", 500), _Level("5min", 300), _Level("block", None)]
    facilities = [_Facility("kindergarten", "5min", True), _Facility("parcel_locker", "block", True)]
    (report,) = gap_report_from_policy({"A": {"kindergarten": 310.0}}, levels=levels, facilities=facilities)
    assert report.gap_keys == {("kindergarten", "5min")}


def test_shared_facilities_and_renovation_units_on_a_street() -> None:
    # four communities along a 2 km street; a kindergarten near A and B; nothing near C and D
    network = net([(0, 0), (2000, 0)])
    communities = pts(
        {"A": (100, 20), "B": (300, 20), "C": (1500, 20), "D": (1700, 20)}, weights=[1000, 2000, 1500, 500]
    )
    facilities = pts({"k1": (200, 0), "s1": (1000, 0)}, categories=["kindergarten", "primary_school"])
    access = nearest_facilities(network, communities, facilities, max_distance_m=1000)
    gaps = gap_report(access.as_mapping(), levels=LEVELS, requirements=REQUIREMENTS[:3])
    assert {g.community_id: g.gap_keys for g in gaps} == {
        "A": {("primary_school", "10min")},
        "B": {("primary_school", "10min")},
        "C": {("kindergarten", "5min"), ("primary_school", "10min")},
        "D": {("kindergarten", "5min"), ("primary_school", "10min")},
    }
    to_facilities = distances_between(network, communities, facilities, max_distance_m=1000)
    served = facility_service(
        to_facilities, facilities, service_distance_m={"kindergarten": 300, "primary_school": 500}
    )
    assert set(served[0].community_ids) == {"A", "B"} and served[0].is_shared
    assert served[0].distances_m == pytest.approx((120, 120), abs=1e-3)
    assert served[1].community_ids == ()
    between = distances_between(network, communities, communities, max_distance_m=1000)
    units = renovation_units(
        between, gaps, max_distance_m=500, weights={"A": 1000, "B": 2000, "C": 1500, "D": 500}
    )
    assert [u.community_ids for u in units] == [("A", "B"), ("C", "D")]
    assert units[1].common_gaps == (("kindergarten", "5min"), ("primary_school", "10min"))
    assert units[0].residents == 3000
    # requiring two shared gaps leaves only C and D
    strict = renovation_units(between, gaps, max_distance_m=500, min_shared_gaps=2)
    assert [u.community_ids for u in strict] == [("C", "D")]
