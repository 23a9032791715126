import logging
import secrets
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections

log = logging.getLogger("gaizao.worker")


def _schedule(stop: threading.Event, every_s: float) -> None:
    """Every ``every_s``: close overdue ballots and fail jobs whose worker died (errors are logged, never fatal)."""
    from django.db import connection

    from gaizao.jobs.services import jobs_fail_stale
    from gaizao.participation.services import ballots_close_overdue

    while not stop.wait(every_s):
        try:
            closed = ballots_close_overdue()
            if closed:
                log.info("worker: closed %d overdue ballots", len(closed))
            jobs_fail_stale()
        except Exception as exc:  # a failed round must not stop the schedule
            log.warning("worker: scheduled round failed: %s", type(exc).__name__)
        finally:
            connection.close()


class Command(BaseCommand):
    help = (
        "Run the background task worker: polls the database, or — with TASKS_BACKEND=redis — runs an RQ worker "
        "on REDIS_URL. / 运行后台任务。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument(
            "--burst",
            action="store_true",
            help="run the tasks queued now, then stop",
        )
        parser.add_argument(
            "--schedule-every", type=float, default=60.0, help="seconds between scheduled rounds"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gaizao.jobs.services import jobs_fail_stale

        kwargs: dict[str, Any] = {"interval": options["interval"], "no_startup_delay": True}
        if options["max_tasks"] is not None:
            kwargs["max_tasks"] = options["max_tasks"]
        if options["burst"]:
            kwargs["batch"] = True
        stop = threading.Event()
        threading.Thread(target=_schedule, args=(stop, options["schedule_every"]), daemon=True).start()
        failures = 0
        while True:
            try:
                jobs_fail_stale()  # jobs left "running" by a worker that died
                if settings.TASKS_BACKEND == "redis":
                    # django-tasks-rq's job class runs the task; each job in a forked work horse
                    call_command(
                        "rqworker",
                        *settings.TASKS["default"]["QUEUES"],
                        job_class="django_tasks_rq.Job",
                        max_jobs=options["max_tasks"],
                        burst=options["burst"],
                    )
                else:
                    call_command("db_worker", **kwargs)
                stop.set()
                return
            except OperationalError as exc:
                # A database lock (SQLite: a long import holding the write lock) or a lost connection must not
                # end the worker: wait with a growing backoff and go on.
                failures += 1
                delay = min(60.0, 0.5 * 2 ** min(failures, 7)) * (0.5 + secrets.randbelow(100) / 100)
                log.warning("worker: database unavailable (%s); retrying in %.1f s", exc, delay)
                close_old_connections()
                time.sleep(delay)
