"""Demo: register the packaged OSM road network and analyse 上城区 at load so results show at once.

The 上城区 run (about 250 communities, every category) takes about 3 s at load because its catchments are drawn
when a community page is first opened (drawing all of them up front, as a run started from the page does, takes
another 8–12 s); the city run is left to the user (the city coordinator starts it from /lifecircle/; about 3 s). A saved siting proposal (elderly day care,
k=2) shows the siting page. Idempotent: the network record is updated in place and the run and proposal are only
created when absent.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gaizao.accounts.models import User
from gaizao.divisions.models import Division
from gaizao.lifecircle.models import AnalysisRun, RoadNetwork, RunStatus, SitingProposal
from gaizao.lifecircle.services import (
    analysis_run_execute,
    network_register_packaged_osm,
    siting_propose,
    siting_save,
)

DEMO_DISTRICT = "330102"  # 上城区
DEMO_OFFICER = "shangcheng"
DEMO_SITING_CATEGORY = "elderly_day_care"  # 日间照料中心


def load_demo(out: Callable[[str], None] = print) -> dict[str, object]:
    t0 = time.perf_counter()
    network = network_register_packaged_osm(actor=None)
    out(
        f"路网 / road network: {network.node_count:,} nodes, {network.edge_count:,} segments, "
        f"{network.component_count} pieces ({time.perf_counter() - t0:.1f} s)"
    )
    district = Division.objects.get(code=DEMO_DISTRICT)
    officer = User.objects.filter(username=DEMO_OFFICER).first()
    run = AnalysisRun.objects.filter(division=district, network=network, status=RunStatus.SUCCEEDED).first()
    if run is not None:
        out(f"生活圈分析 / life-circle run for {district.name} already present (#{run.pk})")
    else:
        t0 = time.perf_counter()
        run = _create_run(network=network, district=district, officer=officer)
        analysis_run_execute(run=run, draw_catchments=False)  # drawn per community on first view: fast load
        run.refresh_from_db()
        out(
            f"生活圈分析 / life-circle run {district.name}: {run.community_count} communities, {run.gap_count} gaps "
            f"({time.perf_counter() - t0:.1f} s)"
        )
    proposal = SitingProposal.objects.filter(run=run, saved=True, category=DEMO_SITING_CATEGORY).first()
    if proposal is None and officer is not None and run.status == RunStatus.SUCCEEDED:
        proposal = siting_propose(actor=officer, run=run, category=DEMO_SITING_CATEGORY, k=2)
        siting_save(actor=officer, proposal=proposal, note="示例方案 / sample proposal")
        out(
            f"选址方案 / siting proposal: {DEMO_SITING_CATEGORY} k=2, residents covered "
            f"{proposal.covered_before:,} → {proposal.covered_after:,}"
        )
    return {"network": network.pk, "run": run.pk, "proposal": proposal.pk if proposal else None}


def _create_run(*, network: RoadNetwork, district: Division, officer: User | None) -> AnalysisRun:
    from django.db import transaction

    from gaizao.audit.services import audit_record
    from gaizao.lifecircle.engine import standards

    std = standards()
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            network=network,
            division=district,
            max_distance_m=float(2 * max(lv.walk_distance_m for lv in std.levels)),
            standards_version=std.version,
            created_by=officer,
        )
        audit_record(actor=None, action="analysis_start", obj=run, reason="演示数据 / demo load")
    return run
