"""The ledger of a project: entries, their reversals, and closing the books.

The ledger is append-only: :func:`entry_record` appends, :func:`entry_reverse` appends the negative with a reason.
Every check that depends on other entries (a payment within the received funds of its source, within its
commitment, within its contract) runs after ``SELECT … FOR UPDATE`` on the project's account row (and the
commitment and contract rows), so two payments at the same moment are serialised and cannot overdraw.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gaizao.audit.transitions import StateMachine
from gaizao.delivery.models import Contract
from gaizao.errors import ApplicationError
from gaizao.money import access
from gaizao.money.models import AccountState, EntryKind, LedgerEntry, ProjectAccount
from gaizao.money.services._append import append_entry, lock_account
from gaizao.money.services._common import (
    CLAUSE_FUNDS,
    _check_upload,
    _date,
    _net,
    _project_community,
    _require,
    _source,
    _text,
    money,
)
from gaizao.programme.models import Project

ACCOUNT_MACHINE = StateMachine(
    "money.account", AccountState, {AccountState.OPEN: frozenset({AccountState.CLOSED})}
)


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
    lock_account(project)
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
    return append_entry(
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
    lock_account(project)
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
    return append_entry(
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
    account = lock_account(project)
    ACCOUNT_MACHINE.move(account, to=AccountState.CLOSED, actor=actor, reason=reason, save=False)
    account.closed_at = timezone.now()
    account.save(update_fields=["state", "closed_at"])
    return account
