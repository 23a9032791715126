"""Write validated rows in one transaction: bulk create the new objects, bulk update the changed ones (matched by
code, so a re-import updates instead of duplicating), one audit event per object, then re-screen every written
community with the registry's ``communities_rescreen``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from itertools import islice
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from gaizao.audit.models import AuditEvent
from gaizao.registry.importing.auditing import AUDIT_COLUMNS, audit_events
from gaizao.registry.importing.bulk import (
    Background,
    Outcome,
    apply_changes,
    assign_pks,
    constructor,
    insert_rows,
    new_pks,
    run_insert,
    sql_insert,
    sql_update,
)
from gaizao.registry.importing.validation import Record, Validated
from gaizao.registry.models import Building, Community, Owner, Unit

#: records per chunk (tests make it small to reach the later chunks); ``bulk.BATCH`` is the rows per statement
BATCH = 2000
Progress = Callable[[int, int, str], None]


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
            pks = iter(new_pks(cursor, model, new))

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
                assign_pks(model, to_create, key_fields)
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
    new = constructor(model)
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
        changes = apply_changes(obj, data)
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
    columns = [by_attname[n] for n in AUDIT_COLUMNS]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(AuditEvent._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    written = 0
    with connection.cursor() as cursor:
        while batch := list(islice(rows, BATCH)):
            run_insert(cursor, sql, batch)
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
