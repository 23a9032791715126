"""The audit trail: who did what, when, to which object, and why (Zulip's RealmAuditLog, Decidim's traceability).

Every service that creates, changes or moves the state of a record writes one ``AuditEvent`` inside its own
transaction. Programme records are archived (``Archivable``), never hard-deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    at = models.DateTimeField(_("时间 / time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("操作 / action"), max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=255)
    division_path = models.CharField(max_length=255, blank=True, db_index=True)
    changes = models.JSONField(_("变更 / changes"), default=dict, blank=True)
    reason = models.TextField(_("原因 / reason"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        verbose_name = _("审计记录 / audit event")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class Archivable(models.Model):
    """Programme records are archived, never deleted: an archived row stays readable in its history."""

    archived_at = models.DateTimeField(_("归档时间 / archived at"), null=True, blank=True)
    archive_reason = models.CharField(_("归档原因 / archive reason"), max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
