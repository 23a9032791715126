"""Oversight (监督考核, 杭政办函〔2022〕10号 五, 三(三)2): the city's annual targets per district and the district
assessment with its performance award.

Only what a person decides is stored here: the targets the city coordinator sets (:class:`DistrictTarget`) and the
assessment the coordinator computes and publishes (:class:`Assessment`, with one :class:`DistrictScore` per
district holding each indicator's value, score and the ids of the records behind it). Progress, statistical
returns and the evaluation report are computed on demand from delivery's audited stage moves, money's ledger and
stewardship's records — never typed in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}


class DistrictTarget(models.Model):
    """A district's targets for one year, set by the city coordinator (五 统筹)."""

    district = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度 / year"))
    plan_period = models.CharField(_("规划期 / plan period"), max_length=20, blank=True)
    communities_started = models.PositiveIntegerField(_("开工小区(个) / communities started"))
    communities_completed = models.PositiveIntegerField(_("完工小区(个) / communities completed"))
    households = models.PositiveIntegerField(_("惠及户数(户) / households"))
    buildings = models.PositiveIntegerField(_("楼栋(栋) / buildings"))
    elevators_added = models.PositiveIntegerField(_("加装电梯(台) / elevators added"))
    property_coverage = models.DecimalField(
        _("物业服务覆盖率 / property-service coverage (0..1)"), max_digits=5, decimal_places=4
    )
    note = models.TextField(_("说明 / note"), blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    is_sample = models.BooleanField(default=False)

    class Meta:
        ordering = ["year", "district__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year"], name="oversight_one_target_per_district_year"
            )
        ]
        verbose_name = _("年度目标 / district target")

    def __str__(self) -> str:
        return f"{self.district} {self.year}"


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("草稿 / draft")
    PUBLISHED = "published", _("已发布 / published")


class Assessment(models.Model):
    """The annual district assessment (考核) and its performance award pool (三(三)2)."""

    year = models.PositiveSmallIntegerField(_("考核年度 / year"), unique=True)
    state = models.CharField(
        _("状态 / state"), max_length=16, choices=AssessmentState.choices, default=AssessmentState.DRAFT
    )
    ruleset_id = models.CharField(max_length=40)
    award_pool = models.DecimalField(_("奖补资金池(元) / award pool (yuan)"), **MONEY)
    award_threshold = models.DecimalField(_("奖补门槛分 / award threshold"), max_digits=6, decimal_places=2)
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    is_sample = models.BooleanField(default=False)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("考核 / assessment")

    def __str__(self) -> str:
        return f"{self.year} 考核"


class DistrictScore(models.Model):
    """One district's result: the total, its rank, the award and, per indicator, the value, score and records."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    district = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(_("总分 / total"), max_digits=6, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("排名 / rank"))
    award = models.DecimalField(_("绩效奖补(元) / award (yuan)"), **MONEY)
    award_reason = models.TextField(_("奖补理由 / award reason"))
    #: [{"id", "name_zh", "name_en", "weight", "ratio", "score", "points", "numerator", "denominator",
    #:   "source", "records": {"kind": [ids]}}]
    indicators = models.JSONField(default=list)

    class Meta:
        ordering = ["assessment", "rank", "district__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "district"], name="oversight_one_score_per_district"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.district} {self.total}"
