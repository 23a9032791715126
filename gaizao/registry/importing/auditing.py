"""The audit event rows of an import: one per created or updated object, built as plain rows (JSON already encoded)
for ``writing`` to insert in bulk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from gaizao.audit.models import AuditEvent
from gaizao.registry.importing.bulk import Outcome


def light(value: Any) -> Any:
    """JSON-ready value for an audit entry (cheaper than the general converter for plain imported scalars)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [light(v) for v in value]
    if isinstance(value, dict):
        return {str(k): light(v) for k, v in value.items()}
    return str(value)


#: The columns of an audit event row, in the order ``audit_events`` gives them.
AUDIT_COLUMNS = [
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
    """The audit event rows of the created and updated objects of ``outcome``, one by one (``AUDIT_COLUMNS``). A
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
                        changes[name] = [None, light(value)]
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
