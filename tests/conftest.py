"""Project-wide test set-up: one test database build per run, one demo world per run, and the file order under xdist.

**The test database.** Migrating an empty database costs about 15 s of CPU (nearly all of it Django rendering the
migration states). Under xdist (``make test``: ``-n 2``) the first worker that needs a database migrates its own and
leaves a copy of it as the run's template (a file on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL); the
other workers wait for it (a file lock) and start from a copy. Each worker still has its own test database (in
memory on SQLite, ``test_<name>_gw<n>`` on PostgreSQL), dropped at its end as Django drops it; the controller drops
the template and its directory when the run ends. Without xdist nothing is shared: pytest-django's set-up as is.

**The demo world** (``gaizao.web.demo.demo_load``: every app's demo, the access matrix's and several journeys'
data) takes 10–13 s of CPU to build, so it is built once: into the template when a test of the run asks for it
(xdist), or once per session the first time a test asks for it (without xdist). A copy of every table is kept
beside the test database — a schema on PostgreSQL (copied with the template), an attached in-memory database on
SQLite (each worker loads it from the template's directory) — together with a copy of the tables as they were
before (``clean_tables``). A test (or module) that uses the world gets the tables copied back in, runs (inside its
rolled-back transaction for ``db`` tests), and the tables as they were before are copied back after it, so tests
that do not ask for the demo never see it.

- ``demo_world`` (module scope): the world for every test of a module; its tests use ``db`` and roll back.
- ``demo_world_each`` (function scope): the world afresh for one test that commits (``transactional_db``, live
  server, browser tests).
- ``clean_tables`` (session scope): the copy of the tables before any data; a module that loads its own data once
  (committed) copies it back after the module.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# No test asserts wall-clock time (the machines are shared and noisy): Hypothesis's own timing checks are off too.
settings.register_profile("gaizao", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("gaizao")

#: Names of the two copies: the tables before the demo, and with the demo world loaded.
CLEAN, DEMO = "gz_snapshot_clean", "gz_snapshot_demo"

#: Set by the xdist controller for its workers: the run's directory for the template database and its copies.
TEMPLATE_DIR_ENV = "GAIZAO_TEST_TEMPLATE_DIR"


def _shared_dir() -> Path | None:
    value = os.environ.get(TEMPLATE_DIR_ENV)
    return Path(value) if value else None


class Snapshots:
    """Copies of every Django table of the test database, taken and put back with plain SQL.

    On SQLite a copy is an in-memory database of this process attached to the connection; a copy the run's template
    holds (a file in ``shared``) is loaded into it first. On PostgreSQL a copy is a schema of the test database, so
    a database made from the template has the template's copies already."""

    def __init__(self, shared: Path | None = None) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        if self.vendor not in {"sqlite", "postgresql"}:
            raise NotImplementedError(f"demo world snapshots for {self.vendor}")
        self.shared = shared
        self._keep: dict[str, sqlite3.Connection] = {}
        self.tables = sorted(
            connection.introspection.django_table_names(only_existing=True, include_views=False)
        )

    def _q(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def _shared_file(self, name: str) -> Path | None:
        return self.shared / f"{name}.sqlite3" if self.shared else None

    def _attach(self, name: str) -> None:
        """SQLite: attach the copy (an in-memory database of this process, kept open here) to the connection in
        use — live-server and transactional tests may have opened a new one since the copy was taken."""
        uri = f"file:{name}_{os.getpid()}?mode=memory&cache=shared"
        if name not in self._keep:
            self._keep[name] = keep = sqlite3.connect(uri, uri=True)
            shared = self._shared_file(name)
            if shared and shared.exists():
                with contextlib.closing(sqlite3.connect(shared)) as source:
                    source.backup(keep)
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA database_list")
            if name not in {row[1] for row in cursor.fetchall()}:
                cursor.execute(f"ATTACH DATABASE '{uri}' AS {name}")

    def has(self, name: str) -> bool:
        """Whether the copy exists (taken in this process, or in the run's template)."""
        if self.vendor == "sqlite":
            shared = self._shared_file(name)
            return name in self._keep or bool(shared and shared.exists())
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [name])
            return cursor.fetchone() is not None

    def take(self, name: str) -> None:
        if self.vendor == "sqlite":
            self._attach(name)
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
                cursor.execute(f"CREATE SCHEMA {name}")
            for table in self.tables:
                cursor.execute(f"CREATE TABLE {name}.{self._q(table)} AS SELECT * FROM {self._q(table)}")

    def share(self) -> None:
        """SQLite: write the copies taken here into the run's directory, for the other workers."""
        for name, keep in self._keep.items():
            shared = self._shared_file(name)
            assert shared is not None, "no directory to share the copies in"
            with contextlib.closing(sqlite3.connect(shared)) as target:
                keep.backup(target)

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

    def build_demo(self) -> None:
        """Take the clean copy (if not yet), load the demo world, take its copy and put the clean tables back."""
        from gaizao.web.demo import demo_load

        if not self.has(CLEAN):
            self.take(CLEAN)
        demo_load(lambda line: None)
        self.take(DEMO)
        self.restore(CLEAN)

    def detach(self) -> None:
        """SQLite: detach the copies from the connection (before ``close``, where the connection stays in use)."""
        if self.vendor != "sqlite":
            return
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA database_list")
            for name in {row[1] for row in cursor.fetchall()} & set(self._keep):
                cursor.execute(f"DETACH DATABASE {name}")

    def close(self) -> None:
        for keep in self._keep.values():  # the last connection to an in-memory copy frees it
            keep.close()
        self._keep.clear()


class TemplateDatabase:
    """The run's template test database (xdist only): built by the first worker that needs a database, under a
    file lock in the run's directory; the others start from a copy of it."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.dir / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def setup(self, *, with_demo: bool, serialized_aliases: set[str]) -> list:
        """This worker's test database, as ``django.test.utils.setup_databases`` returns it (for its teardown)."""
        from django.db import connection
        from django.test.utils import setup_databases

        with self._locked():
            if (self.dir / "ready").exists():
                old_config = self._copy()
            else:
                old_config = setup_databases(
                    verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
                )
                snapshots = Snapshots(self.dir)
                snapshots.take(CLEAN)
                if with_demo:
                    snapshots.build_demo()
                if connection.vendor == "sqlite":
                    snapshots.share()
                    snapshots.detach()
                snapshots.close()
                self._publish()
                (self.dir / "ready").write_text(connection.vendor)
        if "default" in serialized_aliases:  # what setup_databases does for a serialized_rollback test
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()
        return old_config

    def _template_name(self, test_name: str) -> str:
        return f"{test_name[:40]}_tpl_{self.dir.name[-8:]}".lower()

    def _publish(self) -> None:
        from django.db import connection

        if connection.vendor == "sqlite":
            with contextlib.closing(sqlite3.connect(self.dir / "db.sqlite3")) as target:
                connection.connection.backup(target)
            return
        name = connection.settings_dict["NAME"]
        template = self._template_name(name)
        (self.dir / "postgresql").write_text(template)  # for the controller to drop, whatever happens next
        connection.close()  # CREATE DATABASE … TEMPLATE wants no one else connected to the source
        with connection._nodb_cursor() as cursor:
            q = connection.ops.quote_name
            cursor.execute(f"DROP DATABASE IF EXISTS {q(template)}")
            cursor.execute(f"CREATE DATABASE {q(template)} TEMPLATE {q(name)}")

    def _copy(self) -> list:
        """What ``create_test_db`` does, with a copy of the template instead of the migrations."""
        from django.conf import settings
        from django.db import connection

        old_name = connection.settings_dict["NAME"]
        test_name = connection.creation._get_test_db_name()
        if connection.vendor == "postgresql":
            q = connection.ops.quote_name
            template = (self.dir / "postgresql").read_text()
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {q(test_name)}")
                cursor.execute(f"CREATE DATABASE {q(test_name)} TEMPLATE {q(template)}")
        connection.close()
        settings.DATABASES[connection.alias]["NAME"] = test_name
        connection.settings_dict["NAME"] = test_name
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            with contextlib.closing(sqlite3.connect(self.dir / "db.sqlite3")) as source:
                source.backup(connection.connection)
        return [(connection, old_name, True)]

    def remove(self) -> None:
        """The controller, at the end of the run: drop the PostgreSQL template, remove the directory."""
        marker = self.dir / "postgresql"
        if marker.exists():
            from django.db import connection

            with connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(marker.read_text())}")
        shutil.rmtree(self.dir, ignore_errors=True)


_template_dir_key = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """The xdist controller makes the run's directory for the template database; its workers inherit its path."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    directory = Path(tempfile.mkdtemp(prefix="gaizao-test-db-"))
    config.stash[_template_dir_key] = directory
    os.environ[TEMPLATE_DIR_ENV] = str(directory)


def pytest_unconfigure(config: pytest.Config) -> None:
    directory = config.stash.get(_template_dir_key, None)
    if directory is None:
        return
    os.environ.pop(TEMPLATE_DIR_ENV, None)
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        TemplateDatabase(directory).remove()


#: Files that run first under xdist (see ``pytest_collection_modifyitems``): the longest single file.
RUN_FIRST = ("tests/test_access_matrix.py",)


def _uses_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or "django_db_setup" in getattr(
        item, "fixturenames", ()
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, order the files longest first so that the workers finish together.

    ``make test`` runs ``--dist loadfile --no-loadscope-reorder``: a file goes whole to the next free worker, in
    collection order. xdist's own reorder puts the files with the most tests first, which left the browser journeys
    and the other ``slow`` files (one to six long tests each) for the end, where one worker ran them while the
    other had nothing left. Here the access matrix goes first (its worker builds the run's template database and
    demo world), then the files that need no database (the other worker runs them meanwhile instead of waiting for
    the template), then every file with a ``browser`` or ``slow`` test, then the rest by number of tests; the order
    of the tests inside a file (pytest-django's: rolled-back tests before transactional ones) stays. Without xdist
    nothing changes.
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
        if not any(_uses_database(t) for t in tests):
            return (1, -len(tests))
        long = any(t.get_closest_marker("browser") or t.get_closest_marker("slow") for t in tests)
        return (2 if long else 3, -len(tests))

    items[:] = [item for path in sorted(files, key=rank) for item in files[path]]


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's set-up of the test databases, with the run's template under xdist (see the module's
    docstring); at the end, on PostgreSQL, end the connections that live-server threads or browser tests left open,
    so the test database can be dropped ("database is being accessed by other users")."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    keepdb = django_db_keepdb and not django_db_createdb
    if not django_db_use_migrations:
        _disable_migrations()
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    shared = _shared_dir()
    with django_db_blocker.unblock():
        if shared and not keepdb and django_db_use_migrations and aliases <= {"default"}:
            with_demo = any(
                "demo_snapshots" in getattr(item, "fixturenames", ()) for item in request.session.items
            )
            db_cfg = TemplateDatabase(shared).setup(
                with_demo=with_demo, serialized_aliases=serialized_aliases
            )
        else:
            db_cfg = setup_databases(
                verbosity=request.config.option.verbose,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                keepdb=keepdb,
            )
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        if not keepdb:
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.fixture(scope="session")
def clean_tables(django_db_setup, django_db_blocker) -> Iterator[Snapshots]:
    """The copy of every table as the migrations left them (taken once; the run's template may hold it)."""
    with django_db_blocker.unblock():
        snapshots = Snapshots(_shared_dir())
        if not snapshots.has(CLEAN):
            snapshots.take(CLEAN)
    yield snapshots
    snapshots.close()


@pytest.fixture(scope="session")
def demo_snapshots(clean_tables: Snapshots, django_db_blocker) -> Snapshots:
    """The demo world, built once for the run (or this session) and kept as a copy beside the clean tables."""
    with django_db_blocker.unblock():
        if not clean_tables.has(DEMO):
            clean_tables.build_demo()
    return clean_tables


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
