"""The administrative division tree: city → district → street (街道/乡镇) → community (社区/村).

Every scoped object hangs off one division; a user's scope is one division and everything whose ``path``
starts with that division's ``path`` (a materialised path, so scoping is one indexed prefix filter).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    CITY = "city", _("市 / City")
    DISTRICT = "district", _("区县(市) / District")
    STREET = "street", _("街道乡镇 / Street")
    COMMUNITY = "community", _("社区村 / Community")


class Division(models.Model):
    code = models.CharField(_("区划代码 / code"), max_length=20, unique=True)
    name = models.CharField(_("名称 / name"), max_length=100)
    name_en = models.CharField(_("英文名 / English name"), max_length=100, blank=True)
    level = models.CharField(_("层级 / level"), max_length=16, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, db_index=True)
    boundary = models.JSONField(_("边界 / boundary (GeoJSON, WGS84)"), null=True, blank=True)
    center_lon = models.FloatField(null=True, blank=True)
    center_lat = models.FloatField(null=True, blank=True)
    urban_rural_code = models.CharField(max_length=8, blank=True)
    has_official_code = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("行政区划 / division")
        verbose_name_plural = _("行政区划 / divisions")

    def __str__(self) -> str:
        return self.name

    @property
    def district(self) -> Division | None:
        """The district this division belongs to (itself when it is one)."""
        node: Division | None = self
        while node is not None and node.level != DivisionLevel.DISTRICT:
            node = node.parent
        return node

    def contains(self, other: Division) -> bool:
        return other.path == self.path or other.path.startswith(self.path + "/")
