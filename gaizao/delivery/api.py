"""Delivery API at /api/v1/delivery/: deliveries and their stages, approvals (multipart with the document),
organisations and contracts, milestones, inspections from a phone (multipart with the photo), rectification orders,
residents' reports turned into findings, completion acceptance (and its Word record), handover, the dashboard, the
map and the Excel register. Every read is scoped by ``gaizao.delivery.selectors``; every write is a service."""

from __future__ import annotations

import json
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from gaizao.accounts.access import sees_personal_data
from gaizao.delivery import documents, selectors, services
from gaizao.delivery.models import (
    Acceptance,
    Approval,
    Contract,
    Delivery,
    Handover,
    Inspection,
    Milestone,
    Organisation,
    RectificationOrder,
    Stage,
)
from gaizao.errors import ApplicationError

router = Router(tags=["delivery"])

#: An optional multipart file (``File[UploadedFile] | None`` loses the marker and reads the query string).
OptionalFile = Annotated[UploadedFile | None, File(None)]


# --- serialisers ----------------------------------------------------------------------------------------------------


def approval_out(a: Approval) -> dict[str, Any]:
    return {
        "id": a.pk,
        "item_id": a.item_id,
        "name": a.name,
        "required": a.required,
        "status": a.status,
        "document_number": a.document_number,
        "issued_on": a.issued_on.isoformat() if a.issued_on else None,
        "file": bool(a.file),
        "consultation": a.consultation_id,
        "note": a.note,
    }


def organisation_out(o: Organisation) -> dict[str, Any]:
    return {"id": o.pk, "name": o.name, "credit_code": o.credit_code, "kind": o.kind}


def contract_out(c: Contract) -> dict[str, Any]:
    return {
        "id": c.pk,
        "project": c.project_id,
        "kind": c.kind,
        "number": c.number,
        "title": c.title,
        "party": organisation_out(c.party),
        "amount": str(c.amount),
        "signed_on": c.signed_on.isoformat(),
        "starts_on": c.starts_on.isoformat(),
        "ends_on": c.ends_on.isoformat(),
    }


def milestone_out(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "planned_start": m.planned_start.isoformat(),
        "planned_end": m.planned_end.isoformat(),
        "actual_start": m.actual_start.isoformat() if m.actual_start else None,
        "actual_end": m.actual_end.isoformat() if m.actual_end else None,
        "late": selectors.is_late(m),
    }


def order_out(o: RectificationOrder) -> dict[str, Any]:
    finding = o.finding
    return {
        "id": o.pk,
        "delivery": o.delivery_id,
        "project": o.delivery.project.name,
        "finding": {
            "id": finding.pk,
            "description": finding.description,
            "severity": finding.severity,
            "photo": bool(finding.photo),
            "lon": finding.lon,
            "lat": finding.lat,
            "report": finding.report_id,
        },
        "party": organisation_out(o.party),
        "deadline": o.deadline.isoformat(),
        "requirement": o.requirement,
        "state": o.state,
        "overdue": selectors.is_overdue(o),
        "escalated": o.escalated_at is not None,
        "replies": [
            {
                "body": r.body,
                "evidence": bool(r.evidence),
                "replied_at": r.replied_at.isoformat(),
                "decision": r.decision,
                "decision_note": r.decision_note,
            }
            for r in o.replies.all()
        ],
    }


def inspection_out(i: Inspection) -> dict[str, Any]:
    return {
        "id": i.pk,
        "delivery": i.delivery_id,
        "kind": i.kind,
        "level": i.level,
        "inspected_at": i.inspected_at.isoformat(),
        "checklist": i.checklist,
        "note": i.note,
        "lon": i.lon,
        "lat": i.lat,
        "findings": [
            {
                "id": f.pk,
                "description": f.description,
                "severity": f.severity,
                "photo": bool(f.photo),
                "order": f.order.pk if hasattr(f, "order") else None,
            }
            for f in i.findings.all()
        ],
    }


def acceptance_out(a: Acceptance, *, unmasked: bool) -> dict[str, Any]:
    return {
        "id": a.pk,
        "held_on": a.held_on.isoformat(),
        "plan_version": a.plan_version.number,
        "items": a.items,
        "conclusion": a.conclusion,
        "signatories": [
            {
                "role": s.role,
                "name": documents.signatory_name(s.role, s.name, unmasked=unmasked),
                "organisation": s.organisation,
            }
            for s in a.signatories.all()
        ],
    }


def handover_out(h: Handover) -> dict[str, Any]:
    return {
        "id": h.pk,
        "kind": h.kind,
        "facility": h.facility,
        "keeper_kind": h.keeper_kind,
        "keeper_name": h.keeper_name,
        "property_rights_note": h.property_rights_note,
        "handed_on": h.handed_on.isoformat(),
    }


def delivery_out(d: Delivery, user: Any, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": d.pk,
        "project": {"id": d.project_id, "code": d.project.code, "name": d.project.name},
        "district": d.project.district.name,
        "stage": d.stage,
        "resume_stage": d.resume_stage or None,
        "implementing_body": organisation_out(d.implementing_body) if d.implementing_body else None,
    }
    if not full:
        return out
    out["moves"] = {
        to: {
            "allowed": services.can_move(user, d, to),
            "blockers": [m for _, m in services.stage_blockers(d, to)],
        }
        for to in services.STAGE_MACHINE.targets(d.stage)
    }
    out["approvals"] = [approval_out(a) for a in d.approvals.all()]
    out["contracts"] = [
        contract_out(c) for c in selectors.contracts_for(user).filter(project_id=d.project_id)
    ]
    out["milestones"] = [milestone_out(m) for m in d.milestones.all()]
    out["orders"] = [order_out(o) for o in selectors.orders_for(user).filter(delivery=d)]
    acceptance = Acceptance.objects.filter(delivery=d).first()
    out["acceptance"] = acceptance_out(acceptance, unmasked=sees_personal_data(user)) if acceptance else None
    out["handovers"] = [handover_out(h) for h in d.handovers.all()]
    return out


# --- payloads -------------------------------------------------------------------------------------------------------


class OpenIn(Schema):
    project_id: int
    implementing_body_id: int | None = None


class MoveIn(Schema):
    to: str
    reason: str = ""
    on: str | None = None


class OrganisationIn(Schema):
    name: str
    credit_code: str
    kind: str
    contact: str = ""
    phone: str = ""


class ContractIn(Schema):
    kind: str
    number: str
    party_id: int
    amount: str
    signed_on: str
    starts_on: str
    ends_on: str
    title: str = ""


class MilestoneIn(Schema):
    name: str
    planned_start: str
    planned_end: str


class ProgressIn(Schema):
    actual_start: str
    actual_end: str | None = None


class ReviewIn(Schema):
    accept: bool
    note: str = ""


class OrderIn(Schema):
    party_id: int
    deadline: str | None = None
    requirement: str = ""


class ReportIn(Schema):
    kind: str
    severity: str
    party_id: int | None = None
    deadline: str | None = None
    requirement: str = ""


class ItemIn(Schema):
    item_id: str
    delivered: str
    passed: bool = True
    note: str = ""


class SignatoryIn(Schema):
    role: str
    name: str
    organisation: str = ""


class AcceptanceIn(Schema):
    held_on: str
    conclusion: str
    items: list[ItemIn]
    signatories: list[SignatoryIn]


class HandoverIn(Schema):
    kind: str
    facility: str
    keeper_kind: str
    keeper_name: str = ""
    keeper_id: int | None = None
    property_rights_note: str
    handed_on: str


def _organisation(pk: int | None, field: str) -> Organisation | None:
    if pk is None:
        return None
    obj = Organisation.objects.filter(pk=pk).first()
    if obj is None:
        raise ApplicationError(f"单位不存在。/ {field}: no organisation {pk}.", field=field)
    return obj


# --- deliveries -----------------------------------------------------------------------------------------------------


@router.get("/deliveries", summary="Deliveries in my scope (contract parties: their contracts' projects)")
def list_deliveries(request: HttpRequest, stage: str | None = None) -> list[dict[str, Any]]:
    qs = selectors.deliveries_for(request.user)
    if stage:
        qs = qs.filter(stage=stage)
    return [delivery_out(d, request.user) for d in qs[:500]]


@router.post(
    "/deliveries", response={201: dict}, summary="Open the delivery of a project in 实施一批 (stage 前期)"
)
def open_delivery(request: HttpRequest, payload: OpenIn) -> Status[dict[str, Any]]:
    from gaizao.programme.selectors import get_project

    project = get_project(request.user, payload.project_id)
    delivery = services.delivery_open(
        actor=request.user,
        project=project,
        implementing_body=_organisation(payload.implementing_body_id, "implementing_body_id"),
    )
    return Status(201, delivery_out(delivery, request.user, full=True))


@router.get("/deliveries/{delivery_id}", summary="One delivery with approvals, contracts, schedule, orders")
def get_delivery(request: HttpRequest, delivery_id: int) -> dict[str, Any]:
    return delivery_out(selectors.get_delivery(request.user, delivery_id), request.user, full=True)


@router.post("/deliveries/{delivery_id}/move", summary="Move to another stage (guards apply)")
def move_delivery(request: HttpRequest, delivery_id: int, payload: MoveIn) -> dict[str, Any]:
    delivery = selectors.get_delivery(request.user, delivery_id)
    delivery = services.delivery_move(
        actor=request.user, delivery=delivery, to=payload.to, reason=payload.reason, on=payload.on
    )
    return delivery_out(delivery, request.user, full=True)


@router.get("/deliveries/{delivery_id}/gantt", summary="Milestones as Gantt chart data")
def gantt(request: HttpRequest, delivery_id: int) -> dict[str, Any]:
    return selectors.gantt_chart(selectors.get_delivery(request.user, delivery_id))


# --- approvals ------------------------------------------------------------------------------------------------------


def _approval(user: Any, approval_id: int) -> Approval:
    approval = (
        Approval.objects.select_related("delivery__project")
        .filter(pk=approval_id, delivery__in=selectors.deliveries_for(user))
        .first()
    )
    if approval is None:
        from django.http import Http404

        raise Http404
    return approval


@router.post(
    "/approvals/{approval_id}/record", summary="Record an approval: number, date, document (multipart)"
)
def record_approval(
    request: HttpRequest,
    approval_id: int,
    document_number: Form[str],
    issued_on: Form[str],
    note: Form[str] = "",
    file: OptionalFile = None,
) -> dict[str, Any]:
    approval = services.approval_record(
        actor=request.user,
        approval=_approval(request.user, approval_id),
        document_number=document_number,
        issued_on=issued_on,
        file=file,
        note=note,
    )
    return approval_out(approval)


@router.post(
    "/approvals/{approval_id}/waive", summary="Mark an approval simplified or waived by the consultation"
)
def waive_approval(
    request: HttpRequest,
    approval_id: int,
    consultation_id: Form[int],
    status: Form[str] = "waived",
    note: Form[str] = "",
    document_number: Form[str] = "",
    issued_on: Form[str] = "",
    file: OptionalFile = None,
) -> dict[str, Any]:
    from gaizao.programme.selectors import get_consultation

    approval = _approval(request.user, approval_id)
    consultation = get_consultation(request.user, consultation_id)
    approval = services.approval_waive(
        actor=request.user,
        approval=approval,
        consultation=consultation,
        status=status,
        note=note,
        document_number=document_number,
        issued_on=issued_on or None,
        file=file,
    )
    return approval_out(approval)


# --- organisations and contracts ------------------------------------------------------------------------------------


@router.get("/organisations", summary="Registered parties")
def list_organisations(request: HttpRequest) -> list[dict[str, Any]]:
    return [organisation_out(o) for o in selectors.organisations_for(request.user)[:1000]]


@router.post("/organisations", response={201: dict}, summary="Register a party (credit code checked)")
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[dict[str, Any]]:
    org = services.organisation_create(actor=request.user, **payload.dict())
    return Status(201, organisation_out(org))


@router.get("/contracts", summary="Contracts in my scope (contract parties: their own)")
def list_contracts(request: HttpRequest) -> list[dict[str, Any]]:
    return [contract_out(c) for c in selectors.contracts_for(request.user)[:1000]]


@router.post("/deliveries/{delivery_id}/contracts", response={201: dict}, summary="Record a contract")
def create_contract(request: HttpRequest, delivery_id: int, payload: ContractIn) -> Status[dict[str, Any]]:
    delivery = selectors.get_delivery(request.user, delivery_id)
    contract = services.contract_create(
        actor=request.user,
        delivery=delivery,
        kind=payload.kind,
        number=payload.number,
        party=_organisation(payload.party_id, "party_id"),
        amount=payload.amount,
        signed_on=payload.signed_on,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        title=payload.title,
    )
    return Status(201, contract_out(contract))


# --- schedule -------------------------------------------------------------------------------------------------------


@router.post("/deliveries/{delivery_id}/milestones", response={201: dict}, summary="Add a milestone")
def add_milestone(request: HttpRequest, delivery_id: int, payload: MilestoneIn) -> Status[dict[str, Any]]:
    delivery = selectors.get_delivery(request.user, delivery_id)
    milestone = services.milestone_add(actor=request.user, delivery=delivery, **payload.dict())
    return Status(201, milestone_out(milestone))


@router.post("/milestones/{milestone_id}/progress", summary="Record a milestone's actual dates")
def milestone_progress(request: HttpRequest, milestone_id: int, payload: ProgressIn) -> dict[str, Any]:
    milestone = Milestone.objects.filter(
        pk=milestone_id, delivery__in=selectors.deliveries_for(request.user)
    ).first()
    if milestone is None:
        from django.http import Http404

        raise Http404
    return milestone_out(
        services.milestone_progress(actor=request.user, milestone=milestone, **payload.dict())
    )


# --- inspections and orders -----------------------------------------------------------------------------------------


def _checklist_json(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise ApplicationError(
            "检查表格式无效。/ checklist: expected a JSON object.", field="checklist"
        ) from None
    if not isinstance(value, dict):
        raise ApplicationError("检查表格式无效。/ checklist: expected a JSON object.", field="checklist")
    return value


@router.post(
    "/deliveries/{delivery_id}/inspections",
    response={201: dict},
    summary="Record an inspection with one finding, a photo and an order (multipart, from a phone)",
)
def create_inspection(
    request: HttpRequest,
    delivery_id: int,
    kind: Form[str],
    checklist: Form[str] = "",
    note: Form[str] = "",
    lon: Form[str] = "",
    lat: Form[str] = "",
    finding_description: Form[str] = "",
    severity: Form[str] = "",
    checklist_item: Form[str] = "",
    order_party_id: Form[int | None] = None,
    order_deadline: Form[str] = "",
    order_requirement: Form[str] = "",
    photo: OptionalFile = None,
) -> Status[dict[str, Any]]:
    delivery = selectors.get_delivery(request.user, delivery_id)
    findings = []
    if finding_description.strip() or photo is not None:
        order = (
            {
                "party": _organisation(order_party_id, "order_party_id"),
                "deadline": order_deadline or None,
                "requirement": order_requirement,
            }
            if order_party_id
            else None
        )
        findings.append(
            {
                "description": finding_description,
                "severity": severity,
                "checklist_item": checklist_item,
                "photo": photo,
                "lon": lon,
                "lat": lat,
                "order": order,
            }
        )
    inspection = services.inspection_record(
        actor=request.user,
        delivery=delivery,
        kind=kind,
        checklist=_checklist_json(checklist),
        note=note,
        lon=lon,
        lat=lat,
        findings=findings,
    )
    return Status(201, inspection_out(inspection))


@router.get("/deliveries/{delivery_id}/inspections", summary="Inspections of a delivery")
def list_inspections(request: HttpRequest, delivery_id: int) -> list[dict[str, Any]]:
    delivery = selectors.get_delivery(request.user, delivery_id)
    return [inspection_out(i) for i in delivery.inspections.all()]


@router.post("/findings/{finding_id}/order", response={201: dict}, summary="Raise a rectification order")
def issue_order(request: HttpRequest, finding_id: int, payload: OrderIn) -> Status[dict[str, Any]]:
    finding = selectors.get_finding(request.user, finding_id)
    order = services.order_issue(
        actor=request.user,
        finding=finding,
        party=_organisation(payload.party_id, "party_id"),
        deadline=payload.deadline,
        requirement=payload.requirement,
    )
    return Status(201, order_out(order))


@router.get("/orders", summary="Rectification orders (contract parties: those addressed to them)")
def list_orders(request: HttpRequest, overdue: bool = False) -> list[dict[str, Any]]:
    qs = selectors.overdue_orders(request.user) if overdue else selectors.orders_for(request.user)
    return [order_out(o) for o in qs[:500]]


@router.get("/orders/{order_id}", summary="One rectification order")
def get_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return order_out(selectors.get_order(request.user, order_id))


@router.post("/orders/{order_id}/reply", summary="The responsible party replies with evidence (multipart)")
def reply_order(
    request: HttpRequest, order_id: int, body: Form[str], evidence: OptionalFile = None
) -> dict[str, Any]:
    order = selectors.get_order(request.user, order_id)
    services.order_reply(actor=request.user, order=order, body=body, evidence=evidence)
    order.refresh_from_db()
    return order_out(order)


@router.post("/orders/{order_id}/review", summary="The inspector accepts or rejects the reply")
def review_order(request: HttpRequest, order_id: int, payload: ReviewIn) -> dict[str, Any]:
    order = selectors.get_order(request.user, order_id)
    order = services.order_review(actor=request.user, order=order, accept=payload.accept, note=payload.note)
    return order_out(order)


@router.post(
    "/deliveries/{delivery_id}/reports/{report_id}/finding",
    response={201: dict},
    summary="Turn a resident's 报事 on the project's community into a finding",
)
def report_finding(
    request: HttpRequest, delivery_id: int, report_id: int, payload: ReportIn
) -> Status[dict[str, Any]]:
    from gaizao.participation.selectors import get_report

    delivery = selectors.get_delivery(request.user, delivery_id)
    report = get_report(request.user, report_id)
    finding = services.finding_from_report(
        actor=request.user,
        delivery=delivery,
        report=report,
        kind=payload.kind,
        severity=payload.severity,
        party=_organisation(payload.party_id, "party_id"),
        deadline=payload.deadline,
        requirement=payload.requirement,
    )
    return Status(201, inspection_out(finding.inspection))


# --- acceptance and handover ----------------------------------------------------------------------------------------


@router.post("/deliveries/{delivery_id}/acceptance", response={201: dict}, summary="Record the 竣工验收")
def record_acceptance(
    request: HttpRequest, delivery_id: int, payload: AcceptanceIn
) -> Status[dict[str, Any]]:
    delivery = selectors.get_delivery(request.user, delivery_id)
    acceptance = services.acceptance_record(
        actor=request.user,
        delivery=delivery,
        held_on=payload.held_on,
        conclusion=payload.conclusion,
        items=[i.dict() for i in payload.items],
        signatories=[s.dict() for s in payload.signatories],
    )
    return Status(201, acceptance_out(acceptance, unmasked=sees_personal_data(request.user)))


@router.get("/deliveries/{delivery_id}/acceptance.docx", summary="The acceptance record as a Word document")
def acceptance_docx(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.get_delivery(request.user, delivery_id)
    acceptance = Acceptance.objects.filter(delivery=delivery).first()
    if acceptance is None:
        from django.http import Http404

        raise Http404
    response = HttpResponse(
        documents.acceptance_docx(acceptance, unmasked=sees_personal_data(request.user)),
        content_type=documents.DOCX,
    )
    response["Content-Disposition"] = f'attachment; filename="acceptance-{delivery.project.code}.docx"'
    return response


@router.post("/deliveries/{delivery_id}/handovers", response={201: dict}, summary="Record a handover (移交)")
def record_handover(request: HttpRequest, delivery_id: int, payload: HandoverIn) -> Status[dict[str, Any]]:
    delivery = selectors.get_delivery(request.user, delivery_id)
    data = payload.dict()
    keeper = _organisation(data.pop("keeper_id"), "keeper_id")
    handover = services.handover_record(actor=request.user, delivery=delivery, keeper=keeper, **data)
    return Status(201, handover_out(handover))


# --- dashboard, map, export -----------------------------------------------------------------------------------------


@router.get("/dashboard", summary="Stage counts; 开工 and 完工 per district and year from audited events")
def dashboard(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "stages": selectors.stage_counts(user),
        "started_completed": selectors.stage_event_counts(user),
        "late_milestones": [
            {"delivery": m.delivery_id, "project": m.delivery.project.name, "name": m.name}
            for m in selectors.late_milestones(user)[:200]
        ],
        "overdue_orders": [order_out(o) for o in selectors.overdue_orders(user)[:200]],
    }


@router.get("/map", summary="Deliveries as GeoJSON points coloured by stage")
def delivery_map(request: HttpRequest) -> dict[str, Any]:
    return selectors.map_features(request.user)


@router.get("/export.xlsx", summary="The delivery register as an Excel workbook")
def export_xlsx(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        documents.deliveries_xlsx(selectors.deliveries_for(request.user), request.user),
        content_type=documents.XLSX,
    )
    response["Content-Disposition"] = 'attachment; filename="delivery.xlsx"'
    return response


__all__ = ["router", "Stage"]
