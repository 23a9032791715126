"""Project-wide test set-up: the test database's end on PostgreSQL, and one demo world per test session.

The demo world (``gaizao.web.demo.demo_load``: every app's demo, the access matrix's and several journeys' data)
takes long to build, so each test session (each xdist worker) builds it once, the first time a test asks for it,
and keeps a copy of every table beside the test database — a schema on PostgreSQL, an attached in-memory database
on SQLite — together with a copy of the tables as they were before. A test (or module) that uses the world gets
the tables copied back in, runs (inside its rolled-back transaction for ``db`` tests), and the tables as they were
before are copied back after it, so tests that do not ask for the demo never see it.

- ``demo_world`` (module scope): the world for every test of a module; its tests use ``db`` and roll back.
- ``demo_world_each`` (function scope): the world afresh for one test that commits (``transactional_db``, live
  server, browser tests).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# No test asserts wall-clock time (the machines are shared and noisy): Hypothesis's own timing checks are off too.
settings.register_profile("gaizao", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("gaizao")

#: Names of the two copies: the tables before the demo, and with the demo world loaded.
CLEAN, DEMO = "gz_snapshot_clean", "gz_snapshot_demo"


class Snapshots:
    """Copies of every Django table of the test database, taken and put back with plain SQL."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        if self.vendor not in {"sqlite", "postgresql"}:
            raise NotImplementedError(f"demo world snapshots for {self.vendor}")
        self._keep: dict[str, sqlite3.Connection] = {}
        self.tables = sorted(
            connection.introspection.django_table_names(only_existing=True, include_views=False)
        )

    def _q(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def _attach(self, name: str) -> None:
        """SQLite: attach the copy (an in-memory database of this process, kept open here) to the connection in
        use — live-server and transactional tests may have opened a new one since the copy was taken."""
        uri = f"file:{name}_{os.getpid()}?mode=memory&cache=shared"
        self._keep.setdefault(name, sqlite3.connect(uri, uri=True))
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA database_list")
            if name not in {row[1] for row in cursor.fetchall()}:
                cursor.execute(f"ATTACH DATABASE '{uri}' AS {name}")

    def take(self, name: str) -> None:
        if self.vendor == "sqlite":
            self._attach(name)
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
                cursor.execute(f"CREATE SCHEMA {name}")
            for table in self.tables:
                cursor.execute(f"CREATE TABLE {name}.{self._q(table)} AS SELECT * FROM {self._q(table)}")

    def restore(self, name: str) -> None:
        """Replace every table's rows by the copy's, in one transaction (foreign keys are checked at commit)."""
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import transaction

        if self.vendor == "sqlite":
            self._attach(name)
        with transaction.atomic(), self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                for table in self.tables:
                    cursor.execute(f"DELETE FROM {self._q(table)}")
            else:
                # checks still pending in the enclosing transaction would block TRUNCATE: run them first
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("TRUNCATE " + ", ".join(self._q(t) for t in self.tables))
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in self.tables:
                cursor.execute(f"INSERT INTO {self._q(table)} SELECT * FROM {name}.{self._q(table)}")
            if self.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # only the models with a table here (django_rq's dashboard model, for one, has none)
            tables = set(self.tables)
            models = [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in tables]
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        # a transactional test's flush recreates the content types under new ids, and the copy put back the ids it
        # holds: forget the ids this process cached, or the next audit event points at a content type that is gone
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()

    def drop(self) -> None:
        if self.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                for name in (CLEAN, DEMO):
                    cursor.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        for keep in self._keep.values():  # the last connection to an in-memory copy frees it
            keep.close()


#: Files that run first under xdist (see ``pytest_collection_modifyitems``): the longest single file.
RUN_FIRST = ("tests/test_access_matrix.py",)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, order the files longest first so that the workers finish together.

    ``make test`` runs ``--dist loadfile --no-loadscope-reorder``: a file goes whole to the next free worker, in
    collection order. xdist's own reorder puts the files with the most tests first, which left the browser journeys
    and the other ``slow`` files (one to six long tests each) for the end, where one worker ran them while the
    other had nothing left. Here the access matrix goes first, then every file with a ``browser`` or ``slow`` test,
    then the rest by number of tests; the order of the tests inside a file (pytest-django's: rolled-back tests
    before transactional ones) stays. Without xdist nothing changes.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)

    def rank(path: str) -> tuple[int, int]:
        if path in RUN_FIRST:
            return (0, RUN_FIRST.index(path))
        tests = files[path]
        long = any(t.get_closest_marker("browser") or t.get_closest_marker("slow") for t in tests)
        return (1 if long else 2, -len(tests))

    items[:] = [item for path in sorted(files, key=rank) for item in files[path]]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, end connections that live-server threads or browser tests left open, so the test database
    can be dropped at the end of the session ("database is being accessed by other users")."""
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="session")
def demo_snapshots(django_db_setup, django_db_blocker) -> Iterator[Snapshots]:
    """Build the demo world once for this session and keep it (and the tables before it) as copies."""
    from gaizao.web.demo import demo_load

    with django_db_blocker.unblock():
        snapshots = Snapshots()
        snapshots.take(CLEAN)
        demo_load(lambda line: None)
        snapshots.take(DEMO)
        snapshots.restore(CLEAN)
    yield snapshots
    with django_db_blocker.unblock():
        snapshots.drop()


@pytest.fixture(scope="module")
def demo_world(demo_snapshots: Snapshots, django_db_blocker) -> Iterator[None]:
    """The demo world for every test of a module (tests use ``db``: each rolls back to the world)."""
    with django_db_blocker.unblock():
        demo_snapshots.restore(DEMO)
    yield
    with django_db_blocker.unblock():
        demo_snapshots.restore(CLEAN)


@pytest.fixture
def demo_world_each(demo_snapshots: Snapshots, transactional_db) -> Iterator[None]:
    """The demo world afresh for one test that commits (live server, browser); emptied after it as usual."""
    demo_snapshots.restore(DEMO)
    yield
