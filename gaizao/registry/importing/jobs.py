"""Imports as jobs: big files run in the background with progress; small ones run at once and are recorded the
same way, so every import has an id, an owner, a report page and a downloadable Excel report."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from gaizao.errors import ApplicationError
from gaizao.jobs.models import Job, JobStatus
from gaizao.jobs.services import job_progress, job_start, register_job
from gaizao.registry.importing import ImportReport, get_kind, import_file

JOB_KIND = "registry.import"


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def result_url(job_id: Any) -> str:
    return reverse("registry:import_result", args=[job_id])


def _title(kind: str, filename: str) -> str:
    spec = get_kind(kind)
    return f"导入{spec.zh} {filename} / Import {spec.en.lower()}"[:200]


@register_job(JOB_KIND)
def run_import_job(
    job: Job,
    *,
    kind: str,
    path: str,
    filename: str,
    crs: str = "wgs84",
    only_valid: bool = False,
    actor_id: int | None = None,
) -> dict[str, Any]:
    from gaizao.accounts.models import User

    actor = User.objects.select_related("division").get(pk=actor_id) if actor_id else None
    file = Path(path)
    data = file.read_bytes()

    def progress(done: int, total: int, message: str) -> None:
        job_progress(job, done=done, total=total, message=message)

    report = import_file(
        kind=kind,
        data=data,
        filename=filename,
        actor=actor,
        crs=crs,
        only_valid=only_valid,
        progress=progress,
    )
    file.unlink(missing_ok=True)
    job_progress(job, done=report.total, total=report.total, message=report.summary())
    return {"report": report.to_dict(), "url": _safe_result_url(job.pk)}


def _safe_result_url(job_id: Any) -> str:
    try:
        return result_url(job_id)
    except Exception:  # the registry URLs are not mounted (command line without the web app)
        return ""


def import_start(
    *, kind: str, upload: Any, filename: str, actor: Any, crs: str = "wgs84", only_valid: bool = False
) -> Job:
    """Store the upload (bytes, or an uploaded file written chunk by chunk, never read whole nor parsed here) and
    run its import as a background job (progress on /jobs/<id>/); the job parses it in a memory-capped child
    process. Refuses a file over the size limit before storing it."""
    spec = get_kind(kind)
    limit = settings.UPLOAD_LIMITS["import_table"]
    size = len(upload) if isinstance(upload, bytes) else upload.size
    if size > limit:
        raise ApplicationError(
            f"文件超过 {limit // 1_000_000} MB 的上限。/ The file is larger than the limit of {limit // 1_000_000} MB.",
            field="file",
        )
    suffix = Path(filename).suffix.lower()[:10] or ".bin"
    path = upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        if isinstance(upload, bytes):
            out.write(upload)
        else:
            for chunk in upload.chunks():
                out.write(chunk)
    division = getattr(actor, "division", None)
    return job_start(
        kind=JOB_KIND,
        title=_title(spec.kind, filename),
        owner=actor,
        params={
            "kind": spec.kind,
            "path": str(path),
            "filename": filename,
            "crs": crs,
            "only_valid": only_valid,
            "actor_id": getattr(actor, "pk", None),
            "uploads": [str(path)],  # removed by the jobs framework when the job ends, whatever the outcome
        },
        division_path=getattr(division, "path", "") or "",
    )


def import_record(*, report: ImportReport, actor: Any) -> Job:
    """Record an import that ran at once as a finished job, so its report has a page and a download."""
    now = timezone.now()
    division = getattr(actor, "division", None)
    job = Job.objects.create(
        kind=JOB_KIND,
        title=_title(report.kind, report.filename),
        owner=actor if getattr(actor, "is_authenticated", False) else None,
        division_path=getattr(division, "path", "") or "",
        status=JobStatus.SUCCEEDED,
        done=report.total,
        total=report.total,
        message=report.summary()[:500],
        params={
            "kind": report.kind,
            "filename": report.filename,
            "crs": report.crs,
            "only_valid": report.only_valid,
        },
        started_at=now,
        finished_at=now,
    )
    job.result = {"report": report.to_dict(), "url": _safe_result_url(job.pk)}
    job.save(update_fields=["result"])
    return job


def report_of(job: Job) -> ImportReport | None:
    data = (job.result or {}).get("report")
    if job.kind != JOB_KIND or not data:
        return None
    return ImportReport.from_dict(data)
