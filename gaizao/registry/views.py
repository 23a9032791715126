"""Registry pages: list, detail (with edit), map, survey completeness, scope screening."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Field
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from gaizao.accounts.access import READER_ROLES, can_write, require_role
from gaizao.accounts.models import Role
from gaizao.accounts.requests import AuthenticatedHttpRequest
from gaizao.audit.history import history_url
from gaizao.errors import ApplicationError
from gaizao.registry import selectors
from gaizao.registry.models import (
    REQUIRED_SURVEY_FIELDS,
    SURVEY_CLAUSE,
    SURVEY_GROUPS,
    Community,
    ScopeStatus,
)
from gaizao.ui.i18n import tr
from gaizao.ui.links import community_links

#: Who may start "re-screen everything in my scope" (a district's whole registry, or the city's).
RESCREEN_ROLES = (Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR)


def _require_staff(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


def _export_url(request: HttpRequest) -> str:
    """The other engineer's export view, with the same filters, when it exists."""
    try:
        base = reverse("registry:export")
    except NoReverseMatch:
        return ""
    encoded = _without_paging(request)
    return f"{base}?{encoded}" if encoded else base


def _without_paging(request: HttpRequest) -> str:
    """The request's filters without its page position (page, after, before), for the pagination links."""
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    return query.urlencode()


def _status_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in ScopeStatus.choices]


@login_required
def community_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    filters = selectors.CommunityFilters.from_params(request.GET)
    page = selectors.community_page(request.user, filters, request.GET)
    query = _without_paging(request)
    return render(
        request,
        "registry/list.html",
        {
            "page_obj": page,
            "filters": filters,
            "choices": selectors.divisions_for_filters(request.user),
            "statuses": _status_choices(),
            "export_url": _export_url(request),
            "query": query,
        },
    )


class CommunityForm(forms.ModelForm):
    reason = forms.CharField(label="修改原因 / reason", max_length=500, required=True)

    class Meta:
        model = Community
        fields = [name for _, _, names in SURVEY_GROUPS for name in names] + ["name", "address", "lon", "lat"]


def _survey_groups(community: Community) -> list[dict[str, Any]]:
    groups = []
    for gid, label, names in SURVEY_GROUPS:
        rows = []
        for name in names:
            f = cast("Field[Any, Any]", Community._meta.get_field(name))
            value = getattr(community, name)
            display = getattr(community, f"get_{name}_display")() if getattr(f, "choices", None) else value
            if isinstance(value, bool):
                display = tr("是", "yes") if value else tr("否", "no")
            rows.append(
                {
                    "name": name,
                    "label": str(f.verbose_name),
                    "value": display,
                    "missing": name in REQUIRED_SURVEY_FIELDS and not selectors.is_filled(value),
                }
            )
        groups.append({"id": gid, "label": label, "rows": rows})
    return groups


@login_required
def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    community = selectors.get_community_for(request.user, pk)
    writable = can_write(request.user, community.division)
    form = None
    if writable:
        if request.method == "POST":
            form = CommunityForm(request.POST, instance=Community.objects.get(pk=community.pk))
            if form.is_valid():
                from gaizao.registry.services import community_update

                changed = {name: form.cleaned_data[name] for name in form.changed_data if name != "reason"}
                try:
                    community_update(
                        actor=request.user, community=community, reason=form.cleaned_data["reason"], **changed
                    )
                except ApplicationError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                else:
                    messages.success(request, tr("已保存并重新筛查。", "Saved and re-screened."))
                    return HttpResponseRedirect(reverse("registry:detail", args=[community.pk]))
        else:
            form = CommunityForm(instance=community)
    elif request.method == "POST":
        raise Http404
    missing = selectors.missing_fields(community)
    return render(
        request,
        "registry/detail.html",
        {
            "community": community,
            "groups": _survey_groups(community),
            "missing": [selectors.field_label(n) for n in missing],
            "buildings": selectors.community_buildings(request.user, community),
            "units": selectors.community_units(request.user, community)[:200],
            "facilities": selectors.nearest_facility_per_category(request.user, community, 1000),
            "stock_sites": selectors.stock_sites_for(request.user).filter(community=community),
            "form": form,
            "writable": writable,
            "history_url": history_url(community),
            "survey_clause": SURVEY_CLAUSE,
            "related": community_links(request.user, community),
        },
    )


@login_required
def community_map(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    filters = selectors.CommunityFilters.from_params(request.GET)
    query = request.GET.copy()
    return render(
        request,
        "registry/map.html",
        {
            "geojson_url": "/api/v1/registry/communities.geojson"
            + (f"?{query.urlencode()}" if query else ""),
            "filters": filters,
            "statuses": _status_choices(),
            "choices": selectors.divisions_for_filters(request.user),
        },
    )


@login_required
def completeness(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    filters = selectors.CommunityFilters.from_params(request.GET)
    data = selectors.survey_completeness(request.user, filters)
    missing_qs = selectors.communities_missing(request.user, filters)
    page = selectors.keyset_page(missing_qs, request.GET, total=data["missing_communities"])
    missing_rows = [
        {"community": c, "missing": [selectors.field_label(n) for n in selectors.missing_fields(c)]}
        for c in page
    ]
    fields = [
        {"name": name, "label": selectors.field_label(name), "percent": round(100 * share, 1)}
        for name, share in data["fields"].items()
    ]
    query = _without_paging(request)
    return render(
        request,
        "registry/completeness.html",
        {
            "data": data,
            "fields": fields,
            "page_obj": page,
            "missing_rows": missing_rows,
            "filters": filters,
            "choices": selectors.divisions_for_filters(request.user),
            "survey_clause": SURVEY_CLAUSE,
            "query": query,
        },
    )


@login_required
def screening(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    filters = selectors.CommunityFilters.from_params(request.GET)
    rows = selectors.screening_counts(request.user, filters)
    page = selectors.community_page(request.user, filters, request.GET)
    query = _without_paging(request)
    return render(
        request,
        "registry/screening.html",
        {
            "rows": rows,
            "totals": selectors.screening_totals(rows),
            "statuses": _status_choices(),
            "filters": filters,
            "page_obj": page,
            "query": query,
            "can_rescreen": getattr(request.user, "role", None) in RESCREEN_ROLES,
            "choices": selectors.divisions_for_filters(request.user),
        },
    )


@login_required
@require_POST
def rescreen(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start the background job that re-screens every community in the officer's scope."""
    _require_staff(request)
    try:
        require_role(request.user, *RESCREEN_ROLES)
    except ApplicationError:
        raise Http404 from None
    from gaizao.jobs.services import job_start
    from gaizao.registry.jobs import RESCREEN

    job = job_start(
        kind=RESCREEN,
        title=tr("重新筛查改造范围", "Re-screen the renovation scope"),
        owner=request.user,
        params={"user_id": request.user.pk},
        division_path=request.user.scope_path or "",
    )
    return HttpResponseRedirect(reverse("web:job", args=[job.pk]))


@login_required
def export_download(request: HttpRequest, job_id: Any) -> FileResponse:
    """The file a finished export job wrote, for the account that started it (404 for anyone else)."""

    from gaizao.jobs.models import JobStatus
    from gaizao.jobs.selectors import get_job_for
    from gaizao.registry.exporting import FORMATS, export_filename
    from gaizao.registry.jobs import EXPORT, export_path

    _require_staff(request)
    job = get_job_for(request.user, str(job_id))
    if job.kind != EXPORT or job.status != JobStatus.SUCCEEDED:
        raise Http404
    path = export_path(job)
    if not path.exists():
        raise Http404
    fmt = job.params["fmt"]
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=export_filename(job.params["kind"], fmt),
        content_type=FORMATS[fmt],
    )
