"""Final accounts (竣工财务决算) and their audit: draft the cost lines, submit, record the audit's adjustments, approve
the audited figure (核定). Elevator and secondary-water lines are marked as excluded from the subsidy base."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.errors import ApplicationError
from gaizao.money import access
from gaizao.money.models import (
    AuditAdjustment,
    CostHeading,
    Exclusion,
    FinalAccounts,
    FinalAccountsLine,
    FinalAccountsState,
)
from gaizao.money.services._common import CLAUSE_SUBSIDY, _check_upload, _require, _text, money
from gaizao.programme.models import Project

FINAL_ACCOUNTS_MACHINE = StateMachine(
    "money.final_accounts",
    FinalAccountsState,
    {
        FinalAccountsState.DRAFT: frozenset({FinalAccountsState.SUBMITTED}),
        FinalAccountsState.SUBMITTED: frozenset({FinalAccountsState.AUDITED, FinalAccountsState.DRAFT}),
        FinalAccountsState.AUDITED: frozenset({FinalAccountsState.APPROVED}),
    },
)


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


def audited_figures(
    submitted: Mapping[str, Decimal], adjustments: Iterable[tuple[str, Decimal]]
) -> dict[str, Decimal]:
    """The audited ``total``, ``elevator`` and ``secondary_water`` (yuan): the submitted figures plus the audit's
    adjustments, each ``(exclusion, amount)`` adding to the total and, when it names an exclusion, to that figure.

    Pure (reads nothing). Refused when a figure would turn negative or the exclusions exceed the total.
    """
    figures = dict(submitted)
    for exclusion, amount in adjustments:
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
    return figures


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
    submitted = fa.submitted_figures()
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
    figures = audited_figures(submitted, [(row.exclusion, row.amount) for row in rows])
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
