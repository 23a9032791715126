"""Create jobs, run them as background tasks, and report their progress.

A job runs a registered handler ``fn(job, **params) -> dict`` through the Django tasks API: the task is
enqueued on commit, the worker (``gaizao worker``) runs it, and the handler calls ``job_progress`` as it goes.
Progress is written with a plain UPDATE outside the handler's transaction so the page sees it move.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from gaizao.jobs.models import Job, JobStatus

log = logging.getLogger(__name__)

JobHandler = Callable[..., dict[str, Any]]
_HANDLERS: dict[str, JobHandler] = {}


def register_job(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Decorator: register ``fn(job, **params) -> result dict`` as the handler of ``kind``."""

    def wrap(fn: JobHandler) -> JobHandler:
        _HANDLERS[kind] = fn
        return fn

    return wrap


def job_start(*, kind: str, title: str, owner: Any, params: dict[str, Any], division_path: str = "") -> Job:
    """Create a job and enqueue it once the surrounding transaction commits."""
    if kind not in _HANDLERS:
        raise KeyError(f"no job handler registered for {kind!r}")
    job = Job.objects.create(
        kind=kind,
        title=title,
        owner=owner if getattr(owner, "is_authenticated", False) else None,
        params=params,
        division_path=division_path,
    )
    transaction.on_commit(lambda: run_job_task.enqueue(str(job.pk)))
    return job


def job_progress(job: Job, *, done: int, total: int | None = None, message: str = "") -> None:
    fields: dict[str, Any] = {"done": done}
    if total is not None:
        fields["total"] = total
        job.total = total
    if message:
        fields["message"] = message[:500]
        job.message = message[:500]
    job.done = done
    Job.objects.filter(pk=job.pk).update(**fields)


def job_run(job_id: str) -> Job:
    """Run a queued job now, recording its outcome. Used by the task and by the CLI."""
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    handler = _HANDLERS[job.kind]
    try:
        result = handler(job, **job.params)
    except Exception as exc:  # the job records any failure; nothing half-written survives the handler's atomic
        log.warning("job %s (%s) failed: %s", job.pk, job.kind, exc)
        message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            error=message[:5000],
            message=message[:500],
            finished_at=timezone.now(),
            result={"traceback": traceback.format_exc()[-4000:]},
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.SUCCEEDED, result=result or {}, finished_at=timezone.now(), done=max(job.done, job.total)
        )
    job.refresh_from_db()
    return job


@task()
def run_job_task(job_id: str) -> None:
    job_run(job_id)
