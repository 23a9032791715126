"""Money API at /api/v1/money/: the ledger and its balances, roll-ups, funding applications, final accounts and
audit, the subsidy settlement, residents' shares and budget performance. Amounts travel as decimal strings (yuan to
the fen); entries with attachments are multipart forms. Reads answer 404 outside the caller's scope."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from gaizao.errors import ApplicationError
from gaizao.money import access, reports, selectors, services
from gaizao.money.models import (
    FinalAccounts,
    FundingApplication,
    LedgerEntry,
    ResidentContribution,
    Settlement,
)

router = Router(tags=["money"])

# ``File[UploadedFile] | None = None`` loses the File marker inside the Optional in django-ninja 1.7 and the upload is
# silently dropped; an explicit ``File(None)`` default keeps it (one instance per parameter).
_ENTRY_ATTACHMENT = File(None)
_RECEIPT_ATTACHMENT = File(None)
_AUDIT_REPORT = File(None)


def _s(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _s(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_s(v) for v in value]
    return value


def entry_out(e: LedgerEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "project": e.project_id,
        "community": e.community_id,
        "source": e.source,
        "kind": e.kind,
        "amount": str(e.amount),
        "date": e.date.isoformat(),
        "document_number": e.document_number,
        "attachment": e.attachment.url if e.attachment else None,
        "note": e.note,
        "commitment": e.commitment_id,
        "contract": e.contract_id,
        "reverses": e.reverses_id,
        "reason": e.reason,
        "application": e.application_id,
        "created_at": e.created_at.isoformat(),
    }


def application_out(a: FundingApplication) -> dict[str, Any]:
    return {
        "id": a.pk,
        "project": a.project_id,
        "source": a.source,
        "reference": a.reference,
        "requested": str(a.requested),
        "granted": str(a.granted) if a.granted is not None else None,
        "received": str(services.application_received(a)),
        "state": a.state,
        "submitted_on": a.submitted_on.isoformat(),
        "decided_on": a.decided_on.isoformat() if a.decided_on else None,
    }


def final_accounts_out(fa: FinalAccounts) -> dict[str, Any]:
    return {
        "id": fa.pk,
        "project": fa.project_id,
        "state": fa.state,
        "submitted": _s(fa.submitted_figures()),
        "lines": [
            {
                "id": x.pk,
                "heading": x.heading,
                "description": x.description,
                "exclusion": x.exclusion,
                "amount": str(x.amount),
            }
            for x in fa.lines.all()
        ],
        "audit": {
            "auditor": fa.auditor,
            "report_number": fa.audit_report_number,
            "report": fa.audit_report.url if fa.audit_report else None,
            "total": _s(fa.audited_total),
            "elevator": _s(fa.audited_elevator),
            "secondary_water": _s(fa.audited_secondary_water),
            "adjustments": [
                {"heading": a.heading, "exclusion": a.exclusion, "amount": str(a.amount), "reason": a.reason}
                for a in fa.adjustments.all()
            ],
        },
        "approved_at": fa.approved_at.isoformat() if fa.approved_at else None,
    }


def settlement_out(s: Settlement) -> dict[str, Any]:
    return {
        "id": s.pk,
        "project": s.project_id,
        "state": s.state,
        "ruleset": s.ruleset_id,
        "rule_date": s.rule_date.isoformat(),
        "subsidy_total": str(s.subsidy_total),
        "estimate_total": str(s.estimate_total),
        "difference": str(s.difference),
        "disbursed": str(services.disbursed_total(s)),
        "rows": reports.settlement_rows(s),
    }


def contribution_out(user: Any, c: ResidentContribution) -> dict[str, Any]:
    return {
        "id": c.pk,
        "project": c.project_id,
        "community": c.community_id,
        "total": str(c.total),
        "basis": c.basis,
        "ballot": c.ballot_id,
        "households": _s(selectors.household_rows(user, c)),
        "channels": [{**_s(r), "label": str(r["label"])} for r in selectors.channel_totals(c)],
    }


# --- the ledger -----------------------------------------------------------------------------------------------------


@router.get(
    "/projects/{project_id}/balances", summary="Balances by source: budgeted, received, committed, paid"
)
def project_balances(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = selectors.get_project(request.user, project_id)
    return _s(selectors.project_balances(project))


@router.get("/projects/{project_id}/entries", summary="The project's ledger, oldest first")
def project_entries(request: HttpRequest, project_id: int) -> list[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    return [entry_out(e) for e in selectors.project_entries(project)]


@router.post(
    "/projects/{project_id}/entries",
    response={201: dict},
    summary="Append an entry (multipart form; attachment optional)",
)
def entry_create(
    request: HttpRequest,
    project_id: int,
    kind: Form[str],
    source: Form[str],
    amount: Form[str],
    date: Form[str],
    document_number: Form[str],
    community: Form[str] = "",
    note: Form[str] = "",
    commitment: Form[str] = "",
    contract: Form[str] = "",
    attachment: UploadedFile | None = _ENTRY_ATTACHMENT,
) -> Status[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    entry = services.entry_record(
        actor=request.user,
        project=project,
        kind=kind,
        source=source,
        amount=amount,
        date=date,
        document_number=document_number,
        community_id=community or None,
        attachment=attachment,
        note=note,
        commitment_id=commitment or None,
        contract_id=contract or None,
    )
    return Status(201, entry_out(entry))


class ReverseIn(Schema):
    reason: str
    date: str | None = None


@router.post("/entries/{entry_id}/reverse", response={201: dict}, summary="Reverse an entry with a reason")
def entry_reverse(request: HttpRequest, entry_id: int, payload: ReverseIn) -> Status[dict[str, Any]]:
    entry = selectors.get_entry(request.user, entry_id)
    return Status(
        201,
        entry_out(
            services.entry_reverse(actor=request.user, entry=entry, reason=payload.reason, date=payload.date)
        ),
    )


@router.get("/contracts/{contract_id}", summary="What is committed and paid under a delivery contract")
def contract_figures(request: HttpRequest, contract_id: int) -> dict[str, Any]:
    from gaizao.delivery.models import Contract

    contract = Contract.objects.filter(
        pk=contract_id, project__in=selectors.projects_for(request.user)
    ).first()
    if contract is None:
        from django.http import Http404

        raise Http404
    return {"id": contract.pk, "number": contract.number, **_s(services.contract_figures(contract))}


@router.get("/rollup", summary="Balances rolled up by project, street, district or city")
def rollup(request: HttpRequest, level: str = "district") -> list[dict[str, Any]]:
    return _s(selectors.rollup(request.user, level))


class CloseIn(Schema):
    reason: str


@router.post("/projects/{project_id}/close", summary="Close the project's books (关账), with a reason")
def account_close(request: HttpRequest, project_id: int, payload: CloseIn) -> dict[str, Any]:
    project = selectors.get_project(request.user, project_id)
    account = services.account_close(actor=request.user, project=project, reason=payload.reason)
    return {"project": project.pk, "state": account.state}


# --- funding applications -------------------------------------------------------------------------------------------


class ApplicationIn(Schema):
    source: str
    requested: str
    submitted_on: str
    reference: str = ""


class DecisionIn(Schema):
    granted: str
    decided_on: str


@router.get("/projects/{project_id}/applications", summary="Funding applications of a project")
def applications(request: HttpRequest, project_id: int) -> list[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    return [application_out(a) for a in project.funding_applications.all()]


@router.post(
    "/projects/{project_id}/applications",
    response={201: dict},
    summary="Apply for central and provincial funds or special bonds",
)
def application_create(
    request: HttpRequest, project_id: int, payload: ApplicationIn
) -> Status[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    app = services.application_submit(
        actor=request.user,
        project=project,
        source=payload.source,
        requested=payload.requested,
        submitted_on=payload.submitted_on,
        reference=payload.reference,
    )
    return Status(201, application_out(app))


@router.post("/applications/{application_id}/decision", summary="Record the amount granted")
def application_decide(request: HttpRequest, application_id: int, payload: DecisionIn) -> dict[str, Any]:
    app = selectors.get_application(request.user, application_id)
    return application_out(
        services.application_decide(
            actor=request.user, application=app, granted=payload.granted, decided_on=payload.decided_on
        )
    )


@router.post(
    "/applications/{application_id}/receipts",
    response={201: dict},
    summary="Granted funds arrive (multipart form): a received entry on the ledger",
)
def application_receive(
    request: HttpRequest,
    application_id: int,
    amount: Form[str],
    date: Form[str],
    document_number: Form[str],
    attachment: UploadedFile | None = _RECEIPT_ATTACHMENT,
) -> Status[dict[str, Any]]:
    app = selectors.get_application(request.user, application_id)
    entry = services.application_receive(
        actor=request.user,
        application=app,
        amount=amount,
        date=date,
        document_number=document_number,
        attachment=attachment,
    )
    return Status(201, entry_out(entry))


# --- final accounts and audit ---------------------------------------------------------------------------------------


class FinalAccountsIn(Schema):
    prepared_by_org: str = ""


class LineIn(Schema):
    heading: str
    description: str
    amount: str
    exclusion: str = ""


@router.get("/projects/{project_id}/final-accounts", summary="The project's final accounts and audit")
def final_accounts_get(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = selectors.get_project(request.user, project_id)
    fa = FinalAccounts.objects.filter(project=project).first()
    if fa is None:
        from django.http import Http404

        raise Http404
    return final_accounts_out(fa)


@router.post(
    "/projects/{project_id}/final-accounts", response={201: dict}, summary="Start the final accounts"
)
def final_accounts_start(
    request: HttpRequest, project_id: int, payload: FinalAccountsIn
) -> Status[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    fa = services.final_accounts_start(
        actor=request.user, project=project, prepared_by_org=payload.prepared_by_org
    )
    return Status(201, final_accounts_out(fa))


@router.post("/final-accounts/{fa_id}/lines", response={201: dict}, summary="Add a cost line")
def final_accounts_line(request: HttpRequest, fa_id: int, payload: LineIn) -> Status[dict[str, Any]]:
    fa = selectors.get_final_accounts(request.user, fa_id)
    services.final_accounts_line_add(
        actor=request.user,
        final_accounts=fa,
        heading=payload.heading,
        description=payload.description,
        amount=payload.amount,
        exclusion=payload.exclusion,
    )
    return Status(201, final_accounts_out(fa))


@router.post("/final-accounts/{fa_id}/submit", summary="Submit the final accounts for audit")
def final_accounts_submit(request: HttpRequest, fa_id: int) -> dict[str, Any]:
    fa = selectors.get_final_accounts(request.user, fa_id)
    return final_accounts_out(services.final_accounts_submit(actor=request.user, final_accounts=fa))


@router.post(
    "/final-accounts/{fa_id}/audit",
    summary="Record the audit (multipart form: adjustments as a JSON list, the report as a file)",
)
def final_accounts_audit(
    request: HttpRequest,
    fa_id: int,
    auditor: Form[str],
    report_number: Form[str],
    adjustments: Form[str] = "[]",
    report: UploadedFile | None = _AUDIT_REPORT,
) -> dict[str, Any]:
    fa = selectors.get_final_accounts(request.user, fa_id)
    try:
        rows = json.loads(adjustments or "[]")
    except json.JSONDecodeError as exc:
        raise ApplicationError(
            "审计调整须为 JSON 列表。/ adjustments: not a JSON list.", field="adjustments"
        ) from exc
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ApplicationError("审计调整须为 JSON 列表。/ adjustments: not a JSON list.", field="adjustments")
    fa = services.final_accounts_audit(
        actor=request.user,
        final_accounts=fa,
        auditor=auditor,
        report_number=report_number,
        adjustments=rows,
        report=report,
    )
    return final_accounts_out(fa)


@router.post("/final-accounts/{fa_id}/approve", summary="Approve the audited figure (核定)")
def final_accounts_approve(request: HttpRequest, fa_id: int) -> dict[str, Any]:
    fa = selectors.get_final_accounts(request.user, fa_id)
    return final_accounts_out(services.final_accounts_approve(actor=request.user, final_accounts=fa))


# --- settlement -----------------------------------------------------------------------------------------------------


class DisbursementIn(Schema):
    amount: str
    date: str
    document_number: str


@router.post(
    "/projects/{project_id}/settlement",
    response={201: dict},
    summary="Compute the subsidy settlement on the approved final accounts",
)
def settlement_compute(request: HttpRequest, project_id: int) -> Status[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    return Status(201, settlement_out(services.settlement_compute(actor=request.user, project=project)))


@router.get("/settlements/{settlement_id}", summary="A settlement: one row per community, with its reasons")
def settlement_get(request: HttpRequest, settlement_id: int) -> dict[str, Any]:
    return settlement_out(selectors.get_settlement(request.user, settlement_id))


@router.post("/settlements/{settlement_id}/approve", summary="The city approves the settlement")
def settlement_approve(request: HttpRequest, settlement_id: int) -> dict[str, Any]:
    s = selectors.get_settlement(request.user, settlement_id)
    return settlement_out(services.settlement_approve(actor=request.user, settlement=s))


@router.post(
    "/settlements/{settlement_id}/disbursements",
    response={201: dict},
    summary="Disburse the approved subsidy (never above the rule's amount)",
)
def settlement_disburse(
    request: HttpRequest, settlement_id: int, payload: DisbursementIn
) -> Status[dict[str, Any]]:
    s = selectors.get_settlement(request.user, settlement_id)
    services.settlement_disburse(
        actor=request.user,
        settlement=s,
        amount=payload.amount,
        date=payload.date,
        document_number=payload.document_number,
    )
    s.refresh_from_db()
    return Status(201, settlement_out(s))


# --- residents' shares ----------------------------------------------------------------------------------------------


class ContributionIn(Schema):
    community: int
    total: str
    basis: str = "exclusive_area"
    ballot: int | None = None


class PaymentIn(Schema):
    channel: str
    amount: str
    date: str
    document_number: str = ""


@router.post(
    "/projects/{project_id}/contributions",
    response={201: dict},
    summary="Allocate a community's residents' contribution to its households",
)
def contribution_create(
    request: HttpRequest, project_id: int, payload: ContributionIn
) -> Status[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    c = services.contribution_allocate(
        actor=request.user,
        project=project,
        community_id=payload.community,
        total=payload.total,
        basis=payload.basis,
        ballot_id=payload.ballot,
    )
    return Status(201, contribution_out(request.user, c))


@router.get(
    "/contributions/{contribution_id}", summary="Households, their shares and payments (names masked by role)"
)
def contribution_get(request: HttpRequest, contribution_id: int) -> dict[str, Any]:
    return contribution_out(request.user, selectors.get_contribution(request.user, contribution_id))


@router.post(
    "/shares/{share_id}/payments", response={201: dict}, summary="A household pays through a channel"
)
def share_payment(request: HttpRequest, share_id: int, payload: PaymentIn) -> Status[dict[str, Any]]:
    share = selectors.get_share(request.user, share_id)
    p = services.household_payment_record(
        actor=request.user,
        share=share,
        channel=payload.channel,
        amount=payload.amount,
        date=payload.date,
        document_number=payload.document_number,
    )
    return Status(
        201,
        {"id": p.pk, "share": share.pk, "channel": p.channel, "amount": str(p.amount), "entry": p.entry_id},
    )


# --- performance ----------------------------------------------------------------------------------------------------


@router.get("/performance", summary="Budget performance: execution, cost per m² and per household, outliers")
def performance(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for r in selectors.performance(request.user):
        p = r.pop("project")
        out.append(
            {
                "project": p.pk,
                "name": p.name,
                **_s(r),
                "execution_rate": str(r["execution_rate"]) if r["execution_rate"] is not None else None,
            }
        )
    return out


@router.get("/me/can", summary="What the caller may do on a project (buttons)")
def permissions(request: HttpRequest, project: int) -> dict[str, bool]:
    p = selectors.get_project(request.user, project)
    return {
        "keep_ledger": access.can_keep_ledger(request.user, p),
        "audit": access.can_audit(request.user, p),
        "approve_settlement": access.can_approve_settlement(request.user, p),
    }
