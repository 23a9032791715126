import logging
import secrets
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections

log = logging.getLogger("gaizao.worker")


class Command(BaseCommand):
    help = "Run the background task worker (database backend). / 运行后台任务。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, **options: Any) -> None:
        from gaizao.jobs.services import jobs_fail_stale

        kwargs: dict[str, Any] = {"interval": options["interval"], "no_startup_delay": True}
        if options["max_tasks"] is not None:
            kwargs["max_tasks"] = options["max_tasks"]
        failures = 0
        while True:
            try:
                jobs_fail_stale()  # jobs left "running" by a worker that died
                call_command("db_worker", **kwargs)
                return
            except OperationalError as exc:
                # A database lock (SQLite: a long import holding the write lock) or a lost connection must not
                # end the worker: wait with a growing backoff and go on.
                failures += 1
                delay = min(60.0, 0.5 * 2 ** min(failures, 7)) * (0.5 + secrets.randbelow(100) / 100)
                log.warning("worker: database unavailable (%s); retrying in %.1f s", exc, delay)
                close_old_connections()
                time.sleep(delay)
