"""Life-circle pages: runs in scope, a run's map and table, a community's catchments and gaps, siting, networks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gaizao.accounts.access import READER_ROLES, can_write
from gaizao.accounts.models import Role
from gaizao.audit.history import history_url
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.lifecircle import engine, selectors, services, views_data
from gaizao.lifecircle.models import OriginMode, RunStatus

#: Categories offered first on the maps and the siting form (those stock spaces typically host, 三(五)).
FEATURED_CATEGORIES = (
    "elderly_day_care",
    "nursery",
    "community_canteen",
    "outdoor_fitness_ground",
    "resident_motor_parking",
)
#: Rows per page of a run's result table.
RESULTS_PER_PAGE = 100


def _require_staff(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


def _may_run(user: Any) -> bool:
    return (
        getattr(user, "role", None) in services.RUN_ROLES
        and user.division_id is not None
        and can_write(user, user.division)
    )


def _category_choices(run: Any | None = None) -> list[dict[str, Any]]:
    names = selectors.facility_names()
    ids = list(run.summary.get("categories", [])) if run is not None else sorted(names)
    ids.sort(
        key=lambda c: (
            c not in FEATURED_CATEGORIES,
            FEATURED_CATEGORIES.index(c) if c in FEATURED_CATEGORIES else 0,
            c,
        )
    )
    gaps = run.summary.get("gaps_by_facility", {}) if run is not None else {}
    return [
        {
            "id": c,
            "name_zh": names.get(c, (c, c))[0],
            "name_en": names.get(c, (c, c))[1],
            "gaps": gaps.get(c, 0),
        }
        for c in ids
    ]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    runs = selectors.runs_for(request.user)[:50]
    return render(
        request,
        "lifecircle/index.html",
        {
            "runs": runs,
            "may_run": _may_run(request.user),
            "districts": (
                Division.objects.filter(level=DivisionLevel.DISTRICT).order_by("code")
                if getattr(request.user, "role", None) == Role.CITY_COORDINATOR
                else []
            ),
            "network": selectors.default_network_for(request.user),
            "proposals": selectors.proposals_for(request.user).filter(saved=True)[:20],
            "levels": views_data.level_names(),
        },
    )


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    division = None
    code = request.POST.get("division", "")
    if code:
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise Http404
    try:
        run = services.analysis_run_start(
            actor=request.user,
            division=division,
            origin_mode=request.POST.get("origin_mode") or OriginMode.ENTRANCES,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect("/lifecircle/")
    return HttpResponseRedirect(f"/jobs/{run.job_id}/")


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's map and result table; the table is searched and filtered on the server (``?q=&street=&score_min=
    &score_max=&gap=&item=&page=``). An HTMX request for the table gets the table alone, and the map follows it."""
    _require_staff(request)
    run = selectors.get_run_for(request.user, pk)
    categories = _category_choices(run)
    chosen = request.GET.get("category") or (categories[0]["id"] if categories else "")
    error = ""
    try:
        filters = selectors.result_filter_from(run, request.GET)
        rows = selectors.run_results_filtered(run, filters)
    except ApplicationError as exc:
        error, filters, rows = exc.message, selectors.ResultFilter(), selectors.run_results(run).none()
    page = Paginator(rows.order_by("score", "community__name", "pk"), RESULTS_PER_PAGE).get_page(
        request.GET.get("page", 1)
    )
    query = filters.params()
    context = {
        "run": run,
        "page_obj": page,
        "categories": categories,
        "category": chosen,
        "filters": filters,
        "filter_error": error,
        "query": urlencode(query),
        "page_query": urlencode({**query, "category": chosen}),
        # What was asked, as typed (a refused value stays in its field next to the error).
        "values": {
            k: request.GET.get(k, "") for k in ("q", "street", "score_min", "score_max", "gap", "item")
        },
    }
    status = 400 if error else 200
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render(request, "lifecircle/_run_results.html", context, status=status)
    names = selectors.facility_names()
    context.update(
        {
            "may_site": run.status == RunStatus.SUCCEEDED
            and _may_run(request.user)
            and can_write(request.user, run.division),
            "history_url": history_url(run),
            "units": _units_with_names(run.units[:10]),
            "unit_count": len(run.units),
            "streets": selectors.run_streets(run),
            "gap_choices": [
                {"id": c, "name_zh": names.get(c, (c, c))[0], "name_en": names.get(c, (c, c))[1]}
                for c in dict.fromkeys(chk["facility"] for chk in run.result_layout.get("checks", []))
            ],
            "item_choices": _item_names(selectors.run_items(run)),
        }
    )
    return render(request, "lifecircle/run.html", context, status=status)


@login_required
def community(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    obj = selectors.get_community_for(request.user, pk)
    access = selectors.community_access_latest(obj)
    return render(
        request,
        "lifecircle/community.html",
        {
            "community": obj,
            "access": access,
            "run_visible": access is not None and selectors.run_visible_to(request.user, access.run),
            "levels": _with_item_names(views_data.gaps_by_level(access)) if access else [],
            "items": _item_names(access.gap_items) if access else [],
        },
    )


def _units_with_names(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from gaizao.registry.models import Community

    ids = {int(i) for u in units for i in u["community_ids"]}
    names = dict(Community.objects.filter(pk__in=ids).values_list("pk", "name"))
    names_of = selectors.facility_names()
    return [
        {
            **u,
            "communities": [{"id": int(i), "name": names.get(int(i), str(i))} for i in u["community_ids"]],
            "common_names": list(
                dict.fromkeys(names_of.get(g[0], (g[0],))[0] for g in u.get("common_gaps", []))
            )[:6],
        }
        for u in units
    ]


def _kind_label(kind: str) -> str:
    from gaizao.registry.models import StockSiteKind

    return str(StockSiteKind(kind).label) if kind in StockSiteKind.values else kind


def _with_item_names(levels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each gap's catalogue items with their names (``item_names``), for the page."""
    for level in levels:
        for gap in level["gaps"]:
            gap["item_names"] = _item_names(gap.get("items", []))
    return levels


def _item_names(ids: list[str]) -> list[dict[str, str]]:
    from gaizao.policy import catalogue_item

    out = []
    for item_id in ids:
        try:
            item = catalogue_item(item_id)
        except Exception:  # an id from an older catalogue: show it bare
            out.append({"id": item_id, "name_zh": item_id, "name_en": item_id})
            continue
        out.append({"id": item_id, "name_zh": item.name_zh, "name_en": item.name_en})
    return out


@login_required
def siting(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    run = selectors.get_run_for(request.user, pk)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            proposal = services.siting_propose(
                actor=request.user,
                run=run,
                category=request.POST.get("category", ""),
                k=request.POST.get("k", ""),  # type: ignore[arg-type]
                level=request.POST.get("level") or None,
            )
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            return HttpResponseRedirect(f"/lifecircle/siting/{proposal.pk}/")
    std = engine.standards()
    return render(
        request,
        "lifecircle/siting_form.html",
        {
            "run": run,
            "categories": _category_choices(run),
            "levels": [lv for lv in std.levels if lv.walk_minutes],
            "error": error,
            "may_site": _may_run(request.user) and can_write(request.user, run.division),
            "stock_count": selectors.stock_sites_in(run).count(),
            "values": request.POST
            if request.method == "POST"
            else {"category": "elderly_day_care", "k": "2"},
        },
        status=status,
    )


@login_required
def proposal(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    obj = selectors.get_proposal_for(request.user, pk)
    payload = views_data.proposal_payload(obj)
    return render(
        request,
        "lifecircle/proposal.html",
        {
            "proposal": obj,
            "p": payload,
            "may_save": not obj.saved
            and _may_run(request.user)
            and can_write(request.user, obj.run.division),
            "history_url": history_url(obj),
            "uncovered": max(0, obj.residents_total - obj.covered_after),
            "sites": [{**c, "kind_label": _kind_label(c.get("kind", ""))} for c in obj.chosen],
        },
    )


@login_required
@require_POST
def proposal_save(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    obj = selectors.get_proposal_for(request.user, pk)
    try:
        services.siting_save(actor=request.user, proposal=obj, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存为选址方案。/ Saved as a siting proposal.")
    return HttpResponseRedirect(f"/lifecircle/siting/{obj.pk}/")


@login_required
def networks(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    error = ""
    status = 200
    may_upload = getattr(request.user, "role", None) in services.NETWORK_ROLES
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if not may_upload:
                raise PermissionError_(
                    "只有区县住建和市级统筹可以上传路网。/ Only district officers and the city coordinator may upload networks."
                )
            if upload is None:
                raise ApplicationError("请选择路网文件。/ Choose a network file.", field="file")
            # The request only stores the file and queues the job; the job reads it in a memory-capped child
            # process (never here) and its progress page shows the outcome.
            job = services.network_upload_start(
                actor=request.user,
                name=request.POST.get("name", ""),
                upload=upload,
                source=request.POST.get("source", ""),
            )
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            return HttpResponseRedirect(reverse("web:job", args=[job.pk]))
    return render(
        request,
        "lifecircle/networks.html",
        {
            "networks": selectors.networks_for(request.user),
            "may_upload": may_upload,
            "error": error,
        },
        status=status,
    )
