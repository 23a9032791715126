"""Planning API at /api/v1/planning/: special plan versions and their units (from proposals or drawn), review by
the coordination group, the Word document; the programme optimiser's runs, what-ifs and saving a run as the draft
annual plan."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError
from gaizao.planning import documents, selectors, services
from gaizao.planning.models import OptimiserRun, PlanUnit, SpecialPlan

router = Router(tags=["planning"])


def unit_out(u: PlanUnit) -> dict[str, Any]:
    return {
        "id": u.pk,
        "code": u.code,
        "name": u.name,
        "mode": u.mode,
        "positioning": u.positioning,
        "indicators": u.indicators,
        "required_facilities": u.required_facilities,
        "phase_year": u.phase_year,
        "source": u.source,
        "communities": [{"id": c.pk, "code": c.code, "name": c.name} for c in u.communities.order_by("code")],
    }


def plan_out(p: SpecialPlan, user: Any) -> dict[str, Any]:
    return {
        "id": p.pk,
        "district": p.district.name,
        "district_code": p.district.code,
        "version": p.version,
        "title": p.title,
        "state": p.state,
        "review_note": p.review_note,
        "approved_at": p.approved_at.isoformat() if p.approved_at else None,
        "units": [unit_out(u) for u in selectors.plan_units(p)],
        "can": {
            "edit": services.can_edit(user, p),
            "submit": services.can_submit(user, p),
            "review": services.can_review(user, p),
            "new_version": services.can_new_version(user, p),
        },
    }


def run_out(r: OptimiserRun, user: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "district": r.district.name,
        "plan_year": r.plan_year,
        "status": r.status,
        "message": r.message,
        "budget": r.budget,
        "targets": r.targets,
        "weights": r.weights,
        "min_per_street": r.min_per_street,
        "keep_units": r.keep_units,
        "benefit": r.benefit,
        "bound": r.bound,
        "optimality_gap": r.gap,
        "solver": r.solver,
        "seconds": r.seconds,
        "totals": r.totals,
        "spent": r.spent,
        "shadow_price": r.shadow,
        "chosen": r.chosen,
        "candidates": r.rows,
        "excluded": r.excluded,
        "annual_plan": r.annual_plan_id,
        "can_save": services.can_save_run(user, r),
    }


def _district(user: Any, code: str) -> Division:
    if code:
        district: Division | None = get_object_or_404(Division, code=code)
    else:
        district = getattr(user, "division", None)
    if district is None:
        raise ApplicationError("请指定区县。/ district_code is required.", field="district_code")
    if district not in selectors.districts_for(user) and district not in selectors.optimiser_scopes_for(user):
        raise ApplicationError(
            "区县不在您的范围内。/ district_code: not in your scope.", field="district_code"
        )
    return district


class PlanIn(Schema):
    district_code: str = ""
    title: str = ""


class UnitIn(Schema):
    community_ids: list[int]
    name: str = ""
    mode: str = ""


class UnitPatch(Schema):
    name: str | None = None
    mode: str | None = None
    positioning: str | None = None
    indicators: dict[str, str] | None = None
    phase_year: int | None = None


class ToggleIn(Schema):
    community_id: int


class NoteIn(Schema):
    note: str = ""


class LinkIn(Schema):
    project_id: int
    unit_id: int


class RunIn(Schema):
    district_code: str = ""
    plan_year: int
    budget: dict[str, str]
    targets: dict[str, int] = {}
    weights: dict[str, str] = {}
    min_per_street: int = 0
    keep_units: bool = True


class WhatIfIn(Schema):
    budget: dict[str, str]


# --- special plans --------------------------------------------------------------------------------------------------


@router.get("/plans", summary="Special plan versions in my scope")
def list_plans(request: HttpRequest) -> list[dict[str, Any]]:
    return [plan_out(p, request.user) for p in selectors.plans_for(request.user)[:200]]


@router.post("/plans", response={201: dict}, summary="Start my district's next special plan version")
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[dict[str, Any]]:
    district = _district(request.user, payload.district_code)
    plan = services.special_plan_create(actor=request.user, district=district, title=payload.title)
    return Status(201, plan_out(plan, request.user))


@router.get("/plans/{plan_id}", summary="One version with its units")
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return plan_out(selectors.get_plan(request.user, plan_id), request.user)


@router.get("/plans/{plan_id}/map", summary="The district's communities with their unit (GeoJSON)")
def plan_map(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return selectors.plan_map(selectors.get_plan(request.user, plan_id))


@router.get("/plans/{plan_id}/document", summary="The plan text (Word)")
def plan_document(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.get_plan(request.user, plan_id)
    response = HttpResponse(documents.special_plan_docx(plan), content_type=documents.DOCX)
    response["Content-Disposition"] = (
        f'attachment; filename="special-plan-{plan.district.code}-v{plan.version}.docx"'
    )
    return response


@router.post("/plans/{plan_id}/units", response={201: dict}, summary="Draw a unit: the communities it holds")
def create_unit(request: HttpRequest, plan_id: int, payload: UnitIn) -> Status[dict[str, Any]]:
    plan = selectors.get_plan(request.user, plan_id)
    unit = services.unit_create(
        actor=request.user,
        plan=plan,
        community_ids=payload.community_ids,
        name=payload.name,
        mode=payload.mode,
    )
    return Status(201, unit_out(unit))


@router.post("/plans/{plan_id}/proposals", summary="Add the life-circle analysis's unit proposals")
def from_proposals(request: HttpRequest, plan_id: int) -> list[dict[str, Any]]:
    plan = selectors.get_plan(request.user, plan_id)
    return [unit_out(u) for u in services.special_plan_units_from_proposals(actor=request.user, plan=plan)]


@router.patch("/units/{unit_id}", summary="Change a unit's name, mode, positioning, indicators or phase")
def patch_unit(request: HttpRequest, unit_id: int, payload: UnitPatch) -> dict[str, Any]:
    unit = selectors.get_unit(request.user, unit_id)
    unit = services.unit_update(actor=request.user, unit=unit, **payload.dict())
    return unit_out(unit)


@router.post("/units/{unit_id}/toggle", summary="Add or remove a community (the map's click)")
def toggle_unit(request: HttpRequest, unit_id: int, payload: ToggleIn) -> dict[str, Any]:
    unit = selectors.get_unit(request.user, unit_id)
    member = services.unit_toggle_community(actor=request.user, unit=unit, community_id=payload.community_id)
    unit.refresh_from_db()
    return {"member": member, "unit": unit_out(unit)}


@router.delete("/units/{unit_id}", response={204: None}, summary="Delete a unit of a draft version")
def delete_unit(request: HttpRequest, unit_id: int) -> Status[None]:
    services.unit_delete(actor=request.user, unit=selectors.get_unit(request.user, unit_id))
    return Status(204, None)


@router.post("/plans/{plan_id}/submit", summary="Submit to the coordination group")
def submit_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    plan = services.special_plan_submit(actor=request.user, plan=selectors.get_plan(request.user, plan_id))
    return plan_out(plan, request.user)


@router.post("/plans/{plan_id}/approve", summary="Approve (coordination group)")
def approve_plan(request: HttpRequest, plan_id: int, payload: NoteIn) -> dict[str, Any]:
    plan = selectors.get_plan(request.user, plan_id)
    return plan_out(
        services.special_plan_approve(actor=request.user, plan=plan, note=payload.note), request.user
    )


@router.post("/plans/{plan_id}/return", summary="Return for revision (coordination group)")
def return_plan(request: HttpRequest, plan_id: int, payload: NoteIn) -> dict[str, Any]:
    plan = selectors.get_plan(request.user, plan_id)
    return plan_out(
        services.special_plan_return(actor=request.user, plan=plan, note=payload.note), request.user
    )


@router.post("/links", response={201: dict}, summary="Link a project to a unit of the approved plan")
def link_project(request: HttpRequest, payload: LinkIn) -> Status[dict[str, Any]]:
    from gaizao.programme import selectors as programme

    project = programme.get_project(request.user, payload.project_id)
    unit = selectors.get_unit(request.user, payload.unit_id)
    link = services.project_link_unit(actor=request.user, project=project, unit=unit)
    return Status(
        201, {"project": project.code, "unit": unit.code, "plan_version": unit.plan.version, "id": link.pk}
    )


# --- optimiser ------------------------------------------------------------------------------------------------------


@router.get("/runs", summary="Optimiser runs in my scope")
def list_runs(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": r.pk,
            "district": r.district.name,
            "plan_year": r.plan_year,
            "status": r.status,
            "budget": r.budget,
        }
        for r in selectors.runs_for(request.user)[:200]
    ]


@router.post("/runs", response={201: dict}, summary="Choose next year's projects under budget and targets")
def create_run(request: HttpRequest, payload: RunIn) -> Status[dict[str, Any]]:
    district = _district(request.user, payload.district_code)
    run = services.optimiser_run(
        actor=request.user,
        district=district,
        plan_year=payload.plan_year,
        budget=payload.budget,
        targets=payload.targets,
        weights=payload.weights,
        min_per_street=payload.min_per_street,
        keep_units=payload.keep_units,
    )
    return Status(201, run_out(run, request.user))


@router.get("/runs/{run_id}", summary="One run: chosen set, reasons, gap, shadow price")
def get_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return run_out(selectors.get_run(request.user, run_id), request.user)


@router.post("/runs/{run_id}/whatif", response={201: dict}, summary="The same run with another budget")
def whatif(request: HttpRequest, run_id: int, payload: WhatIfIn) -> Status[dict[str, Any]]:
    run = selectors.get_run(request.user, run_id)
    return Status(
        201,
        run_out(services.optimiser_rerun(actor=request.user, run=run, budget=payload.budget), request.user),
    )


@router.post("/runs/{run_id}/save", summary="Save the chosen set as the draft annual plan")
def save_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    run = selectors.get_run(request.user, run_id)
    annual = services.optimiser_save(actor=request.user, run=run)
    return {"annual_plan": annual.pk, "state": annual.state, "plan_year": annual.plan_year}
