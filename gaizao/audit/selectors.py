"""Read the history of one object."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from gaizao.audit.models import AuditEvent


def history_of(obj: models.Model) -> QuerySet[AuditEvent]:
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")
