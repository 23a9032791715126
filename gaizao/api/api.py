"""The HTTP API root at ``/api/v1/`` (django-ninja); OpenAPI docs at ``/api/v1/docs`` (Swagger UI from
the vendored static files, see ``gaizao/api/docs.py``).

Errors are always ``{"code": ..., "message": ...}``. Apps add their routers in ``ROUTERS`` below.
"""

from __future__ import annotations

import importlib

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from gaizao.api.auth import AUTH
from gaizao.api.docs import OfflineSwagger
from gaizao.errors import ApplicationError

api = NinjaAPI(
    title="Gaizao API",
    version="1",
    description="老旧小区改造平台 HTTP API / Old residential community renovation platform. "
    "Authenticate with a session or `Authorization: Bearer <token>`.",
    auth=AUTH,
    urls_namespace="api",
    docs=OfflineSwagger(),
)


def _error(request: HttpRequest, code: str, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message}, status=status)


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    missing = getattr(exc, "missing", None)
    if missing is not None:  # a gate's refusal lists every unmet condition with its code and clause
        body = {"code": exc.code, "message": exc.message, "missing": missing}
        return api.create_response(request, body, status=exc.status)
    return _error(request, exc.code, exc.message, exc.status)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, "not_found", "不存在或无权查看。/ Not found.", 404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, "forbidden", str(exc) or "无权执行此操作。/ Forbidden.", 403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, "unauthenticated", "请先登录或提供有效令牌。/ Log in or send a valid token.", 401)


@api.exception_handler(NinjaValidationError)
def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    parts = []
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in {"body", "payload", "query"})
        parts.append(f"{loc}: {err.get('msg', '')}")
    return _error(request, "invalid", "输入有误 / Invalid input — " + "; ".join(parts), 422)


@api.exception_handler(DjangoValidationError)
def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _error(request, "invalid", "; ".join(exc.messages), 400)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, "error", str(exc), exc.status_code)


@api.get("/health", auth=None, tags=["system"], summary="Health check")
def health(request: HttpRequest) -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "database": connection.vendor, "debug": settings.DEBUG}


@api.get("/me", tags=["system"], summary="The current account, its role and scope")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    division = getattr(user, "division", None)
    return {
        "username": user.get_username(),
        "role": getattr(user, "role", ""),
        "division": {"code": division.code, "name": division.name, "level": division.level}
        if division
        else None,
    }


#: ``(prefix, "module:router")`` — each app's API router; a listed router that does not import is an error.
#: ``(prefix, "module:router")`` — each app's API router; list a router together with its module.
ROUTERS = [
    ("/divisions", "gaizao.divisions.api:router"),
    ("/jobs", "gaizao.jobs.api:router"),
    ("/audit", "gaizao.audit.api:router"),
    ("/registry", "gaizao.registry.api:router"),
    ("/lifecircle", "gaizao.lifecircle.api:router"),
    ("/participation", "gaizao.participation.api:router"),
    ("/programme", "gaizao.programme.api:router"),
    ("/delivery", "gaizao.delivery.api:router"),
    ("/money", "gaizao.money.api:router"),
    ("/stewardship", "gaizao.stewardship.api:router"),
    ("/planning", "gaizao.planning.api:router"),
    ("/oversight", "gaizao.oversight.api:router"),
    ("/policy", "gaizao.api.policy:router"),
]

for prefix, target in ROUTERS:  # a router listed here and missing is an error, never skipped (loud absence)
    module_name, attr = target.split(":")
    api.add_router(prefix, getattr(importlib.import_module(module_name), attr))
