"""Long-term management (长效管理, 杭政办函〔2022〕10号 四(四)): "一次改造、长久保持".

A :class:`ManagementPlan` is agreed per programme project together with the renovation plan: the management mode,
the property fee standard, the maintenance-fund plan and the conventions to adopt; each owners' decision it rests
on is a :class:`PlanDecision` naming the participation ballot, checked for its community, Art. 278 matter, purpose
and result (:func:`gaizao.stewardship.services.ballot_problems`).

After handover a community keeps: its :class:`PropertyContract` s with property service companies (delivery's
:class:`~gaizao.delivery.models.Organisation` of kind property_service), its maintenance fund (维修资金) as a ledger
of :class:`FundEntry` rows with periodic :class:`FundDisclosure` s (民法典 第281条), its adopted
:class:`Convention` s (管理规约, 居民公约) as documents, the fee collection it reports (:class:`FeeCollection`),
and scheduled :class:`FollowUp` inspections that reuse delivery's inspections, findings and rectification orders.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ManagementMode(models.TextChoices):
    PROFESSIONAL = "professional", _("专业物业服务企业 / professional property company")
    COMMUNITY_STREET = "community_street", _("社区、街道物业服务 / service by the community or street")
    SELF_MANAGED = "self_managed", _("业主自治管理 / self-management by owners")
    COMMUNITY_OPERATOR = "community_operator", _("社区运营商 / community operator")


#: Modes in which a property service company (or operator) is hired: counted as professional coverage.
PROFESSIONAL_MODES = frozenset({ManagementMode.PROFESSIONAL, ManagementMode.COMMUNITY_OPERATOR})


class Decision(models.TextChoices):
    FEE = "fee", _("物业服务费标准 / property fee standard")
    FUND_TOP_UP = "fund_top_up", _("维修资金续筹 / maintenance-fund top-up")
    MANAGEMENT_RULES = "management_rules", _("管理规约 / management rules")


class ManagementPlan(models.Model):
    """The long-term management agreed with a project's renovation plan (四(四))."""

    project = models.OneToOneField(
        "programme.Project", on_delete=models.PROTECT, related_name="management_plan"
    )
    mode = models.CharField(_("管理模式 / management mode"), max_length=20, choices=ManagementMode.choices)
    fee_yuan_per_m2_month = models.DecimalField(
        _("物业服务费（元/㎡·月） / fee (yuan per m² per month)"), max_digits=6, decimal_places=2
    )
    fund_balance = models.DecimalField(
        _("维修资金现有余额（元） / maintenance fund balance now (yuan)"), max_digits=16, decimal_places=2
    )
    fund_top_up = models.DecimalField(
        _("拟续筹维修资金（元） / top-up to be raised (yuan)"), max_digits=16, decimal_places=2
    )
    adopt_management_rules = models.BooleanField(_("制定管理规约 / adopt management rules"), default=True)
    adopt_residents_convention = models.BooleanField(
        _("制定居民公约 / adopt a residents' convention"), default=True
    )
    note = models.TextField(_("说明 / note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["project__code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee_yuan_per_m2_month__gte=0, fund_balance__gte=0, fund_top_up__gte=0),
                name="stewardship_plan_amounts_nonnegative",
            )
        ]
        verbose_name = _("长效管理方案 / management plan")

    def __str__(self) -> str:
        return f"{self.project.name} 长效管理方案"

    @property
    def division(self):
        return self.project.division


class PlanDecision(models.Model):
    """An owners' ballot a management plan rests on, for one community (checked by the ballot gate)."""

    plan = models.ForeignKey(ManagementPlan, on_delete=models.CASCADE, related_name="decisions")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("决定事项 / decision"), max_length=20, choices=Decision.choices)
    ballot = models.ForeignKey("participation.Ballot", on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "community", "decision"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "community", "decision"], name="stewardship_one_decision_per_community"
            )
        ]
        verbose_name = _("业主决定 / owners' decision")

    def __str__(self) -> str:
        return f"{self.community} {self.get_decision_display()}"


class StewardMember(models.Model):
    """Links a property service company's account (Role.PROPERTY_SERVICE) to its company."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="steward_member"
    )
    organisation = models.ForeignKey(
        "delivery.Organisation", on_delete=models.CASCADE, related_name="steward_members"
    )

    class Meta:
        verbose_name = _("物业企业账号 / property company account")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class PropertyContract(models.Model):
    """物业服务合同: a company serving a community for a term at a fee, with the owners' ballot that chose it."""

    community = models.ForeignKey(
        "registry.Community", on_delete=models.PROTECT, related_name="property_contracts"
    )
    company = models.ForeignKey(
        "delivery.Organisation",
        verbose_name=_("物业服务企业 / company"),
        on_delete=models.PROTECT,
        related_name="property_contracts",
    )
    mode = models.CharField(
        _("管理模式 / mode"),
        max_length=20,
        choices=ManagementMode.choices,
        default=ManagementMode.PROFESSIONAL,
    )
    number = models.CharField(_("合同编号 / contract number"), max_length=60, unique=True)
    starts_on = models.DateField(_("开始日期 / starts on"))
    ends_on = models.DateField(_("结束日期 / ends on"))
    fee_yuan_per_m2_month = models.DecimalField(
        _("物业服务费（元/㎡·月） / fee (yuan per m² per month)"), max_digits=6, decimal_places=2
    )
    scope = models.TextField(_("服务范围 / scope of service"))
    ballot = models.ForeignKey(
        "participation.Ballot",
        verbose_name=_("选聘表决 / owners' ballot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["community", "-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__lte=models.F("ends_on")),
                name="stewardship_contract_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(fee_yuan_per_m2_month__gte=0), name="stewardship_contract_fee_nonnegative"
            ),
        ]
        verbose_name = _("物业服务合同 / property service contract")

    def __str__(self) -> str:
        return f"{self.number} {self.company.name}"

    @property
    def division(self):
        return self.community.division


class FundEntryKind(models.TextChoices):
    OPENING = "opening", _("期初余额 / opening balance")
    CONTRIBUTION = "contribution", _("业主交存 / owners' contribution")
    TOP_UP = "top_up", _("续筹 / top-up")
    INTEREST = "interest", _("利息收益 / interest")
    USE = "use", _("使用 / use")


#: Entries that add to the fund (a use takes away).
FUND_INCOME = frozenset(
    {FundEntryKind.OPENING, FundEntryKind.CONTRIBUTION, FundEntryKind.TOP_UP, FundEntryKind.INTEREST}
)


class FundEntry(models.Model):
    """One movement of a community's maintenance fund (维修资金); uses and top-ups carry the owners' ballot."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="fund_entries")
    kind = models.CharField(_("类型 / kind"), max_length=16, choices=FundEntryKind.choices)
    amount = models.DecimalField(_("金额（元） / amount (yuan)"), max_digits=16, decimal_places=2)
    on = models.DateField(_("日期 / date"))
    description = models.CharField(_("摘要 / description"), max_length=300)
    ballot = models.ForeignKey(
        "participation.Ballot",
        verbose_name=_("业主表决 / owners' ballot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["community", "on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="stewardship_fund_amount_positive"),
        ]
        verbose_name = _("维修资金收支 / maintenance-fund entry")

    def __str__(self) -> str:
        return f"{self.community} {self.get_kind_display()} {self.amount}"

    @property
    def signed_amount(self):
        return self.amount if self.kind in FUND_INCOME else -self.amount


class FundDisclosure(models.Model):
    """The periodic public disclosure of a community's maintenance fund (民法典 第281条), frozen when published."""

    community = models.ForeignKey(
        "registry.Community", on_delete=models.PROTECT, related_name="fund_disclosures"
    )
    period_start = models.DateField(_("期间开始 / period start"))
    period_end = models.DateField(_("期间结束 / period end"))
    opening = models.DecimalField(_("期初余额 / opening"), max_digits=16, decimal_places=2)
    income = models.DecimalField(_("本期收入 / income"), max_digits=16, decimal_places=2)
    spending = models.DecimalField(_("本期使用 / spending"), max_digits=16, decimal_places=2)
    closing = models.DecimalField(_("期末余额 / closing"), max_digits=16, decimal_places=2)
    #: ``[{"on", "kind", "amount", "description", "ballot"}]`` of the period, frozen at publication.
    entries = models.JSONField(default=list)
    note = models.TextField(_("说明 / note"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["community", "-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="stewardship_disclosure_period_in_order",
            )
        ]
        verbose_name = _("维修资金公开 / fund disclosure")

    def __str__(self) -> str:
        return f"{self.community} {self.period_start}–{self.period_end}"


class ConventionKind(models.TextChoices):
    MANAGEMENT_RULES = "management_rules", _("管理规约 / management rules")
    RESIDENTS_CONVENTION = "residents_convention", _("居民公约 / residents' convention")


class Convention(models.Model):
    """An adopted 管理规约 (owners' ballot, Art. 278 matter 2) or 居民公约, as its document."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="conventions")
    kind = models.CharField(_("类型 / kind"), max_length=24, choices=ConventionKind.choices)
    title = models.CharField(_("标题 / title"), max_length=200)
    file = models.FileField(_("文本 / document"), upload_to="stewardship/conventions/%Y/%m/")
    adopted_on = models.DateField(_("通过日期 / adopted on"))
    ballot = models.ForeignKey(
        "participation.Ballot",
        verbose_name=_("通过表决 / adopting ballot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["community", "kind", "-adopted_on", "-id"]
        verbose_name = _("公约规约 / convention")

    def __str__(self) -> str:
        return self.title


class FeeCollection(models.Model):
    """A month's property fee billed and collected in a community (reported by its company or the street)."""

    community = models.ForeignKey(
        "registry.Community", on_delete=models.PROTECT, related_name="fee_collections"
    )
    month = models.DateField(_("月份（当月1日） / month (its first day)"))
    billed = models.DecimalField(_("应收（元） / billed (yuan)"), max_digits=14, decimal_places=2)
    collected = models.DecimalField(_("实收（元） / collected (yuan)"), max_digits=14, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["community", "month"]
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="stewardship_fee_one_per_month"),
            models.CheckConstraint(
                condition=models.Q(billed__gt=0, collected__gte=0, collected__lte=models.F("billed")),
                name="stewardship_fee_collected_within_billed",
            ),
        ]
        verbose_name = _("物业费收缴 / fee collection")

    def __str__(self) -> str:
        return f"{self.community} {self.month:%Y-%m}"


class FollowUp(models.Model):
    """A follow-up inspection after handover: scheduled at N months (rule set) or prompted by a resident's 报事;
    the inspection itself, its findings and rectification orders are delivery's."""

    delivery = models.ForeignKey("delivery.Delivery", on_delete=models.CASCADE, related_name="followups")
    months = models.PositiveSmallIntegerField(_("移交后月数 / months after handover"), null=True, blank=True)
    due_on = models.DateField(_("应检日期 / due on"))
    inspection = models.OneToOneField(
        "delivery.Inspection", null=True, blank=True, on_delete=models.PROTECT, related_name="followup"
    )
    report = models.OneToOneField(
        "participation.SupervisionReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stewardship_followup",
    )
    #: set when the property service company serving the community recorded the finding (unscheduled)
    company = models.ForeignKey(
        "delivery.Organisation",
        verbose_name=_("物业服务企业 / property service company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stewardship_findings",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivery", "due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "months"],
                condition=models.Q(months__isnull=False),
                name="stewardship_one_followup_per_month_mark",
            )
        ]
        verbose_name = _("回访检查 / follow-up inspection")

    def __str__(self) -> str:
        label = f"{self.months}个月" if self.months else "报事"
        return f"{self.delivery} 回访（{label}）"

    @property
    def done(self) -> bool:
        return self.inspection_id is not None

    @property
    def division(self):
        return self.delivery.project.division
