"""Analysis runs: start one (as a background job) and execute it — fetch the run's inputs from the database,
calculate everything on plain data with ``gaizao.spatial`` and the standards of ``gaizao.policy`` (no database),
then store the results in one transaction (Saleor's fetch → calculation split, STYLE.md §1)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from gaizao.accounts.access import require_write
from gaizao.audit.services import audit_record
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.divisions.selectors import division_scope_q
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.jobs.models import Job
from gaizao.jobs.services import job_progress, job_start
from gaizao.lifecircle import engine, storage
from gaizao.lifecircle.models import (
    AnalysisRun,
    Catchment,
    CommunityAccess,
    OriginMode,
    RoadNetwork,
    RunStatus,
)
from gaizao.lifecircle.services._bulk import bulk_store
from gaizao.lifecircle.services._common import (
    CATCHMENT_MAX_COMMUNITIES,
    JOB_KIND,
    RUN_ROLES,
    RUN_STALE_AFTER,
    UNIT_NEIGHBOUR_M,
    _spatial_error,
)
from gaizao.lifecircle.services.catchments import catchment_areas, catchment_rows
from gaizao.registry.models import Community, Facility

#: The steps a run reports on its job's progress bar.
STEPS = 6
Progress = Callable[[int, str], None]


def _run_division_for(actor: Any, division: Division | None) -> Division:
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role not in RUN_ROLES:
        raise PermissionError_(
            "只有区县住建和市级统筹可以运行生活圈分析。/ Only district officers and the city coordinator may run the analysis."
        )
    target = division or actor.division
    if target is None:
        raise ApplicationError("请选择分析范围。/ Choose the division to analyse.", field="division")
    if target.level not in {DivisionLevel.CITY, DivisionLevel.DISTRICT}:
        raise ApplicationError(
            "分析范围须为区县或全市。/ The scope must be a district or the city.", field="division"
        )
    require_write(actor, target)
    return target


@transaction.atomic
def analysis_run_start(
    *,
    actor: Any,
    division: Division | None = None,
    network: RoadNetwork | None = None,
    origin_mode: str = OriginMode.ENTRANCES,
    walking_speed_m_per_min: float | None = None,
    snap_tolerance_m: float = 500.0,
) -> AnalysisRun:
    """Start the life-circle analysis of ``division`` (default: the actor's own) as a background job."""
    target = _run_division_for(actor, division)
    if network is None:
        from gaizao.lifecircle.selectors import default_network_for

        network = default_network_for(actor)
    if network is None:
        raise ApplicationError(
            "尚未登记路网，请先上传路网。/ No road network is registered yet; upload one first.",
            field="network",
        )
    if origin_mode not in OriginMode.values:
        raise ApplicationError("起点方式无效。/ The origin mode is invalid.", field="origin_mode")
    speed = float(walking_speed_m_per_min or network.walking_speed_m_per_min)
    if not (20 <= speed <= 200):
        raise ApplicationError(
            "步行速度须在 20–200 米/分之间。/ The walking speed must be 20–200 m/min.",
            field="walking_speed_m_per_min",
        )
    if not (0 < snap_tolerance_m <= 2000):
        raise ApplicationError(
            "接入容差须在 0–2000 米之间。/ The snap tolerance must be 0–2000 m.", field="snap_tolerance_m"
        )
    busy = AnalysisRun.objects.filter(
        division=target,
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
        created_at__gte=timezone.now() - RUN_STALE_AFTER,
    ).first()
    if busy is not None:
        raise StateError(
            f"{target.name}的分析 #{busy.pk} 正在进行，请等待其完成。/ "
            f"The analysis #{busy.pk} of {target.name} is still running; wait for it to finish.",
            field="division",
        )
    std = engine.standards()
    max_level = max(lv.walk_distance_m for lv in std.levels)
    run = AnalysisRun.objects.create(
        network=network,
        division=target,
        walking_speed_m_per_min=speed,
        snap_tolerance_m=float(snap_tolerance_m),
        max_distance_m=float(2 * max_level),
        origin_mode=origin_mode,
        standards_version=std.version,
        created_by=actor,
    )
    job = job_start(
        kind=JOB_KIND,
        title=f"生活圈分析 / Life-circle analysis: {target.name}",
        owner=actor,
        params={"run_id": run.pk},
        division_path=target.path,
    )
    run.job = job
    run.save(update_fields=["job"])
    audit_record(
        actor=actor,
        action="analysis_start",
        obj=run,
        changes={
            "network": network.pk,
            "division": target.code,
            "origin_mode": origin_mode,
            "walking_speed": speed,
        },
    )
    return run


# --- fetch ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunInputs:
    """What a run reads from the database, as plain data for :func:`run_calculate`."""

    net: Any  # gaizao.spatial.Network
    standards: engine.Standards
    origins: engine.Origins
    facilities: Any  # gaizao.spatial.Points of every facility that can join the network
    facility_count: int
    #: (pk, lon, lat, population or 0) of each community with an origin point
    located: tuple[tuple[int, float, float, int], ...]
    population: dict[int, int | None]
    max_distance_m: float
    snap_tolerance_m: float
    timings: dict[str, float] = field(default_factory=dict)


def run_fetch(run: AnalysisRun, progress: Progress) -> RunInputs:
    """Load the run's network and read its communities and the facilities that can join the network."""
    t0 = time.perf_counter()
    progress(0, "载入路网 / loading the network")
    net = engine.network_for(run.network, run.walking_speed_m_per_min)
    network_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    progress(1, "读取小区与设施并接入路网 / reading communities and facilities")
    communities = list(
        Community.objects.filter(division_scope_q(run.division.path), archived_at__isnull=True)
        .exclude(lon__isnull=True)
        .only("pk", "lon", "lat", "entrances", "population", "name")
    )
    origins = engine.community_origins(communities, mode=run.origin_mode)
    # Every facility that can join the network, whatever its district: residents walk across district lines.
    box = engine.network_box(net, run.snap_tolerance_m)
    facilities = list(
        Facility.objects.filter(
            archived_at__isnull=True, lon__range=(box[0], box[2]), lat__range=(box[1], box[3])
        ).only("pk", "lon", "lat", "category")
    )
    with_origin = set(origins.community_ids)
    located = tuple(
        (c.pk, float(c.lon), float(c.lat), int(c.population or 0))  # type: ignore[arg-type]  # lon/lat: not null above
        for c in communities
        if c.pk in with_origin
    )
    return RunInputs(
        net=net,
        standards=engine.standards(),
        origins=origins,
        facilities=engine.facility_points(facilities),
        facility_count=len(facilities),
        located=located,
        population={c.pk: c.population for c in communities},
        max_distance_m=run.max_distance_m,
        snap_tolerance_m=run.snap_tolerance_m,
        timings={"network_s": network_s, "read_s": time.perf_counter() - t0},
    )


# --- calculate (no database) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOutcome:
    """Everything a run stores, as plain data: one access row per community (``CommunityAccess`` fields but the
    run), catchment areas, renovation units, the result layout and the summary."""

    access_rows: list[dict[str, Any]]
    catchment_areas: list[dict[str, Any]]
    units: list[dict[str, Any]]
    layout: dict[str, Any]
    categories: tuple[str, ...]
    gaps_by_facility: dict[str, int]
    summary: dict[str, Any]
    timings: dict[str, float]

    @property
    def gap_count(self) -> int:
        return sum(row["gap_count"] for row in self.access_rows)

    @property
    def joined_count(self) -> int:
        return sum(1 for row in self.access_rows if row["joined"])


def run_calculate(inputs: RunInputs, *, draw_catchments: bool | None, progress: Progress) -> RunOutcome:
    """Walking distances, gaps against GB 50180, catchments and renovation units of ``inputs`` — pure
    ``gaizao.spatial`` calls on plain data; raises ``gaizao.spatial.SpatialError`` on unusable input."""
    from gaizao.spatial import (
        Points,
        distances_between,
        gap_report_from_policy,
        nearest_facilities,
        renovation_units,
    )

    timings = dict(inputs.timings)
    net, std, origins = inputs.net, inputs.standards, inputs.origins
    categories = tuple(sorted({f.id for f in std.facilities} | set(inputs.facilities.category_names())))

    t0 = time.perf_counter()
    progress(
        2, f"计算 {len(categories)} 类设施的步行距离 / walking distances for {len(categories)} categories"
    )
    access = nearest_facilities(
        net,
        origins.points,
        inputs.facilities,
        max_distance_m=inputs.max_distance_m,
        categories=categories,
        snap_tolerance_m=inputs.snap_tolerance_m,
    )
    per_community = engine.per_community_min(origins, access.distance_m)
    joined_by = {pk: False for pk in origins.community_ids}
    connector: dict[int, float] = {}
    for k, pk in enumerate(origins.community_of.tolist()):
        if access.origins.joined[k]:
            joined_by[pk] = True
            c = float(access.origins.connector_m[k])
            connector[pk] = min(connector.get(pk, c), c)
    distances = {
        str(pk): {
            cat: (None if np.isnan(v) else round(float(v), 1)) for cat, v in zip(categories, row, strict=True)
        }
        for pk, row in per_community.items()
    }
    timings["distances_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    progress(3, "对照 GB 50180 标准识别缺口 / gaps against GB 50180")
    reports = gap_report_from_policy(distances, levels=std.levels, facilities=std.facilities)
    items_of = {(f.id, f.level): tuple(f.catalogue_items) for f in std.facilities}
    names = {f.id: (f.name_zh, f.name_en) for f in std.facilities}
    layout = storage.layout_for(
        categories,
        ((c.level_id, c.facility_id, c.level_distance_m) for c in (reports[0].checks if reports else ())),
        names=names,
        items_of=items_of,
    )
    gap_rows: dict[int, dict[str, Any]] = {}
    gaps_by_facility: dict[str, int] = {}
    for rep in reports:
        items: list[str] = []
        for g in rep.gaps:
            items.extend(items_of.get((g.facility_id, g.level_id), ()))
            gaps_by_facility[g.facility_id] = gaps_by_facility.get(g.facility_id, 0) + 1
        gap_rows[int(rep.community_id)] = {
            "met_bits": storage.pack_met([chk.met for chk in rep.checks]),
            "gap_count": len(rep.gaps),
            "gap_facilities": list(dict.fromkeys(g.facility_id for g in rep.gaps)),
            "gap_items": list(dict.fromkeys(items)),
            "score": round(rep.score * 100, 1),
        }
    timings["gaps_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    draw = (
        len(origins.community_ids) <= CATCHMENT_MAX_COMMUNITIES
        if draw_catchments is None
        else draw_catchments
    )
    progress(
        4,
        "绘制 5/10/15 分钟生活圈范围 / drawing 5/10/15-minute catchments"
        if draw
        else "生活圈范围在查看小区时绘制 / catchments are drawn when a community is viewed",
    )
    areas: list[dict[str, Any]] = []
    if draw and origins.community_ids:
        areas = catchment_areas(net, origins, std.catchment_levels, inputs.snap_tolerance_m)
    timings["catchments_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    progress(5, "识别连片改造单元并保存结果 / renovation units and saving")
    centroids = Points.from_arrays(
        [pk for pk, *_ in inputs.located],
        [lon for _, lon, _, _ in inputs.located],
        [lat for _, _, lat, _ in inputs.located],
        weights=[population for *_, population in inputs.located],
        name="communities",
    )
    pairs = distances_between(
        net, centroids, centroids, max_distance_m=UNIT_NEIGHBOUR_M, snap_tolerance_m=inputs.snap_tolerance_m
    )
    units = renovation_units(
        pairs,
        reports,
        max_distance_m=UNIT_NEIGHBOUR_M,
        weights={str(pk): float(population) for pk, _, _, population in inputs.located},
    )
    unit_rows = [
        {
            "community_ids": [int(x) for x in u.community_ids],
            "shared_gaps": [list(g) for g in u.shared_gaps],
            "common_gaps": [list(g) for g in u.common_gaps],
            "residents": int(u.residents),
        }
        for u in units
    ]
    access_rows = [
        {
            "community_id": pk,
            "distance_blob": storage.pack_distance_row(per_community[pk]),
            "joined": joined_by[pk],
            "connector_m": None if pk not in connector else round(connector[pk], 1),
            "population": inputs.population.get(pk),
            **gap_rows[pk],
        }
        for pk in origins.community_ids
    ]
    timings["units_s"] = time.perf_counter() - t0
    summary = {
        "categories": list(categories),
        "gaps_by_facility": gaps_by_facility,
        "network": net.summary(),
        "origins": access.origins.summary("origins"),
        "facilities": access.facilities.summary("facilities"),
        "not_joined_communities": [pk for pk, ok in joined_by.items() if not ok],
        "catchments": len(areas),
        "units": len(unit_rows),
    }
    return RunOutcome(
        access_rows=access_rows,
        catchment_areas=areas,
        units=unit_rows,
        layout=layout,
        categories=categories,
        gaps_by_facility=gaps_by_facility,
        summary=summary,
        timings=timings,
    )


# --- store ---------------------------------------------------------------------------------------------------


@transaction.atomic
def run_store(run: AnalysisRun, outcome: RunOutcome, *, facility_count: int, started: float) -> None:
    """Replace the run's results by ``outcome`` in one transaction, mark it succeeded and audit it."""
    t0 = time.perf_counter()
    CommunityAccess.objects.filter(run=run).delete()
    Catchment.objects.filter(run=run).delete()
    bulk_store(CommunityAccess, [CommunityAccess(run=run, **row) for row in outcome.access_rows])
    bulk_store(Catchment, catchment_rows(run, outcome.catchment_areas))
    timings = {**outcome.timings, "store_s": time.perf_counter() - t0}
    duration = time.perf_counter() - started
    AnalysisRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        community_count=len(outcome.access_rows),
        joined_count=outcome.joined_count,
        facility_count=facility_count,
        category_count=len(outcome.categories),
        gap_count=outcome.gap_count,
        summary={**outcome.summary, "timings": {k: round(v, 3) for k, v in timings.items()}},
        units=outcome.units,
        result_layout=outcome.layout,
        duration_s=round(duration, 3),
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    audit_record(
        actor=None,
        action="analysis_finish",
        obj=run,
        changes={
            "communities": len(outcome.access_rows),
            "gaps": outcome.gap_count,
            "duration_s": round(duration, 2),
        },
    )


def analysis_run_execute(
    *, run: AnalysisRun, job: Job | None = None, draw_catchments: bool | None = None
) -> dict[str, Any]:
    """Compute and store everything of ``run`` (called by the job): :func:`run_fetch` → :func:`run_calculate`
    → :func:`run_store`. Progress goes to ``job`` step by step.

    ``draw_catchments``: draw every community's 5/10/15-minute catchments now (default: for runs of up to
    ``CATCHMENT_MAX_COMMUNITIES`` communities, i.e. a district). Those not drawn are drawn on first view of the
    community page (``catchments_fill``).
    """
    from gaizao.spatial import SpatialError

    started = time.perf_counter()

    def progress(step: int, message: str) -> None:
        if job is not None:
            job_progress(job, done=step, total=STEPS, message=message)

    AnalysisRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, message="")
    try:
        inputs = run_fetch(run, progress)
        outcome = run_calculate(inputs, draw_catchments=draw_catchments, progress=progress)
        run_store(run, outcome, facility_count=inputs.facility_count, started=started)
    except SpatialError as exc:
        error = _spatial_error(exc, shown={str(engine.network_file(run.network)): run.network.file_path})
        _run_failed(run, error.message)
        raise error from exc
    except Exception as exc:
        _run_failed(run, str(exc) or exc.__class__.__name__)
        raise
    progress(
        STEPS,
        f"完成：{run.community_count} 个小区，{run.gap_count} 个缺口 / done: {run.community_count} communities, {run.gap_count} gaps",
    )
    return {
        "url": f"/lifecircle/runs/{run.pk}/",
        "run": run.pk,
        "communities": run.community_count,
        "gaps": run.gap_count,
    }


def _run_failed(run: AnalysisRun, message: str) -> None:
    AnalysisRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, message=message[:500], finished_at=timezone.now()
    )
