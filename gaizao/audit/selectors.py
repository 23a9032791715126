"""Read the history of one object, and the latest events of a scope."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from gaizao.accounts.access import scoped
from gaizao.audit.models import AuditEvent


def history_of(obj: models.Model) -> QuerySet[AuditEvent]:
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")


def recent_events_for(user: Any, *, limit: int = 10) -> list[AuditEvent]:
    """The latest audit events inside the user's scope (none for accounts without scoped data)."""
    qs = scoped(AuditEvent.objects.select_related("content_type"), user, field="division_path")
    return list(qs.order_by("-at", "-id")[:limit])
