"""Write validated rows in one transaction: bulk create the new objects, bulk update the changed ones (matched by
code, so a re-import updates instead of duplicating), one audit event per object, then re-screen every written
community with the registry's ``communities_rescreen``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import islice
from operator import attrgetter
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from gaizao.audit.models import AuditEvent
from gaizao.audit.services import diff_fields
from gaizao.registry.importing.validation import Record, Validated
from gaizao.registry.models import Building, Community, Owner, Unit

BATCH = 2000
Progress = Callable[[int, int, str], None]


def _prep(field: models.Field, connection: Any) -> Callable[[Any], Any] | None:
    """The value → database parameter conversion of ``field``, or None where the driver takes the value as is
    (text, numbers, booleans, Decimal: sqlite3 and psycopg both adapt them)."""
    if isinstance(field, models.JSONField | models.DateTimeField | models.DateField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


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
    model: type[models.Model], objs: list[models.Model], tick: Callable[[int], None] | None = None
) -> None:
    """Insert ``objs`` with one parameterised INSERT run through ``executemany`` (portable across SQLite and
    PostgreSQL). Django's ``bulk_create`` splits rows into batches of 999 parameters on SQLite, which for a
    55-column model is 18 rows a query; this is one prepared statement for all of them."""
    if not objs:
        return
    connection = transaction.get_connection()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    preps = [_prep(f, connection) for f in fields]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            batch = objs[start : start + BATCH]
            cursor.executemany(sql, _rows(batch, names, preps))
            if tick is not None:
                tick(len(batch))


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
    def __init__(self, tick: Callable[[int], None] | None = None) -> None:
        self.created: list[models.Model] = []
        self.updated: list[tuple[models.Model, dict[str, list[Any]]]] = []
        self.unchanged = 0
        self.paths: dict[int, str] = {}
        #: called with the number of rows each batch wrote (rows and audit events), for the progress bar
        self.tick = tick


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
) -> None:
    model = validated.spec.model
    now = timezone.now()
    to_create: list[models.Model] = []
    changed_fields: set[str] = set()
    has_updated_at = any(f.name == "updated_at" for f in model._meta.concrete_fields)
    for rec in validated.records:
        data = build(rec)
        obj = validated.existing.get(key_of(rec))
        if obj is None:
            obj = model(**data)
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
    sql_insert(model, to_create, outcome.tick)
    if to_create:
        _assign_pks(model, to_create, key_fields)
    outcome.created.extend(to_create)
    if updated:
        names = sorted({model._meta.get_field(f).name for f in changed_fields} | set(extra))
        if has_updated_at:
            names.append("updated_at")
        sql_update(model, updated, names, outcome.tick)


def _fields_data(rec: Record, fields: list[str]) -> dict[str, Any]:
    return {f: rec.values[f] for f in fields if f in rec.values}


def write_communities(validated: Validated, outcome: Outcome) -> None:
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
    )


def screen_before_save(communities: list[models.Model]) -> list[str]:
    """Screen the communities about to be written with the registry's own ``screening_decision`` (the function
    ``communities_rescreen`` applies), so the status is stored with the row instead of by a second bulk update.
    Returns the fields it set."""
    from gaizao.registry.services import screening_decision

    today = timezone.localdate()
    for c in communities:
        assert isinstance(c, Community)
        c.scope_status, c.scope_reasons, c.scope_ruleset = screening_decision(c, on=today)
        c._gaizao_screened = True  # type: ignore[attr-defined]
    return ["scope_status", "scope_reasons", "scope_ruleset"]


def write_coded(validated: Validated, outcome: Outcome) -> None:
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
    )


def write_buildings(validated: Validated, outcome: Outcome) -> None:
    fields = [f for f in validated.fields if f != "division_id"]
    communities: dict[str, Community] = validated.refs.get("communities", {})

    def build(rec: Record) -> dict[str, Any]:
        data = _fields_data(rec, fields)
        data["community_id"] = communities[rec.values["community_code"]].pk
        return data

    def key(rec: Record) -> Any:
        return (communities[rec.values["community_code"]].pk, rec.values["code"])

    _write_keyed(
        validated,
        outcome,
        key,
        build,
        lambda r: communities[r.values["community_code"]].division.path,
        key_fields=("community_id", "code"),
    )
    by_id = {c.pk: c for c in communities.values()}
    for obj in outcome.created + [o for o, _ in outcome.updated]:
        assert isinstance(obj, Building)
        obj.community = by_id[obj.community_id]


def write_units(validated: Validated, outcome: Outcome, owners_outcome: Outcome) -> list[tuple[Any, Unit]]:
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
    _write_keyed(
        validated,
        outcome,
        key,
        build,
        lambda r: r.extra["building"].community.division.path,
        key_fields=("building_id", "stairwell", "number"),
    )
    for obj in outcome.created + [o for o, _ in outcome.updated]:
        assert isinstance(obj, Unit)
        rec = by_key[(obj.building_id, obj.stairwell, obj.number)]
        obj.building = rec.extra["building"]
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
) -> int:
    """One audit event per created or updated object, inserted in bulk. A created object's entry lists the
    fields the file gave it (personal data never: owners are recorded as created, without name or phone)."""
    connection = transaction.get_connection()
    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    actor_id = actor.pk if is_user else None
    label = (str(actor) if is_user else "system")[:150]
    at = AuditEvent._meta.get_field("at").get_db_prep_save(timezone.now(), connection)
    to_json = AuditEvent._meta.get_field("changes")
    attnames = [cast("models.Field[Any, Any]", model._meta.get_field(f)).attname for f in fields]

    def event_rows() -> Iterator[list[Any]]:
        """The events one by one, so only a batch of them is held at a time."""
        yield from _created_rows()
        yield from _updated_rows()

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
                to_json.get_db_prep_save(changes, connection),
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
                to_json.get_db_prep_save(diff, connection),
                reason,
            ]

    names = [
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
    quote = connection.ops.quote_name
    by_attname = {f.attname: f.column for f in AuditEvent._meta.concrete_fields}
    columns = [by_attname[n] for n in names]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(AuditEvent._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    written = 0
    events = event_rows()
    with connection.cursor() as cursor:
        while batch := list(islice(events, BATCH)):
            cursor.executemany(sql, batch)
            written += len(batch)
            if outcome.tick is not None:
                outcome.tick(len(batch))
    return written


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
    if kind == "communities":
        write_communities(validated, outcome)
    elif kind in {"facilities", "stock_sites"}:
        write_coded(validated, outcome)
    elif kind == "buildings":
        write_buildings(validated, outcome)
    elif kind == "units":
        owners = Outcome()
        taken = write_units(validated, outcome, owners)
        _audit(owners, Owner, actor=actor, reason=reason, fields=[], personal=True)
        _notify_owners_of_moved_units(taken, filename=filename)
    fields = [f for f in validated.fields if f not in {"owner_name", "owner_phone", "owner_id_number"}]
    _audit(outcome, validated.spec.model, actor=actor, reason=reason, fields=fields)
    if kind == "communities":
        written = [o for o in outcome.created] + [o for o, _ in outcome.updated]
        unscreened = [c for c in written if not getattr(c, "_gaizao_screened", False)]
        rescreen(unscreened, actor)  # type: ignore[arg-type]
        from gaizao.registry.services import screening_stamp

        screened = [c.pk for c in written if getattr(c, "_gaizao_screened", False)]
        now = timezone.now()
        for start in range(0, len(screened), BATCH):
            screening_stamp(
                communities=Community.objects.filter(pk__in=screened[start : start + BATCH]), at=now
            )
        from gaizao.registry.stats import community_stats_refresh

        moved_from = {getattr(c, "_loaded_division_id", None) for c, _ in outcome.updated}
        community_stats_refresh(division_ids={getattr(c, "division_id", None) for c in written} | moved_from)
    return len(outcome.created), len(outcome.updated), outcome.unchanged
