"""The programme optimiser against brute force on every small instance we generate, and its explanations."""

from __future__ import annotations

import itertools
import random

import pytest

from gaizao.spatial.errors import SpatialInputError
from gaizao.spatial.programme_optimiser import (
    Candidate,
    ProgrammeProblem,
    Targets,
    benefit_of,
    budget_shadow_price,
    greedy_by_ratio,
    optimise_programme,
)

WEIGHTS = {"households": 1.0, "gaps": 150.0, "priority": 300.0, "urgency": 400.0, "readiness": 400.0}


def _instance(seed: int, n: int) -> ProgrammeProblem:
    rng = random.Random(seed)
    cands = []
    for i in range(n):
        households = rng.randint(20, 800)
        cost = households * rng.uniform(10_000, 40_000)
        subsidy = round(cost * rng.choice([0.1, 0.2, 0.5]) * 0.4)
        cands.append(
            Candidate(
                id=f"c{i}",
                cost_yuan={"district_funds": round(cost - subsidy), "municipal_subsidy": subsidy},
                households=households,
                gaps=rng.randint(0, 3),
                priority=float(rng.random() < 0.5),
                urgency=round(rng.random(), 2),
                readiness=round(rng.random(), 2),
                street=f"s{rng.randint(0, 2)}",
                committed=rng.random() < 0.08,
            )
        )
    total = sum(c.cost_yuan["district_funds"] for c in cands)
    subs = sum(c.cost_yuan["municipal_subsidy"] for c in cands)
    groups = ()
    if n >= 4 and rng.random() < 0.6:
        a, b = rng.sample(range(n), 2)
        groups = ((f"c{a}", f"c{b}"),)
    return ProgrammeProblem(
        candidates=tuple(cands),
        budget_yuan={"district_funds": total * rng.uniform(0.2, 0.7), "municipal_subsidy": subs * 0.6},
        weights=WEIGHTS,
        targets=Targets(
            communities=rng.choice([0, 0, 2]),
            households=rng.choice([0, 0, 500]),
            gaps=rng.choice([0, 0, 2]),
        ),
        groups=groups,
        min_per_street=rng.choice([0, 0, 1]),
    )


def _feasible(problem: ProgrammeProblem, chosen: set[int]) -> bool:
    cands = problem.candidates
    for j, c in enumerate(cands):
        if c.committed and j not in chosen:
            return False
    for source, amount in problem.budget_yuan.items():
        if sum(cands[j].cost_yuan.get(source, 0.0) for j in chosen) > amount + 1e-6:
            return False
    t = problem.targets
    if len(chosen) < t.communities:
        return False
    if sum(cands[j].households for j in chosen) < t.households:
        return False
    if sum(cands[j].gaps for j in chosen) < t.gaps:
        return False
    index = {c.id: j for j, c in enumerate(cands)}
    for group in problem.groups:
        inside = {index[m] in chosen for m in group}
        if len(inside) > 1:
            return False
    if problem.min_per_street:
        streets: dict[str, list[int]] = {}
        for j, c in enumerate(cands):
            streets.setdefault(c.street, []).append(j)
        for members in streets.values():
            if sum(1 for j in members if j in chosen) < min(problem.min_per_street, len(members)):
                return False
    return True


def _brute(problem: ProgrammeProblem) -> float | None:
    n = len(problem.candidates)
    best: float | None = None
    for mask in itertools.product((0, 1), repeat=n):
        chosen = {j for j in range(n) if mask[j]}
        if not _feasible(problem, chosen):
            continue
        value = sum(benefit_of(problem.candidates[j], problem.weights) for j in chosen)
        if best is None or value > best:
            best = value
    return best


@pytest.mark.parametrize("seed", range(60))
def test_matches_brute_force(seed):
    problem = _instance(seed, n=1 + seed % 10)
    result = optimise_programme(problem)
    best = _brute(problem)
    if best is None:
        assert result.status == "infeasible"
        assert result.chosen == ()
        assert "/" in result.message
        return
    assert result.status == "optimal"
    assert result.benefit == pytest.approx(best, rel=1e-6, abs=1e-6)
    index = {c.id: j for j, c in enumerate(problem.candidates)}
    assert _feasible(problem, {index[i] for i in result.chosen})
    assert result.optimality_gap == 0.0
    for cid in result.chosen:
        codes = [r.code for r in result.reasons[cid]]
        assert "benefit" in codes and "value" in codes


def test_greedy_respects_budgets_and_never_beats_the_optimum():
    for seed in range(30):
        problem = _instance(seed, n=8)
        problem = ProgrammeProblem(
            candidates=tuple(Candidate(**{**c.__dict__, "committed": False}) for c in problem.candidates),
            budget_yuan=problem.budget_yuan,
            weights=problem.weights,
        )
        greedy = greedy_by_ratio(problem)
        assert _feasible(problem, set(greedy))
        greedy_value = sum(benefit_of(problem.candidates[j], WEIGHTS) for j in greedy)
        assert optimise_programme(problem).benefit >= greedy_value - 1e-6


def _simple(*costs: float, budget: float, **kw) -> ProgrammeProblem:
    cands = tuple(
        Candidate(id=f"c{i}", cost_yuan={"district_funds": c}, households=100 * (i + 1))
        for i, c in enumerate(costs)
    )
    return ProgrammeProblem(
        candidates=cands, budget_yuan={"district_funds": budget}, weights={"households": 1.0}, **kw
    )


def test_shadow_price_names_what_one_more_million_buys():
    # c0: 100 households for 1.0m; c1: 200 for 1.5m; c2: 300 for 2.5m. Budget 2.5m → c0+c1 (300) or c2 (300).
    problem = _simple(1_000_000, 1_500_000, 2_500_000, budget=2_500_000)
    base = optimise_programme(problem)
    assert base.benefit == pytest.approx(300)
    price = budget_shadow_price(problem, base, source="district_funds", delta_yuan=1_000_000)
    # 3.5m buys c0 + c2 (400 households)
    assert price.benefit_gain == pytest.approx(100)
    assert price.exact
    assert set(price.added) | set(base.chosen) - set(price.dropped) == {"c0", "c2"}


def test_committed_over_budget_is_reported_as_infeasible_with_the_source():
    problem = ProgrammeProblem(
        candidates=(Candidate(id="a", cost_yuan={"district_funds": 5.0}, households=1, committed=True),),
        budget_yuan={"district_funds": 1.0},
        weights=WEIGHTS,
    )
    result = optimise_programme(problem)
    assert result.status == "infeasible"
    assert "district_funds" in result.message


def test_unreachable_target_is_named():
    problem = _simple(1.0, 1.0, budget=10.0, targets=Targets(households=10_000))
    result = optimise_programme(problem)
    assert result.status == "infeasible"
    assert "targets.households" in result.message


def test_groups_go_together_and_are_explained():
    problem = _simple(1.0, 1.0, 5.0, budget=2.0, groups=(("c0", "c2"),))
    result = optimise_programme(problem)
    assert result.chosen == ("c1",)
    problem = _simple(1.0, 1.0, 5.0, budget=6.0, groups=(("c0", "c2"),))
    result = optimise_programme(problem)
    assert set(result.chosen) == {"c0", "c2"}
    assert "unit" in [r.code for r in result.reasons["c0"]]


def test_street_minimum_is_explained():
    cands = (
        Candidate(id="a", cost_yuan={"d": 1.0}, households=10, street="x"),
        Candidate(id="b", cost_yuan={"d": 1.0}, households=1, street="y"),
        Candidate(id="c", cost_yuan={"d": 1.0}, households=9, street="x"),
    )
    problem = ProgrammeProblem(
        candidates=cands, budget_yuan={"d": 2.0}, weights={"households": 1}, min_per_street=1
    )
    result = optimise_programme(problem)
    assert set(result.chosen) == {"a", "b"}
    assert "street" in [r.code for r in result.reasons["b"]]


def test_time_limit_reports_a_gap():
    rng = random.Random(7)
    cands = tuple(
        Candidate(
            id=str(i),
            cost_yuan={"d": float(rng.randint(1000, 100000)), "m": float(rng.randint(1000, 100000))},
            households=rng.randint(1, 1000),
        )
        for i in range(400)
    )
    problem = ProgrammeProblem(
        candidates=cands, budget_yuan={"d": 3e6, "m": 3e6}, weights={"households": 1}, min_per_street=0
    )
    result = optimise_programme(problem, time_limit_s=0.001, rel_gap=0.0)
    assert result.status in ("optimal", "time_limit")
    if result.status == "time_limit":
        assert result.bound >= result.benefit
        assert result.optimality_gap == pytest.approx((result.bound - result.benefit) / result.bound)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"budget_yuan": {"d": -1.0}}, "budget_yuan"),
        ({"weights": {"beauty": 1.0}}, "weights"),
        ({"groups": (("zz",),)}, "groups"),
        ({"min_per_street": -1}, "min_per_street"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    base = {
        "candidates": (Candidate(id="a", cost_yuan={"d": 1.0}),),
        "budget_yuan": {"d": 1.0},
        "weights": {"households": 1.0},
    }
    with pytest.raises(SpatialInputError) as info:
        optimise_programme(ProgrammeProblem(**{**base, **kwargs}))
    assert info.value.field == field


def test_duplicate_ids_are_refused():
    c = Candidate(id="a", cost_yuan={"d": 1.0})
    with pytest.raises(SpatialInputError):
        optimise_programme(ProgrammeProblem(candidates=(c, c), budget_yuan={"d": 1.0}, weights={}))


def test_empty_problem():
    result = optimise_programme(ProgrammeProblem(candidates=(), budget_yuan={"d": 1.0}, weights={}))
    assert result.status == "optimal" and result.chosen == ()
