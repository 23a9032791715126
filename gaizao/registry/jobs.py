"""Background jobs of the registry: re-screen every community in the starter's scope; write a large export to a
file."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.accounts.models import User
from gaizao.jobs.models import Job
from gaizao.jobs.services import job_progress, register_job

RESCREEN = "registry.rescreen"


@register_job(RESCREEN)
def rescreen_scope(job: Job, *, user_id: int) -> dict[str, Any]:
    """Re-screen (二(一)) all communities the starting officer may read; returns counts by status."""
    from gaizao.registry.selectors import communities_for
    from gaizao.registry.services import communities_rescreen

    user = User.objects.select_related("division").get(pk=user_id)
    job_progress(job, done=0, message="筛查中 / screening")
    counts = communities_rescreen(
        communities=communities_for(user),
        actor=user,
        batch_size=2000,
        audit=True,
        progress=lambda done, total: job_progress(job, done=done, total=total, message=f"{done}/{total}"),
    )
    return {"counts": counts, "total": sum(counts.values()), "url": reverse("registry:screening")}


STATS_REFRESH = "registry.stats_refresh"


@register_job(STATS_REFRESH)
def refresh_stats(job: Job) -> dict[str, Any]:
    """Rebuild the materialised survey and screening aggregates (``CommunityStats``) from every community — after
    bulk loads that bypass the services; community writes keep them current on their own."""
    from gaizao.registry.stats import community_stats_refresh

    job_progress(job, done=0, total=1, message="统计中 / aggregating")
    rows = community_stats_refresh()
    return {"rows": rows}


EXPORT = "registry.export"


def export_dir() -> Any:
    from pathlib import Path

    from django.conf import settings

    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_path(job: Job) -> Any:
    return export_dir() / f"{job.pk}.{job.params['fmt']}"


@register_job(EXPORT)
def run_export(job: Job, *, kind: str, fmt: str, filters: dict[str, str], user_id: int) -> dict[str, Any]:
    """Write the export to a file under ``DATA_DIR/exports`` row by row, reporting progress; the result links to
    its download (``registry:export_download``, for the account that started it)."""
    from gaizao.registry.exporting import ExportFilters, export_to_file

    user = User.objects.select_related("division").get(pk=user_id)
    job_progress(job, done=0, message="导出中 / exporting")
    rows = export_to_file(
        kind,
        fmt,
        export_path(job),
        user=user,
        filters=ExportFilters.from_params(filters),
        progress=lambda done, total: job_progress(job, done=done, total=total, message=f"{done}/{total}"),
    )
    return {"rows": rows, "url": reverse("registry:export_download", args=[job.pk])}


def export_start(*, kind: str, fmt: str, user: Any, filters: Any) -> Job:
    """Run a large export as a background job (progress on /jobs/<id>/, then a download link)."""
    from gaizao.jobs.services import job_start
    from gaizao.registry.exporting import export_filename

    return job_start(
        kind=EXPORT,
        title=f"导出 {export_filename(kind, fmt)} / Export",
        owner=user,
        params={"kind": kind, "fmt": fmt, "filters": filters.as_params(), "user_id": user.pk},
        division_path=user.division.path if user.division_id else "",
    )
