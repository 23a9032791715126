"""Write audit events. Call ``audit_record`` inside the service's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from gaizao.audit.models import Archivable, AuditEvent

#: Fields whose values never enter the audit trail in clear (DESIGN.md: personal data never in logs).
SECRET_FIELDS = frozenset({"password", "id_number", "id_number_hash", "phone", "otp", "token", "digest"})


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields that changed, secrets redacted."""
    changed: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if _plain(old) != _plain(new):
            if key in SECRET_FIELDS:
                changed[key] = ["***", "***"]
            else:
                changed[key] = [_plain(old), _plain(new)]
    return changed


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: getattr(obj, name) for name in names}


def _division_path(obj: models.Model) -> str:
    for attr in ("division_path", "scope_path"):
        value = getattr(obj, attr, None)
        if isinstance(value, str):
            return value
    division = getattr(obj, "division", None)
    return getattr(division, "path", "") or ""


def audit_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """The audit event ``audit_record`` writes, unsaved: for a hot path that inserts it with its own statement
    (the ballot paper's, ``gaizao.participation``). The caller saves it inside the same transaction."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        at=timezone.now(),
        actor=actor if is_user else None,
        actor_label=(str(actor) if is_user else "system")[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        division_path=_division_path(obj),
        changes=_plain(changes or {}),
        reason=reason,
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``obj``. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction")
    event = audit_event(actor=actor, action=action, obj=obj, changes=changes, reason=reason)
    event.save(force_insert=True)
    return event


@transaction.atomic
def record_archive(*, actor: Any, obj: Archivable, reason: str) -> None:
    """Archive ``obj`` (never delete it) and record why."""
    if not reason.strip():
        from gaizao.errors import ApplicationError

        raise ApplicationError("归档必须说明原因。/ A reason is required to archive.", field="reason")
    obj.archived_at = timezone.now()
    obj.archive_reason = reason[:255]
    obj.save(update_fields=["archived_at", "archive_reason"])
    audit_record(actor=actor, action="archive", obj=obj, reason=reason)


def audit_record_many(
    *,
    actor: Any,
    action: str,
    changes_by_obj: Sequence[tuple[models.Model, dict[str, Any]]],
    reason: str = "",
    batch_size: int = 2000,
) -> int:
    """Record ``action`` by ``actor`` on many objects in one bulk insert (``audit_record`` for each, without a
    statement per event). ``changes_by_obj``: ``[(obj, changes), ...]``. Must run inside the caller's transaction;
    returns the number of events written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record_many must be called inside the service's transaction")
    if not changes_by_obj:
        return 0
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    label = (str(actor) if is_user else "system")[:150]
    at = timezone.now()
    content_types: dict[type, ContentType] = {}
    events = []
    for obj, changes in changes_by_obj:
        ct = content_types.get(type(obj))
        if ct is None:
            ct = content_types[type(obj)] = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        events.append(
            AuditEvent(
                at=at,
                actor=actor if is_user else None,
                actor_label=label,
                action=action,
                content_type=ct,
                object_id=str(obj.pk),
                object_repr=str(obj)[:255],
                division_path=_division_path(obj),
                changes=_plain(changes or {}),
                reason=reason,
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    return len(events)
