"""Writes of the money app. Each is one transaction that checks its rule, writes and records its audit event.

The ledger is append-only: :func:`entry_record` appends, :func:`entry_reverse` appends the negative with a reason.
Every check that depends on other entries (a payment within the received funds of its source, within its
commitment) runs after ``SELECT … FOR UPDATE`` on the project's account row (and the commitment row), so two
payments at the same moment are serialised and cannot overdraw. A refusal raises
:class:`gaizao.errors.ApplicationError` naming the field and the rule, and the transaction writes nothing.

State machines (:class:`gaizao.audit.transitions.StateMachine`): ``ACCOUNT_MACHINE``, ``APPLICATION_MACHINE``,
``FINAL_ACCOUNTS_MACHINE``, ``SETTLEMENT_MACHINE``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.delivery.models import Contract
from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.money import access
from gaizao.money.models import (
    AccountState,
    ApplicationState,
    AuditAdjustment,
    CostHeading,
    Disbursement,
    EntryKind,
    Exclusion,
    FinalAccounts,
    FinalAccountsLine,
    FinalAccountsState,
    FundingApplication,
    HouseholdPayment,
    HouseholdShare,
    LedgerEntry,
    PaymentChannel,
    ProjectAccount,
    ResidentContribution,
    Settlement,
    SettlementLine,
    SettlementState,
    ShareBasis,
)
from gaizao.policy import PolicyInputError, funding_sources
from gaizao.policy.settlement import CommunityInput, Household, allocate_contribution, settle_subsidy
from gaizao.programme.models import Project, ProjectState

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
CLAUSE_FUNDS = "杭政办函〔2022〕10号 三(三)"
CLAUSE_SUBSIDY = "杭政办函〔2022〕10号 三(三)2"
CLAUSE_RESIDENTS = "杭政办函〔2022〕10号 三(三)4；民法典 第283条"
#: Sources a funding application may ask for: central and provincial funds (应报尽报), special bonds (专项债).
APPLICATION_SOURCES = ("central_provincial", "special_bonds")
UPLOAD_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".xlsx", ".xls", ".doc", ".docx", ".ofd")

ACCOUNT_MACHINE = StateMachine(
    "money.account", AccountState, {AccountState.OPEN: frozenset({AccountState.CLOSED})}
)
APPLICATION_MACHINE = StateMachine(
    "money.application",
    ApplicationState,
    {ApplicationState.SUBMITTED: frozenset({ApplicationState.GRANTED, ApplicationState.REJECTED})},
)
FINAL_ACCOUNTS_MACHINE = StateMachine(
    "money.final_accounts",
    FinalAccountsState,
    {
        FinalAccountsState.DRAFT: frozenset({FinalAccountsState.SUBMITTED}),
        FinalAccountsState.SUBMITTED: frozenset({FinalAccountsState.AUDITED, FinalAccountsState.DRAFT}),
        FinalAccountsState.AUDITED: frozenset({FinalAccountsState.APPROVED}),
    },
)
SETTLEMENT_MACHINE = StateMachine(
    "money.settlement",
    SettlementState,
    {
        SettlementState.COMPUTED: frozenset({SettlementState.APPROVED}),
        SettlementState.APPROVED: frozenset({SettlementState.DISBURSED}),
    },
)


# --- input guards ---------------------------------------------------------------------------------------------------


def money(value: Any, field: str, *, allow_negative: bool = False, allow_zero: bool = False) -> Decimal:
    """``value`` as yuan to the fen; refuses text, more than two decimals and (unless allowed) zero or negative."""
    try:
        out = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            f"“{field}”不是有效金额：{value!r}。/ {field}: not an amount: {value!r}.", field=field
        ) from None
    if not out.is_finite():
        raise ApplicationError(f"“{field}”不是有效金额。/ {field}: not a finite amount.", field=field)
    if out != out.quantize(FEN):
        raise ApplicationError(
            f"“{field}”金额 {out} 超过两位小数，金额精确到分。/ {field}: {out} has more than two decimal places "
            "(amounts are yuan to the fen).",
            field=field,
            code="precision",
        )
    if out < 0 and not allow_negative:
        raise ApplicationError(f"“{field}”不能为负数。/ {field} must not be negative.", field=field)
    if out == 0 and not allow_zero:
        raise ApplicationError(f"“{field}”不能为零。/ {field} must not be zero.", field=field)
    return out.quantize(FEN)


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ApplicationError(
            f"“{field}”不是有效日期。/ {field}: not a date (YYYY-MM-DD).", field=field
        ) from None


def _text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(f"请填写{label}。/ {field} is required.", field=field)
    return value


def source_ids(on: dt.date | None = None) -> tuple[str, ...]:
    return tuple(c.id for c in funding_sources(on))


def _source(value: str, on: dt.date) -> str:
    if value not in source_ids(on):
        raise ApplicationError(
            f"资金来源“{value}”不在规则集的资金来源中（{CLAUSE_FUNDS}）。/ source: {value!r} is not a funding source "
            "of the rule set.",
            field="source",
        )
    return value


def _check_upload(upload: UploadedFile | None, field: str) -> None:
    if upload is None:
        return
    if not (upload.name or "").lower().endswith(UPLOAD_SUFFIXES):
        raise ApplicationError(
            f"附件须为 PDF、图片、Excel、Word 或 OFD 文件。/ {field} must be a PDF, image, Excel, Word or OFD file.",
            field=field,
        )
    if upload.size and upload.size > 20 * 1024 * 1024:
        raise ApplicationError(f"附件不得超过 20 MB。/ {field} must not exceed 20 MB.", field=field)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionError_("您无权执行此资金操作。/ You may not do this money operation.")


# --- the ledger -----------------------------------------------------------------------------------------------------


def _street_and_district(project: Project) -> tuple[Any, Any]:
    street = None
    node: Division | None = project.division
    while node is not None:
        if node.level == "street":
            street = node
        node = node.parent
    return street, project.district


def _lock_account(project: Project) -> ProjectAccount:
    """The project's account row, locked until the transaction ends (created on first use)."""
    ProjectAccount.objects.get_or_create(project=project)
    account = ProjectAccount.objects.select_for_update().get(project=project)
    if account.state == AccountState.CLOSED:
        raise ApplicationError(
            f"项目“{project.name}”资金账户已关账，不能再记账。/ project: the account of {project.name} is closed; "
            "no entry may be added.",
            field="project",
            code="account_closed",
        )
    if project.state == ProjectState.WITHDRAWN or project.archived_at is not None:
        raise ApplicationError(
            f"项目“{project.name}”已撤销或归档，不能记账。/ project: {project.name} is withdrawn or archived; "
            "no entry may be added.",
            field="project",
            code="project_closed",
        )
    return account


def _net(qs: Any) -> Decimal:
    """Sum of ``amount`` over ``qs`` to the fen (SQLite returns sums without their scale)."""
    return Decimal(qs.aggregate(total=Sum("amount"))["total"] or 0).quantize(FEN)


def source_available(project: Project, source: str) -> Decimal:
    """Received − refunded − paid of ``source`` on ``project``: the cash a payment may draw on."""
    entries = LedgerEntry.objects.filter(project=project, source=source)
    received = _net(entries.filter(kind=EntryKind.RECEIVED)) - _net(entries.filter(kind=EntryKind.REFUND))
    return received - _net(entries.filter(kind=EntryKind.PAYMENT))


def contract_figures(contract: Contract) -> dict[str, Decimal]:
    """What is committed and paid under ``contract`` (net of reversals) and what of its amount is left to pay."""
    entries = LedgerEntry.objects.filter(contract=contract)
    committed = _net(entries.filter(kind=EntryKind.COMMITMENT))
    paid = _net(entries.filter(kind=EntryKind.PAYMENT))
    return {
        "amount": contract.amount,
        "committed": committed,
        "paid": paid,
        "unpaid": contract.amount - paid,
        "uncommitted": contract.amount - committed,
    }


def commitment_outstanding(commitment: LedgerEntry) -> Decimal:
    """The commitment (net of its reversal) less the payments made against it (net of theirs)."""
    committed = commitment.amount + _net(LedgerEntry.objects.filter(reverses=commitment))
    paid = _net(LedgerEntry.objects.filter(Q(commitment=commitment) | Q(reverses__commitment=commitment)))
    return committed - paid


def _append(
    *,
    actor: Any,
    project: Project,
    kind: str,
    source: str,
    amount: Decimal,
    date: dt.date,
    document_number: str,
    community: Any = None,
    attachment: UploadedFile | None = None,
    note: str = "",
    commitment: LedgerEntry | None = None,
    contract: Contract | None = None,
    reverses: LedgerEntry | None = None,
    reason: str = "",
    application: FundingApplication | None = None,
    is_sample: bool = False,
) -> LedgerEntry:
    street, district = _street_and_district(project)
    entry = LedgerEntry(
        project=project,
        community=community,
        division=project.division,
        street=street,
        district=district,
        source=source,
        kind=kind,
        amount=amount,
        date=date,
        document_number=document_number,
        note=note[:255],
        commitment=commitment,
        contract=contract,
        reverses=reverses,
        reason=reason,
        application=application,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_sample=is_sample,
    )
    if attachment is not None:
        entry.attachment = attachment
    entry.save()
    audit_record(
        actor=actor,
        action="money.entry_reverse" if reverses else f"money.entry.{kind}",
        obj=entry,
        changes={
            "source": source,
            "kind": kind,
            "amount": amount,
            "document_number": document_number,
            "contract": contract.number if contract else None,
        },
        reason=reason,
    )
    return entry


def _project_community(project: Project, community_id: Any) -> Any:
    if community_id in (None, ""):
        return None
    community = project.communities.filter(pk=community_id).first()
    if community is None:
        raise ApplicationError(
            "该小区不属于本项目。/ community: the community is not part of this project.", field="community"
        )
    return community


@transaction.atomic
def entry_record(
    *,
    actor: Any,
    project: Project,
    kind: str,
    source: str,
    amount: Any,
    date: Any,
    document_number: str,
    community_id: Any = None,
    attachment: UploadedFile | None = None,
    note: str = "",
    commitment_id: Any = None,
    contract_id: Any = None,
    is_sample: bool = False,
) -> LedgerEntry:
    """Append one entry to ``project``'s ledger.

    A payment may not exceed the received funds of its source still unpaid, nor (when it pays a commitment) what is
    outstanding on that commitment, nor (under a contract) the contract amount less what was paid under it; a
    commitment under a contract may not exceed what of the contract is not yet committed; a refund may not exceed
    the funds on hand. Received funds of an application
    go through :func:`application_receive`; reversals through :func:`entry_reverse`.
    """
    _require(access.can_keep_ledger(actor, project))
    if kind not in EntryKind.values:
        raise ApplicationError(
            f"类型“{kind}”无效。/ kind: expected one of {', '.join(EntryKind.values)}.", field="kind"
        )
    on = _date(date, "date")
    source = _source(source, on)
    value = money(amount, "amount", allow_negative=kind == EntryKind.ADJUSTMENT)
    document_number = _text(document_number, "document_number", "凭证号")
    _check_upload(attachment, "attachment")
    community = _project_community(project, community_id)
    _lock_account(project)
    commitment = None
    if commitment_id not in (None, ""):
        if kind != EntryKind.PAYMENT:
            raise ApplicationError(
                "只有支付可以对应合同承诺。/ commitment: only a payment pays a commitment.",
                field="commitment",
            )
        commitment = (
            LedgerEntry.objects.select_for_update()
            .filter(pk=commitment_id, project=project, kind=EntryKind.COMMITMENT, reverses__isnull=True)
            .first()
        )
        if commitment is None:
            raise ApplicationError(
                "本项目没有该合同承诺。/ commitment: no such commitment on this project.", field="commitment"
            )
    contract = None
    if contract_id not in (None, ""):
        if kind not in (EntryKind.COMMITMENT, EntryKind.PAYMENT):
            raise ApplicationError(
                "只有合同承诺和支付可以对应合同。/ contract: only commitments and payments are made under a contract.",
                field="contract",
            )
        contract = Contract.objects.select_for_update().filter(pk=contract_id, project=project).first()
        if contract is None:
            raise ApplicationError(
                "本项目没有该合同。/ contract: no such contract on this project.", field="contract"
            )
    if commitment is not None and commitment.contract_id is not None:
        if contract is not None and contract.pk != commitment.contract_id:
            raise ApplicationError(
                "支付的合同与承诺的合同不一致。/ contract: the payment's contract differs from its commitment's.",
                field="contract",
            )
        contract = Contract.objects.select_for_update().get(pk=commitment.contract_id)
    if contract is not None:
        figures = contract_figures(contract)
        limit = figures["unpaid"] if kind == EntryKind.PAYMENT else figures["uncommitted"]
        if value > limit:
            what = "支付" if kind == EntryKind.PAYMENT else "承诺"
            raise ApplicationError(
                f"{what}金额 {value} 元超过合同 {contract.number} 金额 {contract.amount} 元的未{what}余额 {limit} 元。"
                f"/ amount: {value} yuan exceeds the {limit} yuan of contract {contract.number} "
                f"({contract.amount} yuan) not yet {'paid' if kind == EntryKind.PAYMENT else 'committed'}.",
                field="amount",
                code="above_contract",
            )
    if kind in (EntryKind.PAYMENT, EntryKind.REFUND):
        available = source_available(project, source)
        if value > available:
            raise ApplicationError(
                f"{EntryKind(kind).label}金额 {value} 元超过该来源已到位未支付资金 {available} 元"
                f"（资金到位后方可支付，{CLAUSE_FUNDS}3 预算绩效管理）。/ amount: {value} yuan exceeds the received "
                f"and unpaid funds of {source}, {available} yuan; pay only from funds received.",
                field="amount",
                code="above_received",
            )
    if commitment is not None:
        outstanding = commitment_outstanding(commitment)
        if value > outstanding:
            raise ApplicationError(
                f"支付金额 {value} 元超过合同承诺未付余额 {outstanding} 元。/ amount: {value} yuan exceeds what is "
                f"outstanding on commitment {commitment.document_number}, {outstanding} yuan.",
                field="amount",
                code="above_commitment",
            )
    return _append(
        actor=actor,
        project=project,
        kind=kind,
        source=source,
        amount=value,
        date=on,
        document_number=document_number,
        community=community,
        attachment=attachment,
        note=note,
        commitment=commitment,
        contract=contract,
        is_sample=is_sample,
    )


@transaction.atomic
def entry_reverse(*, actor: Any, entry: LedgerEntry, reason: str, date: Any = None) -> LedgerEntry:
    """Reverse ``entry`` by a new entry of the opposite amount, with a reason (entries are never changed)."""
    project = entry.project
    _require(access.can_keep_ledger(actor, project))
    reason = _text(reason, "reason", "冲销原因")
    on = _date(date or timezone.localdate(), "date")
    _lock_account(project)
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise ApplicationError("冲销分录不能再冲销。/ entry: a reversal cannot be reversed.", field="entry")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ApplicationError("该分录已冲销。/ entry: this entry is already reversed.", field="entry")
    if entry.kind == EntryKind.COMMITMENT and commitment_outstanding(entry) != entry.amount:
        raise ApplicationError(
            "该合同承诺已有支付，请先冲销支付。/ entry: payments were made against this commitment; reverse them first.",
            field="entry",
        )
    if entry.kind == EntryKind.RECEIVED and entry.amount > source_available(project, entry.source):
        raise ApplicationError(
            "冲销后该来源已付金额将超过到位资金。/ entry: reversing this receipt would leave payments above the funds "
            "received.",
            field="entry",
            code="above_received",
        )
    return _append(
        actor=actor,
        project=project,
        kind=entry.kind,
        source=entry.source,
        amount=-entry.amount,
        date=on,
        document_number=entry.document_number,
        community=entry.community,
        note=f"冲销 / reversal of #{entry.pk}",
        commitment=entry.commitment,
        contract=entry.contract,
        reverses=entry,
        reason=reason,
        application=entry.application,
    )


@transaction.atomic
def account_close(*, actor: Any, project: Project, reason: str = "") -> ProjectAccount:
    """Close the project's books (关账), with a reason: no entry may be added afterwards."""
    _require(access.can_audit(actor, project))
    reason = _text(reason, "reason", "关账原因")
    account = _lock_account(project)
    ACCOUNT_MACHINE.move(account, to=AccountState.CLOSED, actor=actor, reason=reason, save=False)
    account.closed_at = timezone.now()
    account.save(update_fields=["state", "closed_at"])
    return account


# --- funding applications -------------------------------------------------------------------------------------------


@transaction.atomic
def application_submit(
    *, actor: Any, project: Project, source: str, requested: Any, submitted_on: Any, reference: str = ""
) -> FundingApplication:
    """Apply for central and provincial funds or special bonds for ``project`` (应报尽报)."""
    _require(access.can_keep_ledger(actor, project))
    if source not in APPLICATION_SOURCES:
        raise ApplicationError(
            "申报的资金来源须为中央和省级补助资金或地方政府专项债券。/ source: applications are for central_provincial "
            "or special_bonds.",
            field="source",
        )
    application = FundingApplication.objects.create(
        project=project,
        source=source,
        requested=money(requested, "requested"),
        submitted_on=_date(submitted_on, "submitted_on"),
        reference=reference.strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="money.application.submitted",
        obj=application,
        changes={"requested": application.requested, "source": source},
    )
    return application


def can_decide_application(user: Any, application: FundingApplication) -> bool:
    return access.can_keep_ledger(user, application.project) and APPLICATION_MACHINE.allows(
        application, ApplicationState.GRANTED
    )


@transaction.atomic
def application_decide(
    *, actor: Any, application: FundingApplication, granted: Any, decided_on: Any
) -> FundingApplication:
    """Record the amount granted (zero = not granted); it may not exceed the amount requested."""
    _require(access.can_keep_ledger(actor, application.project))
    application = FundingApplication.objects.select_for_update().get(pk=application.pk)
    value = money(granted, "granted", allow_zero=True)
    if value > application.requested:
        raise ApplicationError(
            f"批复金额 {value} 元超过申请金额 {application.requested} 元。/ granted: {value} yuan exceeds the "
            f"{application.requested} yuan requested.",
            field="granted",
        )
    application.granted = value
    application.decided_on = _date(decided_on, "decided_on")
    to = ApplicationState.GRANTED if value > 0 else ApplicationState.REJECTED
    APPLICATION_MACHINE.move(
        application, to=to, actor=actor, changes={"granted": value}, update_fields=["granted", "decided_on"]
    )
    return application


def application_received(application: FundingApplication) -> Decimal:
    return _net(LedgerEntry.objects.filter(application=application, kind=EntryKind.RECEIVED))


@transaction.atomic
def application_receive(
    *,
    actor: Any,
    application: FundingApplication,
    amount: Any,
    date: Any,
    document_number: str,
    attachment: UploadedFile | None = None,
) -> LedgerEntry:
    """Funds of a granted application arrive: a ``received`` entry on the ledger, within the amount granted."""
    project = application.project
    _require(access.can_keep_ledger(actor, project))
    value = money(amount, "amount")
    on = _date(date, "date")
    document_number = _text(document_number, "document_number", "凭证号")
    _check_upload(attachment, "attachment")
    _lock_account(project)
    application = FundingApplication.objects.select_for_update().get(pk=application.pk)
    if application.state != ApplicationState.GRANTED or application.granted is None:
        raise ApplicationError(
            "申报尚未批复，不能登记到位资金。/ application: funds can be received only on a granted application.",
            field="application",
        )
    left = application.granted - application_received(application)
    if value > left:
        raise ApplicationError(
            f"到位金额 {value} 元超过批复未到位余额 {left} 元。/ amount: {value} yuan exceeds the {left} yuan granted "
            "and not yet received.",
            field="amount",
        )
    return _append(
        actor=actor,
        project=project,
        kind=EntryKind.RECEIVED,
        source=application.source,
        amount=value,
        date=on,
        document_number=document_number,
        attachment=attachment,
        note=f"申报 {application.reference or application.pk} 资金到位",
        application=application,
    )


# --- final accounts and audit ---------------------------------------------------------------------------------------


@transaction.atomic
def final_accounts_start(*, actor: Any, project: Project, prepared_by_org: str = "") -> FinalAccounts:
    _require(access.can_keep_ledger(actor, project))
    if FinalAccounts.objects.filter(project=project).exists():
        raise ApplicationError(
            "该项目已有竣工财务决算。/ project: final accounts already exist.", field="project"
        )
    fa = FinalAccounts.objects.create(
        project=project, prepared_by_org=prepared_by_org.strip(), created_by=actor
    )
    audit_record(actor=actor, action="money.final_accounts.started", obj=fa)
    return fa


def _heading(value: str) -> str:
    if value not in CostHeading.values:
        raise ApplicationError(
            f"费用科目“{value}”无效。/ heading: expected one of {', '.join(CostHeading.values)}.",
            field="heading",
        )
    return value


def _exclusion(value: str) -> str:
    if value not in Exclusion.values:
        raise ApplicationError(
            f"扣除类别“{value}”无效（{CLAUSE_SUBSIDY}：加装电梯、二次供水）。/ exclusion: expected elevator, "
            "secondary_water or empty.",
            field="exclusion",
        )
    return value


@transaction.atomic
def final_accounts_line_add(
    *,
    actor: Any,
    final_accounts: FinalAccounts,
    heading: str,
    description: str,
    amount: Any,
    exclusion: str = "",
) -> FinalAccountsLine:
    """Add a cost line; an elevator or secondary-water line is marked as excluded from the subsidy base."""
    _require(access.can_keep_ledger(actor, final_accounts.project))
    fa = FinalAccounts.objects.select_for_update().get(pk=final_accounts.pk)
    if fa.state != FinalAccountsState.DRAFT:
        raise ApplicationError(
            "决算已报送，不能再修改明细。/ final_accounts: lines can be added only while drafting.",
            field="state",
        )
    line = FinalAccountsLine.objects.create(
        final_accounts=fa,
        heading=_heading(heading),
        description=_text(description, "description", "内容"),
        exclusion=_exclusion(exclusion),
        amount=money(amount, "amount"),
    )
    audit_record(
        actor=actor,
        action="money.final_accounts.line",
        obj=fa,
        changes={"heading": heading, "amount": line.amount, "exclusion": exclusion},
    )
    return line


def can_submit_final_accounts(user: Any, fa: FinalAccounts) -> bool:
    return access.can_keep_ledger(user, fa.project) and FINAL_ACCOUNTS_MACHINE.allows(
        fa, FinalAccountsState.SUBMITTED
    )


def can_audit_final_accounts(user: Any, fa: FinalAccounts) -> bool:
    return access.can_audit(user, fa.project) and FINAL_ACCOUNTS_MACHINE.allows(
        fa, FinalAccountsState.AUDITED
    )


def can_approve_final_accounts(user: Any, fa: FinalAccounts) -> bool:
    return access.can_audit(user, fa.project) and FINAL_ACCOUNTS_MACHINE.allows(
        fa, FinalAccountsState.APPROVED
    )


@transaction.atomic
def final_accounts_submit(*, actor: Any, final_accounts: FinalAccounts) -> FinalAccounts:
    _require(access.can_keep_ledger(actor, final_accounts.project))
    fa = FinalAccounts.objects.select_for_update().get(pk=final_accounts.pk)
    if not fa.lines.exists():
        raise ApplicationError(
            "决算没有任何明细。/ lines: the final accounts have no cost line.", field="lines"
        )
    FINAL_ACCOUNTS_MACHINE.check(fa, FinalAccountsState.SUBMITTED)
    fa.submitted_at = timezone.now()
    FINAL_ACCOUNTS_MACHINE.move(
        fa,
        to=FinalAccountsState.SUBMITTED,
        actor=actor,
        update_fields=["submitted_at"],
        changes={k: str(v) for k, v in fa.submitted_figures().items()},
    )
    return fa


@transaction.atomic
def final_accounts_audit(
    *,
    actor: Any,
    final_accounts: FinalAccounts,
    auditor: str,
    report_number: str,
    adjustments: Iterable[Mapping[str, Any]] = (),
    report: UploadedFile | None = None,
) -> FinalAccounts:
    """Record the audit (决算审计): the adjustments (审减 negative) give the audited total and exclusions.

    Refused when the audited exclusions would exceed the audited total, or any audited figure turn negative.
    """
    _require(access.can_audit(actor, final_accounts.project))
    fa = FinalAccounts.objects.select_for_update().get(pk=final_accounts.pk)
    FINAL_ACCOUNTS_MACHINE.check(fa, FinalAccountsState.AUDITED)
    auditor = _text(auditor, "auditor", "审计单位")
    report_number = _text(report_number, "report_number", "审计报告文号")
    _check_upload(report, "report")
    figures = fa.submitted_figures()
    rows = []
    for i, adj in enumerate(adjustments):
        amount = money(adj.get("amount"), f"adjustments[{i}].amount", allow_negative=True)
        exclusion = _exclusion(str(adj.get("exclusion") or ""))
        rows.append(
            AuditAdjustment(
                final_accounts=fa,
                heading=_heading(str(adj.get("heading") or "")),
                exclusion=exclusion,
                amount=amount,
                reason=_text(str(adj.get("reason") or ""), f"adjustments[{i}].reason", "调整理由"),
            )
        )
        figures["total"] += amount
        if exclusion:
            figures[exclusion] += amount
    for key, value in figures.items():
        if value < 0:
            raise ApplicationError(
                f"审计后“{key}”为负数 {value} 元。/ adjustments: the audited {key} would be negative ({value} yuan).",
                field="adjustments",
            )
    excluded = figures["elevator"] + figures["secondary_water"]
    if excluded > figures["total"]:
        raise ApplicationError(
            f"扣除的加装电梯和二次供水投入 {excluded} 元大于审定决算 {figures['total']} 元（{CLAUSE_SUBSIDY}）。/ "
            f"exclusions: elevator and secondary water {excluded} yuan exceed the audited final accounts "
            f"{figures['total']} yuan.",
            field="exclusions",
            code="exclusions_above_total",
        )
    AuditAdjustment.objects.bulk_create(rows)
    fa.auditor, fa.audit_report_number = auditor, report_number
    if report is not None:
        fa.audit_report = report
    fa.audited_total = figures["total"]
    fa.audited_elevator = figures["elevator"]
    fa.audited_secondary_water = figures["secondary_water"]
    fa.audited_at = timezone.now()
    FINAL_ACCOUNTS_MACHINE.move(
        fa,
        to=FinalAccountsState.AUDITED,
        actor=actor,
        changes={"audited_total": fa.audited_total, "adjustments": len(rows)},
        update_fields=[
            "auditor",
            "audit_report_number",
            "audit_report",
            "audited_total",
            "audited_elevator",
            "audited_secondary_water",
            "audited_at",
        ],
    )
    return fa


@transaction.atomic
def final_accounts_approve(*, actor: Any, final_accounts: FinalAccounts) -> FinalAccounts:
    """Approve the audited figure as 核定 (only an audited figure can be approved)."""
    _require(access.can_audit(actor, final_accounts.project))
    fa = FinalAccounts.objects.select_for_update().get(pk=final_accounts.pk)
    if fa.audited_total is None:
        raise ApplicationError(
            "决算尚未审计，只有审定金额才能核定。/ state: only an audited figure can be approved.",
            field="state",
        )
    FINAL_ACCOUNTS_MACHINE.check(fa, FinalAccountsState.APPROVED)
    fa.approved_at, fa.approved_by = timezone.now(), actor
    FINAL_ACCOUNTS_MACHINE.move(
        fa,
        to=FinalAccountsState.APPROVED,
        actor=actor,
        changes={"approved_total": fa.audited_total},
        update_fields=["approved_at", "approved_by"],
    )
    return fa


# --- subsidy settlement ---------------------------------------------------------------------------------------------


def rule_date(project: Project) -> dt.date:
    """The date whose rule set governs the subsidy: the approval of the annual plan that holds the project (RULES §6
    transitional rule); a project in no approved annual plan is settled under today's rule set."""
    approved = project.annual_plans.filter(approved_at__isnull=False).order_by("approved_at").first()
    if approved is not None and approved.approved_at is not None:
        return timezone.localtime(approved.approved_at).date()
    return timezone.localdate()


def plan_estimate(project: Project) -> Decimal:
    """The municipal subsidy expected at plan time (the current plan version; zero without a plan)."""
    from gaizao.programme.models import Plan

    plan = Plan.objects.filter(project=project).select_related("current_version").first()
    if plan is None or plan.current_version is None:
        return ZERO
    return plan.current_version.subsidy_amount


def _community_inputs(project: Project) -> list[tuple[Any, CommunityInput]]:
    out = []
    for c in project.communities.select_related("division").order_by("code"):
        if c.building_area_m2 is None:
            raise ApplicationError(
                f"小区“{c.name}”没有建筑面积。/ building_area_m2: community {c.name} has no building area.",
                field="building_area_m2",
            )
        if c.built_year is None:
            raise ApplicationError(
                f"小区“{c.name}”没有建成年份。/ built_year: community {c.name} has no year built.",
                field="built_year",
            )
        out.append(
            (
                c,
                CommunityInput(
                    key=str(c.pk),
                    district=c.district_code,
                    built_year=c.built_year,
                    affordable_housing=c.affordable_housing,
                    building_area_m2=c.building_area_m2,
                ),
            )
        )
    return out


def can_compute_settlement(user: Any, project: Project) -> bool:
    return access.can_audit(user, project)


@transaction.atomic
def settlement_compute(*, actor: Any, project: Project) -> Settlement:
    """Compute (or recompute, before approval) the subsidy settlement on the approved final accounts."""
    _require(access.can_audit(actor, project))
    fa = FinalAccounts.objects.select_for_update().filter(project=project).first()
    if fa is None or fa.state != FinalAccountsState.APPROVED or fa.audited_total is None:
        raise ApplicationError(
            f"补助清算须依据审计后核定的竣工财务决算（{CLAUSE_SUBSIDY}）。/ final_accounts: a settlement needs final "
            "accounts that are audited and approved.",
            field="final_accounts",
            code="not_audited",
        )
    existing = Settlement.objects.select_for_update().filter(project=project).first()
    if existing is not None and existing.state != SettlementState.COMPUTED:
        raise ApplicationError(
            "清算已审批，不能重算。/ settlement: already approved.", field="state", code="illegal_transition"
        )
    communities = _community_inputs(project)
    on = rule_date(project)
    try:
        rows = settle_subsidy(
            final_accounts=fa.audited_total,
            elevator_cost=fa.audited_elevator or ZERO,
            secondary_water_cost=fa.audited_secondary_water or ZERO,
            communities=[c for _, c in communities],
            on=on,
        )
    except PolicyInputError as exc:
        raise ApplicationError(str(exc), field=exc.field) from exc
    from gaizao.policy import split_largest_remainder

    estimates = split_largest_remainder(plan_estimate(project), [c.building_area_m2 for _, c in communities])
    total = sum((r.decision.amount for r in rows), ZERO)
    now = timezone.now()
    if existing is None:
        settlement = Settlement(project=project, final_accounts=fa)
    else:
        settlement = existing
        settlement.lines.all().delete()
    settlement.ruleset_id = rows[0].decision.ruleset_id
    settlement.rule_date = on
    settlement.subsidy_total = total
    settlement.estimate_total = sum(estimates, ZERO)
    settlement.computed_at, settlement.computed_by = now, actor
    settlement.save()
    SettlementLine.objects.bulk_create(
        [
            SettlementLine(
                settlement=settlement,
                community=community,
                building_area_m2=row.building_area_m2,
                final_accounts=row.final_accounts,
                elevator=row.elevator_cost,
                secondary_water=row.secondary_water_cost,
                base=row.decision.base,
                cap=row.decision.cap,
                share=row.decision.share,
                subsidy=row.decision.amount,
                payer=row.decision.payer,
                developer_charge=row.developer_charge,
                estimate=estimate,
                reasons=[r.to_dict() for r in row.decision.reasons],
            )
            for (community, _), row, estimate in zip(communities, rows, estimates, strict=True)
        ]
    )
    audit_record(
        actor=actor,
        action="money.settlement.computed",
        obj=settlement,
        changes={
            "subsidy_total": total,
            "estimate_total": settlement.estimate_total,
            "ruleset": settlement.ruleset_id,
        },
    )
    return settlement


def can_approve(user: Any, settlement: Settlement) -> bool:
    return access.can_approve_settlement(user, settlement.project) and SETTLEMENT_MACHINE.allows(
        settlement, SettlementState.APPROVED
    )


def can_disburse(user: Any, settlement: Settlement) -> bool:
    return (
        access.can_approve_settlement(user, settlement.project)
        and settlement.state == SettlementState.APPROVED
    )


@transaction.atomic
def settlement_approve(*, actor: Any, settlement: Settlement) -> Settlement:
    """The city approves the settlement (its amount is the rule's, never edited)."""
    _require(access.can_approve_settlement(actor, settlement.project))
    s = Settlement.objects.select_for_update().get(pk=settlement.pk)
    s.approved_at, s.approved_by = timezone.now(), actor
    SETTLEMENT_MACHINE.move(
        s,
        to=SettlementState.APPROVED,
        actor=actor,
        changes={"subsidy_total": s.subsidy_total},
        update_fields=["approved_at", "approved_by"],
    )
    return s


def disbursed_total(settlement: Settlement) -> Decimal:
    return _net(settlement.disbursements.all())


@transaction.atomic
def settlement_disburse(
    *, actor: Any, settlement: Settlement, amount: Any, date: Any, document_number: str
) -> Disbursement:
    """Disburse (拨付) part or all of the approved subsidy; never above the rule's amount. Lands on the ledger."""
    project = settlement.project
    _require(access.can_approve_settlement(actor, project))
    value = money(amount, "amount")
    on = _date(date, "date")
    document_number = _text(document_number, "document_number", "凭证号")
    _lock_account(project)
    s = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if s.state != SettlementState.APPROVED:
        raise ApplicationError(
            "清算须经市级审批后方可拨付。/ state: only an approved settlement can be disbursed.",
            field="state",
            code="illegal_transition",
        )
    left = s.subsidy_total - disbursed_total(s)
    if value > left:
        raise ApplicationError(
            f"拨付金额 {value} 元超过按规则核定的补助未拨余额 {left} 元（{CLAUSE_SUBSIDY}）。/ amount: {value} yuan "
            f"exceeds the {left} yuan of the rule's subsidy not yet disbursed.",
            field="amount",
            code="above_rule",
        )
    entry = _append(
        actor=actor,
        project=project,
        kind=EntryKind.RECEIVED,
        source="municipal_subsidy",
        amount=value,
        date=on,
        document_number=document_number,
        note="市级补助清算拨付 / subsidy disbursement",
    )
    d = Disbursement.objects.create(
        settlement=s, amount=value, date=on, document_number=document_number, entry=entry, created_by=actor
    )
    if value == left:
        SETTLEMENT_MACHINE.move(s, to=SettlementState.DISBURSED, actor=actor)
    return d


# --- residents' shares ----------------------------------------------------------------------------------------------


def _ballot_for_basis(ballot_id: Any, community: Any) -> Any:
    from gaizao.participation.models import Ballot, BallotStatus

    ballot = Ballot.objects.filter(pk=ballot_id).first() if ballot_id not in (None, "") else None
    if ballot is None:
        raise ApplicationError(
            f"按面积以外的方式分摊须引用业主表决（{CLAUSE_RESIDENTS}）。/ ballot: a basis other than exclusive area "
            "needs the owners' ballot that approved it.",
            field="ballot",
        )
    if ballot.community_id != community.pk:
        raise ApplicationError(
            "该表决不属于本小区。/ ballot: the ballot is of another community.", field="ballot"
        )
    if ballot.status not in (BallotStatus.CLOSED, BallotStatus.PUBLISHED) or not ballot.approved:
        raise ApplicationError(
            "该表决尚未通过。/ ballot: the cited ballot has not approved the basis.", field="ballot"
        )
    return ballot


@transaction.atomic
def contribution_allocate(
    *,
    actor: Any,
    project: Project,
    community_id: Any,
    total: Any,
    basis: str = ShareBasis.EXCLUSIVE_AREA,
    ballot_id: Any = None,
) -> ResidentContribution:
    """Share the residents' contribution of one community out to its households, to the fen (largest remainder).

    By exclusive area (民法典 第283条) unless the owners approved another basis by ballot, which is then cited.
    """
    community = _project_community(project, community_id)
    if community is None:
        raise ApplicationError("请选择小区。/ community is required.", field="community")
    _require(access.can_manage_shares(actor, community))
    value = money(total, "total")
    if basis not in ShareBasis.values:
        raise ApplicationError(
            f"分摊依据“{basis}”无效。/ basis: expected one of {', '.join(ShareBasis.values)}.", field="basis"
        )
    ballot = _ballot_for_basis(ballot_id, community) if basis != ShareBasis.EXCLUSIVE_AREA else None
    if ResidentContribution.objects.filter(project=project, community=community).exists():
        raise ApplicationError(
            "该小区已分摊居民出资。/ community: the contribution is already allocated.", field="community"
        )
    from gaizao.registry.models import Unit

    units = list(
        Unit.objects.filter(building__community=community)
        .select_related("building", "owner")
        .order_by("building__code", "stairwell", "number")
    )
    if not units:
        raise ApplicationError("该小区没有房屋登记。/ community: no units are registered.", field="community")
    rows = []
    for unit in units:
        try:
            area, area_source = unit.exclusive_area
        except PolicyInputError as exc:
            raise ApplicationError(f"{unit}：{exc}", field="area_m2") from exc
        if area < 0:
            raise ApplicationError(
                f"{unit} 的专有面积为负数 {area}。/ area_m2: {unit} has a negative area {area}.",
                field="area_m2",
            )
        rows.append((unit, area, area_source))
    weights = [
        Household(key=str(u.pk), weight=(a if basis == ShareBasis.EXCLUSIVE_AREA else Decimal(1)))
        for u, a, _ in rows
    ]
    try:
        amounts = allocate_contribution(value, weights)
    except PolicyInputError as exc:
        raise ApplicationError(str(exc), field=exc.field) from exc
    contribution = ResidentContribution.objects.create(
        project=project, community=community, total=value, basis=basis, ballot=ballot, created_by=actor
    )
    HouseholdShare.objects.bulk_create(
        [
            HouseholdShare(
                contribution=contribution,
                unit=u,
                unit_label=str(u),
                owner=u.owner,
                area_m2=a,
                area_source=src,
                amount=amt,
            )
            for (u, a, src), amt in zip(rows, amounts, strict=True)
        ]
    )
    audit_record(
        actor=actor,
        action="money.contribution.allocated",
        obj=contribution,
        changes={
            "total": value,
            "basis": basis,
            "ballot": ballot.pk if ballot else None,
            "households": len(rows),
        },
    )
    return contribution


def share_paid(share: HouseholdShare) -> Decimal:
    return _net(share.payments.all())


@transaction.atomic
def household_payment_record(
    *, actor: Any, share: HouseholdShare, channel: str, amount: Any, date: Any, document_number: str = ""
) -> HouseholdPayment:
    """A household pays (part of) its share through a channel; the money lands on the ledger under that source."""
    contribution = share.contribution
    _require(access.can_manage_shares(actor, contribution.community))
    if channel not in PaymentChannel.values:
        raise ApplicationError(
            f"缴纳渠道“{channel}”无效。/ channel: expected one of {', '.join(PaymentChannel.values)}.",
            field="channel",
        )
    value = money(amount, "amount")
    on = _date(date, "date")
    _lock_account(contribution.project)
    share = HouseholdShare.objects.select_for_update().get(pk=share.pk)
    left = share.amount - share_paid(share)
    if value > left:
        raise ApplicationError(
            f"缴款 {value} 元超过该户应缴未缴 {left} 元。/ amount: {value} yuan exceeds the {left} yuan still due "
            "from this household.",
            field="amount",
        )
    entry = _append(
        actor=actor,
        project=contribution.project,
        kind=EntryKind.RECEIVED,
        source=channel,
        amount=value,
        date=on,
        document_number=document_number.strip() or f"HH-{share.pk}",
        community=contribution.community,
        note=f"居民出资 {share.unit_label}",
    )
    payment = HouseholdPayment.objects.create(
        share=share,
        channel=channel,
        amount=value,
        date=on,
        document_number=document_number.strip(),
        entry=entry,
        created_by=actor,
    )
    return payment
