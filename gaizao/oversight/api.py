"""Oversight API at /api/v1/oversight/: district targets (the city coordinator sets them), progress against them
with pace flags and forecasts, the statistical progress return (JSON and Excel) with the records behind each cell,
the district assessment with its ranking and performance award (compute, publish, one district's indicators with
their records), the district's performance evaluation report (Word), the oversight deadlines, and the public
progress and open data (no login). Reads are scoped by ``gaizao.oversight.selectors``; writes are services."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema

from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.oversight import documents, public, selectors, services, todos
from gaizao.oversight.models import Assessment, DistrictScore, DistrictTarget
from gaizao.policy import oversight as rules

router = Router(tags=["oversight"])


def _reader(request: HttpRequest) -> Any:
    selectors.require_reader(request.user)
    return request.user


def target_out(t: DistrictTarget) -> dict[str, Any]:
    return {
        "id": t.pk,
        "district": t.district.code,
        "district_name": t.district.name,
        "year": t.year,
        "plan_period": t.plan_period,
        **{k: str(getattr(t, k)) if k == "property_coverage" else getattr(t, k) for k in rules.TARGET_KEYS},
        "note": t.note,
        "set_at": t.set_at.isoformat(),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Division):
        return {"code": value.code, "name": value.name}
    if isinstance(value, DistrictTarget):
        return target_out(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def score_out(s: DistrictScore) -> dict[str, Any]:
    return {
        "district": s.district.code,
        "district_name": s.district.name,
        "total": str(s.total),
        "rank": s.rank,
        "award": str(s.award),
        "award_reason": s.award_reason,
        "indicators": s.indicators,
    }


def assessment_out(a: Assessment, user: Any) -> dict[str, Any]:
    return {
        "year": a.year,
        "state": a.state,
        "ruleset": a.ruleset_id,
        "award_pool": str(a.award_pool),
        "award_threshold": str(a.award_threshold),
        "computed_at": a.computed_at.isoformat(),
        "published_at": a.published_at.isoformat() if a.published_at else None,
        "can_publish": services.can_publish(user, a),
        "scores": [score_out(s) for s in selectors.scores_of(user, a)],
    }


class TargetIn(Schema):
    district: str
    year: int
    communities_started: int | None = None
    communities_completed: int | None = None
    households: int | None = None
    buildings: int | None = None
    elevators_added: int | None = None
    property_coverage: str | None = None
    note: str = ""


class AssessmentIn(Schema):
    year: int
    award_pool: str | None = None
    award_threshold: str | None = None


#: A year asked for in a query: a calendar year (a 422 naming ``year`` otherwise, not a date overflow); a year
#: no rule set covers is refused by the service (400).
YEAR = Query(..., ge=1, le=9998)


@router.get("/targets", summary="District targets of a year (with the rule set's defaults)")
def targets(request: HttpRequest, year: int = YEAR) -> dict[str, Any]:
    user = _reader(request)
    return {
        "year": year,
        "defaults": {k: str(v) for k, v in services.default_targets(year).items()},
        "targets": [target_out(t) for t in selectors.targets_for(user, year).values()],
    }


@router.post("/targets", summary="Set a district's targets for a year (city coordinator)")
def target_set(request: HttpRequest, payload: TargetIn) -> dict[str, Any]:
    user = _reader(request)
    if not services.can_set_targets(user):
        raise PermissionError_("只有市级统筹可以设定目标。/ Only the city coordinator sets targets.")
    district = Division.objects.filter(code=payload.district, level=DivisionLevel.DISTRICT).first()
    if district is None:
        raise ApplicationError("区县不存在。/ district: no such district.", field="district")
    values = {k: getattr(payload, k) for k in rules.TARGET_KEYS}
    return target_out(
        services.target_set(
            actor=user, district=district, year=payload.year, values=values, note=payload.note
        )
    )


@router.get("/progress", summary="Progress of each district against its targets, pace flags and forecast")
def progress(request: HttpRequest, year: int = YEAR) -> dict[str, Any]:
    user = _reader(request)
    data = selectors.progress(user, year)
    return _plain(data)


def _return_out(ret: dict[str, Any]) -> dict[str, Any]:
    return {
        "form": ret["form"],
        "title": ret["title"],
        "period": ret["period"].key,
        "start": ret["period"].start.isoformat(),
        "end": ret["period"].end.isoformat(),
        "division": ret["root"].code,
        "columns": [
            {"key": c.key, "group": c.group_zh, "label": c.label_zh, "unit": c.unit} for c in ret["columns"]
        ],
        "rows": [
            {
                "level": r.level,
                "code": r.code,
                "name": r.name,
                "parent": r.parent_code,
                "cells": {k: str(v) for k, v in r.cells.items()},
            }
            for r in ret["rows"]
        ],
        "checks": ret["checks"],
        "reconciled": ret["reconciled"],
        "plan_status": [
            {"district": s["district"].code, "state": s["state"], "annual_plan": s["annual_plan"]}
            for s in ret["plan_status"]
        ],
    }


@router.get(
    "/returns/{period}", summary="The statistical progress return of a period (2027, 2027Q1, 2027-03)"
)
def statistical_return(
    request: HttpRequest, period: str, division: str = "", form: str = "progress"
) -> dict[str, Any]:
    user = _reader(request)
    return _return_out(selectors.statistical_return(user, period, division=division or None, form=form))


@router.get(
    "/returns/{period}/export.xlsx", summary="The statistical progress return as Excel, in the form's layout"
)
def statistical_return_xlsx(
    request: HttpRequest, period: str, division: str = "", form: str = "progress"
) -> HttpResponse:
    user = _reader(request)
    ret = selectors.statistical_return(user, period, division=division or None, form=form)
    response = HttpResponse(documents.return_xlsx(ret), content_type=documents.XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{ret["form"]}-return-{period}-{ret["root"].code}.xlsx"'
    )
    return response


@router.get("/returns/{period}/cell", summary="The records behind one cell of the return")
def cell(request: HttpRequest, period: str, division: str, column: str) -> dict[str, Any]:
    user = _reader(request)
    data = selectors.cell_records(user, period, division=division, column=column)
    return {**data, "value": str(data["value"])}


@router.get(
    "/inspections", summary="City inspections (督查) of a year per district, with the findings' follow-up"
)
def inspections(request: HttpRequest, year: int = YEAR) -> dict[str, Any]:
    user = _reader(request)
    return _plain(selectors.city_inspections(user, year))


@router.get("/assessments", summary="District assessments (drafts only for city staff)")
def assessments(request: HttpRequest) -> list[dict[str, Any]]:
    user = _reader(request)
    return [
        {"year": a.year, "state": a.state, "award_pool": str(a.award_pool)}
        for a in selectors.assessments_for(user)
    ]


@router.post(
    "/assessments", summary="Compute (or recompute) the draft assessment of a year (city coordinator)"
)
def assessment_compute(request: HttpRequest, payload: AssessmentIn) -> dict[str, Any]:
    user = _reader(request)
    a = services.assessment_compute(
        actor=user, year=payload.year, award_pool=payload.award_pool, award_threshold=payload.award_threshold
    )
    return assessment_out(a, user)


@router.get("/assessments/{year}", summary="An assessment: each district's score, rank and award")
def assessment(request: HttpRequest, year: int) -> dict[str, Any]:
    user = _reader(request)
    return assessment_out(selectors.get_assessment(user, year), user)


@router.post("/assessments/{year}/publish", summary="Publish the assessment (final)")
def assessment_publish(request: HttpRequest, year: int) -> dict[str, Any]:
    user = _reader(request)
    a = selectors.get_assessment(user, year)
    if not services.can_publish(user, a):
        raise PermissionError_(
            "只有市级统筹可以发布草稿考核。/ Only the city coordinator publishes a draft assessment."
        )
    return assessment_out(services.assessment_publish(actor=user, assessment=a), user)


@router.get(
    "/assessments/{year}/districts/{code}", summary="One district's indicators and the records behind each"
)
def assessment_district(request: HttpRequest, year: int, code: str) -> dict[str, Any]:
    user = _reader(request)
    a = selectors.get_assessment(user, year)
    return score_out(selectors.get_score(user, a, code))


@router.get(
    "/evaluations/{year}/{code}/report.docx", summary="A district's performance evaluation report (Word)"
)
def evaluation_docx(request: HttpRequest, year: int, code: str) -> HttpResponse:
    user = _reader(request)
    district = selectors.get_district(user, code)
    response = HttpResponse(
        documents.evaluation_docx(selectors.evaluation(user, district, year)), content_type=documents.DOCX
    )
    response["Content-Disposition"] = f'attachment; filename="evaluation-{year}-{code}.docx"'
    return response


def _project_evaluation_out(ev: dict[str, Any]) -> dict[str, Any]:
    f = ev["facts"]
    return _plain(
        {
            "project": {
                "id": f.project_id,
                "code": f.code,
                "name": f.name,
                "district": f.district_code,
                "street": f.street_code,
                "stage": f.stage,
                "communities": f.communities,
                "households": f.households,
                "buildings": f.buildings,
            },
            "on": ev["on"],
            "outputs": ev["outputs"],
            "accepted_on": ev["accepted_on"],
            "cost": ev["cost"],
            "timeliness": ev["timeliness"],
            "quality": ev["quality"],
            "effects": {
                "scorecards": [
                    {
                        "community": c["community"],
                        "community_name": c["community_name"],
                        "overall": c["overall"],
                        "goals": [
                            {"goal": g["goal"], "score": g["score"], "evaluation_mean": g["evaluation_mean"]}
                            for g in c["goals"]
                        ],
                    }
                    for c in ev["scorecards"]
                ],
                "life_circle": ev["life_circle"],
            },
            "satisfaction": ev["satisfaction"],
        }
    )


@router.get("/project-evaluations/{pk}", summary="One project's performance evaluation")
def project_evaluation(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = _reader(request)
    return _project_evaluation_out(selectors.project_evaluation(user, pk))


@router.get(
    "/project-evaluations/{pk}/report.docx", summary="One project's performance evaluation report (Word)"
)
def project_evaluation_docx(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    ev = selectors.project_evaluation(user, pk)
    response = HttpResponse(documents.project_evaluation_docx(ev), content_type=documents.DOCX)
    response["Content-Disposition"] = f'attachment; filename="evaluation-project-{ev["facts"].code}.docx"'
    return response


@router.get("/deadlines", summary="The user's oversight deadlines with counts")
def deadlines(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for key, provider, _ in todos.PROVIDERS:
        todo = provider(request.user)
        if todo is None:
            continue
        out.append(
            {
                "key": key,
                "label": todo.label_zh,
                "count": todo.count,
                "tone": todo.tone,
                "url": todo.url,
                "items": [{"text": i.text, "url": i.url, "hint": i.hint} for i in todo.items],
            }
        )
    return out


@router.get("/public/progress", auth=None, summary="Progress by district (public)")
def public_progress(request: HttpRequest, year: int | None = None) -> dict[str, Any]:
    return public.district_chart(year or timezone.localdate().year)


@router.get("/public/projects.json", auth=None, summary="Open data: projects as an OC4IDS-style package")
def public_projects_json(request: HttpRequest) -> dict[str, Any]:
    return public.projects_oc4ids()


@router.get("/public/projects.csv", auth=None, summary="Open data: projects as CSV")
def public_projects_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(public.projects_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="gaizao-projects.csv"'
    return response
