"""Funding applications (应报尽报): apply for central and provincial funds or special bonds, record the grant, and
receive the granted funds onto the ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.errors import ApplicationError
from gaizao.money import access
from gaizao.money.models import ApplicationState, EntryKind, FundingApplication, LedgerEntry
from gaizao.money.services._append import append_entry, lock_account
from gaizao.money.services._common import _check_upload, _date, _net, _require, _text, money
from gaizao.programme.models import Project

#: Sources a funding application may ask for: central and provincial funds (应报尽报), special bonds (专项债).
APPLICATION_SOURCES = ("central_provincial", "special_bonds")
APPLICATION_MACHINE = StateMachine(
    "money.application",
    ApplicationState,
    {ApplicationState.SUBMITTED: frozenset({ApplicationState.GRANTED, ApplicationState.REJECTED})},
)


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
    lock_account(project)
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
    return append_entry(
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
