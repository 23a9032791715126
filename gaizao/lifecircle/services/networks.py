"""Road networks: register a file, take an upload (stored by the request, read by a job in a memory-capped child
process), register the packaged OSM roads."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from gaizao.accounts.access import require_write
from gaizao.audit.services import audit_record
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.jobs.models import Job
from gaizao.jobs.services import job_progress, job_start
from gaizao.lifecircle import engine
from gaizao.lifecircle.models import PACKAGED_PREFIX, RoadNetwork
from gaizao.lifecircle.parsing import STAT_FIELDS, network_stats, network_stats_isolated
from gaizao.lifecircle.services._common import (
    NETWORK_EXTENSIONS,
    NETWORK_JOB_KIND,
    NETWORK_ROLES,
    _spatial_error,
)


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
