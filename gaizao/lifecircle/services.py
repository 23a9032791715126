"""Writes of the life-circle app: networks, analysis runs (as background jobs), siting proposals.

Every write is ``@transaction.atomic`` and records its audit event. The analysis is done by ``gaizao.spatial``
with the standards of ``gaizao.policy``; see ``gaizao.lifecircle.engine`` for the bridge.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from gaizao.accounts.access import require_write, scope_path
from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.divisions.selectors import division_scope_q
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.jobs.models import Job
from gaizao.jobs.services import job_progress, job_start
from gaizao.lifecircle import engine, storage
from gaizao.lifecircle.models import (
    PACKAGED_PREFIX,
    AnalysisRun,
    Catchment,
    CommunityAccess,
    OriginMode,
    RoadNetwork,
    RunStatus,
    SitingProposal,
)
from gaizao.lifecircle.parsing import STAT_FIELDS, network_stats, network_stats_isolated
from gaizao.registry.models import Community, Facility

JOB_KIND = "lifecircle.analysis"
NETWORK_JOB_KIND = "lifecircle.network_upload"
#: Who may start a run: district officers for their district, the city coordinator for the city (or a district).
RUN_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR})
#: Who may upload a network: the same roles.
NETWORK_ROLES = RUN_ROLES
NETWORK_EXTENSIONS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".zip": "Shapefile (zip)",
}
MAX_SITING_K = 20
#: A queued or running run older than this no longer blocks a new one (its worker is presumed gone).
RUN_STALE_AFTER = dt.timedelta(minutes=30)
#: Catchments are drawn for district-sized runs only (a city run keeps its size modest without them).
CATCHMENT_MAX_COMMUNITIES = 400
#: Neighbours for renovation units (连片): communities within this walking distance of each other.
UNIT_NEIGHBOUR_M = 500.0


def _spatial_error(
    exc: Exception, field: str = "network", *, shown: dict[str, str] | None = None
) -> ApplicationError:
    """The core's error as an application error; server paths in ``shown`` are replaced by the names users know."""
    message = getattr(exc, "message", str(exc))
    for path, name in (shown or {}).items():
        message = message.replace(path, name)
    return ApplicationError(f"路网或点位数据无法使用。/ {message}", field=getattr(exc, "field", field))


# --- networks ------------------------------------------------------------------------------------------------


def _network_stats(path: Path, sha256: str, speed: float, shown_name: str) -> dict[str, int]:
    """The counts of a trusted network file (packaged, or registered from the command line), read here."""
    from gaizao.spatial import SpatialError

    try:
        net = engine.load_spatial_network(path, sha256=sha256, walking_speed_m_per_min=speed)
    except SpatialError as exc:
        raise _spatial_error(exc, shown={str(path): shown_name}) from exc
    return network_stats(net)


@transaction.atomic
def network_register(
    *,
    actor: Any,
    name: str,
    file_path: str,
    division: Division,
    source: str = "",
    attribution: str = "",
    is_default: bool = False,
    walking_speed_m_per_min: float = 80.0,
    display_name: str = "",
    stats: dict[str, int] | None = None,
) -> RoadNetwork:
    """Register a network file (``package:<file>`` or a path under DATA_DIR), loading it to count its pieces.

    ``stats``: the counts, when an upload's job has already built the network in a memory-capped child process
    (``gaizao.lifecircle.parsing``); without them the file is read here (packaged and command-line files only).
    Idempotent on (file content, division): registering the same file again updates the record.
    """
    if actor is not None:
        require_write(actor, division)
    probe = RoadNetwork(file_path=file_path)
    path = engine.network_file(probe)
    if not path.exists():
        raise ApplicationError(
            f"路网文件不存在：{file_path}。/ The network file {file_path} does not exist.", field="file"
        )
    sha = engine.file_sha256(path)
    if stats is None:
        stats = _network_stats(path, sha, walking_speed_m_per_min, display_name or file_path)
    else:
        stats = {name: int(stats[name]) for name in STAT_FIELDS}
    suffix = path.suffix.lower()
    network, created = RoadNetwork.objects.update_or_create(
        file_sha256=sha,
        division=division,
        defaults={
            "name": name,
            "file_path": file_path,
            "source": source,
            "attribution": attribution,
            "file_format": NETWORK_EXTENSIONS.get(suffix, suffix.lstrip(".")),
            "is_default": is_default,
            "walking_speed_m_per_min": walking_speed_m_per_min,
            "uploaded_by": actor if getattr(actor, "is_authenticated", False) else None,
            **stats,
        },
    )
    if is_default:
        RoadNetwork.objects.filter(division=division, is_default=True).exclude(pk=network.pk).update(
            is_default=False
        )
    audit_record(
        actor=actor, action="network_register" if created else "network_reload", obj=network, changes=stats
    )
    return network


def network_upload_start(*, actor: Any, name: str, upload: UploadedFile, source: str = "") -> Job:
    """Store an uploaded GeoJSON, GeoPackage or zipped Shapefile under DATA_DIR and queue the job that reads it
    (``network_upload_load``). Nothing is parsed here: the request only checks who uploads, the name, the file's
    extension and size, and writes the file chunk by chunk."""
    if getattr(actor, "role", None) not in NETWORK_ROLES or actor.division_id is None:
        raise PermissionError_(
            "只有区县住建和市级统筹可以上传路网。/ Only district officers and the city coordinator may upload networks."
        )
    if not name.strip():
        raise ApplicationError("请填写路网名称。/ The network name is required.", field="name")
    filename = Path(upload.name or "").name
    suffix = Path(filename).suffix.lower()
    if suffix not in NETWORK_EXTENSIONS:
        raise ApplicationError(
            "路网文件须为 GeoJSON、GeoPackage 或打包为 zip 的 Shapefile。/ "
            "The network file must be GeoJSON, GeoPackage or a zipped Shapefile.",
            field="file",
        )
    limit = settings.UPLOAD_LIMITS["import_geo"]
    if (upload.size or 0) > limit:
        raise ApplicationError(
            f"路网文件超过 {limit // 1_000_000} MB 的上限。/ "
            f"The network file is larger than the limit of {limit // 1_000_000} MB.",
            field="file",
        )
    folder = Path(settings.DATA_DIR) / "lifecircle" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return job_start(
        kind=NETWORK_JOB_KIND,
        title=f"载入路网 {filename} / Load network"[:200],
        owner=actor,
        params={
            "path": str(path),
            "filename": filename,
            "name": name.strip()[:150],
            "source": source[:255],
            "actor_id": actor.pk,
            "uploads": [str(path)],  # removed by the jobs framework when the job ends, whatever the outcome
        },
        division_path=actor.division.path,
    )


def network_upload_load(
    *, actor: Any, path: Path, filename: str, name: str, source: str = "", job: Job | None = None
) -> RoadNetwork:
    """Read the stored upload at ``path`` in a memory-capped child process, keep it under its content hash and
    register it in the uploader's scope (called by the job ``network_upload_start`` queued)."""
    if job is not None:
        job_progress(job, done=0, total=2, message="读取路网 / reading the network")
    stats = network_stats_isolated(path, filename=filename, walking_speed_m_per_min=80.0)
    if job is not None:
        job_progress(job, done=1, total=2, message="登记路网 / registering the network")
    folder = Path(settings.DATA_DIR) / "lifecircle" / "networks"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{engine.file_sha256(path)}{path.suffix.lower()}"
    created = not final.exists()
    if created:
        shutil.copyfile(path, final)
    try:
        network = network_register(
            actor=actor,
            name=name,
            file_path=str(final.relative_to(Path(settings.DATA_DIR))),
            division=actor.division,
            source=source,
            display_name=filename,
            stats=stats,
        )
    except Exception:
        if created:
            final.unlink(missing_ok=True)
        raise
    if job is not None:
        job_progress(job, done=2, total=2, message=network_loaded_message(network))
    return network


def network_loaded_message(network: RoadNetwork) -> str:
    return (
        f"路网已载入：{network.node_count} 个节点，{network.component_count} 个连通片。/ "
        f"Network loaded: {network.node_count} nodes, {network.component_count} connected pieces."
    )


def network_register_packaged_osm(*, actor: Any = None) -> RoadNetwork:
    """The packaged OSM central-Hangzhou main roads, registered for the whole city as the default network."""
    city = Division.objects.get(level=DivisionLevel.CITY, parent__isnull=True, code="330100")
    return network_register(
        actor=actor,
        name="杭州中心城区主干道路网 (OSM) / Central Hangzhou main roads (OSM)",
        file_path=PACKAGED_PREFIX + engine.OSM_FILE,
        division=city,
        source="OpenStreetMap via Overpass, primary/secondary/tertiary roads, ODbL",
        attribution="© OpenStreetMap contributors",
        is_default=True,
    )


# --- analysis runs -------------------------------------------------------------------------------------------


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


def analysis_run_execute(
    *, run: AnalysisRun, job: Job | None = None, draw_catchments: bool | None = None
) -> dict[str, Any]:
    """Compute and store everything of ``run`` (called by the job). Progress goes to ``job`` step by step.

    ``draw_catchments``: draw every community's 5/10/15-minute catchments now (default: for runs of up to
    ``CATCHMENT_MAX_COMMUNITIES`` communities, i.e. a district). Those not drawn are drawn on first view of the
    community page (``catchments_fill``).
    """
    from gaizao.spatial import (
        SpatialError,
        distances_between,
        gap_report_from_policy,
        nearest_facilities,
        renovation_units,
    )

    steps = 6
    started = time.perf_counter()

    def progress(step: int, message: str) -> None:
        if job is not None:
            job_progress(job, done=step, total=steps, message=message)

    AnalysisRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, message="")
    timings: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        progress(0, "载入路网 / loading the network")
        net = engine.network_for(run.network, run.walking_speed_m_per_min)
        timings["network_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        progress(1, "读取小区与设施并接入路网 / reading communities and facilities")
        std = engine.standards()
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
        fac_points = engine.facility_points(facilities)
        categories = tuple(sorted({f.id for f in std.facilities} | set(fac_points.category_names())))
        timings["read_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        progress(
            2, f"计算 {len(categories)} 类设施的步行距离 / walking distances for {len(categories)} categories"
        )
        access = nearest_facilities(
            net,
            origins.points,
            fac_points,
            max_distance_m=run.max_distance_m,
            categories=categories,
            snap_tolerance_m=run.snap_tolerance_m,
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
                cat: (None if np.isnan(v) else round(float(v), 1))
                for cat, v in zip(categories, row, strict=True)
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
        catchment_rows: list[Catchment] = []
        if draw and origins.community_ids:
            catchment_rows = _catchment_rows(run, net, origins, std.catchment_levels)
        timings["catchments_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        progress(5, "识别连片改造单元并保存结果 / renovation units and saving")
        from gaizao.spatial import Points

        located = [c for c in communities if c.pk in joined_by]
        centroids = Points.from_arrays(
            [c.pk for c in located],
            [c.lon for c in located],  # type: ignore[arg-type]  # the query above excludes rows without coordinates
            [c.lat for c in located],  # type: ignore[arg-type]
            weights=[c.population or 0 for c in located],
            name="communities",
        )
        pairs = distances_between(
            net, centroids, centroids, max_distance_m=UNIT_NEIGHBOUR_M, snap_tolerance_m=run.snap_tolerance_m
        )
        units = renovation_units(
            pairs,
            reports,
            max_distance_m=UNIT_NEIGHBOUR_M,
            weights={str(c.pk): float(c.population or 0) for c in located},
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
        population = {c.pk: c.population for c in communities}
        rows = [
            CommunityAccess(
                run=run,
                community_id=pk,
                distance_blob=storage.pack_distance_row(per_community[pk]),
                joined=joined_by[pk],
                connector_m=None if pk not in connector else round(connector[pk], 1),
                population=population.get(pk),
                **gap_rows[pk],
            )
            for pk in origins.community_ids
        ]
        gap_total = sum(r.gap_count for r in rows)
        timings["units_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with transaction.atomic():
            CommunityAccess.objects.filter(run=run).delete()
            Catchment.objects.filter(run=run).delete()
            _bulk_store(CommunityAccess, rows)
            _bulk_store(Catchment, catchment_rows)
            timings["store_s"] = time.perf_counter() - t0
            duration = time.perf_counter() - started
            summary = {
                "categories": list(categories),
                "gaps_by_facility": gaps_by_facility,
                "network": net.summary(),
                "origins": access.origins.summary("origins"),
                "facilities": access.facilities.summary("facilities"),
                "not_joined_communities": [pk for pk, ok in joined_by.items() if not ok],
                "catchments": len(catchment_rows),
                "units": len(unit_rows),
                "timings": {k: round(v, 3) for k, v in timings.items()},
            }
            AnalysisRun.objects.filter(pk=run.pk).update(
                status=RunStatus.SUCCEEDED,
                community_count=len(rows),
                joined_count=sum(1 for r in rows if r.joined),
                facility_count=len(facilities),
                category_count=len(categories),
                gap_count=gap_total,
                summary=summary,
                units=unit_rows,
                result_layout=layout,
                duration_s=round(duration, 3),
                finished_at=timezone.now(),
            )
            run.refresh_from_db()
            audit_record(
                actor=None,
                action="analysis_finish",
                obj=run,
                changes={"communities": len(rows), "gaps": gap_total, "duration_s": round(duration, 2)},
            )
    except SpatialError as exc:
        error = _spatial_error(exc, shown={str(engine.network_file(run.network)): run.network.file_path})
        _run_failed(run, error.message)
        raise error from exc
    except Exception as exc:
        _run_failed(run, str(exc) or exc.__class__.__name__)
        raise
    progress(
        steps,
        f"完成：{run.community_count} 个小区，{run.gap_count} 个缺口 / done: {run.community_count} communities, {run.gap_count} gaps",
    )
    return {
        "url": f"/lifecircle/runs/{run.pk}/",
        "run": run.pk,
        "communities": run.community_count,
        "gaps": run.gap_count,
    }


def _bulk_store(model: Any, objs: list[Any]) -> None:
    """Insert ``objs`` (unsaved, without pk) into ``model``'s table: ``COPY`` on PostgreSQL, one prepared
    ``executemany`` elsewhere.

    Django's ``bulk_create`` on PostgreSQL sends JSON columns as UNNEST text arrays that psycopg escapes value by
    value (4.5× the CPU of a plain VALUES insert); a whole-city run spent as long storing its results as computing
    them. ``COPY ... FROM STDIN`` streams the rows with the JSON serialised once by ``json.dumps``, compressed
    with lz4 where the server has it. Must run inside the caller's transaction (it writes on the same
    connection)."""
    import json

    from django.db import connection, models

    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    if connection.vendor != "postgresql":
        # One prepared single-row INSERT run for every row (``executemany``): on SQLite, ``bulk_create`` splits
        # the rows into statements of at most 999 parameters and compiles each.
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] for obj in objs],
            )
        return
    is_json = [isinstance(f, models.JSONField) for f in fields]
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        # The JSON columns exceed the TOAST threshold: lz4 compresses them in about half pglz's time (this
        # transaction only; servers built without lz4 keep their default).
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL default_toast_compression = 'lz4'")
        raw = cursor.connection.cursor()
        with raw.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [
                        json.dumps(getattr(obj, name), ensure_ascii=False) if j else getattr(obj, name)
                        for name, j in zip(names, is_json, strict=True)
                    ]
                )


def _catchment_rows(
    run: AnalysisRun, net: Any, origins: engine.Origins, levels: tuple[Any, ...]
) -> list[Catchment]:
    rows = []
    for area in engine.community_catchments(net, origins, levels, run.snap_tolerance_m):
        geometry = engine.simplified_geojson(area["geometry"])
        if geometry is None:
            continue
        rows.append(
            Catchment(
                run=run,
                community_id=area["community_id"],
                level=area["level"],
                distance_m=area["distance_m"],
                area_m2=round(area["area_m2"], 1),
                geometry=geometry,
            )
        )
    return rows


def catchments_fill(*, run: AnalysisRun, community: Community) -> int:
    """Draw and keep one community's catchments for ``run`` when the run did not draw them (a city run).

    Derived data, a cache of ``gaizao.spatial`` output for the run's own inputs: no audit event. Returns the
    number of polygons stored (0 when the community has no location or does not join the network).
    """
    if run.status != RunStatus.SUCCEEDED or Catchment.objects.filter(run=run, community=community).exists():
        return 0
    net = engine.network_for(run.network, run.walking_speed_m_per_min)
    origins = engine.community_origins([community], mode=run.origin_mode)
    if not origins.community_ids:
        return 0
    rows = _catchment_rows(run, net, origins, engine.standards().catchment_levels)
    Catchment.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _run_failed(run: AnalysisRun, message: str) -> None:
    AnalysisRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, message=message[:500], finished_at=timezone.now()
    )


# --- siting --------------------------------------------------------------------------------------------------


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


def scope_of(actor: Any) -> str | None:
    return scope_path(actor)
