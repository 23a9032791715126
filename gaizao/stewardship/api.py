"""Stewardship API at /api/v1/stewardship/: management plans and their conditions, property contracts and
company accounts, the maintenance fund and its disclosures, conventions (multipart with the text), fee collection,
follow-up inspections after handover (multipart with a photo), residents' reports after handover, the health
series, the 六有 scorecard (for the performance evaluation), coverage per street (and its Excel table), and the
public fund disclosure of a community (no login). Reads are scoped by ``gaizao.stewardship.selectors``; every
write is a service."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from gaizao.delivery.models import Organisation
from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.stewardship import documents, public, selectors, services
from gaizao.stewardship.models import (
    Convention,
    FollowUp,
    FundDisclosure,
    FundEntry,
    ManagementPlan,
    PropertyContract,
)

router = Router(tags=["stewardship"])

OptionalFile = Annotated[UploadedFile | None, File(None)]


# --- serialisers ----------------------------------------------------------------------------------------------------


def plan_out(plan: ManagementPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "id": plan.pk,
        "project": plan.project_id,
        "mode": plan.mode,
        "fee_yuan_per_m2_month": str(plan.fee_yuan_per_m2_month),
        "fund_balance": str(plan.fund_balance),
        "fund_top_up": str(plan.fund_top_up),
        "adopt_management_rules": plan.adopt_management_rules,
        "adopt_residents_convention": plan.adopt_residents_convention,
        "note": plan.note,
        "required_decisions": services.required_decisions(plan),
        "decisions": [
            {"community": d.community_id, "decision": d.decision, "ballot": d.ballot_id}
            for d in plan.decisions.all()
        ],
    }


def contract_out(c: PropertyContract) -> dict[str, Any]:
    return {
        "id": c.pk,
        "community": c.community_id,
        "company": {"id": c.company_id, "name": c.company.name, "credit_code": c.company.credit_code},
        "mode": c.mode,
        "number": c.number,
        "starts_on": c.starts_on.isoformat(),
        "ends_on": c.ends_on.isoformat(),
        "fee_yuan_per_m2_month": str(c.fee_yuan_per_m2_month),
        "scope": c.scope,
        "ballot": c.ballot_id,
    }


def entry_out(e: FundEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "amount": str(e.amount),
        "on": e.on.isoformat(),
        "description": e.description,
        "ballot": e.ballot_id,
    }


def disclosure_out(d: FundDisclosure) -> dict[str, Any]:
    return {
        "id": d.pk,
        "community": d.community_id,
        "period_start": d.period_start.isoformat(),
        "period_end": d.period_end.isoformat(),
        "opening": str(d.opening),
        "income": str(d.income),
        "spending": str(d.spending),
        "closing": str(d.closing),
        "entries": d.entries,
        "note": d.note,
        "published_at": d.published_at.isoformat(),
    }


def convention_out(c: Convention) -> dict[str, Any]:
    return {
        "id": c.pk,
        "community": c.community_id,
        "kind": c.kind,
        "title": c.title,
        "adopted_on": c.adopted_on.isoformat(),
        "ballot": c.ballot_id,
        "file": bool(c.file),
    }


def followup_out(f: FollowUp) -> dict[str, Any]:
    findings = []
    if f.inspection_id:
        for finding in f.inspection.findings.all():  # type: ignore[union-attr]
            order = getattr(finding, "order", None)
            findings.append(
                {
                    "id": finding.pk,
                    "description": finding.description,
                    "severity": finding.severity,
                    "order": {"id": order.pk, "state": order.state, "party": order.party.name}
                    if order
                    else None,
                    "closed": selectors.is_closed(finding),
                }
            )
    return {
        "id": f.pk,
        "delivery": f.delivery_id,
        "months": f.months,
        "due_on": f.due_on.isoformat(),
        "done": f.done,
        "inspection": f.inspection_id,
        "report": f.report_id,
        "company": f.company_id,
        "findings": findings,
    }


def community_out(c: Any) -> dict[str, Any]:
    contract = selectors.active_contract(c)
    return {
        "id": c.pk,
        "code": c.code,
        "name": c.name,
        "division": c.division.name,
        "company": contract.company.name if contract else None,
        "fund_balance": str(services.fund_balance(c)),
    }


# --- communities ----------------------------------------------------------------------------------------------------


@router.get("/communities", summary="Stewarded communities in scope (a property company: only its own)")
def list_communities(request: HttpRequest) -> list[dict[str, Any]]:
    return [community_out(c) for c in selectors.communities_for(request.user).order_by("code")[:500]]


@router.get(
    "/communities/{community_id}", summary="A community's contracts, fund, conventions and follow-ups"
)
def get_community(request: HttpRequest, community_id: int) -> dict[str, Any]:
    c = selectors.get_community(request.user, community_id)
    return {
        **community_out(c),
        "contracts": [contract_out(x) for x in c.property_contracts.select_related("company")],
        "fund_entries": [entry_out(e) for e in selectors.fund_entries(c)],
        "disclosures": [disclosure_out(d) for d in selectors.disclosures(c)],
        "conventions": [convention_out(x) for x in selectors.conventions(c)],
        "followups": [followup_out(f) for f in selectors.community_followups(c)],
        "public_url": reverse("stewardship:public_community", args=[c.pk]),
    }


# --- management plan ------------------------------------------------------------------------------------------------


class PlanIn(Schema):
    mode: str
    fee_yuan_per_m2_month: str
    fund_balance: str
    fund_top_up: str
    adopt_management_rules: bool = True
    adopt_residents_convention: bool = True
    note: str = ""


class DecisionIn(Schema):
    community_id: int
    decision: str
    ballot_id: int


@router.get("/projects/{project_id}/plan", summary="A project's management plan and its conditions")
def get_plan(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = selectors.project_for_plan(request.user, project_id)
    return {
        "plan": plan_out(selectors.plan_of(project)),
        "conditions": [c.to_dict() for c in selectors.management_plan_conditions(project)],
    }


@router.put("/projects/{project_id}/plan", summary="Agree or revise a project's management plan")
def put_plan(request: HttpRequest, project_id: int, payload: PlanIn) -> dict[str, Any]:
    project = selectors.project_for_plan(request.user, project_id)
    plan = services.management_plan_save(actor=request.user, project=project, **payload.dict())
    return {
        "plan": plan_out(plan),
        "conditions": [c.to_dict() for c in selectors.management_plan_conditions(project)],
    }


@router.post("/projects/{project_id}/plan/decisions", summary="Name the ballot that took an owners' decision")
def link_decision(request: HttpRequest, project_id: int, payload: DecisionIn) -> dict[str, Any]:
    project = selectors.project_for_plan(request.user, project_id)
    plan = selectors.plan_of(project)
    if plan is None:
        raise ApplicationError("请先制定长效管理方案。/ plan: agree the management plan first.", field="plan")
    community = project.communities.filter(pk=payload.community_id).first()
    if community is None:
        raise ApplicationError(
            "该小区不在本项目中。/ community_id: not a community of this project.", field="community_id"
        )
    services.plan_decision_link(
        actor=request.user,
        plan=plan,
        community=community,
        decision=payload.decision,
        ballot=payload.ballot_id,
    )
    return {
        "plan": plan_out(plan),
        "conditions": [c.to_dict() for c in selectors.management_plan_conditions(project)],
    }


# --- contracts and members ------------------------------------------------------------------------------------------


class ContractIn(Schema):
    company_id: int
    number: str
    starts_on: str
    ends_on: str
    fee_yuan_per_m2_month: str
    scope: str
    mode: str = "professional"
    ballot_id: int | None = None


class MemberIn(Schema):
    username: str
    organisation_id: int


def _organisation(pk: int, field: str) -> Organisation:
    obj = Organisation.objects.filter(pk=pk).first()
    if obj is None:
        raise ApplicationError("单位不存在。/ The organisation does not exist.", field=field)
    return obj


@router.post("/communities/{community_id}/contracts", summary="Record a property service contract")
def add_contract(request: HttpRequest, community_id: int, payload: ContractIn) -> dict[str, Any]:
    from gaizao.accounts.access import get_scoped
    from gaizao.registry.models import Community

    community = get_scoped(Community.objects.select_related("division"), request.user, pk=community_id)
    contract = services.property_contract_create(
        actor=request.user,
        community=community,
        company=_organisation(payload.company_id, "company_id"),
        number=payload.number,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        fee_yuan_per_m2_month=payload.fee_yuan_per_m2_month,
        scope=payload.scope,
        mode=payload.mode,
        ballot=payload.ballot_id,
    )
    return contract_out(contract)


@router.get("/contracts", summary="Property contracts in scope")
def list_contracts(request: HttpRequest) -> list[dict[str, Any]]:
    return [contract_out(c) for c in selectors.contracts_for(request.user)[:1000]]


@router.post("/members", summary="Link a property service account to its company")
def link_member(request: HttpRequest, payload: MemberIn) -> dict[str, Any]:
    from gaizao.accounts.models import User

    if not services.can_link_member(request.user):
        raise PermissionError_("您无权管理物业企业账号。/ You may not link property company accounts.")
    user = User.objects.filter(username=payload.username).first()
    if user is None:
        raise ApplicationError("账号不存在。/ username: no such account.", field="username")
    member = services.steward_member_link(
        actor=request.user, user=user, organisation=_organisation(payload.organisation_id, "organisation_id")
    )
    return {"user": member.user.username, "organisation": member.organisation_id}


# --- fund, disclosures, conventions, fees ---------------------------------------------------------------------------


class FundIn(Schema):
    kind: str
    amount: str
    on: str
    description: str
    ballot_id: int | None = None


class DisclosureIn(Schema):
    period_start: str
    period_end: str
    note: str = ""


class FeeIn(Schema):
    month: str
    billed: str
    collected: str


@router.post("/communities/{community_id}/fund", summary="Record a maintenance-fund entry")
def add_fund_entry(request: HttpRequest, community_id: int, payload: FundIn) -> dict[str, Any]:
    community = selectors.get_community(request.user, community_id)
    entry = services.fund_entry_record(
        actor=request.user,
        community=community,
        kind=payload.kind,
        amount=payload.amount,
        on=payload.on,
        description=payload.description,
        ballot=payload.ballot_id,
    )
    return {**entry_out(entry), "balance": str(services.fund_balance(community))}


@router.post("/communities/{community_id}/disclosures", summary="Publish the fund's figures for a period")
def add_disclosure(request: HttpRequest, community_id: int, payload: DisclosureIn) -> dict[str, Any]:
    community = selectors.get_community(request.user, community_id)
    return disclosure_out(services.fund_disclose(actor=request.user, community=community, **payload.dict()))


@router.post("/communities/{community_id}/conventions", summary="Record an adopted convention (multipart)")
def add_convention(
    request: HttpRequest,
    community_id: int,
    kind: Form[str],
    title: Form[str],
    adopted_on: Form[str],
    ballot_id: Form[str] = "",
    file: OptionalFile = None,
) -> dict[str, Any]:
    community = selectors.get_community(request.user, community_id)
    convention = services.convention_adopt(
        actor=request.user,
        community=community,
        kind=kind,
        title=title,
        file=file,
        adopted_on=adopted_on,
        ballot=ballot_id or None,
    )
    return convention_out(convention)


@router.get("/conventions/{convention_id}/file", summary="The text of an adopted convention")
def convention_file(request: HttpRequest, convention_id: int) -> FileResponse:
    return public.file_response(selectors.get_convention(request.user, convention_id))


@router.post("/communities/{community_id}/fees", summary="Record a month's fee billed and collected")
def add_fees(request: HttpRequest, community_id: int, payload: FeeIn) -> dict[str, Any]:
    community = selectors.get_community(request.user, community_id)
    row = services.fee_collection_record(actor=request.user, community=community, **payload.dict())
    return {"month": row.month.isoformat(), "billed": str(row.billed), "collected": str(row.collected)}


# --- follow-ups -----------------------------------------------------------------------------------------------------


@router.post(
    "/deliveries/{delivery_id}/followups", summary="Schedule the follow-up inspections after handover"
)
def schedule(request: HttpRequest, delivery_id: int) -> list[dict[str, Any]]:
    from gaizao.delivery.selectors import get_delivery

    delivery = get_delivery(request.user, delivery_id)
    return [followup_out(f) for f in services.followups_schedule(actor=request.user, delivery=delivery)]


@router.get("/followups", summary="Follow-up inspections in scope")
def list_followups(request: HttpRequest) -> list[dict[str, Any]]:
    return [followup_out(f) for f in selectors.followups_for(request.user)[:500]]


@router.post("/followups/{followup_id}/inspect", summary="Carry out a follow-up inspection (multipart photo)")
def inspect(
    request: HttpRequest,
    followup_id: int,
    kind: Form[str] = "quality",
    note: Form[str] = "",
    finding_description: Form[str] = "",
    finding_severity: Form[str] = "minor",
    party_id: Form[str] = "",
    deadline: Form[str] = "",
    requirement: Form[str] = "",
    photo: OptionalFile = None,
) -> dict[str, Any]:
    followup = selectors.get_followup(request.user, followup_id)
    findings = []
    if finding_description.strip():
        order = None
        if party_id:
            order = {
                "party": Organisation.objects.filter(pk=int(party_id)).first()
                if party_id.isdigit()
                else None,
                "deadline": deadline or None,
                "requirement": requirement,
            }
        findings.append(
            {"description": finding_description, "severity": finding_severity, "photo": photo, "order": order}
        )
    services.followup_record(actor=request.user, followup=followup, kind=kind, note=note, findings=findings)
    followup.refresh_from_db()
    return followup_out(followup)


@router.post(
    "/communities/{community_id}/findings",
    summary="The serving property company records a problem in the handed-over works (multipart photo)",
)
def company_finding(
    request: HttpRequest,
    community_id: int,
    delivery_id: Form[int],
    description: Form[str] = "",
    severity: Form[str] = "",
    kind: Form[str] = "quality",
    photo: OptionalFile = None,
) -> dict[str, Any]:
    community = selectors.get_community(request.user, community_id)
    delivery = selectors.handed_over_deliveries(community).filter(pk=delivery_id).first()
    if delivery is None:
        raise ApplicationError(
            "该小区没有此已移交的改造项目。/ delivery_id: no handed-over delivery of this community.",
            field="delivery_id",
        )
    followup = services.company_finding_record(
        actor=request.user,
        delivery=delivery,
        community=community,
        description=description,
        severity=severity,
        kind=kind,
        photo=photo,
    )
    return followup_out(followup)


class ReportIn(Schema):
    severity: str = "minor"
    kind: str = "quality"
    party_id: int | None = None
    deadline: str = ""
    requirement: str = ""


@router.post(
    "/deliveries/{delivery_id}/reports/{report_id}",
    summary="Turn a resident's report after handover into a finding",
)
def take_report(request: HttpRequest, delivery_id: int, report_id: int, payload: ReportIn) -> dict[str, Any]:
    from gaizao.delivery.selectors import get_delivery
    from gaizao.participation.selectors import get_report

    delivery = get_delivery(request.user, delivery_id)
    report = get_report(request.user, report_id)
    followup = services.followup_from_report(
        actor=request.user,
        delivery=delivery,
        report=report,
        severity=payload.severity,
        kind=payload.kind,
        party=_organisation(payload.party_id, "party_id") if payload.party_id else None,
        deadline=payload.deadline or None,
        requirement=payload.requirement,
    )
    return followup_out(followup)


# --- health, scorecard, coverage ------------------------------------------------------------------------------------


@router.get(
    "/communities/{community_id}/health", summary="Open issues, fee collection, fund and satisfaction"
)
def health(request: HttpRequest, community_id: int) -> dict[str, Any]:
    return selectors.health_series(selectors.get_community(request.user, community_id))


@router.get(
    "/communities/{community_id}/scorecard", summary="The 六有 scorecard of a community after handover"
)
def scorecard(request: HttpRequest, community_id: int) -> dict[str, Any]:
    return selectors.scorecard(selectors.get_community(request.user, community_id))


@router.get("/scorecards", summary="The 六有 scorecards of the communities in scope (performance evaluation)")
def scorecards(request: HttpRequest) -> list[dict[str, Any]]:
    return selectors.scorecards_for(request.user)


def _division(request: HttpRequest, code: str) -> Division | None:
    if not code:
        return None
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise ApplicationError("区划不存在。/ district: unknown division code.", field="district")
    return division


@router.get("/coverage", summary="Professional property-service coverage per street (有长效管理)")
def coverage(request: HttpRequest, district: str = "", on: str = "") -> dict[str, Any]:
    from gaizao.delivery.services import parse_date

    day = parse_date(on, "on", required=False)
    return selectors.coverage(request.user, division=_division(request, district), on=day)


@router.get("/coverage/series", summary="Coverage at quarter ends over the last two years")
def coverage_series(request: HttpRequest, district: str = "") -> list[dict[str, Any]]:
    return selectors.coverage_series(request.user, division=_division(request, district))


@router.get("/coverage.xlsx", summary="The coverage table as Excel")
def coverage_xlsx(request: HttpRequest, district: str = "") -> HttpResponse:
    division = _division(request, district)
    series = selectors.coverage_series(request.user, division=division)
    data = documents.coverage_xlsx(series[-1], series)  # the series ends with today
    response = HttpResponse(data, content_type=documents.XLSX)
    response["Content-Disposition"] = 'attachment; filename="property-coverage.xlsx"'
    return response


@router.get("/public/communities/{community_id}", auth=None, summary="A community's public fund disclosure")
def public_page(request: HttpRequest, community_id: int) -> dict[str, Any]:
    return public.community_view(selectors.public_community(community_id))
