"""Pages of the programme workflow. Reads go through selectors (out of scope → 404), writes through services;
a refused write comes back as a message on the page it was made from."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gaizao.accounts.access import READER_ROLES, mask_name, mask_phone, sees_personal_data
from gaizao.accounts.models import Role
from gaizao.accounts.requests import AuthenticatedHttpRequest
from gaizao.accounts.throttle import client_address
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.programme import documents, rules, selectors, services
from gaizao.programme.models import (
    AnnualPlanState,
    ConsultationState,
    OpinionDecision,
    Plan,
    PlanState,
    PlanVersion,
    ProjectState,
    PublicationState,
)
from gaizao.ui.i18n import in_language
from gaizao.ui.links import links_for
from gaizao.ui.views import attempt as _attempt


def _staff(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


def _choices(choices: Any) -> list[dict[str, str]]:
    return [{"id": c.id, "label": f"{c.name_zh} / {c.name_en}", "clause": c.clause} for c in choices]


# --- dashboards -----------------------------------------------------------------------------------------------------


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where each project stands: counts per pool, a chart, the project list."""
    _staff(request)
    state = request.GET.get("state", "")
    if state not in ProjectState.values:
        state = ""
    # one grouped query (projects per district and pool) answers the district filter, the pool counts, the chart
    # and the unfiltered total
    tally = selectors.project_tally(request.user)
    districts = selectors.project_districts(request.user, tally=tally)
    district = request.GET.get("district", "")
    if district not in {code for code, _ in districts}:
        district = ""
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.projects_filtered(request.user, q=q, state=state, district=district)
    counts = selectors.project_counts(request.user, tally=tally)
    if q:
        matched = qs.count()
    else:
        matched = sum(
            r["n"]
            for r in tally
            if (not state or r["state"] == state) and (not district or r["district__code"] == district)
        )
    chart = {
        "labels": [str(s.label).split(" / ")[0] for s in ProjectState],
        "values": [counts[s.value] for s in ProjectState],
        "districts": selectors.project_counts_by_district(request.user, tally=tally),
        "states": [{"id": s.value, "label": str(s.label).split(" / ")[0]} for s in ProjectState],
    }
    return render(
        request,
        "programme/home.html",
        {
            "projects": _project_rows(qs[:300]),
            "matched": matched,
            "counts": [(s, counts[s.value]) for s in ProjectState],
            "state": state,
            "q": q,
            "district": district,
            "districts": districts,
            "states": list(ProjectState),
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "can_create": services.can_create_project(request.user),
        },
    )


def _project_rows(projects: Any) -> list[dict[str, Any]]:
    """What the project list shows of each project, prepared once for up to 300 rows: the detail link from one
    reversed URL and each pool's label translated once (per-row ``{% url %}`` and ``get_state_display|bi`` were
    most of the page's time)."""
    prefix = reverse("programme:project", args=[0]).removesuffix("0/")
    labels = {s.value: in_language(str(s.label)) for s in ProjectState}
    return [
        {
            "code": p.code,
            "name": p.name,
            "url": f"{prefix}{p.pk}/",
            "is_sample": p.is_sample,
            "district": p.district.name,
            "state": labels.get(p.state, p.state),
        }
        for p in projects
    ]


@login_required
def city(request: AuthenticatedHttpRequest) -> HttpResponse:
    """City view: each district's submission, its lateness and the three reviews."""
    if request.user.role not in (Role.CITY_COORDINATOR, Role.MUNICIPAL_REVIEWER):
        raise Http404
    year = request.GET.get("year")
    rows = selectors.city_submission_rows(request.user, int(year) if year and year.isdigit() else None)
    bureaus = rules.reviewing_bureaus()
    table = [{**row, "review_cells": [row["reviews"].get(b.id, "") for b in bureaus]} for row in rows]
    chart = {
        "labels": [r["plan"].district.name for r in rows],
        "projects": [r["project_count"] for r in rows],
        "late": [1 if r["plan"].is_late else 0 for r in rows],
    }
    return render(
        request,
        "programme/city.html",
        {
            "rows": table,
            "bureaus": bureaus,
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "counts": selectors.project_counts_by_district(request.user),
        },
    )


# --- projects -------------------------------------------------------------------------------------------------------


@login_required
def project_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create a project from screened communities (one, or several as a renovation unit)."""
    if not services.can_create_project(request.user):
        raise Http404
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("communities") if i.isdigit()]
        try:
            project = services.project_create(
                actor=request.user,
                community_ids=ids,
                name=request.POST.get("name", ""),
                renovation_unit=request.POST.get("renovation_unit", ""),
            )
        except PermissionError_ as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "项目已创建，进入储备一批。/ Project created in the reserve pool.")
            return redirect("programme:project", pk=project.pk)
    from gaizao.registry.models import Community

    busy = set(
        selectors.projects_for(request.user)
        .exclude(state=ProjectState.WITHDRAWN)
        .values_list("communities__pk", flat=True)
    )
    all_visible = Community.objects.none()
    from gaizao.accounts.access import scoped

    all_visible = (
        scoped(Community.objects.select_related("division"), request.user)
        .filter(archived_at__isnull=True)
        .exclude(pk__in=busy)[:500]
    )
    return render(
        request,
        "programme/project_new.html",
        {
            "communities": all_visible,
            "proposals": selectors.renovation_unit_proposals(user=request.user),
        },
    )


@login_required
def project_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project(request.user, pk)
    plan = Plan.objects.filter(project=project).select_related("current_version").first()
    conditions = services.implementation_conditions(project)
    consultation = project.consultations.first()
    publication = project.publications.first()
    moves = [
        {"to": to, "label": str(ProjectState(to).label)}
        for to in sorted(services.PROJECT_TRANSITIONS.get(project.state, ()))
    ]
    return render(
        request,
        "programme/project_detail.html",
        {
            "project": project,
            "plan": plan,
            "version": plan.current_version if plan else None,
            "conditions": conditions,
            "consultation": consultation,
            "publication": publication,
            "moves": moves,
            "communities": project.communities.order_by("code"),
            "ballots": project.ballots.select_related("ballot", "community", "plan_version"),
            "can_open_ballot": request.user.role in services.BALLOT_ROLES
            and project.state in (ProjectState.RESERVE, ProjectState.PLANNING),
            "can_move": request.user.role in (Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR),
            "can_edit": request.user.role
            in (Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER, Role.CITY_COORDINATOR),
            "now": timezone.now(),
            # pages of higher apps about this project (the works page, when delivery has one): see gaizao.ui.links
            "related": links_for("programme.project", request.user, project),
        },
    )


@login_required
@require_POST
def project_move(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project(request.user, pk)
    to = request.POST.get("to", "")
    return _attempt(
        request,
        lambda: services.project_move(
            actor=request.user, project=project, to=to, reason=request.POST.get("reason", "")
        ),
        "项目库已调整。/ Pool changed.",
        reverse("programme:project", args=[project.pk]),
    )


@login_required
@require_POST
def project_ballot_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a consent or plan-approval ballot (draft) for the project; then the organiser opens it on its page."""
    project = selectors.get_project(request.user, pk)
    back = reverse("programme:project", args=[project.pk])
    try:
        link = services.project_ballot_create(
            actor=request.user,
            project=project,
            community_id=int(request.POST.get("community_id") or 0),
            purpose=request.POST.get("purpose", ""),
            question=request.POST.get("question", ""),
        )
    except PermissionError_ as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    messages.success(
        request,
        "表决已创建（草稿），请核对名册后开始表决。/ Ballot created (draft); check the roll and open it.",
    )
    return HttpResponseRedirect(f"/participation/ballots/{link.ballot_id}/")


@login_required
def project_conditions_document(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project(request.user, pk)
    response = HttpResponse(documents.conditions_docx(project), content_type=documents.DOCX)
    response["Content-Disposition"] = f'attachment; filename="conditions-{project.code}.docx"'
    return response


# --- plan -----------------------------------------------------------------------------------------------------------


def _plan_form_rows(project: Any, version: PlanVersion | None) -> list[dict[str, Any]]:
    """Every catalogue item with its quantity, unit rate and origin; recommended items pre-filled on a new plan."""
    from gaizao.policy.catalogue import catalogue_aspects, catalogue_items

    current = {r["item_id"]: r for r in (version.items if version else [])}
    recs = {r["item_id"]: r["origin"] for r in selectors.plan_recommendations(project)}
    aspects = {a.id: a.name_zh for a in catalogue_aspects()}
    rates = selectors.unit_rates_map(district=project.district)
    rows = []
    for item in catalogue_items():
        rate = rates.get(item.id)
        chosen = current.get(item.id)
        origin = chosen["origin"] if chosen else recs.get(item.id, "")
        rows.append(
            {
                "item": item,
                "aspect": aspects.get(item.aspect, item.aspect),
                "checked": bool(chosen) or (version is None and item.id in recs),
                "quantity": chosen["quantity"] if chosen else ("1" if item.id in recs else ""),
                "unit_rate": chosen["unit_rate"] if chosen else "",
                "default_rate": rate.rate if rate else None,
                "origin": origin,
                "recommended": recs.get(item.id, ""),
            }
        )
    rows.sort(key=lambda r: (not r["checked"], not r["recommended"], r["item"].aspect))
    return rows


def _stairwells_from_form(project: Any, raw: str | None) -> list[dict[str, Any]] | None:
    """``"1-1, 2-1"`` (building code - stairwell) → the service's stairwell entries; None keeps the current ones."""
    import re

    from gaizao.registry.models import Building

    if raw is None:
        return None
    out: list[dict[str, Any]] = []
    for token in re.split(r"[,，;；\s]+", raw.strip()):
        if not token:
            continue
        code, _, stair = token.rpartition("-")
        building = Building.objects.filter(community__in=project.communities.all(), code=code).first()
        out.append({"building_id": building.pk if building else 0, "stairwell": stair})
    return out


def _stairwells_text(version: PlanVersion | None) -> str:
    return ", ".join(
        f"{s['building']}-{s['stairwell']}" for s in (version.elevator_stairwells if version else [])
    )


def _plan_input(request: HttpRequest) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The plan editor form's items and funding sources, as the services take them."""
    items = []
    for item_id in request.POST.getlist("item"):
        items.append(
            {
                "item_id": item_id,
                "quantity": request.POST.get(f"qty_{item_id}", "0") or "0",
                "unit_rate": request.POST.get(f"rate_{item_id}") or None,
                "origin": request.POST.get(f"origin_{item_id}") or "manual",
            }
        )
    funding = {
        s.id: request.POST.get(f"fund_{s.id}", "")
        for s in rules.funding_sources()
        if request.POST.get(f"fund_{s.id}", "").strip()
    }
    return items, funding


@login_required
@require_POST
def plan_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan editor's live totals (JSON): what saving the form as it stands would compute. Saves nothing."""
    project = selectors.get_project(request.user, pk)
    items, funding = _plan_input(request)
    try:
        totals = services.plan_preview(actor=request.user, project=project, items=items, funding=funding)
    except PermissionError_ as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        return JsonResponse({"error": exc.message, "field": exc.field}, status=400)
    return JsonResponse(totals)


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project(request.user, pk)
    plan = Plan.objects.get(project=project)
    if request.method == "POST":
        items, funding = _plan_input(request)
        try:
            saved = services.plan_save(
                actor=request.user,
                project=project,
                mode=request.POST.get("mode", ""),
                delivery_mode=request.POST.get("delivery_mode", ""),
                items=items,
                funding=funding,
                note=request.POST.get("note", ""),
                elevator_stairwells=_stairwells_from_form(project, request.POST.get("elevator_stairwells")),
            )
        except PermissionError_ as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已保存为第{saved.number}版。/ Saved as version {saved.number}.")
            return redirect("programme:plan", pk=project.pk)
    version = plan.current_version
    sources = rules.funding_sources()
    funding_rows = [
        {
            "id": s.id,
            "label": f"{s.name_zh} / {s.name_en}",
            "clause": s.clause,
            "amount": (version.funding.get(s.id, "") if version else ""),
        }
        for s in sources
    ]
    return render(
        request,
        "programme/plan_edit.html",
        {
            "project": project,
            "plan": plan,
            "stairwells_text": _stairwells_text(plan.current_version),
            "version": version,
            "rows": _plan_form_rows(project, version),
            "modes": _choices(rules.renovation_modes()),
            "deliveries": _choices(rules.delivery_modes()),
            "funding_rows": funding_rows,
            "versions": plan.versions.all(),
            "editable": plan.state == PlanState.DRAFT
            and project.state not in (ProjectState.IMPLEMENTING, ProjectState.WITHDRAWN),
            "funding_gap": (version.estimate - version.funding_total) if version else Decimal(0),
            "mode_label": rules.choice_label(rules.renovation_modes(), version.mode) if version else "",
            "delivery_label": rules.choice_label(rules.delivery_modes(), version.delivery_mode)
            if version
            else "",
            "source_names": rules.names(sources),
        },
    )


@login_required
@require_POST
def plan_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project(request.user, pk)
    return _attempt(
        request,
        lambda: services.plan_finalise(actor=request.user, project=project),
        "方案已定稿。/ Plan finalised.",
        reverse("programme:plan", args=[project.pk]),
    )


@login_required
@require_POST
def plan_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project(request.user, pk)
    return _attempt(
        request,
        lambda: services.plan_reopen(
            actor=request.user, project=project, reason=request.POST.get("reason", "")
        ),
        "方案已退回编制。/ Plan reopened.",
        reverse("programme:plan", args=[project.pk]),
    )


@login_required
def plan_version(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.get_plan_version(request.user, pk)
    return render(
        request,
        "programme/plan_version.html",
        {
            "version": version,
            "project": version.plan.project,
            "mode_label": rules.choice_label(rules.renovation_modes(), version.mode),
            "delivery_label": rules.choice_label(rules.delivery_modes(), version.delivery_mode),
            "source_names": rules.names(rules.funding_sources()),
        },
    )


# --- consultation ---------------------------------------------------------------------------------------------------


@login_required
@require_POST
def consultation_start(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project(request.user, pk)
    holder: dict[str, Any] = {}

    def run() -> None:
        holder["c"] = services.consultation_start(actor=request.user, project=project)

    response = _attempt(
        request,
        run,
        "已发起联合会商。/ Joint consultation started.",
        reverse("programme:project", args=[project.pk]),
    )
    if "c" in holder:
        return redirect("programme:consultation", pk=holder["c"].pk)
    return response


@login_required
def consultation_list(request: HttpRequest) -> HttpResponse:
    """The consultations the account may read; a department or utility sees those inviting it, and its reminders."""
    role = getattr(request.user, "role", None)
    if role not in READER_ROLES and role not in selectors.INVITED_PARTY_ROLES:
        raise Http404
    return render(
        request,
        "programme/consultation_list.html",
        {
            "consultations": selectors.consultations_for(request.user)[:200],
            "reminders": selectors.consultation_reminders_for(request.user),
        },
    )


@login_required
def consultation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consultation = selectors.get_consultation(request.user, pk)
    back = reverse("programme:consultation", args=[pk])
    if request.method == "POST":
        return _attempt(
            request,
            lambda: services.consultation_record_opinion(
                actor=request.user,
                consultation=consultation,
                department=request.POST.get("department", ""),
                decision=request.POST.get("decision", ""),
                conditions=request.POST.get("conditions", ""),
                simplified_approvals=request.POST.get("simplified_approvals", ""),
            ),
            "意见已记录。/ Opinion recorded.",
            back,
        )
    names = rules.department_names()
    opinions: list[dict[str, Any]] = [
        {
            "o": o,
            "name": names.get(o.department, o.department),
            "editable": consultation.state == ConsultationState.OPEN
            and services.can_record_opinion(request.user, consultation, o.department),
        }
        for o in consultation.opinions.all()
    ]
    pending = [row for row in opinions if row["o"].decision == OpinionDecision.PENDING]
    return render(
        request,
        "programme/consultation_detail.html",
        {
            "consultation": consultation,
            "project": consultation.project,
            "opinions": opinions,
            "pending": pending,
            "decisions": [d for d in OpinionDecision if d != OpinionDecision.PENDING],
            "can_remind": bool(pending) and services.can_remind(request.user, consultation),
            "can_complete": consultation.state == ConsultationState.OPEN
            and not pending
            and request.user.role in (Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR),
            "clause": rules.consultation_clause(),
        },
    )


@login_required
@require_POST
def consultation_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """Remind the departments that have not answered (one, when the form names it; else all of them)."""
    consultation = selectors.get_consultation(request.user, pk)
    department = request.POST.get("department", "")
    back = reverse("programme:consultation", args=[pk])
    try:
        reached = services.consultation_remind(
            actor=request.user, consultation=consultation, departments=[department] if department else None
        )
    except PermissionError_ as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    names = rules.department_names()
    messages.success(
        request,
        "已提醒："
        + "、".join(f"{names.get(d, d)}（{n} 个账号）" for d, n in reached.items())
        + "。/ Reminded: "
        + ", ".join(f"{d} ({n} account{'s' if n != 1 else ''})" for d, n in reached.items())
        + ".",
    )
    return HttpResponseRedirect(back)


@login_required
@require_POST
def consultation_complete(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = selectors.get_consultation(request.user, pk)
    return _attempt(
        request,
        lambda: services.consultation_complete(
            actor=request.user, consultation=consultation, summary=request.POST.get("summary", "")
        ),
        "联合会商已完成。/ Consultation completed.",
        reverse("programme:consultation", args=[pk]),
    )


@login_required
def consultation_document(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = selectors.get_consultation(request.user, pk)
    response = HttpResponse(documents.consultation_docx(consultation), content_type=documents.DOCX)
    response["Content-Disposition"] = f'attachment; filename="consultation-{consultation.pk}.docx"'
    return response


# --- publication ----------------------------------------------------------------------------------------------------


@login_required
@require_POST
def publication_start(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project(request.user, pk)
    days = request.POST.get("days", "7") or "7"
    return _attempt(
        request,
        lambda: services.publication_start(actor=request.user, project=project, days=days),  # type: ignore[arg-type]
        "方案已公示。/ Plan published.",
        reverse("programme:project", args=[project.pk]),
    )


@login_required
def publication_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    publication = selectors.get_publication(request.user, pk)
    unmasked = sees_personal_data(request.user)
    comments = [
        {
            "c": c,
            "name": c.name if unmasked else mask_name(c.name),
            "contact": c.contact if unmasked else mask_phone(c.contact),
        }
        for c in publication.comments.all()
    ]
    return render(
        request,
        "programme/publication_detail.html",
        {
            "publication": publication,
            "project": publication.project,
            "comments": comments,
            "finished": publication.is_finished(timezone.now()),
            "can_reply": request.user.role in (Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER),
        },
    )


@login_required
@require_POST
def comment_reply(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.get_comment(request.user, pk)
    return _attempt(
        request,
        lambda: services.publication_comment_reply(
            actor=request.user, comment=comment, reply=request.POST.get("reply", "")
        ),
        "答复已保存。/ Reply saved.",
        reverse("programme:publication", args=[comment.publication_id]),
    )


def public_list(request: HttpRequest) -> HttpResponse:
    """Plans under publication, for everyone (no login)."""
    now = timezone.now()
    rows = [{"p": p, "finished": p.is_finished(now)} for p in selectors.public_publications()[:200]]
    return render(request, "programme/public_list.html", {"rows": rows})


def public_publication(request: HttpRequest, public_id: UUID) -> HttpResponse:
    publication = selectors.get_public_publication(public_id)
    back = reverse("programme:public_publication", args=[publication.public_id])
    if request.method == "POST":
        return _attempt(
            request,
            lambda: services.publication_comment_add(
                publication=publication,
                name=request.POST.get("name", ""),
                contact=request.POST.get("contact", ""),
                body=request.POST.get("body", ""),
                client=client_address(request),
            ),
            "意见已提交，将由街道或区答复。/ Comment received; the street or district will answer.",
            back,
        )
    comments = [
        {"c": c, "name": mask_name(c.name), "contact": mask_phone(c.contact)}
        for c in publication.comments.all()
    ]
    return render(
        request,
        "programme/public_publication.html",
        {
            "publication": publication,
            "version": publication.plan_version,
            "comments": comments,
            "open": publication.state == PublicationState.OPEN
            and not publication.is_finished(timezone.now()),
            "mode_label": rules.choice_label(rules.renovation_modes(), publication.plan_version.mode),
            "communities": publication.project.communities.order_by("code"),
        },
    )


# --- annual plans ---------------------------------------------------------------------------------------------------


@login_required
def annual_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.role not in (Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR, Role.MUNICIPAL_REVIEWER):
        raise Http404
    if request.method == "POST":
        if request.user.role != Role.DISTRICT_OFFICER:
            raise PermissionDenied
        year = request.POST.get("plan_year", "")
        holder: dict[str, Any] = {}

        def run() -> None:
            if not year.isdigit():
                raise ApplicationError("请填写计划年度。/ plan_year is required.", field="plan_year")
            holder["p"] = services.annual_plan_compile(
                actor=request.user,
                district=request.user.division,  # type: ignore[arg-type]  # None: refused by require_write
                plan_year=int(year),
            )

        response = _attempt(
            request, run, "年度计划已编制。/ Annual plan compiled.", reverse("programme:annual_list")
        )
        if "p" in holder:
            return redirect("programme:annual", pk=holder["p"].pk)
        return response
    next_year = timezone.localdate().year + 1
    return render(
        request,
        "programme/annual_list.html",
        {
            "plans": selectors.annual_plans_for(request.user),
            "next_year": next_year,
            "deadline": rules.submission_deadline(next_year),
            "can_compile": request.user.role == Role.DISTRICT_OFFICER,
        },
    )


@login_required
def annual_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_annual_plan(request.user, pk)
    user = request.user
    bureau = services.BUREAU_OF_ACCOUNT.get(user.bureau)  # type: ignore[call-overload]  # a Bureau value
    reviewed = plan.reviews.filter(version=plan.version, bureau=bureau).exists() if bureau else True
    names = rules.names(rules.reviewing_bureaus())
    return render(
        request,
        "programme/annual_detail.html",
        {
            "plan": plan,
            "rows": services.annual_plan_rows(plan),
            "reviews": [{"r": r, "bureau": names.get(r.bureau, r.bureau)} for r in plan.reviews.all()],
            "versions": plan.versions.all(),
            "bureaus": rules.reviewing_bureaus(),
            "can_submit": user.role == Role.DISTRICT_OFFICER
            and plan.state in (AnnualPlanState.DRAFT, AnnualPlanState.RETURNED),
            "can_review": bureau is not None and plan.state == AnnualPlanState.SUBMITTED and not reviewed,
            "my_bureau": names.get(bureau or "", ""),
            "can_approve": user.role == Role.CITY_COORDINATOR and plan.state == AnnualPlanState.REVIEWED,
        },
    )


@login_required
@require_POST
def annual_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_annual_plan(request.user, pk)
    back = reverse("programme:annual", args=[pk])

    def run() -> None:
        if plan.state == AnnualPlanState.RETURNED:
            services.annual_plan_compile(actor=request.user, district=plan.district, plan_year=plan.plan_year)
        done = services.annual_plan_submit(actor=request.user, annual_plan=plan)
        if done.is_late:
            messages.warning(
                request, f"已逾期报送（截止 {done.deadline}）。/ Submitted late (deadline {done.deadline})."
            )

    return _attempt(request, run, "已报送市建委。/ Submitted to 市建委.", back)


@login_required
@require_POST
def annual_review(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_annual_plan(request.user, pk)
    return _attempt(
        request,
        lambda: services.annual_plan_review(
            actor=request.user,
            annual_plan=plan,
            decision=request.POST.get("decision", ""),
            comments=request.POST.get("comments", ""),
        ),
        "审查意见已记录。/ Review recorded.",
        reverse("programme:annual", args=[pk]),
    )


@login_required
@require_POST
def annual_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_annual_plan(request.user, pk)
    return _attempt(
        request,
        lambda: services.annual_plan_approve(
            actor=request.user, annual_plan=plan, note=request.POST.get("note", "")
        ),
        "已记录市政府批准。/ Municipal approval recorded.",
        reverse("programme:annual", args=[pk]),
    )


@login_required
def annual_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_annual_plan(request.user, pk)
    response = HttpResponse(documents.annual_plan_xlsx(plan), content_type=documents.XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="annual-plan-{plan.district.code}-{plan.plan_year}.xlsx"'
    )
    return response


# --- unit rates -----------------------------------------------------------------------------------------------------


@login_required
def unit_rates(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff(request)
    from gaizao.policy.catalogue import catalogue_items

    if request.method == "POST":
        if request.user.role not in (Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER):
            raise PermissionDenied
        return _attempt(
            request,
            lambda: services.unit_rate_set(
                actor=request.user,
                division=request.user.division,  # type: ignore[arg-type]  # None: refused by require_write
                item_id=request.POST.get("item_id", ""),
                rate=request.POST.get("rate", ""),
            ),
            "单价已保存。/ Unit rate saved.",
            reverse("programme:unit_rates"),
        )
    names = {i.id: i.name_zh for i in catalogue_items()}
    rows = [{"r": r, "name": names.get(r.item_id, r.item_id)} for r in selectors.unit_rates_for(request.user)]
    return render(
        request,
        "programme/unit_rates.html",
        {
            "rows": rows,
            "items": catalogue_items(),
            "can_set": request.user.role in (Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER),
        },
    )
