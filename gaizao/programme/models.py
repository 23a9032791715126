"""The programme workflow (三(二), 四(三)): projects in pools, renovation plans with versions, joint consultation
(联合会商), publication (公示) and the annual plan reviewed by three bureaus and approved by the municipal government.

Every lifecycle has explicit named states; the transition functions live in ``gaizao.programme.services`` and
refuse illegal moves with :class:`gaizao.errors.StateError`. Fixed lists (pools, modes, funding sources,
departments, delivery modes, bureaus) come from ``gaizao.policy``; the database stores their ids.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gaizao.audit.models import Archivable

if TYPE_CHECKING:
    from gaizao.registry.models import Community


class ProjectState(models.TextChoices):
    RESERVE = "reserve", _("储备一批 / reserve")
    PLANNING = "planning", _("谋划一批 / planning")
    IMPLEMENTING = "implementing", _("实施一批 / implementing")
    WITHDRAWN = "withdrawn", _("已撤销 / withdrawn")


class PlanState(models.TextChoices):
    DRAFT = "draft", _("编制中 / draft")
    FINALISED = "finalised", _("已定稿 / finalised")
    FROZEN = "frozen", _("已锁定 / frozen")


class ConsultationState(models.TextChoices):
    OPEN = "open", _("征求意见中 / open")
    COMPLETED = "completed", _("已完成 / completed")
    CANCELLED = "cancelled", _("已取消 / cancelled")


class OpinionDecision(models.TextChoices):
    PENDING = "pending", _("未答复 / no answer yet")
    AGREE = "agree", _("同意 / agree")
    AGREE_CONDITIONS = "agree_conditions", _("有条件同意 / agree with conditions")
    DISAGREE = "disagree", _("不同意 / disagree")


class PublicationState(models.TextChoices):
    OPEN = "open", _("公示中 / open")
    FINISHED = "finished", _("公示期满 / finished")
    WITHDRAWN = "withdrawn", _("已撤回 / withdrawn")


class AnnualPlanState(models.TextChoices):
    DRAFT = "draft", _("编制中 / draft")
    SUBMITTED = "submitted", _("已报送审查中 / submitted, under review")
    RETURNED = "returned", _("退回修改 / returned for revision")
    REVIEWED = "reviewed", _("联审通过待市政府审批 / reviewed, awaiting approval")
    APPROVED = "approved", _("市政府已批准 / approved")


class ReviewDecision(models.TextChoices):
    PASS = "pass", _("通过 / pass")
    RETURN = "return", _("退回 / return")


class UnitRate(models.Model):
    """Unit rate of a catalogue item: the city default (``division`` = the city) or a district's own rate."""

    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("适用区划 / division"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    item_id = models.CharField(_("改造内容 / catalogue item"), max_length=60)
    rate = models.DecimalField(_("单价(元) / unit rate (yuan)"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("计量单位 / unit"), max_length=10, blank=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["division__path", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["division", "item_id"], name="unit_rate_unique_per_division")
        ]
        verbose_name = _("单价 / unit rate")

    def __str__(self) -> str:
        return f"{self.division} {self.item_id} {self.rate}"


class Project(Archivable):
    """A renovation project: one community or a renovation unit (连片) of several, in one pool."""

    code = models.CharField(_("项目编号 / code"), max_length=40, unique=True)
    name = models.CharField(_("项目名称 / name"), max_length=200)
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("所属区划 / division"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    district = models.ForeignKey(
        "divisions.Division", verbose_name=_("区县 / district"), on_delete=models.PROTECT, related_name="+"
    )
    communities: models.ManyToManyField[Community, ProjectCommunity] = models.ManyToManyField(
        "registry.Community", through="ProjectCommunity", related_name="programme_projects"
    )
    state = models.CharField(
        _("项目库 / pool"),
        max_length=16,
        choices=ProjectState.choices,
        default=ProjectState.RESERVE,
        db_index=True,
    )
    renovation_unit = models.CharField(_("改造单元 / renovation unit"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    #: the conditions (code, clause, message) as they held when the project moved to 实施, for the annual plan's table
    conditions_at_implementing = models.JSONField(default=list, blank=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("改造项目 / project")
        verbose_name_plural = _("改造项目 / projects")

    def __str__(self) -> str:
        return self.name


class ProjectCommunity(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["project", "community__code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "community"], name="project_community_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.community_id}"


class Plan(models.Model):
    """The renovation plan of a project (one per project); its content lives in immutable versions."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="plan")
    state = models.CharField(
        _("方案状态 / plan state"),
        max_length=16,
        choices=PlanState.choices,
        default=PlanState.DRAFT,
        db_index=True,
    )
    current_version = models.ForeignKey(
        "PlanVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("改造方案 / renovation plan")

    def __str__(self) -> str:
        return f"{self.project.name} 改造方案"

    @property
    def division(self):
        return self.project.division


class PlanVersion(models.Model):
    """One saved state of a plan. Never changed after it is written.

    ``items``: ``[{"item_id", "quantity", "unit", "unit_rate", "amount", "origin"}]`` (money and quantities as
    decimal strings; ``origin`` one of ``gap``, ``needs``, ``gap+needs``, ``manual``).
    ``funding``: ``{source_id: "amount"}``. ``subsidy``: the policy engine's decision (``to_dict``) with reasons.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本 / version"))
    mode = models.CharField(_("改造模式 / renovation mode"), max_length=40)
    delivery_mode = models.CharField(_("建设模式 / delivery mode"), max_length=40, blank=True)
    items = models.JSONField(default=list)
    funding = models.JSONField(default=dict)
    estimate = models.DecimalField(_("估算总投资(元) / estimate (yuan)"), max_digits=16, decimal_places=2)
    funding_total = models.DecimalField(
        _("资金合计(元) / funding total (yuan)"), max_digits=16, decimal_places=2
    )
    subsidy_amount = models.DecimalField(
        _("预计市级补助(元) / expected municipal subsidy (yuan)"),
        max_digits=16,
        decimal_places=2,
        default=Decimal(0),
    )
    subsidy = models.JSONField(default=dict, blank=True)
    bundle = models.JSONField(default=list, blank=True)
    #: stairwells an elevator retrofit concerns: ``[{"building_id", "building", "stairwell"}]`` (RULES §6a)
    elevator_stairwells = models.JSONField(_("加装电梯单元 / elevator stairwells"), default=list, blank=True)
    note = models.TextField(_("说明 / note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique")]
        verbose_name = _("方案版本 / plan version")

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"

    @property
    def division(self):
        return self.plan.project.division

    @property
    def funding_balanced(self) -> bool:
        return self.funding_total == self.estimate

    def substance(self) -> tuple[Any, ...]:
        """What a plan-approval ballot approves: the items (id, quantity), the mode and the estimate. A version that
        changes any of them needs a new plan-approval ballot (RULES §6a)."""
        items = tuple(
            sorted((str(i.get("item_id")), str(Decimal(str(i.get("quantity", "0"))))) for i in self.items)
        )
        return (self.mode, items, Decimal(self.estimate).quantize(Decimal("0.01")))


class ProjectBallot(models.Model):
    """A consent or plan-approval ballot opened for a project and one of its communities; plan approval names the
    plan version it approves (RULES §6a "which ballot counts"). The ballot itself lives in participation."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ballots")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    ballot = models.OneToOneField("participation.Ballot", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("用途 / purpose"), max_length=32)
    plan_version = models.ForeignKey(
        PlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "community", "-created_at", "-id"]
        verbose_name = _("项目表决 / project ballot")

    def __str__(self) -> str:
        return f"{self.project_id}:{self.community_id}:{self.purpose}"

    @property
    def division(self):
        return self.project.division


class Consultation(models.Model):
    """Joint consultation (联合会商, 三(二)) of the departments and utilities on one project's plan."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="consultations")
    plan_version = models.ForeignKey(
        PlanVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(
        _("会商状态 / state"),
        max_length=16,
        choices=ConsultationState.choices,
        default=ConsultationState.OPEN,
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(_("会商结论 / consolidated opinion"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("联合会商 / joint consultation")

    def __str__(self) -> str:
        return f"{self.project.name} 联合会商"

    @property
    def division(self):
        return self.project.division

    @property
    def agreed(self) -> bool:
        return (
            self.state == ConsultationState.COMPLETED
            and not self.opinions.filter(decision=OpinionDecision.DISAGREE).exists()
        )


class ConsultationOpinion(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="opinions")
    department = models.CharField(_("部门 / department"), max_length=40)
    decision = models.CharField(
        _("意见 / opinion"), max_length=20, choices=OpinionDecision.choices, default=OpinionDecision.PENDING
    )
    conditions = models.TextField(_("条件或意见 / conditions"), blank=True)
    simplified_approvals = models.TextField(_("简化审批事项 / approvals simplified"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    #: When the district last reminded the department's accounts to answer (``consultation_remind``).
    reminded_at = models.DateTimeField(_("最近提醒 / last reminded"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["consultation", "order"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "department"], name="opinion_one_per_department"),
        ]
        verbose_name = _("会商意见 / consultation opinion")

    def __str__(self) -> str:
        return f"{self.consultation} {self.department}"

    @property
    def division(self):
        return self.consultation.project.division


class Publication(models.Model):
    """Publication (公示) of a plan version on the public pages for ``days`` days, with comments."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="publications")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="publications")
    state = models.CharField(
        _("公示状态 / state"), max_length=16, choices=PublicationState.choices, default=PublicationState.OPEN
    )
    days = models.PositiveSmallIntegerField(_("公示天数 / days"), default=7)
    starts_at = models.DateTimeField(_("开始 / starts"))
    ends_at = models.DateTimeField(_("结束 / ends"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("方案公示 / publication")

    def __str__(self) -> str:
        return f"{self.project.name} 改造方案公示"

    @property
    def division(self):
        return self.project.division

    def is_finished(self, now) -> bool:
        """The publication period has run its course (withdrawn publications never finish)."""
        if self.state == PublicationState.WITHDRAWN:
            return False
        return now >= self.ends_at


class PublicationComment(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="comments")
    name = models.CharField(_("姓名 / name"), max_length=100)
    contact = models.CharField(_("联系方式 / contact"), max_length=100)
    body = models.TextField(_("意见 / comment"))
    created_at = models.DateTimeField()
    reply = models.TextField(_("答复 / reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["publication", "created_at", "id"]
        verbose_name = _("公示意见 / publication comment")

    def __str__(self) -> str:
        from gaizao.accounts.access import mask_name

        return f"{mask_name(self.name)}: {self.body[:30]}"

    @property
    def division(self):
        return self.publication.project.division


class AnnualPlan(models.Model):
    """A district's renovation plan for ``plan_year``, submitted to 市建委 by the deadline (四(三))."""

    district = models.ForeignKey(
        "divisions.Division", verbose_name=_("区县 / district"), on_delete=models.PROTECT, related_name="+"
    )
    plan_year = models.PositiveSmallIntegerField(_("计划年度 / plan year"))
    state = models.CharField(
        _("状态 / state"),
        max_length=16,
        choices=AnnualPlanState.choices,
        default=AnnualPlanState.DRAFT,
        db_index=True,
    )
    version = models.PositiveIntegerField(_("报送版本 / version"), default=0)
    projects = models.ManyToManyField(Project, related_name="annual_plans", blank=True)
    submitted_at = models.DateTimeField(_("报送时间 / submitted"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(_("逾期报送 / late"), default=False)
    deadline = models.DateField(_("报送截止 / deadline"), null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approval_note = models.TextField(blank=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-plan_year", "district__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "plan_year"], name="annual_plan_one_per_district_year"
            ),
        ]
        verbose_name = _("年度改造计划 / annual plan")

    def __str__(self) -> str:
        return f"{self.district.name} {self.plan_year}年度老旧小区改造计划"

    @property
    def division(self):
        return self.district


class AnnualPlanVersion(models.Model):
    """A frozen copy of the plan's table: one per submission, and the approved one."""

    class Kind(models.TextChoices):
        SUBMISSION = "submission", _("报送 / submission")
        APPROVED = "approved", _("批准 / approved")

    annual_plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    rows = models.JSONField(default=list)
    is_late = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["annual_plan", "-number", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["annual_plan", "number", "kind"], name="annual_plan_version_unique"
            ),
        ]
        verbose_name = _("年度计划版本 / annual plan version")

    def __str__(self) -> str:
        return f"{self.annual_plan} v{self.number} {self.kind}"


class AnnualPlanReview(models.Model):
    annual_plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="reviews")
    version = models.PositiveIntegerField()
    bureau = models.CharField(_("审查部门 / bureau"), max_length=60)
    decision = models.CharField(_("审查意见 / decision"), max_length=10, choices=ReviewDecision.choices)
    comments = models.TextField(_("意见 / comments"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["annual_plan", "-version", "bureau"]
        constraints = [
            models.UniqueConstraint(
                fields=["annual_plan", "version", "bureau"], name="review_one_per_bureau_version"
            ),
        ]
        verbose_name = _("联审意见 / review")

    def __str__(self) -> str:
        return f"{self.annual_plan} {self.bureau} {self.decision}"

    @property
    def division(self):
        return self.annual_plan.district
