"""Special plan (专项规划, 三(一)) and programme optimiser runs.

A district's special plan is versioned: each version holds renovation units (改造单元, 连片) with their member
communities, mode (综合整治 / 拆改结合), positioning, indicator controls, the facilities the life-circle gaps require,
and phasing. The coordination group (the city coordinator) approves one version; that version is what projects link
to (:class:`ProjectUnitLink`, kept on this side so the programme models stay untouched). An approved version is
superseded when a later one is approved.

An :class:`OptimiserRun` records one question put to the programme optimiser (budgets, targets, weights) and its
answer (chosen communities, reasons, gap, the budget's shadow price); a run can be saved as the draft annual plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from gaizao.registry.models import Community


class SpecialPlanState(models.TextChoices):
    DRAFT = "draft", _("编制中 / draft")
    SUBMITTED = "submitted", _("已报协调小组审查 / submitted to the coordination group")
    RETURNED = "returned", _("退回修改 / returned for revision")
    APPROVED = "approved", _("已批准 / approved")
    SUPERSEDED = "superseded", _("已被新版本替代 / superseded")


#: Indicator controls of a unit: id, Chinese label, English label, unit.
INDICATORS: tuple[tuple[str, str, str, str], ...] = (
    ("parking_per_household", "停车位配比", "parking spaces per household", "个/户"),
    ("elderly_care_m2", "养老服务用房面积", "elderly-care floor area", "m²"),
    ("green_space_m2", "绿地面积", "green space", "m²"),
    ("community_service_m2", "社区服务用房面积", "community service floor area", "m²"),
)


class SpecialPlan(models.Model):
    """One version of a district's special plan for its old communities."""

    district = models.ForeignKey(
        "divisions.Division", verbose_name=_("区县 / district"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("版本 / version"))
    title = models.CharField(_("名称 / title"), max_length=200)
    state = models.CharField(
        _("状态 / state"),
        max_length=16,
        choices=SpecialPlanState.choices,
        default=SpecialPlanState.DRAFT,
        db_index=True,
    )
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("说明 / note"), blank=True)
    review_note = models.TextField(_("审查意见 / review note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["district__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["district", "version"], name="special_plan_version_unique"),
            models.UniqueConstraint(
                fields=["district"],
                condition=Q(state="approved"),
                name="special_plan_one_approved_per_district",
            ),
        ]
        verbose_name = _("专项规划 / special plan")

    def __str__(self) -> str:
        return f"{self.district.name} 老旧小区改造专项规划 v{self.version}"

    @property
    def division(self):
        return self.district

    @property
    def is_editable(self) -> bool:
        return self.state in (SpecialPlanState.DRAFT, SpecialPlanState.RETURNED)


class PlanUnit(models.Model):
    """A renovation unit (改造单元): neighbouring communities renovated together."""

    class Source(models.TextChoices):
        PROPOSAL = "proposal", _("生活圈分析建议 / life-circle proposal")
        MAP = "map", _("地图划定 / drawn on the map")
        COPIED = "copied", _("沿用上一版本 / from the previous version")

    plan = models.ForeignKey(SpecialPlan, on_delete=models.CASCADE, related_name="units")
    code = models.CharField(_("单元编号 / code"), max_length=20)
    name = models.CharField(_("单元名称 / name"), max_length=120)
    mode = models.CharField(_("改造模式 / mode"), max_length=40)
    positioning = models.TextField(_("功能定位 / positioning"), blank=True)
    #: ``{indicator id: "decimal string"}`` — see :data:`INDICATORS`.
    indicators = models.JSONField(_("指标控制 / indicator controls"), default=dict, blank=True)
    #: ``[{"facility", "name_zh", "name_en", "communities"}]`` from the members' life-circle gaps.
    required_facilities = models.JSONField(_("需补齐设施 / required facilities"), default=list, blank=True)
    phase_year = models.PositiveSmallIntegerField(_("实施年度 / phase (year)"), null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MAP)
    communities: models.ManyToManyField[Community, PlanUnitCommunity] = models.ManyToManyField(
        "registry.Community", through="PlanUnitCommunity", related_name="+"
    )

    class Meta:
        ordering = ["plan", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="plan_unit_code_unique")]
        verbose_name = _("改造单元 / renovation unit")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def division(self):
        return self.plan.district


class PlanUnitCommunity(models.Model):
    """Membership; ``plan`` is repeated so one community belongs to at most one unit of a plan version."""

    plan = models.ForeignKey(SpecialPlan, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(PlanUnit, on_delete=models.CASCADE, related_name="memberships")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["unit", "community__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "community"], name="plan_unit_community_once_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.community_id}"


class ProjectUnitLink(models.Model):
    """The approved special plan's unit a programme project implements."""

    project = models.OneToOneField("programme.Project", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(PlanUnit, on_delete=models.PROTECT, related_name="project_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目所属规划单元 / project's plan unit")

    def __str__(self) -> str:
        return f"{self.project_id} → {self.unit}"

    @property
    def division(self):
        return self.unit.plan.district


class OptimiserRun(models.Model):
    """One run of the programme optimiser for a district's next plan year."""

    district = models.ForeignKey(
        "divisions.Division", verbose_name=_("区县 / district"), on_delete=models.PROTECT, related_name="+"
    )
    plan_year = models.PositiveSmallIntegerField(_("计划年度 / plan year"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: ``{source id: "yuan"}``
    budget = models.JSONField(_("预算 / budget by source"), default=dict)
    #: ``{"communities": n, "households": n, "gaps": n}``
    targets = models.JSONField(_("目标 / targets"), default=dict, blank=True)
    weights = models.JSONField(_("效益权重 / benefit weights"), default=dict)
    min_per_street = models.PositiveSmallIntegerField(_("每街道至少 / minimum per street"), default=0)
    keep_units = models.BooleanField(_("改造单元整体实施 / units go together"), default=True)
    status = models.CharField(_("结果 / status"), max_length=16)
    message = models.TextField(blank=True)
    #: Chosen community ids.
    chosen = models.JSONField(default=list, blank=True)
    #: ``[{"community_id", "name", "street", "estimate", "subsidy", "benefit", "components", "chosen",
    #: "committed", "reasons": [...], "lon", "lat", "unit"}]`` — every candidate, chosen or not.
    rows = models.JSONField(default=list, blank=True)
    #: Candidates left out before solving and why: ``[{"community_id", "name", "reason"}]``.
    excluded = models.JSONField(default=list, blank=True)
    totals = models.JSONField(default=dict, blank=True)
    spent = models.JSONField(default=dict, blank=True)
    shadow = models.JSONField(_("预算影子价格 / budget shadow price"), default=dict, blank=True)
    benefit = models.FloatField(default=0.0)
    bound = models.FloatField(default=0.0)
    gap = models.FloatField(_("最优性差距 / optimality gap"), default=0.0)
    solver = models.CharField(max_length=60, blank=True)
    seconds = models.FloatField(default=0.0)
    annual_plan = models.ForeignKey(
        "programme.AnnualPlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("年度项目优化 / programme optimiser run")

    def __str__(self) -> str:
        return f"{self.district.name} {self.plan_year}年度项目优化 #{self.pk}"

    @property
    def division(self):
        return self.district
