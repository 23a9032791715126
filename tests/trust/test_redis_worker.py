"""The scale-out path: tasks queued in Redis (django-tasks-rq) and run by an RQ worker — in this process, and
as the real ``gaizao worker --burst`` in a process of its own sharing the test database.

Runs against the Redis server at 127.0.0.1:6379 (databases 14 and 13 on SQLite, 12 and 11 on PostgreSQL, so that a
run on each database at the same time never shares a queue). Skipped only when no server answers and
GAIZAO_REQUIRE_REDIS is unset; CI (.ci/run) starts redis-server and sets it, so there it never skips.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from gaizao.jobs.models import Job, JobStatus
from gaizao.jobs.services import job_start, register_job

#: Two lower database numbers when the suite runs on PostgreSQL (a concurrent SQLite run uses 14 and 13).
_DB = 12 if os.environ.get("DATABASE_URL", "").startswith("postgres") else 14
REDIS_URL = f"redis://127.0.0.1:6379/{_DB}"


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


if not os.environ.get("GAIZAO_REQUIRE_REDIS") and not _redis_answers():
    pytest.skip(
        "no Redis server at 127.0.0.1:6379 (set GAIZAO_REQUIRE_REDIS=1 to fail instead)",
        allow_module_level=True,
    )


@register_job("trust-test-redis")
def _count(job: Job, *, n: int) -> dict:
    return {"sum": sum(range(n)), "pid": os.getpid()}


@pytest.fixture
def rq_settings(settings):
    settings.TASKS_BACKEND = "redis"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}}
    import django_rq

    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


def test_a_job_runs_through_redis(rq_settings, accounts, django_capture_on_commit_callbacks):
    import django_rq
    from django_tasks_rq import Job as RQJob
    from rq import SimpleWorker

    queue = rq_settings
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="trust-test-redis", title="sum", owner=accounts["city"], params={"n": 10})
    # queued in Redis, not run in the request
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert queue.count == 1
    # an RQ worker takes it from Redis (SimpleWorker: in this process, so inside the test's transaction)
    worker = django_rq.get_worker("default", worker_class=SimpleWorker, job_class=RQJob)
    assert worker.work(burst=True)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["sum"] == 45
    assert queue.count == 0


# --- the real worker in its own process -----------------------------------------------------------------------

#: The Redis database of the two-process tests (the in-process test above uses the one after it).
WORKER_REDIS_URL = f"redis://127.0.0.1:6379/{_DB - 1}"
REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def _shared_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The test database, reachable from another process: yields the environment of a worker that uses it.

    PostgreSQL: the test database itself (the test commits, ``transactional_db``). SQLite: the test database is in
    memory, so what the test committed so far is copied to a file database and this process's connection is
    pointed at that file until the block ends (the worker and the test then share it)."""
    from django.db import connection, connections

    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "TASKS_BACKEND": "redis",
        "REDIS_URL": WORKER_REDIS_URL,
        "GAIZAO_DATA_DIR": str(tmp_path),
        "GAIZAO_JOB_HEARTBEAT_S": "1",
        "PYTHONPATH": str(REPO),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if connection.vendor == "postgresql":
        user, host, port = settings_dict["USER"], settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"]
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        env["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port or 5432}/{settings_dict['NAME']}"
        yield env
        return
    assert connection.vendor == "sqlite", connection.vendor
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    original = connections["default"]
    shared = type(original)({**settings_dict, "NAME": str(path)}, "default")
    connections["default"] = shared
    env["DATABASE_URL"] = f"sqlite:///{path}"
    try:
        yield env
    finally:
        shared.close()
        connections["default"] = original


@pytest.fixture
def worker_queue(settings, tmp_path):
    """This process enqueues into the worker Redis database, as the worker process started with the same settings reads."""
    settings.TASKS_BACKEND = "redis"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": WORKER_REDIS_URL, "DEFAULT_TIMEOUT": 300}}
    settings.DATA_DIR = tmp_path
    import django_rq

    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``gaizao worker --burst`` in its own process (and session, so every process it starts can be found)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gaizao.cli", "worker", "--burst"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (RQ's work horse puts itself in its own process group, so walk /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def test_the_worker_process_runs_a_job_enqueued_here(
    transactional_db, world, accounts, worker_queue, tmp_path
):
    from gaizao.registry.jobs import RESCREEN
    from gaizao.registry.models import Community

    officer = accounts["shangcheng"]
    with _shared_database(tmp_path) as env:
        # committed at once (no transaction is open), so the on-commit enqueue goes to Redis now
        job = job_start(kind=RESCREEN, title="rescreen", owner=officer, params={"user_id": officer.pk})
        assert worker_queue.count == 1
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED
        worker = _worker(env)
        output, _ = worker.communicate(timeout=600)
        assert worker.returncode == 0, output.decode(errors="replace")[-3000:]
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, (job.error, output.decode(errors="replace")[-3000:])
        in_scope = Community.objects.filter(division__path__startswith=officer.division.path).count()
        assert in_scope >= 1 and job.result["total"] == in_scope
        assert job.result["url"] == "/registry/screening/" and job.finished_at is not None
        world.community.refresh_from_db()
        assert job.result["counts"].get(world.community.scope_status, 0) >= 1
        assert worker_queue.count == 0


def test_a_job_whose_worker_is_killed_ends_failed_not_running(
    transactional_db, world, accounts, worker_queue, tmp_path
):
    """SIGKILL the worker and its work horse mid-job: the job's heartbeat stops, and the next worker to start fails
    it (``jobs_fail_stale``) with a message saying so, and removes its upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gaizao.jobs.services import STALE_MESSAGE
    from gaizao.lifecircle.services import network_upload_start

    grid = [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {
                "type": "LineString",
                "coordinates": [[120 + i * 1e-4, 30 + j * 1e-4], [120 + (i + 1) * 1e-4, 30 + j * 1e-4]],
            },
        }
        for i in range(2000)
        for j in range(40)
    ]
    upload = SimpleUploadedFile(
        "grid.geojson", json.dumps({"type": "FeatureCollection", "features": grid}).encode()
    )
    stale_s = 2
    with _shared_database(tmp_path) as env:
        job = network_upload_start(actor=accounts["shangcheng"], name="grid", upload=upload)
        stored = Path(job.params["path"])
        assert stored.exists() and worker_queue.count == 1
        worker = _worker(env)
        try:
            deadline = time.monotonic() + 300
            while (
                time.monotonic() < deadline
            ):  # the worker takes the job: it runs (reading the file in a child)
                job.refresh_from_db()
                if job.status != JobStatus.QUEUED or worker.poll() is not None:
                    break
                time.sleep(0.05)
            assert job.status == JobStatus.RUNNING, (job.status, job.error)
        finally:
            for pid in [*_descendants(worker.pid), worker.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            worker.wait(timeout=60)
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING  # left running by the dead worker, until someone notices
        while (timezone.now() - job.heartbeat_at).total_seconds() <= stale_s + 0.5:
            time.sleep(0.2)
        # the next worker to start notices the stopped heartbeat
        second = _worker({**env, "GAIZAO_JOB_STALE_S": str(stale_s)})
        output, _ = second.communicate(timeout=600)
        assert second.returncode == 0, output.decode(errors="replace")[-3000:]
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and job.error == STALE_MESSAGE
        assert job.finished_at is not None and not stored.exists()
