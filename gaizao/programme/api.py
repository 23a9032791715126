"""Programme API at /api/v1/programme/: projects and pools, plans and versions, joint consultation, publication
(public endpoints need no login), annual plans with reviews and approval, unit rates and dashboard counts."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from gaizao.accounts.access import mask_name, mask_phone, sees_personal_data
from gaizao.accounts.requests import AuthenticatedHttpRequest
from gaizao.accounts.throttle import client_address
from gaizao.divisions.models import Division
from gaizao.programme import documents, selectors, services
from gaizao.programme.models import (
    AnnualPlan,
    Consultation,
    Plan,
    PlanVersion,
    Project,
    ProjectBallot,
    Publication,
    PublicationComment,
)

router = Router(tags=["programme"])


# --- serialisers ----------------------------------------------------------------------------------------------------


def project_out(p: Project) -> dict[str, Any]:
    """One project (the list builds the same dicts from plain values: ``selectors.project_rows``)."""
    try:
        plan: Plan | None = p.plan
    except Plan.DoesNotExist:
        plan = None
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "state": p.state,
        "district": p.district.name,
        "division": p.division.name,
        "renovation_unit": p.renovation_unit,
        "is_sample": p.is_sample,
        "communities": [
            {"id": c.pk, "code": c.code, "name": c.name}
            for c in sorted(p.communities.all(), key=lambda c: c.code)
        ],
        "plan_state": plan.state if plan else None,
        "plan_version": plan.current_version.number if plan and plan.current_version else None,
        "estimate": str(plan.current_version.estimate) if plan and plan.current_version else None,
    }


def version_out(v: PlanVersion) -> dict[str, Any]:
    return {
        "id": v.pk,
        "number": v.number,
        "mode": v.mode,
        "delivery_mode": v.delivery_mode,
        "items": v.items,
        "funding": v.funding,
        "estimate": str(v.estimate),
        "funding_total": str(v.funding_total),
        "funding_balanced": v.funding_balanced,
        "subsidy_amount": str(v.subsidy_amount),
        "subsidy": v.subsidy,
        "bundle": v.bundle,
        "note": v.note,
        "created_at": v.created_at.isoformat(),
    }


def consultation_out(c: Consultation) -> dict[str, Any]:
    return {
        "id": c.pk,
        "project": c.project_id,
        "project_name": c.project.name,
        "state": c.state,
        "agreed": c.agreed,
        "started_at": c.started_at.isoformat(),
        "completed_at": c.completed_at.isoformat() if c.completed_at else None,
        "summary": c.summary,
        "plan_version": c.plan_version.number if c.plan_version else None,
        "opinions": [
            {
                "department": o.department,
                "decision": o.decision,
                "conditions": o.conditions,
                "simplified_approvals": o.simplified_approvals,
                "responded_at": o.responded_at.isoformat() if o.responded_at else None,
                "reminded_at": o.reminded_at.isoformat() if o.reminded_at else None,
            }
            for o in c.opinions.all()
        ],
    }


def comment_out(c: PublicationComment, *, unmasked: bool = False) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name if unmasked else mask_name(c.name),
        "contact": c.contact if unmasked else mask_phone(c.contact),
        "body": c.body,
        "created_at": c.created_at.isoformat(),
        "reply": c.reply,
        "replied_at": c.replied_at.isoformat() if c.replied_at else None,
    }


def publication_out(p: Publication, *, unmasked: bool = False, now: Any = None) -> dict[str, Any]:
    from django.utils import timezone

    v = p.plan_version
    return {
        "id": str(p.public_id),
        "project": p.project.name,
        "district": p.project.district.name,
        "state": p.state,
        "days": p.days,
        "starts_at": p.starts_at.isoformat(),
        "ends_at": p.ends_at.isoformat(),
        "finished": p.is_finished(now or timezone.now()),
        "plan": {
            "version": v.number,
            "mode": v.mode,
            "estimate": str(v.estimate),
            "items": [
                {"name_zh": i["name_zh"], "quantity": i["quantity"], "unit": i["unit"], "amount": i["amount"]}
                for i in v.items
            ],
        },
        "comments": [comment_out(c, unmasked=unmasked) for c in p.comments.all()],
    }


def annual_out(a: AnnualPlan) -> dict[str, Any]:
    return {
        "id": a.pk,
        "district": a.district.name,
        "plan_year": a.plan_year,
        "state": a.state,
        "version": a.version,
        "is_late": a.is_late,
        "deadline": a.deadline.isoformat() if a.deadline else None,
        "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
        "approved_at": a.approved_at.isoformat() if a.approved_at else None,
        "projects": [p.code for p in a.projects.order_by("code")],
        "reviews": [
            {
                "version": r.version,
                "bureau": r.bureau,
                "decision": r.decision,
                "comments": r.comments,
                "reviewed_at": r.reviewed_at.isoformat(),
            }
            for r in a.reviews.all()
        ],
    }


# --- inputs ---------------------------------------------------------------------------------------------------------


class ProjectIn(Schema):
    community_ids: list[int]
    name: str = ""
    renovation_unit: str = ""


class MoveIn(Schema):
    to: str
    reason: str = ""


class PlanItemIn(Schema):
    item_id: str
    quantity: str
    unit_rate: str | None = None
    origin: str = "manual"


class StairwellIn(Schema):
    building_id: int
    stairwell: str


class PlanIn(Schema):
    mode: str
    delivery_mode: str = ""
    items: list[PlanItemIn]
    funding: dict[str, str] = {}
    note: str = ""
    elevator_stairwells: list[StairwellIn] | None = None


class ProjectBallotIn(Schema):
    community_id: int
    purpose: str
    question: str = ""
    matter: int | None = None
    scope_kind: str = "community"
    building_id: int | None = None
    stairwell: str = ""
    closes_at: dt.datetime | None = None


def project_ballot_out(link: ProjectBallot) -> dict[str, Any]:
    ballot = link.ballot
    return {
        "id": link.pk,
        "ballot_id": ballot.pk,
        "community_id": link.community_id,
        "community": link.community.name,
        "purpose": link.purpose,
        "matter": ballot.matter,
        "scope_kind": ballot.scope_kind,
        "status": ballot.status,
        "approved": ballot.approved if ballot.status in ("closed", "published") else None,
        "plan_version": link.plan_version.number if link.plan_version else None,
    }


class ReasonIn(Schema):
    reason: str = ""


class ConsultationIn(Schema):
    departments: list[str] | None = None


class OpinionIn(Schema):
    department: str
    decision: str
    conditions: str = ""
    simplified_approvals: str = ""


class RemindIn(Schema):
    #: the departments to remind; empty or absent: every department that has not answered
    departments: list[str] | None = None


class SummaryIn(Schema):
    summary: str = ""


class PublicationIn(Schema):
    days: int = 7


class CommentIn(Schema):
    name: str
    contact: str
    body: str


class ReplyIn(Schema):
    reply: str


class AnnualIn(Schema):
    plan_year: int
    district_code: str | None = None


class ReviewIn(Schema):
    decision: str
    comments: str = ""


class ApproveIn(Schema):
    note: str = ""


# --- projects and plans ---------------------------------------------------------------------------------------------


@router.get(
    "/projects", summary="Projects in my scope (by code; ``after`` = the last code of the previous page)"
)
def list_projects(
    request: HttpRequest, state: str | None = None, after: str = "", limit: int = 500
) -> list[dict[str, Any]]:
    qs = selectors.projects_for(request.user)
    if state:
        qs = qs.filter(state=state)
    if after:
        qs = qs.filter(code__gt=after)
    return selectors.project_rows(qs.order_by("code")[: max(1, min(limit, 500))])


@router.post("/projects", response={201: dict}, summary="Create a project from screened communities")
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[dict[str, Any]]:
    project = services.project_create(
        actor=request.user,
        community_ids=payload.community_ids,
        name=payload.name,
        renovation_unit=payload.renovation_unit,
    )
    return Status(201, project_out(project))


@router.get("/projects/{project_id}", summary="One project")
def get_project(request: HttpRequest, project_id: int) -> dict[str, Any]:
    return project_out(selectors.get_project(request.user, project_id))


@router.get("/projects/{project_id}/conditions", summary="Conditions of the move to 实施, met or not")
def project_conditions(request: HttpRequest, project_id: int) -> list[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    return [c.to_dict() for c in services.implementation_conditions(project)]


@router.get("/projects/{project_id}/conditions.docx", summary="The conditions of the move to 实施 (Word)")
def project_conditions_document(request: HttpRequest, project_id: int) -> HttpResponse:
    project = selectors.get_project(request.user, project_id)
    response = HttpResponse(documents.conditions_docx(project), content_type=documents.DOCX)
    response["Content-Disposition"] = f'attachment; filename="conditions-{project.code}.docx"'
    return response


@router.get(
    "/projects/{project_id}/ballots", summary="Consent and plan-approval ballots opened for the project"
)
def project_ballots(request: HttpRequest, project_id: int) -> list[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    links = project.ballots.select_related("ballot", "community", "plan_version")
    return [project_ballot_out(link) for link in links]


@router.post(
    "/projects/{project_id}/ballots",
    response={201: dict},
    summary="Open a consent or plan-approval ballot (draft) for the project and one of its communities",
)
def create_project_ballot(
    request: HttpRequest, project_id: int, payload: ProjectBallotIn
) -> Status[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    link = services.project_ballot_create(actor=request.user, project=project, **payload.dict())
    return Status(201, project_ballot_out(link))


@router.post("/projects/{project_id}/move", summary="Move the project to another pool")
def move_project(request: HttpRequest, project_id: int, payload: MoveIn) -> Any:
    from gaizao.errors import StateError

    project = selectors.get_project(request.user, project_id)
    try:
        project = services.project_move(
            actor=request.user, project=project, to=payload.to, reason=payload.reason
        )
    except StateError as exc:
        if not hasattr(exc, "missing"):
            exc.missing = []  # type: ignore[attr-defined]  # a refused move always lists its unmet conditions
        raise
    return project_out(project)


@router.get("/projects/{project_id}/plan", summary="The plan: state, current version, recommendations")
def get_plan(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = selectors.get_project(request.user, project_id)
    plan = Plan.objects.get(project=project)
    return {
        "state": plan.state,
        "current": version_out(plan.current_version) if plan.current_version else None,
        "recommendations": selectors.plan_recommendations(project),
    }


@router.post("/projects/{project_id}/plan", response={201: dict}, summary="Save the plan as a new version")
def save_plan(request: HttpRequest, project_id: int, payload: PlanIn) -> Status[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    version = services.plan_save(
        actor=request.user,
        project=project,
        mode=payload.mode,
        delivery_mode=payload.delivery_mode,
        items=[i.dict() for i in payload.items],
        funding=payload.funding,
        note=payload.note,
        elevator_stairwells=(
            None if payload.elevator_stairwells is None else [e.dict() for e in payload.elevator_stairwells]
        ),
    )
    return Status(201, version_out(version))


@router.get("/projects/{project_id}/plan/versions", summary="All versions of the plan")
def plan_versions(request: HttpRequest, project_id: int) -> list[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    return [version_out(v) for v in PlanVersion.objects.filter(plan__project=project)]


@router.get("/plan-versions/{version_id}", summary="One plan version")
def plan_version(request: HttpRequest, version_id: int) -> dict[str, Any]:
    return version_out(selectors.get_plan_version(request.user, version_id))


@router.post("/projects/{project_id}/plan/finalise", summary="Finalise the plan (funding must add up)")
def finalise_plan(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = selectors.get_project(request.user, project_id)
    return {"state": services.plan_finalise(actor=request.user, project=project).state}


@router.post("/projects/{project_id}/plan/reopen", summary="Reopen a finalised plan for changes")
def reopen_plan(request: HttpRequest, project_id: int, payload: ReasonIn) -> dict[str, Any]:
    project = selectors.get_project(request.user, project_id)
    return {"state": services.plan_reopen(actor=request.user, project=project, reason=payload.reason).state}


# --- consultation ---------------------------------------------------------------------------------------------------


@router.post(
    "/projects/{project_id}/consultations", response={201: dict}, summary="Start a joint consultation"
)
def start_consultation(
    request: HttpRequest, project_id: int, payload: ConsultationIn
) -> Status[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    consultation = services.consultation_start(
        actor=request.user, project=project, departments=payload.departments
    )
    return Status(201, consultation_out(consultation))


@router.get("/consultations", summary="Consultations I can see (utilities: those they are invited to)")
def list_consultations(request: HttpRequest) -> list[dict[str, Any]]:
    return [consultation_out(c) for c in selectors.consultations_for(request.user)[:200]]


@router.get("/consultations/{consultation_id}", summary="One consultation with every opinion")
def get_consultation(request: HttpRequest, consultation_id: int) -> dict[str, Any]:
    return consultation_out(selectors.get_consultation(request.user, consultation_id))


@router.post("/consultations/{consultation_id}/opinions", summary="Record a department's opinion")
def record_opinion(request: HttpRequest, consultation_id: int, payload: OpinionIn) -> dict[str, Any]:
    consultation = selectors.get_consultation(request.user, consultation_id)
    services.consultation_record_opinion(actor=request.user, consultation=consultation, **payload.dict())
    return consultation_out(consultation)


@router.post(
    "/consultations/{consultation_id}/reminders",
    summary="Remind the departments that have not answered (their accounts get a notice)",
)
def remind_consultation(request: HttpRequest, consultation_id: int, payload: RemindIn) -> dict[str, Any]:
    consultation = selectors.get_consultation(request.user, consultation_id)
    reached = services.consultation_remind(
        actor=request.user, consultation=consultation, departments=payload.departments
    )
    return {"reached": reached, "consultation": consultation_out(consultation)}


@router.post("/consultations/{consultation_id}/complete", summary="Complete the consultation")
def complete_consultation(request: HttpRequest, consultation_id: int, payload: SummaryIn) -> dict[str, Any]:
    consultation = selectors.get_consultation(request.user, consultation_id)
    return consultation_out(
        services.consultation_complete(actor=request.user, consultation=consultation, summary=payload.summary)
    )


@router.get("/consultations/{consultation_id}/document", summary="The consolidated opinion (Word)")
def consultation_document(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = selectors.get_consultation(request.user, consultation_id)
    response = HttpResponse(documents.consultation_docx(consultation), content_type=documents.DOCX)
    response["Content-Disposition"] = f'attachment; filename="consultation-{consultation.pk}.docx"'
    return response


# --- publication ----------------------------------------------------------------------------------------------------


@router.post(
    "/projects/{project_id}/publications", response={201: dict}, summary="Publish the finalised plan"
)
def start_publication(
    request: HttpRequest, project_id: int, payload: PublicationIn
) -> Status[dict[str, Any]]:
    project = selectors.get_project(request.user, project_id)
    publication = services.publication_start(actor=request.user, project=project, days=payload.days)
    return Status(201, publication_out(publication))


@router.get("/public/publications", auth=None, summary="Plans under or after publication (public)")
def public_publications(request: HttpRequest) -> list[dict[str, Any]]:
    return [publication_out(p) for p in selectors.public_publications()[:200]]


@router.get("/public/publications/{public_id}", auth=None, summary="One publication (public)")
def public_publication(request: HttpRequest, public_id: UUID) -> dict[str, Any]:
    return publication_out(selectors.get_public_publication(public_id))


@router.post(
    "/public/publications/{public_id}/comments",
    auth=None,
    response={201: dict},
    summary="Comment on a publication (public)",
)
def public_comment(request: HttpRequest, public_id: UUID, payload: CommentIn) -> Status[dict[str, Any]]:
    publication = selectors.get_public_publication(public_id)
    comment = services.publication_comment_add(
        publication=publication, client=client_address(request), **payload.dict()
    )
    return Status(201, comment_out(comment))


@router.post("/comments/{comment_id}/reply", summary="Answer a publication comment")
def reply_comment(request: HttpRequest, comment_id: int, payload: ReplyIn) -> dict[str, Any]:
    comment = selectors.get_comment(request.user, comment_id)
    comment = services.publication_comment_reply(actor=request.user, comment=comment, reply=payload.reply)
    return comment_out(comment, unmasked=sees_personal_data(request.user))


# --- annual plans ---------------------------------------------------------------------------------------------------


@router.get("/annual-plans", summary="Annual plans (districts: their own; city and reviewers: submitted)")
def list_annual(request: HttpRequest) -> list[dict[str, Any]]:
    return [annual_out(a) for a in selectors.annual_plans_for(request.user)]


@router.post("/annual-plans", response={201: dict}, summary="Compile my district's plan for a year")
def compile_annual(request: HttpRequest, payload: AnnualIn) -> Status[dict[str, Any]]:
    user = request.user
    district = (
        get_object_or_404(Division, code=payload.district_code)
        if payload.district_code
        else getattr(user, "division", None)
    )
    if district is None:
        from gaizao.errors import ApplicationError

        raise ApplicationError("请指定区县。/ district_code is required.", field="district_code")
    plan = services.annual_plan_compile(actor=user, district=district, plan_year=payload.plan_year)
    return Status(201, annual_out(plan))


@router.get("/annual-plans/{plan_id}", summary="One annual plan with its reviews")
def get_annual(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return annual_out(selectors.get_annual_plan(request.user, plan_id))


@router.post("/annual-plans/{plan_id}/submit", summary="Submit to 市建委 (late after 31 October is flagged)")
def submit_annual(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    plan = selectors.get_annual_plan(request.user, plan_id)
    return annual_out(services.annual_plan_submit(actor=request.user, annual_plan=plan))


@router.post("/annual-plans/{plan_id}/reviews", response={201: dict}, summary="Record my bureau's review")
def review_annual(request: HttpRequest, plan_id: int, payload: ReviewIn) -> Status[dict[str, Any]]:
    plan = selectors.get_annual_plan(request.user, plan_id)
    services.annual_plan_review(
        actor=request.user, annual_plan=plan, decision=payload.decision, comments=payload.comments
    )
    return Status(201, annual_out(AnnualPlan.objects.get(pk=plan.pk)))


@router.post("/annual-plans/{plan_id}/approve", summary="Record the municipal government's approval")
def approve_annual(request: HttpRequest, plan_id: int, payload: ApproveIn) -> dict[str, Any]:
    plan = selectors.get_annual_plan(request.user, plan_id)
    return annual_out(services.annual_plan_approve(actor=request.user, annual_plan=plan, note=payload.note))


@router.get("/annual-plans/{plan_id}/export", summary="The official table (Excel)")
def export_annual(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.get_annual_plan(request.user, plan_id)
    response = HttpResponse(documents.annual_plan_xlsx(plan), content_type=documents.XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="annual-plan-{plan.district.code}-{plan.plan_year}.xlsx"'
    )
    return response


# --- reference data and dashboards ----------------------------------------------------------------------------------


@router.get("/unit-rates", summary="Unit rates: city defaults and my district's own")
def unit_rates(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "division": r.division.name,
            "division_code": r.division.code,
            "item_id": r.item_id,
            "rate": str(r.rate),
            "unit": r.unit,
        }
        for r in selectors.unit_rates_for(request.user)
    ]


class UnitRateIn(Schema):
    item_id: str
    rate: str


@router.post(
    "/unit-rates", summary="Set a unit rate: the city default (city) or my district's own (district)"
)
def set_unit_rate(request: AuthenticatedHttpRequest, payload: UnitRateIn) -> dict[str, Any]:
    from gaizao.accounts.access import require_role
    from gaizao.accounts.models import Role

    require_role(request.user, Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER)
    row = services.unit_rate_set(
        actor=request.user,
        division=request.user.division,  # type: ignore[arg-type]  # None: refused by require_write
        item_id=payload.item_id,
        rate=payload.rate,
    )
    return {"division": row.division.name, "item_id": row.item_id, "rate": str(row.rate), "unit": row.unit}


@router.get("/dashboard", summary="Projects per pool, overall and per district")
def dashboard(request: HttpRequest) -> dict[str, Any]:
    return {
        "counts": selectors.project_counts(request.user),
        "districts": selectors.project_counts_by_district(request.user),
    }
