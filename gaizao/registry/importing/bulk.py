"""The importer's bulk writing machinery, independent of what is imported: one prepared INSERT or UPDATE for a
batch of model objects (``sql_insert``, ``sql_update``; COPY-ready rows with ``insert_rows``), primary keys taken
from the sequence up front on PostgreSQL (``new_pks``), each distinct value converted once, model objects built
without ``Model.__init__`` (``constructor``), and a second thread that stores one chunk while the next is built
(``Background``). ``writing`` uses it for communities, buildings, units and owners."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from decimal import Decimal
from operator import attrgetter
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import signals
from django.db.models.base import ModelState

from gaizao.audit.services import diff_fields

BATCH = 2000


class Outcome:
    """What a write did. ``writing._write_keyed`` fills one per chunk of ``BATCH`` records (its objects are let go once the
    chunk is written and audited) and adds its counts to the whole import's (``absorb``)."""

    def __init__(self, tick: Callable[[int], None] | None = None) -> None:
        self.created: list[models.Model] = []
        self.updated: list[tuple[models.Model, dict[str, list[Any]]]] = []
        self.unchanged = 0
        self.paths: dict[int, str] = {}
        #: called with the number of rows each batch wrote (rows and audit events), for the progress bar
        self.tick = tick
        self.n_created = 0
        self.n_updated = 0
        #: divisions of the written objects and the ones updated objects left (communities: the aggregates to redo)
        self.division_ids: set[int | None] = set()

    def absorb(self, part: Outcome) -> None:
        self.n_created += len(part.created)
        self.n_updated += len(part.updated)
        self.unchanged += part.unchanged
        self.division_ids |= part.division_ids


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None:
            return old is new
        return Decimal(old) == Decimal(new)
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) < 1e-9
    return bool(old == new)


def apply_changes(obj: models.Model, data: dict[str, Any]) -> dict[str, list[Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in data.items():
        old = getattr(obj, name)
        if not _same(old, value):
            before[name], after[name] = old, value
            setattr(obj, name, value)
    return diff_fields(before, after) if after else {}


def assign_pks(model: type[models.Model], objs: list[models.Model], key_fields: tuple[str, ...]) -> None:
    """Read back the primary keys of freshly inserted rows by their unique key."""
    first = key_fields[0]
    wanted = sorted({getattr(o, first) for o in objs})
    found: dict[tuple[Any, ...], Any] = {}
    for start in range(0, len(wanted), 1000):
        rows = model._default_manager.filter(**{f"{first}__in": wanted[start : start + 1000]}).values_list(
            *key_fields, "pk"
        )
        for row in rows:
            found[tuple(row[:-1])] = row[-1]
    for o in objs:
        o.pk = found[tuple(getattr(o, k) for k in key_fields)]


def _prep(field: models.Field, connection: Any, *, json_text: bool = False) -> Callable[[Any], Any] | None:
    """The value → database parameter conversion of ``field``, or None where the driver takes the value as is
    (text, numbers, booleans, Decimal: sqlite3 and psycopg both adapt them).

    Conversions are remembered by the value's identity for as long as the returned function lives: the screening
    reasons of every community with the same screening inputs are one list (``ScreeningRule`` decides once per
    distinct input), the time stamps of a chunk one datetime, so each is converted once, not once per row. With
    ``json_text`` a JSON value becomes its text, exactly as Django's ``JSONField`` encodes it (``json.dumps`` with
    the field's encoder), which ``COPY`` and SQLite take as is; the PostgreSQL adapter would encode it again for
    every row."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        if json_text:
            return _remembered(lambda value: json.dumps(value, cls=encoder))
        return _remembered(lambda value: field.get_db_prep_save(value, connection))
    if isinstance(field, models.DateTimeField | models.DateField):
        return _remembered(lambda value: field.get_db_prep_save(value, connection))
    return None


def _remembered(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` remembering its result per value object (kept alive, so an identity is never reused); None stays
    None (SQL NULL) and an empty list or dict, a new object on every row, is converted once."""
    seen: dict[int, tuple[Any, Any]] = {}
    empty: dict[type, Any] = {}

    def prepared(value: Any) -> Any:
        if value is None:
            return None
        hit = seen.get(id(value))
        if hit is not None:
            return hit[1]
        kind = type(value)
        if (kind is list or kind is dict) and not value:
            if kind not in empty:
                empty[kind] = convert(value)
            return empty[kind]
        result = convert(value)
        seen[id(value)] = (value, result)
        return result

    return prepared


def _rows(
    objs: list[models.Model],
    names: list[str],
    preps: list[Callable[[Any], Any] | None],
    tail: Callable[[models.Model], list[Any]] | None = None,
) -> list[list[Any]]:
    getter = attrgetter(*names)
    conv = [(i, p) for i, p in enumerate(preps) if p is not None]
    rows = []
    for o in objs:
        values = getter(o)
        row = list(values) if len(names) > 1 else [values]
        for i, p in conv:
            row[i] = p(row[i])
        if tail is not None:
            row.extend(tail(o))
        rows.append(row)
    return rows


def sql_insert(
    model: type[models.Model],
    objs: list[models.Model],
    tick: Callable[[int], None] | None = None,
    *,
    rows: list[list[Any]] | None = None,
) -> bool:
    """Insert ``objs`` with one parameterised INSERT run through ``executemany`` (portable across SQLite and
    PostgreSQL). Django's ``bulk_create`` splits rows into batches of 999 parameters on SQLite, which for a
    55-column model is 18 rows a query; this is one prepared statement for all of them.

    On PostgreSQL the primary keys are written with the rows: the objects' own (``rows``, built beforehand by
    ``insert_rows``, carries them), else taken from the table's sequence first (one query for the batch), so the
    objects have them without reading them back; returns whether it did so (elsewhere the caller reads them back
    by their unique key)."""
    if not objs:
        return False
    connection = transaction.get_connection()
    sql, names, preps = _insert_plan(model, connection)
    with_pk = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            batch = objs[start : start + BATCH]
            if rows is not None:
                run_insert(cursor, sql, rows[start : start + BATCH])
            else:
                if with_pk:
                    _allocate_pks(cursor, model, batch)
                run_insert(cursor, sql, _rows(batch, names, preps))
            if tick is not None:
                tick(len(batch))
    return with_pk


def insert_rows(model: type[models.Model], objs: list[models.Model]) -> list[list[Any]]:
    """The parameters ``sql_insert`` sends for ``objs`` (PostgreSQL: with their primary keys, already set), built
    in advance by the thread that builds the chunk while another stores the chunk before."""
    _, names, preps = _insert_plan(model, transaction.get_connection())
    return _rows(objs, names, preps)


def _insert_plan(
    model: type[models.Model], connection: Any
) -> tuple[str, list[str], list[Callable[[Any], Any] | None]]:
    """The INSERT statement of ``model`` (with its primary key on PostgreSQL), its attnames and conversions."""
    with_pk = connection.vendor == "postgresql"
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    return sql, [f.attname for f in fields], [_prep(f, connection, json_text=True) for f in fields]


def _allocate_pks(cursor: Any, model: type[models.Model], objs: list[models.Model]) -> None:
    """Give ``objs`` primary keys from their table's sequence (PostgreSQL), as an INSERT would."""
    for obj, value in zip(objs, new_pks(cursor, model, len(objs)), strict=True):
        obj.pk = value


def new_pks(cursor: Any, model: type[models.Model], count: int) -> list[Any]:
    """``count`` primary keys from the table's sequence (PostgreSQL)."""
    pk = model._meta.pk
    assert pk is not None
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, pk.column, count],
    )
    return [value for (value,) in cursor.fetchall()]


def run_insert(cursor: Any, sql: str, rows: list[list[Any]]) -> None:
    """Run the ``INSERT INTO table (columns) VALUES (...)`` ``sql`` for ``rows``: through ``COPY ... FROM STDIN`` on
    PostgreSQL (one stream, no statement per row: several times faster than ``executemany``), through
    ``executemany`` elsewhere."""
    if cursor.db.vendor != "postgresql":
        cursor.executemany(sql, rows)
        return
    head = sql[: sql.index(" VALUES ")].replace("INSERT INTO", "COPY", 1)
    # the raw psycopg cursor raises psycopg's errors: Django's wrapper turns them into django.db's (a duplicate code
    # from an identical import running at the same time is an IntegrityError, which the importer answers)
    with cursor.db.wrap_database_errors, cursor.cursor.copy(f"{head} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def sql_update(
    model: type[models.Model],
    objs: list[models.Model],
    names: list[str],
    tick: Callable[[int], None] | None = None,
) -> None:
    """``UPDATE … SET … WHERE pk = %s`` for each object, through ``executemany``."""
    if not objs or not names:
        return
    connection = transaction.get_connection()
    fields = [cast("models.Field[Any, Any]", model._meta.get_field(n)) for n in names]
    attnames = [f.attname for f in fields]
    preps = [_prep(f, connection) for f in fields]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in fields), quote(pk.column)
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            batch = objs[start : start + BATCH]
            cursor.executemany(sql, _rows(batch, attnames, preps, tail=lambda o: [o.pk]))
            if tick is not None:
                tick(len(batch))


class Background:
    """Runs each chunk's database work in a second thread while the calling thread builds the next chunk, so the
    database's work (the inserts with their indexes, the audit events) overlaps Python's instead of following it.

    PostgreSQL only (elsewhere a job runs at once, in the caller). The second thread uses the caller's connection,
    hence its transaction: everything it writes is committed or rolled back with the rest of the import. One job
    at a time: ``submit`` waits for the previous job (and raises its error) first, and the caller must not use the
    database between a ``submit`` and the next ``submit`` or the end of the ``with`` block (building model objects
    does not)."""

    def __init__(self) -> None:
        self.connection = transaction.get_connection()
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future[None] | None = None

    def __enter__(self) -> Background:
        if self.connection.vendor == "postgresql":
            self.connection.inc_thread_sharing()
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="import-write")
        return self

    def submit(self, job: Callable[[], None]) -> None:
        self.wait()
        if self.pool is None:
            job()
        else:
            self.pending = self.pool.submit(self._run, job)

    def _run(self, job: Callable[[], None]) -> None:
        # this thread's ``django.db.connection`` (and ``transaction.get_connection()``) is the caller's
        connections[DEFAULT_DB_ALIAS] = self.connection
        try:
            job()
        finally:
            del connections[DEFAULT_DB_ALIAS]

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self.wait()
            elif self.pending is not None:
                # the caller failed: let the job in flight end before the transaction is rolled back
                futures_wait([self.pending])
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
                self.connection.dec_thread_sharing()


def constructor(model: type[models.Model]) -> Callable[[dict[str, Any]], models.Model]:
    """``model(**data)`` for ``data`` keyed by field names or attnames, several times faster for a 50-field model:
    only the given fields are looked at (the others take their defaults, a callable default called for each object
    as Django does), and when no ``pre_init``/``post_init`` receiver listens for the model the object's attributes
    are set at once, as ``Model.__init__`` would set them one by one (the model's pickling does the same)."""
    fields = list(model._meta.concrete_fields)
    attnames = [f.attname for f in fields]
    position = {f.attname: i for i, f in enumerate(fields)}
    #: foreign keys given as an object under the field's name
    related = {f.name: (i, f.attname) for i, f in enumerate(fields) if f.name != f.attname}
    fixed = [None if f.has_default() and callable(f.default) else f.get_default() for f in fields]
    makers = [(i, f.get_default) for i, f in enumerate(fields) if f.has_default() and callable(f.default)]
    plain = not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model))

    def new(data: dict[str, Any]) -> models.Model:
        values = fixed.copy()
        for i, make in makers:
            values[i] = make()
        objects: list[tuple[str, Any]] = []
        for key, value in data.items():
            where = position.get(key)
            if where is not None:
                values[where] = value
                continue
            if key not in related:
                raise TypeError(f"{model.__name__} has no field {key!r}")
            at, attname = related[key]
            if attname not in data:  # the id, when given too, wins, as in the keyword constructor
                values[at] = getattr(value, "pk", None)
                objects.append((key, value))
        if plain:
            obj = model.__new__(model)
            obj._state = ModelState()
            obj.__dict__.update(zip(attnames, values, strict=True))
        else:
            obj = model(*values)
        for name, value in objects:
            setattr(obj, name, value)
        return obj

    return new
