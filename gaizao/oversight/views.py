"""Oversight pages: progress against targets, the targets form, the statistical return (with the records behind
each cell and its Excel), the district assessment (compute, publish, one district's indicators with their records),
the evaluation report (Word), and the public progress page with open-data downloads (no login)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gaizao.errors import ApplicationError
from gaizao.oversight import documents, public, selectors, services
from gaizao.oversight.models import AssessmentState
from gaizao.policy import oversight as rules
from gaizao.ui.views import attempt as _attempt

TARGET_LABELS = selectors.TARGET_LABELS


def _year(request: HttpRequest) -> int:
    """The year asked for; this year when it is not a year some rule set covers."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or this_year)
        services.year_rules(year)
    except (ValueError, ApplicationError):
        return this_year
    return year


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Progress of each district against its targets, with pace flags and the forecast from the schedules."""
    selectors.require_reader(request.user)
    year = _year(request)
    data = selectors.progress(request.user, year)
    return render(
        request,
        "oversight/home.html",
        {
            "p": data,
            "year": year,
            "labels": [TARGET_LABELS[k] for k in rules.TARGET_KEYS],
            "can_set": services.can_set_targets(request.user),
        },
    )


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    """The targets of a year per district; the city coordinator sets them (defaults from the rule set)."""
    selectors.require_reader(request.user)
    year = _year(request)
    back = reverse("oversight:targets") + f"?year={year}"
    if request.method == "POST":
        if not services.can_set_targets(request.user):
            raise PermissionDenied
        district = selectors.get_district(request.user, request.POST.get("district", ""))
        values = {k: request.POST.get(k, "") for k in rules.TARGET_KEYS}
        return _attempt(
            request,
            lambda: services.target_set(
                actor=request.user,
                district=district,
                year=year,
                values=values,
                note=request.POST.get("note", ""),
            ),
            f"已设定 {district.name} {year} 年目标。/ Targets saved.",
            back,
        )
    have = selectors.targets_for(request.user, year)
    defaults = services.default_targets(year)
    rows = []
    for d in selectors.districts_for(request.user):
        target = have.get(d.pk)
        fields = [
            {
                "key": k,
                "label_zh": TARGET_LABELS[k][0],
                "label_en": TARGET_LABELS[k][1],
                "value": getattr(target, k) if target is not None else defaults[k],
            }
            for k in rules.TARGET_KEYS
        ]
        rows.append({"district": d, "target": target, "fields": fields})
    return render(
        request,
        "oversight/targets.html",
        {
            "year": year,
            "rows": rows,
            "labels": [TARGET_LABELS[k] for k in rules.TARGET_KEYS],
            "can_set": services.can_set_targets(request.user),
        },
    )


def _period(request: HttpRequest) -> str:
    today = timezone.localdate()
    return request.GET.get("period") or f"{today.year}Q{(today.month - 1) // 3 + 1}"


@login_required
def returns(request: HttpRequest) -> HttpResponse:
    selectors.require_reader(request.user)
    period = _period(request)
    division = request.GET.get("division", "")
    try:
        ret = selectors.statistical_return(
            request.user, period, division=division or None, form=request.GET.get("form") or "progress"
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("oversight:returns"))
    table = [{"row": r, "cells": [(c.key, r.cells[c.key]) for c in ret["columns"]]} for r in ret["rows"]]
    return render(
        request,
        "oversight/returns.html",
        # each cell's link from one reversed URL ({% url %} in every cell was a third of the rendering)
        {
            "ret": ret,
            "table": table,
            "period": period,
            "division": division,
            "cell_url": reverse("oversight:returns_cell"),
        },
    )


@login_required
def returns_export(request: HttpRequest) -> HttpResponse:
    selectors.require_reader(request.user)
    period = _period(request)
    try:
        ret = selectors.statistical_return(
            request.user,
            period,
            division=request.GET.get("division") or None,
            form=request.GET.get("form") or "progress",
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("oversight:returns"))
    response = HttpResponse(documents.return_xlsx(ret), content_type=documents.XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{ret["form"]}-return-{period}-{ret["root"].code}.xlsx"'
    )
    return response


@login_required
def returns_cell(request: HttpRequest) -> HttpResponse:
    """The records behind one cell: the projects (and ledger entries for investment)."""
    selectors.require_reader(request.user)
    try:
        data = selectors.cell_records(
            request.user,
            _period(request),
            division=request.GET.get("division", ""),
            column=request.GET.get("column", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("oversight:returns"))
    return render(
        request,
        "oversight/cell.html",
        {"d": data, "projects": selectors.cell_projects(request.user, data["projects"])},
    )


@login_required
def assessment(request: HttpRequest) -> HttpResponse:
    selectors.require_reader(request.user)
    year = _year(request)
    found = selectors.assessments_for(request.user).filter(year=year).first()
    policy = services.year_rules(year)
    return render(
        request,
        "oversight/assessment.html",
        {
            "year": year,
            "a": found,
            "scores": list(selectors.scores_of(request.user, found)) if found else [],
            "indicators": policy.indicators,
            "award": policy.award,
            "can_compute": services.can_compute(request.user, year),
            "can_publish": found is not None and services.can_publish(request.user, found),
            "years": [a.year for a in selectors.assessments_for(request.user)],
        },
    )


@login_required
@require_POST
def assessment_compute(request: HttpRequest) -> HttpResponse:
    selectors.require_reader(request.user)
    year = _year(request)
    if not services.can_compute(request.user, year):
        raise PermissionDenied
    return _attempt(
        request,
        lambda: services.assessment_compute(
            actor=request.user,
            year=year,
            award_pool=request.POST.get("award_pool") or None,
            award_threshold=request.POST.get("award_threshold") or None,
        ),
        f"已计算 {year} 年考核。/ Assessment computed.",
        reverse("oversight:assessment") + f"?year={year}",
    )


@login_required
@require_POST
def assessment_publish(request: HttpRequest, year: int) -> HttpResponse:
    selectors.require_reader(request.user)
    a = selectors.get_assessment(request.user, year)
    if not services.can_publish(request.user, a):
        raise PermissionDenied
    return _attempt(
        request,
        lambda: services.assessment_publish(actor=request.user, assessment=a),
        f"已发布 {year} 年考核。/ Assessment published.",
        reverse("oversight:assessment") + f"?year={year}",
    )


@login_required
def assessment_district(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """One district's indicators, each with its ratio, score, points, source and the records behind it."""
    selectors.require_reader(request.user)
    a = selectors.get_assessment(request.user, year)
    score = selectors.get_score(request.user, a, code)
    return render(
        request, "oversight/district.html", {"a": a, "s": score, "draft": a.state == AssessmentState.DRAFT}
    )


@login_required
def evaluation_report(request: HttpRequest, year: int, code: str) -> HttpResponse:
    selectors.require_reader(request.user)
    district = selectors.get_district(request.user, code)
    response = HttpResponse(
        documents.evaluation_docx(selectors.evaluation(request.user, district, year)),
        content_type=documents.DOCX,
    )
    response["Content-Disposition"] = f'attachment; filename="evaluation-{year}-{code}.docx"'
    return response


#: rows a list shows (the city has thousands of delivered projects; the first by code, with the total)
LIST_ROWS = 300


@login_required
def project_evaluations(request: HttpRequest) -> HttpResponse:
    """The delivered projects in scope, each linked to its performance evaluation."""
    selectors.require_reader(request.user)
    # each row's two links from one reversed URL each (two {% url %} per row were most of the rendering)
    page = reverse("oversight:project_evaluation", args=[0]).removesuffix("0/")
    report = reverse("oversight:project_evaluation_report", args=[0])
    head, tail = report.split("/0/", 1)
    facts, matched = selectors.evaluated_projects_page(request.user, LIST_ROWS)
    rows = [
        {"f": f, "url": f"{page}{f.project_id}/", "report_url": f"{head}/{f.project_id}/{tail}"}
        for f in facts
    ]
    return render(
        request,
        "oversight/project_evaluations.html",
        {"projects": rows, "matched": matched, "shown": LIST_ROWS},
    )


@login_required
def project_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    """One project's performance evaluation: outputs, cost, timeliness, quality, effects, satisfaction."""
    selectors.require_reader(request.user)
    return render(
        request, "oversight/project_evaluation.html", {"ev": selectors.project_evaluation(request.user, pk)}
    )


@login_required
def project_evaluation_report(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_reader(request.user)
    ev = selectors.project_evaluation(request.user, pk)
    try:
        body = documents.project_evaluation_docx(ev)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("oversight:project_evaluation", args=[pk]))
    response = HttpResponse(body, content_type=documents.DOCX)
    response["Content-Disposition"] = f'attachment; filename="evaluation-project-{ev["facts"].code}.docx"'
    return response


@login_required
def inspections(request: HttpRequest) -> HttpResponse:
    """The city's inspections (督查) of the districts and the follow-up of their findings."""
    selectors.require_reader(request.user)
    year = _year(request)
    return render(
        request,
        "oversight/inspections.html",
        {"year": year, "d": selectors.city_inspections(request.user, year)},
    )


def public_progress(request: HttpRequest) -> HttpResponse:
    """Progress by district (public): a chart, a map of the districts' progress and the open-data downloads."""
    year = _year(request)
    chart = public.district_chart(year)
    return render(
        request,
        "oversight/public_progress.html",
        {"year": year, "chart": chart, "chart_json": json.dumps(chart, ensure_ascii=False)},
    )


def public_projects_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(public.projects_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="gaizao-projects.csv"'
    return response


def public_projects_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(public.projects_oc4ids(), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="gaizao-projects-oc4ids.json"'
    return response
