"""Write validated rows in one transaction: bulk create the new objects, bulk update the changed ones (matched by
code, so a re-import updates instead of duplicating), one audit event per object, then re-screen every written
community with the registry's ``communities_rescreen``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from decimal import Decimal
from functools import partial
from itertools import islice
from operator import attrgetter
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import signals
from django.db.models.base import ModelState
from django.utils import timezone

from gaizao.audit.models import AuditEvent
from gaizao.audit.services import diff_fields
from gaizao.registry.importing.validation import Record, Validated
from gaizao.registry.models import Building, Community, Owner, Unit

BATCH = 2000
Progress = Callable[[int, int, str], None]


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
                _insert_rows(cursor, sql, rows[start : start + BATCH])
            else:
                if with_pk:
                    _allocate_pks(cursor, model, batch)
                _insert_rows(cursor, sql, _rows(batch, names, preps))
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
    for obj, value in zip(objs, _new_pks(cursor, model, len(objs)), strict=True):
        obj.pk = value


def _new_pks(cursor: Any, model: type[models.Model], count: int) -> list[Any]:
    """``count`` primary keys from the table's sequence (PostgreSQL)."""
    pk = model._meta.pk
    assert pk is not None
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, pk.column, count],
    )
    return [value for (value,) in cursor.fetchall()]


def _insert_rows(cursor: Any, sql: str, rows: list[list[Any]]) -> None:
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


class Outcome:
    """What a write did. ``_write_keyed`` fills one per chunk of ``BATCH`` records (its objects are let go once the
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


def _apply(obj: models.Model, data: dict[str, Any]) -> dict[str, list[Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in data.items():
        old = getattr(obj, name)
        if not _same(old, value):
            before[name], after[name] = old, value
            setattr(obj, name, value)
    return diff_fields(before, after) if after else {}


def _assign_pks(model: type[models.Model], objs: list[models.Model], key_fields: tuple[str, ...]) -> None:
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


def _write_keyed(
    validated: Validated,
    outcome: Outcome,
    key_of: Callable[[Record], Any],
    build: Callable[[Record], dict[str, Any]],
    path_of: Callable[[Record], str],
    *,
    key_fields: tuple[str, ...],
    before_save: Callable[[list[models.Model]], list[str]] | None = None,
    prepare: Callable[[Outcome], None] | None = None,
    finish: Callable[[Outcome], None] | None = None,
) -> None:
    """Write the records ``BATCH`` at a time: build the chunk's objects, insert the new and update the changed
    ones, then ``finish(chunk outcome)`` (audit, screening) before the chunk is let go, so at most two chunks of
    model objects are alive at a time, whatever the size of the file. ``prepare(chunk outcome)`` runs once the
    chunk's objects have their primary keys, before they are stored (the audit events are built there).

    On PostgreSQL the new objects' primary keys are taken from the sequence before the first chunk, so a chunk is
    built whole — objects, keys, ``prepare``, the rows to insert — by this thread while a second one stores the
    chunk before (insert, update, ``finish``: ``Background``), leaving that one little but waiting for the
    database. Elsewhere the keys are read back after each insert and everything runs here, in order."""
    records = validated.records
    model = validated.spec.model
    pks: Iterator[Any] | None = None
    if transaction.get_connection().vendor == "postgresql":
        new = sum(1 for r in records if validated.existing.get(key_of(r)) is None)
        with transaction.get_connection().cursor() as cursor:
            pks = iter(_new_pks(cursor, model, new))

    def store(
        part: Outcome,
        to_create: list[models.Model],
        updated: list[models.Model],
        names: list[str],
        rows: list[list[Any]] | None,
    ) -> None:
        if rows is not None:
            sql_insert(model, to_create, part.tick, rows=rows)
        else:
            if not sql_insert(model, to_create, part.tick) and to_create:
                _assign_pks(model, to_create, key_fields)
            part.created.extend(to_create)
            if prepare is not None:
                prepare(part)
        sql_update(model, updated, names, part.tick)
        if finish is not None:
            finish(part)
        outcome.absorb(part)

    with Background() as background:
        for start in range(0, len(records), BATCH):
            part = Outcome(outcome.tick)
            to_create, updated, names = _build_chunk(
                validated,
                records[start : start + BATCH],
                part,
                key_of,
                build,
                path_of,
                before_save=before_save,
                pks=pks,
            )
            rows = None
            if pks is not None:
                part.created.extend(to_create)
                if prepare is not None:
                    prepare(part)
                rows = insert_rows(model, to_create)
            background.submit(partial(store, part, to_create, updated, names, rows))


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


def _constructor(model: type[models.Model]) -> Callable[[dict[str, Any]], models.Model]:
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


def _build_chunk(
    validated: Validated,
    records: list[Record],
    outcome: Outcome,
    key_of: Callable[[Record], Any],
    build: Callable[[Record], dict[str, Any]],
    path_of: Callable[[Record], str],
    *,
    before_save: Callable[[list[models.Model]], list[str]] | None = None,
    pks: Iterator[Any] | None = None,
) -> tuple[list[models.Model], list[models.Model], list[str]]:
    """The chunk's objects to create (with the next of ``pks`` each, when given), the changed ones (their changes
    in ``outcome.updated``) and the fields to update; nothing is read from or written to the database."""
    model = validated.spec.model
    now = timezone.now()
    to_create: list[models.Model] = []
    changed_fields: set[str] = set()
    has_updated_at = any(f.name == "updated_at" for f in model._meta.concrete_fields)
    new = _constructor(model)
    for rec in records:
        data = build(rec)
        obj = validated.existing.get(key_of(rec))
        if obj is None:
            obj = new(data)
            if pks is not None:
                obj.pk = next(pks)
            if has_updated_at:
                obj.updated_at = now  # type: ignore[attr-defined]
            to_create.append(obj)
            outcome.paths[id(obj)] = path_of(rec)
            continue
        changes = _apply(obj, data)
        if changes:
            changed_fields.update(changes)
            if has_updated_at:
                obj.updated_at = now
            outcome.updated.append((obj, changes))
            outcome.paths[id(obj)] = path_of(rec)
        else:
            outcome.unchanged += 1
    updated = [o for o, _ in outcome.updated]
    extra: list[str] = []
    if before_save is not None:
        extra = before_save(to_create + updated)
    names: list[str] = []
    if updated:
        names = sorted({model._meta.get_field(f).name for f in changed_fields} | set(extra))
        if has_updated_at:
            names.append("updated_at")
    return to_create, updated, names


def _fields_data(rec: Record, fields: list[str]) -> dict[str, Any]:
    return {f: rec.values[f] for f in fields if f in rec.values}


def write_communities(
    validated: Validated,
    outcome: Outcome,
    finish: Callable[[Outcome], None] | None = None,
    prepare: Callable[[Outcome], None] | None = None,
) -> None:
    fields = validated.fields

    def build(rec: Record) -> dict[str, Any]:
        data = _fields_data(rec, fields)
        if rec.division is not None:
            parts = rec.division.path.split("/")
            data["district_code"] = parts[1] if len(parts) > 1 else ""
        return data

    _write_keyed(
        validated,
        outcome,
        lambda r: r.values["code"],
        build,
        lambda r: r.division.path if r.division else "",
        key_fields=("code",),
        before_save=screen_before_save,
        prepare=prepare,
        finish=finish,
    )


def screen_before_save(communities: list[models.Model]) -> list[str]:
    """Screen the communities about to be written with the registry's own ``screening_decision`` (the function
    ``communities_rescreen`` applies), so the status is stored with the row instead of by a second bulk update.
    Returns the fields it set."""
    from gaizao.registry.services import SCREENING_FIELDS, ScreeningRule

    rule = ScreeningRule(timezone.localdate())
    for c in communities:
        assert isinstance(c, Community)
        c.scope_status, c.scope_reasons, c.scope_ruleset = rule.decide(
            tuple(getattr(c, name) for name in SCREENING_FIELDS)
        )[0]
        c._gaizao_screened = True  # type: ignore[attr-defined]
    return ["scope_status", "scope_reasons", "scope_ruleset"]


def write_coded(
    validated: Validated,
    outcome: Outcome,
    finish: Callable[[Outcome], None] | None = None,
    prepare: Callable[[Outcome], None] | None = None,
) -> None:
    """Facilities and stock sites: keyed by code, with a division and (stock sites) an optional community."""
    fields = validated.fields
    communities = validated.refs.get("communities", {})
    has_community = any(r.values.get("community_code") is not None for r in validated.records[:1]) and any(
        c.key == "community_code" for c in validated.spec.columns
    )

    def build(rec: Record) -> dict[str, Any]:
        data = _fields_data(rec, fields)
        if has_community and "community_code" in rec.values:
            community = communities.get(rec.values["community_code"])
            data["community_id"] = community.pk if community else None
        return data

    _write_keyed(
        validated,
        outcome,
        lambda r: r.values["code"],
        build,
        lambda r: r.division.path if r.division else "",
        key_fields=("code",),
        prepare=prepare,
        finish=finish,
    )


def write_buildings(
    validated: Validated,
    outcome: Outcome,
    finish: Callable[[Outcome], None] | None = None,
    prepare: Callable[[Outcome], None] | None = None,
) -> None:
    fields = [f for f in validated.fields if f != "division_id"]
    communities: dict[str, Community] = validated.refs.get("communities", {})

    def build(rec: Record) -> dict[str, Any]:
        data = _fields_data(rec, fields)
        data["community_id"] = communities[rec.values["community_code"]].pk
        return data

    def key(rec: Record) -> Any:
        return (communities[rec.values["community_code"]].pk, rec.values["code"])

    by_id = {c.pk: c for c in communities.values()}

    def prepare_part(part: Outcome) -> None:
        for obj in part.created + [o for o, _ in part.updated]:
            assert isinstance(obj, Building)
            obj.community = by_id[obj.community_id]
        if prepare is not None:
            prepare(part)

    _write_keyed(
        validated,
        outcome,
        key,
        build,
        lambda r: communities[r.values["community_code"]].division.path,
        key_fields=("community_id", "code"),
        prepare=prepare_part,
        finish=finish,
    )


def write_units(
    validated: Validated,
    outcome: Outcome,
    owners_outcome: Outcome,
    finish: Callable[[Outcome], None] | None = None,
    prepare: Callable[[Outcome], None] | None = None,
) -> list[tuple[Any, Unit]]:
    """Write the units and the owners validation resolved for them (``validation._resolve_owners``).

    Returns ``(user, unit)`` for each unit taken away from an owner with a login account, to be notified."""
    fields = [
        f
        for f in validated.fields
        if f
        in {
            "stairwell",
            "number",
            "area_registered_m2",
            "area_surveyed_m2",
            "area_contract_m2",
            "developer_held",
        }
    ]
    records = validated.records
    new_owners: list[Owner] = validated.refs.get("new_owners", [])
    Owner.objects.bulk_create(new_owners, batch_size=BATCH)
    owners_outcome.created.extend(new_owners)
    for o in new_owners:
        owners_outcome.paths[id(o)] = o.division.path
    changed: dict[int, tuple[Owner, dict[str, list[Any]]]] = validated.refs.get("owner_changes", {})
    if changed:
        Owner.objects.bulk_update(
            [o for o, _ in changed.values()],
            ["name", "phone", "id_number_digest", "id_number_last4"],
            batch_size=BATCH,
        )
        for owner, diff in changed.values():
            owners_outcome.updated.append((owner, diff))
            owners_outcome.paths[id(owner)] = owner.division.path
    owner_for: dict[int, Owner | None] = {r.row: r.extra.get("owner") for r in records}
    taken_from: list[tuple[Any, Unit]] = []
    for rec in records:
        unit = validated.existing.get(
            (rec.extra["building"].pk, rec.values.get("stairwell", ""), rec.values["number"])
        )
        new_owner = owner_for.get(rec.row)
        if unit is not None and unit.owner_id and unit.owner.user_id:
            if new_owner is None or new_owner.pk != unit.owner_id:
                taken_from.append((unit.owner.user_id, unit))

    def build(rec: Record) -> dict[str, Any]:
        data = _fields_data(rec, fields)
        data["building_id"] = rec.extra["building"].pk
        owner = owner_for.get(rec.row)
        data["owner_id"] = owner.pk if owner is not None else None
        return data

    def key(rec: Record) -> Any:
        return (rec.extra["building"].pk, rec.values.get("stairwell", ""), rec.values["number"])

    by_key = {key(r): r for r in records}

    def prepare_part(part: Outcome) -> None:
        for obj in part.created + [o for o, _ in part.updated]:
            assert isinstance(obj, Unit)
            rec = by_key[(obj.building_id, obj.stairwell, obj.number)]
            obj.building = rec.extra["building"]
        if prepare is not None:
            prepare(part)

    _write_keyed(
        validated,
        outcome,
        key,
        build,
        lambda r: r.extra["building"].community.division.path,
        key_fields=("building_id", "stairwell", "number"),
        prepare=prepare_part,
        finish=finish,
    )
    return taken_from


def _light(value: Any) -> Any:
    """JSON-ready value for an audit entry (cheaper than the general converter for plain imported scalars)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_light(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _light(v) for k, v in value.items()}
    return str(value)


def _audit(
    outcome: Outcome,
    model: type[models.Model],
    *,
    actor: Any,
    reason: str,
    fields: list[str],
    personal: bool = False,
    events: list[list[Any]] | None = None,
) -> int:
    """One audit event per created or updated object, inserted in bulk: ``events`` when built beforehand (by
    ``audit_events``), else built batch by batch as they are inserted."""
    rows = (
        iter(events)
        if events is not None
        else audit_events(outcome, model, actor=actor, reason=reason, fields=fields, personal=personal)
    )
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    by_attname = {f.attname: f.column for f in AuditEvent._meta.concrete_fields}
    columns = [by_attname[n] for n in _AUDIT_COLUMNS]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(AuditEvent._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    written = 0
    with connection.cursor() as cursor:
        while batch := list(islice(rows, BATCH)):
            _insert_rows(cursor, sql, batch)
            written += len(batch)
            if outcome.tick is not None:
                outcome.tick(len(batch))
    return written


#: The columns of an audit event row, in the order ``audit_events`` gives them.
_AUDIT_COLUMNS = [
    "at",
    "actor_id",
    "actor_label",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "division_path",
    "changes",
    "reason",
]


def audit_events(
    outcome: Outcome,
    model: type[models.Model],
    *,
    actor: Any,
    reason: str,
    fields: list[str],
    personal: bool = False,
) -> Iterator[list[Any]]:
    """The audit event rows of the created and updated objects of ``outcome``, one by one (``_AUDIT_COLUMNS``). A
    created object's entry lists the fields the file gave it (personal data never: owners are recorded as
    created, without name or phone)."""
    connection = transaction.get_connection()
    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    actor_id = actor.pk if is_user else None
    label = (str(actor) if is_user else "system")[:150]
    at = AuditEvent._meta.get_field("at").get_db_prep_save(timezone.now(), connection)
    # the changes as JSON text, encoded as Django's JSONField encodes them (the driver's adapter would wrap and
    # encode each again); COPY and SQLite take the text as is
    to_json = partial(json.dumps, cls=AuditEvent._meta.get_field("changes").encoder)
    attnames = [cast("models.Field[Any, Any]", model._meta.get_field(f)).attname for f in fields]

    def _created_rows() -> Iterator[list[Any]]:
        for obj in outcome.created:
            if personal:
                changes: dict[str, Any] = {"imported": True}
            else:
                changes = {}
                for name in attnames:
                    value = getattr(obj, name)
                    if value not in (None, "", [], False):
                        changes[name] = [None, _light(value)]
            yield [
                at,
                actor_id,
                label,
                "create",
                ct.pk,
                str(obj.pk),
                str(obj)[:255],
                outcome.paths.get(id(obj), ""),
                to_json(changes),
                reason,
            ]

    def _updated_rows() -> Iterator[list[Any]]:
        for obj, diff in outcome.updated:
            yield [
                at,
                actor_id,
                label,
                "update",
                ct.pk,
                str(obj.pk),
                str(obj)[:255],
                outcome.paths.get(id(obj), ""),
                to_json(diff),
                reason,
            ]

    yield from _created_rows()
    yield from _updated_rows()


def rescreen(communities: list[Community], actor: Any) -> None:
    """Re-screen the written communities with the registry's service."""
    if not communities:
        return
    from gaizao.registry.services import communities_rescreen

    communities_rescreen(communities=communities, actor=actor)


def _notify_owners_of_moved_units(taken: list[tuple[Any, Unit]], *, filename: str) -> None:
    """Tell each owner with a login account that an import gave one of their units to someone else."""
    if not taken:
        return
    from gaizao.accounts.models import User
    from gaizao.accounts.services import notice_send

    users = User.objects.in_bulk({user_id for user_id, _ in taken})
    for user_id, unit in taken:
        notice_send(
            user=users[user_id],
            kind="unit_owner_changed",
            text=f"您名下的房屋“{unit}”在导入文件 {filename} 中登记给了其他业主。如有异议请联系社区。/ Your unit {unit} "
            f"was registered to another owner by the import of {filename}. Contact your community if this is wrong.",
        )


@transaction.atomic
def write(
    validated: Validated, *, actor: Any, filename: str, progress: Callable[[int, int], None] | None = None
) -> tuple[int, int, int]:
    """Write the validated records; returns (created, updated, unchanged). ``progress(done, total)`` is called
    after each batch of rows or audit events written (total: two per record, its row and its audit event)."""
    kind = validated.spec.kind
    reason = f"导入文件 {filename} / imported from {filename}"
    tick = None
    if progress is not None:
        units = {"done": 0, "total": 2 * len(validated.records)}

        def tick(n: int) -> None:
            units["done"] = min(units["total"], units["done"] + n)
            progress(units["done"], units["total"])

    outcome = Outcome(tick)
    model = validated.spec.model
    fields = [f for f in validated.fields if f not in {"owner_name", "owner_phone", "owner_id_number"}]

    events: dict[int, list[list[Any]]] = {}
    # looked up once here: ``prepare`` must not query while the chunk before is being stored
    ContentType.objects.get_for_model(model, for_concrete_model=False)

    def prepare(part: Outcome) -> None:
        """Build the chunk's audit events once its objects have their keys."""
        events[id(part)] = list(audit_events(part, model, actor=actor, reason=reason, fields=fields))

    def finish(part: Outcome) -> None:
        """Audit the chunk just written (communities: and stamp its screening)."""
        _audit(part, model, actor=actor, reason=reason, fields=fields, events=events.pop(id(part), None))
        if kind == "communities":
            _finish_communities(part, actor)

    if kind == "communities":
        write_communities(validated, outcome, finish, prepare)
    elif kind in {"facilities", "stock_sites"}:
        write_coded(validated, outcome, finish, prepare)
    elif kind == "buildings":
        write_buildings(validated, outcome, finish, prepare)
    elif kind == "units":
        owners = Outcome()
        taken = write_units(validated, outcome, owners, finish, prepare)
        _audit(owners, Owner, actor=actor, reason=reason, fields=[], personal=True)
        _notify_owners_of_moved_units(taken, filename=filename)
    if kind == "communities":
        from gaizao.registry.stats import community_stats_refresh

        community_stats_refresh(division_ids=outcome.division_ids)
    return outcome.n_created, outcome.n_updated, outcome.unchanged


def _finish_communities(part: Outcome, actor: Any) -> None:
    """Screen the chunk's communities that were not screened before they were saved, stamp the screening time
    of all of them, and note their divisions (and the ones updated communities left) for the aggregates."""
    from gaizao.registry.services import screening_stamp

    written = [o for o in part.created] + [o for o, _ in part.updated]
    rescreen([c for c in written if not getattr(c, "_gaizao_screened", False)], actor)  # type: ignore[misc]
    screened = [c.pk for c in written if getattr(c, "_gaizao_screened", False)]
    if screened:
        screening_stamp(communities=Community.objects.filter(pk__in=screened), at=timezone.now())
    part.division_ids |= {getattr(c, "division_id", None) for c in written}
    part.division_ids |= {getattr(c, "_loaded_division_id", None) for c, _ in part.updated}
