"""Money (三(三), 三(四)): one ledger for every funding source, funding applications, final accounts (竣工财务决算)
and their audit (决算审计), the municipal subsidy settlement (补助清算) and the residents' shares.

The ledger is append-only: a ``LedgerEntry`` is never changed or deleted (the model and its queryset refuse), a
mistake is reversed by a new entry that points at it with a reason. Balances are sums over entries, computed in the
database (``gaizao.money.selectors``); ``gaizao.policy.settlement`` holds the same arithmetic on plain data.
Funding sources are the rule set's ids (``gaizao.policy.funding_sources``); amounts are ``Decimal`` yuan, 2 places.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gaizao.errors import ApplicationError

MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}
ZERO = Decimal("0.00")


class AccountState(models.TextChoices):
    OPEN = "open", _("记账中 / open")
    CLOSED = "closed", _("已关账 / closed")


class EntryKind(models.TextChoices):
    BUDGET = "budget", _("预算 / budget")
    RECEIVED = "received", _("资金到位 / allocation received")
    COMMITMENT = "commitment", _("合同承诺 / commitment")
    PAYMENT = "payment", _("支付 / payment")
    REFUND = "refund", _("退回 / refund")
    ADJUSTMENT = "adjustment", _("预算调整 / adjustment")


class ProjectAccount(models.Model):
    """The money account of one renovation project; entries are refused once it is closed (关账)."""

    project = models.OneToOneField(
        "programme.Project", on_delete=models.PROTECT, related_name="money_account"
    )
    state = models.CharField(
        _("账户状态 / state"), max_length=12, choices=AccountState.choices, default=AccountState.OPEN
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("项目资金账户 / project account")

    def __str__(self) -> str:
        return f"{self.project.name} 资金账户"

    @property
    def division(self) -> Any:
        return self.project.division


class AppendOnlyQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise ApplicationError(
            "台账只能追加，不能修改。/ The ledger is append-only: entries are never changed."
        )

    def delete(self) -> Any:
        raise ApplicationError(
            "台账只能追加，不能删除。/ The ledger is append-only: entries are never deleted."
        )


class LedgerEntry(models.Model):
    """One amount on the ledger: project (and community), source, kind, date, document number, attachment.

    ``amount`` is signed only for reversals (``reverses`` set, the negative of the reversed entry) and adjustments.
    ``street`` and ``district`` are copied from the project's division when written, so totals roll up project →
    street → district → city with one ``GROUP BY``.
    """

    project = models.ForeignKey("programme.Project", on_delete=models.PROTECT, related_name="ledger_entries")
    community = models.ForeignKey(
        "registry.Community", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("divisions.Division", null=True, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("资金来源 / source"), max_length=40, db_index=True)
    kind = models.CharField(_("类型 / kind"), max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField(_("金额(元) / amount (yuan)"), **MONEY)
    date = models.DateField(_("日期 / date"))
    document_number = models.CharField(_("凭证号 / document number"), max_length=60)
    attachment = models.FileField(_("附件 / attachment"), upload_to="money/entries/%Y/%m/", blank=True)
    note = models.CharField(_("摘要 / note"), max_length=255, blank=True)
    commitment = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        limit_choices_to={"kind": EntryKind.COMMITMENT},
    )
    contract = models.ForeignKey(
        "delivery.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("合同 / contract"),
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reason = models.TextField(_("冲销原因 / reversal reason"), blank=True)
    application = models.ForeignKey(
        "FundingApplication", null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_sample = models.BooleanField(default=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["project", "date", "id"]
        indexes = [models.Index(fields=["project", "source", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in EntryKind]), name="money_entry_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(reverses__isnull=False) | Q(kind="adjustment"),
                name="money_entry_negative_only_reversal_or_adjustment",
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | ~Q(reason=""), name="money_reversal_has_reason"
            ),
        ]
        verbose_name = _("台账分录 / ledger entry")
        verbose_name_plural = _("台账分录 / ledger entries")

    def __str__(self) -> str:
        return f"{self.project_id} {self.source} {self.kind} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ApplicationError(
                "台账只能追加，不能修改。/ The ledger is append-only: entries are never changed."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ApplicationError(
            "台账只能追加，不能删除。/ The ledger is append-only: entries are never deleted."
        )


# --- funding applications -------------------------------------------------------------------------------------------


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("已申报 / submitted")
    GRANTED = "granted", _("已批复 / granted")
    REJECTED = "rejected", _("未获批 / rejected")


class FundingApplication(models.Model):
    """A request for central and provincial funds (应报尽报) or special bonds (专项债) for one project."""

    project = models.ForeignKey(
        "programme.Project", on_delete=models.PROTECT, related_name="funding_applications"
    )
    source = models.CharField(_("资金来源 / source"), max_length=40)
    reference = models.CharField(_("申报文号 / reference"), max_length=60, blank=True)
    requested = models.DecimalField(_("申请金额(元) / requested (yuan)"), **MONEY)
    granted = models.DecimalField(_("批复金额(元) / granted (yuan)"), null=True, blank=True, **MONEY)
    state = models.CharField(
        _("状态 / state"), max_length=12, choices=ApplicationState.choices, default=ApplicationState.SUBMITTED
    )
    submitted_on = models.DateField(_("申报日期 / submitted on"))
    decided_on = models.DateField(_("批复日期 / decided on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-submitted_on", "-id"]
        verbose_name = _("资金申报 / funding application")

    def __str__(self) -> str:
        return f"{self.project.name} {self.source} {self.requested}"

    @property
    def division(self) -> Any:
        return self.project.division


# --- final accounts and audit ---------------------------------------------------------------------------------------


class FinalAccountsState(models.TextChoices):
    DRAFT = "draft", _("编制中 / draft")
    SUBMITTED = "submitted", _("已报送待审计 / submitted for audit")
    AUDITED = "audited", _("已审计 / audited")
    APPROVED = "approved", _("已核定 / approved")


class CostHeading(models.TextChoices):
    CONSTRUCTION = "construction", _("建筑安装工程费 / construction and installation")
    EQUIPMENT = "equipment", _("设备购置费 / equipment")
    OTHER = "other", _("工程建设其他费用 / other construction costs")
    CONTINGENCY = "contingency", _("预备费 / contingency")


class Exclusion(models.TextChoices):
    """Investments the subsidy base excludes (三(三)2 “加装电梯和二次供水等投入”; ``policy.catalogue``)."""

    NONE = "", _("计入补助基数 / in the subsidy base")
    ELEVATOR = "elevator", _("加装电梯 / elevator installation")
    SECONDARY_WATER = "secondary_water", _("二次供水 / secondary water supply")


class FinalAccounts(models.Model):
    """竣工财务决算 of one project by cost heading, its audit (决算审计) and approval (核定).

    The submitted figures are the sums of ``lines``; the audited figures add the audit's ``adjustments``; only an
    audited figure can be approved, and the approved figures are what the subsidy is settled on.
    """

    project = models.OneToOneField(
        "programme.Project", on_delete=models.PROTECT, related_name="final_accounts"
    )
    state = models.CharField(
        _("状态 / state"), max_length=12, choices=FinalAccountsState.choices, default=FinalAccountsState.DRAFT
    )
    prepared_by_org = models.CharField(_("编制单位 / prepared by"), max_length=150, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    auditor = models.CharField(_("审计单位 / auditor"), max_length=150, blank=True)
    audit_report_number = models.CharField(_("审计报告文号 / audit report number"), max_length=60, blank=True)
    audit_report = models.FileField(_("审计报告 / audit report"), upload_to="money/audits/%Y/%m/", blank=True)
    audited_total = models.DecimalField(_("审定金额(元) / audited total"), null=True, blank=True, **MONEY)
    audited_elevator = models.DecimalField(null=True, blank=True, **MONEY)
    audited_secondary_water = models.DecimalField(null=True, blank=True, **MONEY)
    audited_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("竣工财务决算 / final accounts")
        verbose_name_plural = _("竣工财务决算 / final accounts")

    def __str__(self) -> str:
        return f"{self.project.name} 竣工财务决算"

    @property
    def division(self) -> Any:
        return self.project.division

    def submitted_figures(self) -> dict[str, Decimal]:
        """``{"total", "elevator", "secondary_water"}`` summed from the lines."""
        return _figures(self.lines.all())

    def audited_excluded(self) -> Decimal | None:
        if self.audited_total is None:
            return None
        return (self.audited_elevator or ZERO) + (self.audited_secondary_water or ZERO)


def _figures(rows: Any) -> dict[str, Decimal]:
    out = {"total": ZERO, "elevator": ZERO, "secondary_water": ZERO}
    for row in rows:
        out["total"] += row.amount
        if row.exclusion:
            out[row.exclusion] += row.amount
    return out


class FinalAccountsLine(models.Model):
    final_accounts = models.ForeignKey(FinalAccounts, on_delete=models.CASCADE, related_name="lines")
    heading = models.CharField(_("费用科目 / cost heading"), max_length=20, choices=CostHeading.choices)
    description = models.CharField(_("内容 / description"), max_length=200)
    exclusion = models.CharField(
        _("补助基数扣除 / excluded from the base"), max_length=20, choices=Exclusion.choices, blank=True
    )
    amount = models.DecimalField(_("金额(元) / amount (yuan)"), **MONEY)

    class Meta:
        ordering = ["final_accounts", "heading", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="money_final_line_not_negative")
        ]
        verbose_name = _("决算明细 / final accounts line")

    def __str__(self) -> str:
        return f"{self.heading} {self.description} {self.amount}"


class AuditAdjustment(models.Model):
    """An audit's change to the submitted figures (审减 negative, 审增 positive), with its reason."""

    final_accounts = models.ForeignKey(FinalAccounts, on_delete=models.CASCADE, related_name="adjustments")
    heading = models.CharField(_("费用科目 / cost heading"), max_length=20, choices=CostHeading.choices)
    exclusion = models.CharField(max_length=20, choices=Exclusion.choices, blank=True)
    amount = models.DecimalField(_("审计调整(元) / adjustment (yuan)"), **MONEY)
    reason = models.TextField(_("理由 / reason"))

    class Meta:
        ordering = ["final_accounts", "id"]
        verbose_name = _("审计调整 / audit adjustment")

    def __str__(self) -> str:
        return f"{self.heading} {self.amount}"


# --- subsidy settlement ---------------------------------------------------------------------------------------------


class SettlementState(models.TextChoices):
    COMPUTED = "computed", _("已测算待审批 / computed, awaiting approval")
    APPROVED = "approved", _("市级已审批 / approved by the city")
    DISBURSED = "disbursed", _("已拨付完毕 / disbursed")


class Settlement(models.Model):
    """The municipal subsidy settlement (补助清算) of one project on its approved final accounts."""

    project = models.OneToOneField("programme.Project", on_delete=models.PROTECT, related_name="settlement")
    final_accounts = models.OneToOneField(FinalAccounts, on_delete=models.PROTECT, related_name="settlement")
    state = models.CharField(
        _("状态 / state"), max_length=12, choices=SettlementState.choices, default=SettlementState.COMPUTED
    )
    ruleset_id = models.CharField(max_length=40)
    rule_date = models.DateField(_("适用规则日期 / rule date"))
    subsidy_total = models.DecimalField(_("市级补助合计(元) / subsidy total"), **MONEY)
    estimate_total = models.DecimalField(_("方案预计补助(元) / plan-time estimate"), **MONEY)
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("补助清算 / subsidy settlement")
        constraints = [
            models.CheckConstraint(condition=Q(subsidy_total__gte=0), name="money_settlement_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project.name} 市级补助清算"

    @property
    def division(self) -> Any:
        return self.project.division

    @property
    def difference(self) -> Decimal:
        return self.subsidy_total - self.estimate_total


class SettlementLine(models.Model):
    """One community's row: final accounts, exclusions, base, cap, share, subsidy, with the rule's reasons."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    building_area_m2 = models.DecimalField(max_digits=14, decimal_places=2)
    final_accounts = models.DecimalField(**MONEY)
    elevator = models.DecimalField(**MONEY)
    secondary_water = models.DecimalField(**MONEY)
    base = models.DecimalField(max_digits=20, decimal_places=6)
    cap = models.DecimalField(max_digits=20, decimal_places=6)
    share = models.DecimalField(max_digits=5, decimal_places=4)
    subsidy = models.DecimalField(**MONEY)
    payer = models.CharField(max_length=24)
    developer_charge = models.DecimalField(**MONEY, default=ZERO)
    estimate = models.DecimalField(_("方案预计(元) / plan-time estimate"), **MONEY)
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["settlement", "community__code"]
        verbose_name = _("清算明细 / settlement line")

    def __str__(self) -> str:
        return f"{self.community_id} {self.subsidy}"

    @property
    def exclusions(self) -> Decimal:
        return self.elevator + self.secondary_water

    @property
    def difference(self) -> Decimal:
        return self.subsidy - self.estimate


class Disbursement(models.Model):
    """A payment of the approved subsidy by the city (拨付); it also lands on the ledger as funds received."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="disbursements")
    amount = models.DecimalField(**MONEY)
    date = models.DateField()
    document_number = models.CharField(max_length=60)
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["settlement", "date", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="money_disbursement_positive")]
        verbose_name = _("补助拨付 / disbursement")

    def __str__(self) -> str:
        return f"{self.settlement_id} {self.amount}"


# --- residents' shares ----------------------------------------------------------------------------------------------


class ShareBasis(models.TextChoices):
    EXCLUSIVE_AREA = "exclusive_area", _("按专有部分面积 / by exclusive area")
    PER_HOUSEHOLD = "per_household", _("按户均摊（业主表决通过）/ equal per household (owners' ballot)")


class PaymentChannel(models.TextChoices):
    """How a household pays its share (三(三)4); each maps to the rule set's funding source."""

    OWN_PAYMENT = "resident_payment", _("个人出资 / own payment")
    MAINTENANCE_FUND = "maintenance_fund", _("物业维修资金 / maintenance fund")
    PUBLIC_REVENUE = "community_public_revenue", _("小区公共收益 / public revenue")
    PROVIDENT_FUND = "housing_provident_fund", _("住房公积金 / provident fund")


class ResidentContribution(models.Model):
    """The residents' contribution of one community to a project, shared out to households."""

    project = models.ForeignKey(
        "programme.Project", on_delete=models.PROTECT, related_name="resident_contributions"
    )
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(_("居民出资总额(元) / total (yuan)"), **MONEY)
    basis = models.CharField(_("分摊依据 / basis"), max_length=20, choices=ShareBasis.choices)
    ballot = models.ForeignKey(
        "participation.Ballot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("业主表决 / owners' ballot"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "community__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "community"], name="money_one_contribution_per_community"
            ),
            models.CheckConstraint(
                condition=Q(basis="exclusive_area") | Q(ballot__isnull=False),
                name="money_other_basis_cites_ballot",
            ),
        ]
        verbose_name = _("居民出资 / residents' contribution")

    def __str__(self) -> str:
        return f"{self.community.name} 居民出资 {self.total}"

    @property
    def division(self) -> Any:
        return self.community.division


class HouseholdShare(models.Model):
    contribution = models.ForeignKey(ResidentContribution, on_delete=models.CASCADE, related_name="shares")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, related_name="+")
    unit_label = models.CharField(max_length=80)
    owner = models.ForeignKey(
        "registry.Owner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area_m2 = models.DecimalField(max_digits=10, decimal_places=2)
    area_source = models.CharField(max_length=16)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["contribution", "unit_label"]
        constraints = [
            models.UniqueConstraint(fields=["contribution", "unit"], name="money_share_unit_once"),
            models.CheckConstraint(condition=Q(area_m2__gte=0), name="money_share_area_not_negative"),
        ]
        verbose_name = _("分户分摊 / household share")

    def __str__(self) -> str:
        return f"{self.unit_label} {self.amount}"


class HouseholdPayment(models.Model):
    """A household's payment of its share through one channel; it lands on the ledger as funds received."""

    share = models.ForeignKey(HouseholdShare, on_delete=models.PROTECT, related_name="payments")
    channel = models.CharField(_("缴纳渠道 / channel"), max_length=32, choices=PaymentChannel.choices)
    amount = models.DecimalField(**MONEY)
    date = models.DateField()
    document_number = models.CharField(max_length=60, blank=True)
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["share", "date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="money_household_payment_positive")
        ]
        verbose_name = _("分户缴款 / household payment")

    def __str__(self) -> str:
        return f"{self.share_id} {self.channel} {self.amount}"
