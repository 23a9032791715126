"""Siting new facilities on stock sites (空地, 闲置用房, 地下空间): the maximal covering location problem.

Choose at most ``k`` candidate sites so that the residents (demand weights) newly covered — within
``distance_m`` of a chosen site and not already covered by an existing facility — are as many as possible.

Planning sizes are solved exactly as a mixed-integer programme with HiGHS (``highspy``); larger ones (or
``method="greedy"``) use the greedy algorithm, which reaches at least ``1 - (1 - 1/k)^k`` (> 1 - 1/e) of the
optimum; the reported upper bound is the smaller of the LP relaxation (when solved) and greedy / that factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from gaizao.spatial.access import distances_between
from gaizao.spatial.errors import SolverError, SpatialInputError
from gaizao.spatial.joining import DEFAULT_SNAP_TOLERANCE_M
from gaizao.spatial.network import Network
from gaizao.spatial.points import Points

__all__ = ["SitingResult", "maximal_covering", "site_facilities"]

Method = Literal["auto", "milp", "greedy"]

MILP_MAX_CANDIDATES: Final = 5_000
MILP_MAX_NONZEROS: Final = 1_000_000
LP_BOUND_MAX_NONZEROS: Final = 5_000_000


def _highs_version() -> str:
    from importlib.metadata import version

    return version("highspy")


@dataclass(frozen=True)
class SitingResult:
    """Chosen sites and the residents they cover.

    Attributes
    ----------
    chosen_ids
        Candidate ids chosen, in order of decreasing marginal gain.
    marginal_weight
        Residents each chosen site adds, aligned with ``chosen_ids``.
    covered_before
        Residents already within ``distance_m`` of an existing facility.
    covered_after
        Residents covered by the existing facilities and the chosen sites together.
    total_weight
        All residents of the demand points.
    newly_covered_ids
        Demand ids covered only thanks to the chosen sites.
    method
        ``"milp"`` or ``"greedy"``.
    solver
        What computed the answer, e.g. ``"HiGHS 1.16.0 MILP"``.
    optimal
        True when the answer is proven optimal.
    upper_bound
        A proven upper bound on ``covered_after`` for any choice of ``k`` sites.
    optimality_gap
        ``(upper_bound - covered_after) / upper_bound``, counted on the newly covered part (0 when optimal).
    k
        Sites asked for.
    distance_m
        Coverage distance, metres (NaN when coverage was given directly).
    """

    chosen_ids: tuple[str, ...]
    marginal_weight: tuple[float, ...]
    covered_before: float
    covered_after: float
    total_weight: float
    newly_covered_ids: tuple[str, ...]
    method: str
    solver: str
    optimal: bool
    upper_bound: float
    optimality_gap: float
    k: int
    distance_m: float = float("nan")


def _coverage_matrix(
    coverage: sp.spmatrix | sp.sparray | Sequence[tuple[int, int]] | NDArray[np.int64],
    n_demand: int,
    n_candidates: int,
) -> sp.csr_matrix:
    if sp.issparse(coverage):
        mat = sp.csr_matrix(coverage, dtype=bool)
    else:
        arr = np.asarray(coverage, dtype=np.int64).reshape(-1, 2)
        mat = sp.csr_matrix(
            (np.ones(len(arr), dtype=bool), (arr[:, 0], arr[:, 1])), shape=(n_demand, n_candidates)
        )
    if mat.shape != (n_demand, n_candidates):
        raise SpatialInputError("coverage", "The coverage matrix must be demand points × candidate sites.")
    mat.sum_duplicates()
    mat.data[:] = True
    return mat


def _greedy(a: sp.csc_matrix, w: NDArray[np.float64], k: int) -> tuple[list[int], list[float]]:
    remaining = w.copy()
    chosen: list[int] = []
    gains: list[float] = []
    a_csr = a.tocsr()
    for _ in range(k):
        gain = a_csr.T @ remaining if a_csr.nnz else np.zeros(a.shape[1])
        gain = np.asarray(gain, dtype=np.float64).reshape(-1)
        if chosen:
            gain[chosen] = -1.0
        j = int(np.argmax(gain)) if len(gain) else -1
        if j < 0 or gain[j] <= 0:
            break
        chosen.append(j)
        gains.append(float(gain[j]))
        rows = a.indices[a.indptr[j] : a.indptr[j + 1]]
        remaining[rows] = 0.0
    return chosen, gains


def _highs(
    a: sp.csc_matrix, w: NDArray[np.float64], k: int, *, integer: bool, time_limit_s: float
) -> tuple[NDArray[np.float64], float, float, bool]:
    """Solve max w·y s.t. y_i <= sum_j a_ij x_j, sum x <= k; return (x, objective, dual bound, optimal)."""
    n_dem, n_cand = a.shape
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    lp.num_col_ = n_cand + n_dem
    lp.num_row_ = n_dem + 1
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(n_cand), w])
    lp.col_lower_ = np.zeros(n_cand + n_dem)
    lp.col_upper_ = np.ones(n_cand + n_dem)
    lp.row_lower_ = np.full(n_dem + 1, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.zeros(n_dem), [float(k)]])
    # columns x_j: -a[:, j] in the demand rows, +1 in the cardinality row; columns y_i: +1 in row i
    x_block = sp.vstack([-a.astype(np.float64), sp.csr_matrix(np.ones((1, n_cand)))]).tocsc()
    y_block = sp.vstack([sp.identity(n_dem, format="csr"), sp.csr_matrix((1, n_dem))]).tocsc()
    full = sp.hstack([x_block, y_block]).tocsc()
    full.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = full.indptr.astype(np.int32)
    lp.a_matrix_.index_ = full.indices.astype(np.int32)
    lp.a_matrix_.value_ = full.data.astype(np.float64)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [
            highspy.HighsVarType.kContinuous
        ] * n_dem
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
        raise SolverError(
            "siting", f"HiGHS could not solve the siting problem: {h.modelStatusToString(status)}."
        )
    values = np.asarray(h.getSolution().col_value, dtype=np.float64)
    if len(values) != n_cand + n_dem:
        raise SolverError(
            "siting", "HiGHS stopped at its time limit before finding any feasible choice of sites."
        )
    objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound) if integer else objective
    return values[:n_cand], objective, bound, status == highspy.HighsModelStatus.kOptimal


def maximal_covering(
    coverage: sp.spmatrix | sp.sparray | Sequence[tuple[int, int]] | NDArray[np.int64],
    *,
    weights: ArrayLike,
    k: int,
    demand_ids: Sequence[str],
    candidate_ids: Sequence[str],
    already_covered: ArrayLike | None = None,
    method: Method = "auto",
    time_limit_s: float = 60.0,
) -> SitingResult:
    """Choose at most ``k`` candidates to cover the most demand weight not already covered.

    Parameters
    ----------
    coverage
        Which candidate covers which demand point: a sparse ``(n_demand, n_candidates)`` boolean matrix or
        ``(demand_index, candidate_index)`` pairs.
    weights
        ``(n_demand,)`` residents per demand point (non-negative).
    k
        Number of sites to open.
    demand_ids, candidate_ids
        Ids of the rows and columns.
    already_covered
        ``(n_demand,)`` booleans: demand already within reach of an existing facility.
    method
        ``"milp"`` (exact, HiGHS), ``"greedy"``, or ``"auto"`` (MILP up to 5,000 candidates and 1,000,000
        coverage pairs, greedy beyond).
    time_limit_s
        HiGHS time limit; when reached the best of the incumbent and greedy is returned with its proven gap.

    Returns
    -------
    SitingResult
    """
    n_dem, n_cand = len(demand_ids), len(candidate_ids)
    if not isinstance(k, (int, np.integer)) or k < 0:
        raise SpatialInputError("k", "k, the number of sites to choose, must be a non-negative integer.")
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(w) != n_dem or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise SpatialInputError("weights", "weights must be one non-negative number per demand point.")
    covered = (
        np.zeros(n_dem, dtype=bool)
        if already_covered is None
        else np.asarray(already_covered, dtype=bool).reshape(-1)
    )
    if len(covered) != n_dem:
        raise SpatialInputError("already_covered", "already_covered needs one value per demand point.")
    if method not in ("auto", "milp", "greedy"):
        raise SpatialInputError("method", f"method must be 'auto', 'milp' or 'greedy', not {method!r}.")
    mat = _coverage_matrix(coverage, n_dem, n_cand)
    before = float(w[covered].sum())
    # the problem is on the uncovered, reachable demand only
    open_w = np.where(covered, 0.0, w)
    useful = np.flatnonzero((open_w > 0) & (np.diff(mat.indptr) > 0))
    a = mat[useful].tocsc()
    wu = open_w[useful]
    k_eff = int(min(k, n_cand))
    greedy_pick, greedy_gain = _greedy(a, wu, k_eff)
    greedy_value = float(sum(greedy_gain))
    use_milp = method == "milp" or (
        method == "auto" and n_cand <= MILP_MAX_CANDIDATES and a.nnz <= MILP_MAX_NONZEROS
    )
    factor = 1.0 - (1.0 - 1.0 / k_eff) ** k_eff if k_eff else 1.0
    pick = greedy_pick
    value = greedy_value
    if k_eff == 0 or a.nnz == 0:
        chosen_method, solver, optimal, bound = "greedy", "nothing to cover", True, 0.0
    elif use_milp:
        x, objective, dual, optimal = _highs(a, wu, k_eff, integer=True, time_limit_s=time_limit_s)
        milp_pick = [int(j) for j in np.flatnonzero(x > 0.5)]
        solver = f"HiGHS {_highs_version()} MILP"
        if objective >= greedy_value - 1e-9:
            pick, value = milp_pick, objective
        else:  # stopped at the time limit with an incumbent worse than greedy
            solver += " (time limit; greedy choice kept)"
        bound = min(dual, greedy_value / factor)
        optimal = optimal or value >= bound - 1e-9
        chosen_method = "milp"
    else:
        bound = greedy_value / factor
        solver = "greedy"
        if a.nnz <= LP_BOUND_MAX_NONZEROS:
            _x, lp_value, _dual, _opt = _highs(a, wu, k_eff, integer=False, time_limit_s=time_limit_s)
            bound = min(bound, lp_value)
            solver = f"greedy with HiGHS {_highs_version()} LP bound"
        chosen_method = "greedy"
        optimal = value >= bound - 1e-9
    # order the chosen sites by marginal gain, and recompute exactly what they cover
    remaining = wu.copy()
    order: list[int] = []
    gains: list[float] = []
    left = list(pick)
    while left:
        g = [float(remaining[a.indices[a.indptr[j] : a.indptr[j + 1]]].sum()) for j in left]
        best = int(np.argmax(g))
        j = left.pop(best)
        order.append(j)
        gains.append(g[best])
        remaining[a.indices[a.indptr[j] : a.indptr[j + 1]]] = 0.0
    newly = useful[(remaining == 0) & (wu > 0)]
    value = float(sum(gains))
    bound = max(bound, value)
    gap = 0.0 if bound <= 0 else max(0.0, (bound - value) / bound)
    return SitingResult(
        chosen_ids=tuple(candidate_ids[j] for j in order),
        marginal_weight=tuple(gains),
        covered_before=before,
        covered_after=before + value,
        total_weight=float(w.sum()),
        newly_covered_ids=tuple(demand_ids[i] for i in newly),
        method=chosen_method,
        solver=solver,
        optimal=bool(optimal or gap == 0.0),
        upper_bound=before + bound,
        optimality_gap=gap,
        k=int(k),
    )


def site_facilities(
    network: Network,
    demand: Points,
    candidates: Points,
    *,
    distance_m: float,
    k: int,
    existing: Points | None = None,
    method: Method = "auto",
    time_limit_s: float = 60.0,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> SitingResult:
    """Choose ``k`` stock sites for a missing facility to cover the most residents within ``distance_m``.

    Parameters
    ----------
    network
        The walking network.
    demand
        Communities with :attr:`Points.weights` = residents (1 each when absent).
    candidates
        Stock sites that could host the facility.
    distance_m
        Coverage distance along the network, metres (e.g. the level's walking distance).
    k
        Number of sites to open.
    existing
        Existing facilities of the category; residents within ``distance_m`` of one are already covered.
    method, time_limit_s
        As for :func:`maximal_covering`.
    snap_tolerance_m
        Points farther than this from every road are not joined (they neither cover nor are covered).

    Returns
    -------
    SitingResult
    """
    pairs = distances_between(
        network, demand, candidates, max_distance_m=distance_m, snap_tolerance_m=snap_tolerance_m
    )
    covered = np.zeros(len(demand), dtype=bool)
    if existing is not None and len(existing):
        have = distances_between(
            network, demand, existing, max_distance_m=distance_m, snap_tolerance_m=snap_tolerance_m
        )
        covered[have.source_index] = True
    result = maximal_covering(
        np.column_stack([pairs.source_index, pairs.target_index]),
        weights=demand.weight_or_one,
        k=k,
        demand_ids=demand.ids,
        candidate_ids=candidates.ids,
        already_covered=covered,
        method=method,
        time_limit_s=time_limit_s,
    )
    return SitingResult(**{**result.__dict__, "distance_m": float(distance_m)})
