"""Pages of the shell: home, the division map, API tokens, object history, job progress, language."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gaizao.accounts.access import READER_ROLES, mask_name, sees_personal_data
from gaizao.accounts.models import ApiToken, Role
from gaizao.accounts.requests import AuthenticatedHttpRequest
from gaizao.accounts.services import api_token_create, api_token_revoke
from gaizao.audit.history import history_fetcher
from gaizao.audit.selectors import history_of
from gaizao.errors import ApplicationError
from gaizao.jobs.selectors import get_job_for
from gaizao.ui.todos import todos_for
from gaizao.web.workbench import key_figures, recent_activity


def require_staff(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The workbench (工作台): what needs me now, the key figures of my scope, recent activity."""
    user = request.user
    context = {
        "todos": todos_for(user),
        "figures": key_figures(user),
        "activity": recent_activity(user),
        "widgets": _home_widgets(request),
    }
    return render(request, "web/home.html", context)


def _home_widgets(request: HttpRequest) -> list[str]:
    """Templates of the dashboard widgets each app contributes (``<app>/home_widget.html``)."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    names = []
    for app in ["registry", "lifecircle", "participation", "programme"]:
        name = f"{app}/home_widget.html"
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        names.append(name)
    return names


@login_required
def division_map(request: HttpRequest) -> HttpResponse:
    require_staff(request)
    return render(request, "web/map.html")


def basemap(request: HttpRequest) -> HttpResponse:
    """The offline base layer of the maps (public data only: outlines, main roads, street names)."""
    from gaizao.web.basemap import basemap as build

    response = JsonResponse(build(), json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    response["Cache-Control"] = "public, max-age=3600"
    return response


@login_required
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_staff(request)
    new_raw = None
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                api_token_revoke(user=request.user, token_id=int(request.POST["revoke"]))
                messages.success(request, "令牌已撤销。/ Token revoked.")
            else:
                _, new_raw = api_token_create(user=request.user, name=request.POST.get("name", ""))
        except (ApplicationError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
    rows = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "web/tokens.html", {"tokens": rows, "new_raw": new_raw})


@login_required
def history(request: HttpRequest, label: str, pk: str) -> HttpResponse:
    fetch = history_fetcher(label)
    if fetch is None:
        raise Http404
    obj = fetch(request.user, pk)
    events = list(history_of(obj)[:500])
    if not sees_personal_data(request.user):
        # Owners act under their own names (online votes): only roles that see personal data see them unmasked.
        for event in events:
            if event.actor_label != "system" and (event.actor is None or event.actor.role == Role.RESIDENT):
                event.actor_label = mask_name(event.actor_label)
    return render(request, "web/history.html", {"object": obj, "events": events})


@login_required
def job_detail(request: HttpRequest, job_id: object) -> HttpResponse:
    job = get_job_for(request.user, str(job_id))
    template = "web/job_progress.html" if request.headers.get("HX-Request") else "web/job.html"
    return render(request, template, {"job": job})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    lang = request.POST.get("language", "zh-hans")
    if lang not in {"zh-hans", "en"}:
        lang = "zh-hans"
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/"
    translation.activate(lang)
    response = HttpResponseRedirect(nxt)
    from django.conf import settings

    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, samesite="Lax", max_age=365 * 24 * 3600)
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (no database call, so a slow database does not get the process killed)."""
    return HttpResponse("ok\n", content_type="text/plain")


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers and every migration is applied; 503 otherwise (take out of rotation)."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    try:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log, not to the caller
        import logging

        logging.getLogger("gaizao.health").warning("not ready: %s", type(exc).__name__)
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    if pending:
        return HttpResponse(f"{len(pending)} migrations pending\n", status=503, content_type="text/plain")
    return HttpResponse("ready\n", content_type="text/plain")
