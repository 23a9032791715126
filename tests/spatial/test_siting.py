"""Maximal covering on stock sites: a case whose optimum greedy misses, and a network case."""

from __future__ import annotations

import numpy as np
import pytest

from gaizao.spatial import SpatialInputError, maximal_covering, site_facilities
from tests.spatial.conftest import net, pts

# C1 covers b..e (4 residents), C2 covers a..c, C3 covers d..f: greedy takes C1 first and ends with 5;
# the optimum for k=2 is C2 + C3 covering all 6.
COVERAGE = [(1, 0), (2, 0), (3, 0), (4, 0), (0, 1), (1, 1), (2, 1), (3, 2), (4, 2), (5, 2)]
IDS = dict(demand_ids=list("abcdef"), candidate_ids=["C1", "C2", "C3"])


def test_milp_finds_the_known_optimum() -> None:
    result = maximal_covering(COVERAGE, weights=[1] * 6, k=2, method="milp", **IDS)  # type: ignore[arg-type]
    assert set(result.chosen_ids) == {"C2", "C3"}
    assert result.covered_after == 6 and result.covered_before == 0
    assert result.optimal and result.optimality_gap == 0
    assert result.solver.startswith("HiGHS")


def test_greedy_reports_its_bound() -> None:
    result = maximal_covering(COVERAGE, weights=[1] * 6, k=2, method="greedy", **IDS)  # type: ignore[arg-type]
    assert result.chosen_ids == ("C1", "C2") or result.chosen_ids == ("C1", "C3")
    assert result.covered_after == 5
    assert result.upper_bound >= 6
    assert not result.optimal
    assert result.optimality_gap == pytest.approx(1 / 6)
    # the (1 - 1/e) guarantee holds
    assert result.covered_after >= (1 - 1 / np.e) * 6


def test_already_covered_residents_do_not_count_again() -> None:
    weights = [10, 1, 1, 1, 1, 10]
    result = maximal_covering(
        COVERAGE,
        weights=weights,
        k=1,
        already_covered=[True, False, False, False, False, True],
        **IDS,  # type: ignore[arg-type]
    )
    assert result.chosen_ids == ("C1",)
    assert result.covered_before == 20 and result.covered_after == 24
    assert result.newly_covered_ids == ("b", "c", "d", "e")


def test_bad_inputs() -> None:
    with pytest.raises(SpatialInputError) as err:
        maximal_covering(COVERAGE, weights=[1] * 5, k=2, **IDS)  # type: ignore[arg-type]
    assert err.value.field == "weights"
    with pytest.raises(SpatialInputError):
        maximal_covering(COVERAGE, weights=[1] * 6, k=-1, **IDS)  # type: ignore[arg-type]


def test_site_facilities_on_a_network() -> None:
    # a 3 km street: residents at 0, 1000, 2000, 3000 m; an elderly day-care centre exists at 0 m
    network = net([(0, 0), (3000, 0)])
    demand = pts(
        {"A": (0, 10), "B": (1000, 10), "C": (2000, 10), "D": (3000, 10)}, weights=[500, 800, 300, 900]
    )
    candidates = pts({"s1": (900, -10), "s2": (2100, -10), "s3": (2950, 0)})
    existing = pts({"e": (0, 0)})
    result = site_facilities(network, demand, candidates, distance_m=300, k=2, existing=existing)
    assert result.covered_before == 500
    assert set(result.chosen_ids) == {"s3", "s1"}
    assert result.marginal_weight == (900, 800)
    assert result.covered_after == 2200 and result.total_weight == 2500
    assert result.distance_m == 300 and result.optimal
