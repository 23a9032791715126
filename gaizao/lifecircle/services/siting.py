"""Siting (选址): choose stock sites that cover the most residents a run found without a facility, and keep a
result as a proposal."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gaizao.accounts.access import require_write
from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.lifecircle import engine
from gaizao.lifecircle.models import AnalysisRun, RunStatus, SitingProposal
from gaizao.lifecircle.services._common import MAX_SITING_K, RUN_ROLES, _spatial_error


def _require_run_writer(actor: Any, run: AnalysisRun) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role not in RUN_ROLES:
        raise PermissionError_(
            "只有区县住建和市级统筹可以做选址分析。/ Only district officers and the city coordinator may run siting."
        )
    require_write(actor, run.division)


@transaction.atomic
def siting_propose(
    *, actor: Any, run: AnalysisRun, category: str, k: int, level: str | None = None
) -> SitingProposal:
    """Choose ``k`` stock sites of the run's scope that cover the most residents not yet within ``level``'s
    walking distance of a ``category`` facility (maximal covering, ``gaizao.spatial``). Stored unsaved."""
    from gaizao.spatial import SpatialError

    _require_run_writer(actor, run)
    if run.status != RunStatus.SUCCEEDED:
        raise StateError(
            "分析尚未完成，不能选址。/ The analysis has not finished; siting needs its results.", field="run"
        )
    std = engine.standards()
    levels_of = [f.level for f in std.facilities if f.id == category]
    if not levels_of:
        raise ApplicationError(
            f"未知的设施类别 {category!r}。/ Unknown facility category {category!r}.", field="category"
        )
    if level is None or level == "":
        level = sorted(levels_of, key=lambda lid: std.level(lid).walk_distance_m)[0]
    lv = std.level(level)
    try:
        k = int(k)
    except (TypeError, ValueError):
        raise ApplicationError("选址数量须为整数。/ k must be a whole number.", field="k") from None
    if not (1 <= k <= MAX_SITING_K):
        raise ApplicationError(
            f"选址数量须在 1–{MAX_SITING_K} 之间。/ k must be 1–{MAX_SITING_K}.", field="k"
        )
    from gaizao.lifecircle.selectors import run_results, stock_sites_in

    sites = list(stock_sites_in(run))
    if not sites:
        raise ApplicationError(
            "范围内没有存量空间可供选址。/ There are no stock sites in this scope.", field="run"
        )
    results = list(run_results(run))
    try:
        outcome = engine.siting(
            run=run,
            results=results,
            sites=sites,
            category=category,
            distance_m=float(lv.walk_distance_m),
            k=k,
        )
    except SpatialError as exc:
        raise _spatial_error(exc, "k") from exc
    proposal = SitingProposal.objects.create(
        run=run,
        category=category,
        level=level,
        distance_m=float(lv.walk_distance_m),
        k=k,
        created_by=actor,
        **outcome,
    )
    audit_record(
        actor=actor,
        action="siting_propose",
        obj=proposal,
        changes={"category": category, "k": k, "level": level},
    )
    return proposal


@transaction.atomic
def siting_save(*, actor: Any, proposal: SitingProposal, note: str = "") -> SitingProposal:
    """Keep a siting result as a proposal (方案) of the run's division."""
    _require_run_writer(actor, proposal.run)
    if proposal.saved:
        raise StateError("该选址方案已保存。/ This siting proposal is already saved.", field="proposal")
    proposal.saved = True
    proposal.note = note.strip()[:500]
    proposal.save(update_fields=["saved", "note"])
    audit_record(
        actor=actor,
        action="siting_save",
        obj=proposal,
        changes={
            "saved": [False, True],
            "sites": [c["code"] for c in proposal.chosen],
            "covered_before": proposal.covered_before,
            "covered_after": proposal.covered_after,
        },
        reason=proposal.note,
    )
    return proposal
