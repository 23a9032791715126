"""Demo: register the packaged OSM road network and analyse 上城区 at load so results show at once.

The 上城区 run (about 250 communities, every category, catchments) takes a few seconds; the city run is left to
the user (the city coordinator starts it from /lifecircle/). Idempotent: the network record is updated in place
and the 上城区 run is only created when none has succeeded yet.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gaizao.accounts.models import User
from gaizao.divisions.models import Division
from gaizao.lifecircle.models import AnalysisRun, RunStatus
from gaizao.lifecircle.services import analysis_run_execute, network_register_packaged_osm

DEMO_DISTRICT = "330102"  # 上城区
DEMO_OFFICER = "shangcheng"


def load_demo(out: Callable[[str], None] = print) -> dict[str, object]:
    t0 = time.perf_counter()
    network = network_register_packaged_osm(actor=None)
    out(
        f"路网 / road network: {network.node_count:,} nodes, {network.edge_count:,} segments, "
        f"{network.component_count} pieces ({time.perf_counter() - t0:.1f} s)"
    )
    district = Division.objects.get(code=DEMO_DISTRICT)
    existing = AnalysisRun.objects.filter(division=district, network=network, status=RunStatus.SUCCEEDED).first()
    if existing is not None:
        out(f"生活圈分析 / life-circle run for {district.name} already present (#{existing.pk})")
        return {"network": network.pk, "run": existing.pk}
    officer = User.objects.filter(username=DEMO_OFFICER).first()
    t0 = time.perf_counter()
    run = _create_run(network=network, district=district, officer=officer)
    analysis_run_execute(run=run)
    run.refresh_from_db()
    out(
        f"生活圈分析 / life-circle run {district.name}: {run.community_count} communities, {run.gap_count} gaps "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    return {"network": network.pk, "run": run.pk}


def _create_run(*, network: object, district: Division, officer: User | None) -> AnalysisRun:
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
