"""The API docs page served from the package's own static files (government intranets have no internet).

django-ninja's default :class:`~ninja.openapi.docs.Swagger` loads Swagger UI from a CDN unless ``ninja`` is an
installed app; this subclass always renders ``web/api_docs.html``, which uses the vendored ``swagger-ui-dist``
under ``static/vendor/swagger-ui/`` and a bootstrap script without inline code (the CSP forbids inline script).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import Swagger, _csrf_needed

if TYPE_CHECKING:
    from ninja import NinjaAPI

#: Swagger UI settings: no online validator badge (it calls validator.swagger.io), no external links.
OFFLINE_SETTINGS: dict[str, Any] = {
    "layout": "BaseLayout",
    "deepLinking": True,
    "validatorUrl": None,
    "persistAuthorization": True,
    "tryItOutEnabled": False,
}


class OfflineSwagger(Swagger):
    """Swagger UI from ``static/vendor/swagger-ui/`` (see ``static/vendor/README.md`` for its version)."""

    template = "web/api_docs.html"

    def __init__(self) -> None:
        super().__init__(settings=OFFLINE_SETTINGS)

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": json.dumps(settings), "api": api, "add_csrf": _csrf_needed(api)}
        return render(request, self.template, context)
