"""Delivery (实施): from the approved annual plan to handover (三(二), 三(四), 四(二), 四(三)).

A :class:`Delivery` follows one programme project through the works: 前期 (approvals and tendering) → 开工 → 在建 →
完工 → 竣工验收 → 移交, with suspension (停工) and resumption. The stage moves live in
``gaizao.delivery.services`` on the one audited state machine; the 开工 and 完工 counts on the dashboards are
computed from those audit events, never typed in.

Parties (:class:`Organisation`) sign :class:`Contract` s for a project; accounts of contract parties
(contractor, supervisor, designer) are linked to their organisation by :class:`OrganisationMember` and see only
the projects of their organisation's contracts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    PRELIMINARY = "preliminary", _("前期 / preliminary")
    STARTED = "started", _("开工 / started")
    CONSTRUCTION = "construction", _("在建 / under construction")
    COMPLETED = "completed", _("完工 / completed")
    ACCEPTED = "accepted", _("竣工验收 / accepted")
    HANDED_OVER = "handed_over", _("移交 / handed over")
    SUSPENDED = "suspended", _("停工 / suspended")


class OrganisationKind(models.TextChoices):
    IMPLEMENTING = "implementing", _("实施主体 / implementing body")
    CONTRACTOR = "contractor", _("施工单位 / contractor")
    SUPERVISOR = "supervisor", _("监理单位 / supervisor")
    DESIGNER = "designer", _("设计单位 / designer")
    EPC = "epc", _("工程总承包单位 / EPC contractor")
    CONSULTANT = "consultant", _("全过程咨询单位 / full-process consultant")
    AGENT = "agent", _("代建单位 / construction agent")
    UTILITY = "utility", _("管线单位 / utility")
    PROPERTY_SERVICE = "property_service", _("物业服务企业 / property service company")
    OTHER = "other", _("其他 / other")


class ContractKind(models.TextChoices):
    CONSTRUCTION = "construction", _("施工 / construction")
    SUPERVISION = "supervision", _("监理 / supervision")
    DESIGN = "design", _("设计 / design")
    EPC = "epc", _("工程总承包 EPC / EPC")
    CONSULTING = "consulting", _("全过程咨询 / full-process consulting")
    AGENCY = "agency", _("代建 / construction agency")
    UTILITY_WATER = "utility_water", _("管线·供水 / pipeline: water")
    UTILITY_POWER = "utility_power", _("管线·供电 / pipeline: power")
    UTILITY_GAS = "utility_gas", _("管线·燃气 / pipeline: gas")
    UTILITY_TELECOM = "utility_telecom", _("管线·通信 / pipeline: telecom")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("待办理 / pending")
    RECORDED = "recorded", _("已办理 / recorded")
    SIMPLIFIED = "simplified", _("会商简化 / simplified by consultation")
    WAIVED = "waived", _("会商免于办理 / waived by consultation")


class InspectionKind(models.TextChoices):
    QUALITY = "quality", _("质量 / quality")
    SAFETY = "safety", _("安全 / safety")
    CIVILISED = "civilised", _("文明施工 / civilised construction")
    UTILITIES = "utilities", _("管线 / utilities")


class InspectorLevel(models.TextChoices):
    STREET = "street", _("街道 / street")
    DISTRICT = "district", _("区县 / district")
    SUPERVISOR = "supervisor", _("监理 / supervisor")
    CITY = "city", _("市级 / city")
    #: after handover, the property service company serving the community (stewardship's follow-up findings)
    PROPERTY_SERVICE = "property_service", _("物业服务企业 / property service company")


class Severity(models.TextChoices):
    MINOR = "minor", _("一般 / minor")
    MAJOR = "major", _("较重 / major")
    CRITICAL = "critical", _("严重 / critical")


class OrderState(models.TextChoices):
    OPEN = "open", _("整改中 / open")
    REPLIED = "replied", _("已回复待复查 / replied, awaiting review")
    CLOSED = "closed", _("已销号 / closed")


class ReplyDecision(models.TextChoices):
    PENDING = "pending", _("待复查 / pending")
    ACCEPTED = "accepted", _("通过 / accepted")
    REJECTED = "rejected", _("退回 / rejected")


class AcceptanceRole(models.TextChoices):
    IMPLEMENTING = "implementing", _("实施主体 / implementing body")
    CONTRACTOR = "contractor", _("施工单位 / contractor")
    SUPERVISOR = "supervisor", _("监理单位 / supervisor")
    STREET = "street", _("街道 / street")
    RESIDENT = "resident", _("居民代表 / resident representative")
    BUILDING_LEAD = "building_lead", _("楼道长 / building lead")


class KeeperKind(models.TextChoices):
    PROPERTY_SERVICE = "property_service", _("物业服务企业 / property service company")
    UTILITY = "utility", _("管线单位 / utility")
    STREET = "street", _("街道 / street")
    COMMUNITY = "community", _("社区 / community")
    OWNERS = "owners", _("业主 / owners")


class HandoverKind(models.TextChoices):
    FACILITY = "facility", _("设施 / facility")
    PIPELINE = "pipeline", _("管线 / pipeline")


class Organisation(models.Model):
    """A party to delivery: implementing body, contractor, supervisor, designer, utility, property company."""

    name = models.CharField(_("单位名称 / name"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码 / unified social credit code"), max_length=18, unique=True
    )
    kind = models.CharField(_("单位类型 / kind"), max_length=20, choices=OrganisationKind.choices)
    contact = models.CharField(_("联系人 / contact"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话 / phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("参建单位 / organisation")
        verbose_name_plural = _("参建单位 / organisations")

    def __str__(self) -> str:
        return self.name


class OrganisationMember(models.Model):
    """Links an account of a contract party (contractor, supervisor, designer) to its organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delivery_member"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")

    class Meta:
        verbose_name = _("单位账号 / organisation member")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class Delivery(models.Model):
    """The works of one programme project after it is listed in an approved annual plan."""

    project = models.OneToOneField("programme.Project", on_delete=models.PROTECT, related_name="delivery")
    stage = models.CharField(
        _("实施阶段 / stage"), max_length=16, choices=Stage.choices, default=Stage.PRELIMINARY, db_index=True
    )
    #: The stage a suspended delivery resumes to.
    resume_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    implementing_body = models.ForeignKey(
        Organisation,
        verbose_name=_("实施主体 / implementing body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["project__code"]
        verbose_name = _("项目实施 / delivery")
        verbose_name_plural = _("项目实施 / deliveries")

    def __str__(self) -> str:
        return f"{self.project.name} 实施"

    @property
    def division(self):
        return self.project.division


class Contract(models.Model):
    """A contract for a project's works: construction, supervision, design, EPC, consulting, agency or a
    utility's pipeline sub-works."""

    project = models.ForeignKey("programme.Project", on_delete=models.PROTECT, related_name="contracts")
    kind = models.CharField(_("合同类型 / kind"), max_length=20, choices=ContractKind.choices)
    number = models.CharField(_("合同编号 / contract number"), max_length=60, unique=True)
    title = models.CharField(_("合同名称 / title"), max_length=200, blank=True)
    party = models.ForeignKey(
        Organisation, verbose_name=_("承接单位 / party"), on_delete=models.PROTECT, related_name="contracts"
    )
    amount = models.DecimalField(_("合同金额(元) / amount (yuan)"), max_digits=16, decimal_places=2)
    signed_on = models.DateField(_("签订日期 / signed on"))
    starts_on = models.DateField(_("开始日期 / starts on"))
    ends_on = models.DateField(_("结束日期 / ends on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["project", "kind", "number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="delivery_contract_amount_nonnegative"
            ),
            models.CheckConstraint(
                condition=models.Q(starts_on__lte=models.F("ends_on")),
                name="delivery_contract_dates_in_order",
            ),
        ]
        verbose_name = _("合同 / contract")
        verbose_name_plural = _("合同 / contracts")

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def division(self):
        return self.project.division


class Approval(models.Model):
    """One item of the basic construction procedure (三(二)) for a delivery, from the rule set's checklist."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="approvals")
    item_id = models.CharField(_("审批事项 / approval item"), max_length=40)
    name = models.CharField(_("事项名称 / name"), max_length=100)
    required = models.BooleanField(_("开工前必须 / required before start"), default=True)
    order = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        _("办理状态 / status"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    document_number = models.CharField(_("文号 / document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("日期 / date"), null=True, blank=True)
    file = models.FileField(_("附件 / attachment"), upload_to="delivery/approvals/%Y/%m/", blank=True)
    consultation = models.ForeignKey(
        "programme.Consultation",
        verbose_name=_("会商依据 / consultation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("说明 / note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "order"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "item_id"], name="delivery_approval_item_unique"),
        ]
        verbose_name = _("审批事项 / approval")

    def __str__(self) -> str:
        return f"{self.delivery} {self.name}"

    @property
    def division(self):
        return self.delivery.project.division


class Milestone(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("节点 / milestone"), max_length=100)
    planned_start = models.DateField(_("计划开始 / planned start"))
    planned_end = models.DateField(_("计划完成 / planned end"))
    actual_start = models.DateField(_("实际开始 / actual start"), null=True, blank=True)
    actual_end = models.DateField(_("实际完成 / actual end"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "order", "planned_start", "id"]
        verbose_name = _("进度节点 / milestone")

    def __str__(self) -> str:
        return f"{self.delivery} {self.name}"

    @property
    def division(self):
        return self.delivery.project.division


class Inspection(models.Model):
    """An inspection of the works by the street, the district, the supervisor or the city."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="inspections")
    kind = models.CharField(_("检查类型 / kind"), max_length=16, choices=InspectionKind.choices)
    level = models.CharField(_("检查主体 / by"), max_length=16, choices=InspectorLevel.choices)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspected_at = models.DateTimeField(_("检查时间 / inspected at"))
    #: ``{checklist item id: "pass" | "fail" | "na"}`` against the rule set's checklist for ``kind``.
    checklist = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("说明 / note"), blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-inspected_at", "-id"]
        verbose_name = _("检查 / inspection")

    def __str__(self) -> str:
        return f"{self.delivery} {self.get_kind_display()} {self.inspected_at:%Y-%m-%d}"

    @property
    def division(self):
        return self.delivery.project.division


class Finding(models.Model):
    """A problem found in an inspection, or a resident's 报事 turned into one."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    checklist_item = models.CharField(_("检查项 / checklist item"), max_length=40, blank=True)
    description = models.TextField(_("问题描述 / description"))
    severity = models.CharField(_("严重程度 / severity"), max_length=16, choices=Severity.choices)
    photo = models.FileField(_("照片 / photo"), upload_to="delivery/findings/%Y/%m/", blank=True)
    lon = models.FloatField(_("经度 / longitude"), null=True, blank=True)
    lat = models.FloatField(_("纬度 / latitude"), null=True, blank=True)
    report = models.OneToOneField(
        "participation.SupervisionReport",
        verbose_name=_("居民报事 / resident report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delivery_finding",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "id"]
        verbose_name = _("检查问题 / finding")

    def __str__(self) -> str:
        return f"{self.inspection} #{self.pk}"

    @property
    def division(self):
        return self.inspection.delivery.project.division


class RectificationOrder(models.Model):
    """整改通知: a finding to be put right by a responsible party before a deadline."""

    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="order")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="orders")
    party = models.ForeignKey(
        Organisation,
        verbose_name=_("责任单位 / responsible party"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateField(_("整改期限 / deadline"))
    requirement = models.TextField(_("整改要求 / requirement"), blank=True)
    state = models.CharField(
        _("状态 / state"), max_length=16, choices=OrderState.choices, default=OrderState.OPEN, db_index=True
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField()
    escalated_at = models.DateTimeField(_("已上报区县 / escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("整改通知 / rectification order")

    def __str__(self) -> str:
        return f"整改通知 #{self.pk}"

    @property
    def division(self):
        return self.delivery.project.division


class RectificationReply(models.Model):
    order = models.ForeignKey(RectificationOrder, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(_("整改情况 / reply"))
    evidence = models.FileField(_("整改照片 / evidence"), upload_to="delivery/replies/%Y/%m/", blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField()
    decision = models.CharField(
        _("复查结论 / decision"), max_length=16, choices=ReplyDecision.choices, default=ReplyDecision.PENDING
    )
    decision_note = models.TextField(_("复查意见 / review note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "replied_at", "id"]
        verbose_name = _("整改回复 / rectification reply")

    def __str__(self) -> str:
        return f"{self.order} 回复 #{self.pk}"


class Acceptance(models.Model):
    """竣工验收: the joint acceptance of the completed works against the approved plan version."""

    delivery = models.OneToOneField(Delivery, on_delete=models.PROTECT, related_name="acceptance")
    plan_version = models.ForeignKey(
        "programme.PlanVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("方案版本 / plan version"),
    )
    held_on = models.DateField(_("验收日期 / held on"))
    #: ``[{"item_id", "name", "unit", "planned", "delivered", "passed", "note"}]`` (quantities as decimal strings).
    items = models.JSONField(default=list)
    conclusion = models.TextField(_("验收结论 / conclusion"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("竣工验收 / completion acceptance")

    def __str__(self) -> str:
        return f"{self.delivery} 竣工验收"

    @property
    def division(self):
        return self.delivery.project.division


class AcceptanceSignatory(models.Model):
    acceptance = models.ForeignKey(Acceptance, on_delete=models.CASCADE, related_name="signatories")
    role = models.CharField(_("参加方 / role"), max_length=16, choices=AcceptanceRole.choices)
    name = models.CharField(_("姓名 / name"), max_length=100)
    organisation = models.CharField(_("单位 / organisation"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["acceptance", "order", "id"]
        verbose_name = _("验收参加人 / acceptance signatory")

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class Handover(models.Model):
    """移交: a facility or pipeline handed to its keeper, with the property-rights note (三(四))."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="handovers")
    kind = models.CharField(_("类型 / kind"), max_length=16, choices=HandoverKind.choices)
    facility = models.CharField(_("设施名称 / facility"), max_length=200)
    keeper_kind = models.CharField(_("接收方类型 / keeper kind"), max_length=20, choices=KeeperKind.choices)
    keeper = models.ForeignKey(
        Organisation,
        verbose_name=_("接收单位 / keeper"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    keeper_name = models.CharField(_("接收方名称 / keeper name"), max_length=200)
    property_rights_note = models.TextField(_("产权说明 / property rights note"))
    handed_on = models.DateField(_("移交日期 / handed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["delivery", "handed_on", "id"]
        verbose_name = _("移交 / handover")

    def __str__(self) -> str:
        return f"{self.facility} → {self.keeper_name}"

    @property
    def division(self):
        return self.delivery.project.division
