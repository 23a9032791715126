"""The scale-out path: tasks queued in Redis (django-tasks-rq) and run by an RQ worker.

Runs against the Redis server at 127.0.0.1:6379 (database 14). Skipped only when no server answers and
GAIZAO_REQUIRE_REDIS is unset; CI (.ci/run) starts redis-server and sets it, so there it never skips.
"""

from __future__ import annotations

import os

import pytest
import redis

from gaizao.jobs.models import Job, JobStatus
from gaizao.jobs.services import job_start, register_job

REDIS_URL = "redis://127.0.0.1:6379/14"


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
