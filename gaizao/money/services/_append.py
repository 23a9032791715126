"""The one write path onto the ledger: lock the project's account row, then append an entry and its audit record.

Every service that adds an entry (a receipt, a payment, a reversal, a disbursement, a household's payment) first
calls :func:`lock_account`: two such transactions on one project then run one after the other (``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite serialises writers anyway), so the checks each runs against the other entries cannot
be overtaken before it commits. Then :func:`append_entry` writes the row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from gaizao.audit.services import audit_record
from gaizao.delivery.models import Contract
from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError
from gaizao.money.models import AccountState, FundingApplication, LedgerEntry, ProjectAccount
from gaizao.programme.models import Project, ProjectState


def _street_and_district(project: Project) -> tuple[Any, Any]:
    street = None
    node: Division | None = project.division
    while node is not None:
        if node.level == "street":
            street = node
        node = node.parent
    return street, project.district


def lock_account(project: Project) -> ProjectAccount:
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


def append_entry(
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
    """Write one entry of ``project``'s ledger (street and district taken from the project) and its audit record;
    the caller has checked it and holds the account lock."""
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
