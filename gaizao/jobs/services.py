"""Create jobs, run them as background tasks, and report their progress.

A job runs a registered handler ``fn(job, **params) -> dict`` through the Django tasks API: the task is
enqueued on commit, the worker (``gaizao worker``) runs it, and the handler calls ``job_progress`` as it goes.
Progress is written with a plain UPDATE outside the handler's transaction so the page sees it move.

While a job runs, a heartbeat thread stamps ``heartbeat_at``; a running job whose heartbeat stopped (its worker
was killed) is failed with a message by :func:`jobs_fail_stale`, which runs whenever a job is looked at or
started. Files named in ``params["uploads"]`` are deleted when the job ends, whatever the outcome. Status writes
wait out database locks with a backoff instead of killing the worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
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


def _write(job_id: Any, **fields: Any) -> None:
    """UPDATE the job row, waiting out a database lock (SQLite: another process writing) with backoff."""
    for attempt in range(12):
        try:
            Job.objects.filter(pk=job_id).update(**fields)
            return
        except OperationalError:
            if transaction.get_connection().in_atomic_block or attempt == 11:
                raise
            time.sleep(min(5.0, 0.05 * 2**attempt) * (0.5 + secrets.randbelow(100) / 100))


def _remove_uploads(params: dict[str, Any]) -> None:
    for name in params.get("uploads", []) or []:
        Path(name).unlink(missing_ok=True)


STALE_MESSAGE = (
    "处理该任务的后台进程已停止，任务未完成，请重新提交。/ The worker running this job stopped before it finished; "
    "submit it again."
)


def jobs_fail_stale() -> int:
    """Fail the running jobs whose worker stopped sending heartbeats; returns how many."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.JOB_STALE_S)
    stale = list(Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff).only("pk", "params"))
    for job in stale:
        updated = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at__lt=cutoff).update(
            status=JobStatus.FAILED,
            error=STALE_MESSAGE,
            message=STALE_MESSAGE[:500],
            finished_at=timezone.now(),
        )
        if updated:
            log.warning("job %s lost its worker; marked failed", job.pk)
            _remove_uploads(job.params)
    return len(stale)


class _Heartbeat:
    """Stamps ``heartbeat_at`` every JOB_HEARTBEAT_S from its own thread (and own database connection), and writes
    the progress the handler reports from inside a transaction (:meth:`post`), which the handler's own connection
    could not make visible before its commit."""

    def __init__(self, job_id: Any) -> None:
        self.job_id = job_id
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.pending: dict[str, Any] = {}
        self.depth = 0
        self.thread = threading.Thread(target=self._run, name=f"job-heartbeat-{job_id}", daemon=True)

    def post(self, fields: dict[str, Any]) -> None:
        with self.lock:
            self.pending.update(fields)
        self.wake.set()

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                self.wake.wait(settings.JOB_HEARTBEAT_S)
                self.wake.clear()
                if self.stop.is_set():
                    break
                with self.lock:
                    fields, self.pending = {**self.pending, "heartbeat_at": timezone.now()}, {}
                try:
                    Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(**fields)
                except (
                    OperationalError
                ):  # locked this time (SQLite mid-write): the next beat comes soon enough
                    continue
        finally:
            connection.close()

    def __enter__(self) -> _Heartbeat:
        #: transactions already open when the handler started (a caller's, a test's): progress reported inside
        #: them is written as usual; only progress from inside the handler's own transactions comes here
        self.depth = len(transaction.get_connection().atomic_blocks)
        _BEATS[self.job_id] = self
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.wake.set()
        self.thread.join(timeout=10)
        _BEATS.pop(self.job_id, None)


#: The heartbeat of each job running in this process, by job id.
_BEATS: dict[Any, _Heartbeat] = {}


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
    transaction.on_commit(jobs_fail_stale)
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
    beat = _BEATS.get(job.pk)
    if beat is not None and len(transaction.get_connection().atomic_blocks) > beat.depth:
        # Inside the handler's transaction an UPDATE would stay invisible until its commit (and lock the job row
        # against the heartbeat): the heartbeat thread writes it from its own connection instead.
        beat.post(fields)
        return
    fields["heartbeat_at"] = timezone.now()
    _write(job.pk, **fields)


def job_run(job_id: str) -> Job:
    """Run a queued job now, recording its outcome. Used by the task and by the CLI."""
    job = Job.objects.get(pk=job_id)
    now = timezone.now()
    _write(job.pk, status=JobStatus.RUNNING, started_at=now, heartbeat_at=now)
    handler = _HANDLERS[job.kind]
    params = {k: v for k, v in job.params.items() if k != "uploads"}
    try:
        with _Heartbeat(job.pk):
            result = handler(job, **params)
    except (
        Exception
    ) as exc:  # the job records any failure; nothing half-written survives the handler's atomic
        # the message may name owners (an import's row errors): it goes to the job's page, never to the log
        log.warning("job %s (%s) failed: %s", job.pk, job.kind, type(exc).__name__)
        message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
        _write(
            job.pk,
            status=JobStatus.FAILED,
            error=message[:5000],
            message=message[:500],
            finished_at=timezone.now(),
            result={"traceback": traceback.format_exc()[-4000:]},
        )
    else:
        _write(
            job.pk,
            status=JobStatus.SUCCEEDED,
            result=result or {},
            finished_at=timezone.now(),
            done=max(job.done, job.total),
            total=job.total,
        )
    finally:
        _remove_uploads(job.params)
    job.refresh_from_db()
    return job


@task()
def run_job_task(job_id: str) -> None:
    job_run(job_id)
