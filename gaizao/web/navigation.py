"""Role-aware navigation.

Each app may define ``NAV: list[NavItem]`` in ``gaizao/<app>/navigation.py``; this module gathers them, keeps the
entries whose URL resolves and whose roles include the viewer's, and orders them by ``order``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from gaizao.accounts.models import Role

ALL_ROLES = frozenset(r.value for r in Role)
STAFF_ROLES = frozenset(
    {
        Role.CITY_COORDINATOR,
        Role.MUNICIPAL_REVIEWER,
        Role.DISTRICT_OFFICER,
        Role.STREET_IMPLEMENTER,
        Role.COMMUNITY_ORGANISER,
        Role.UTILITY,
    }
)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label_zh: str
    label_en: str
    roles: frozenset[str] = field(default=ALL_ROLES)
    order: int = 100
    anonymous: bool = False


NAV: list[NavItem] = [
    NavItem("web:home", "首页", "Home", order=0),
    NavItem("web:map", "区划地图", "Map", roles=STAFF_ROLES, order=10),
    NavItem("web:tokens", "API 令牌", "API tokens", roles=STAFF_ROLES, order=900),
]

APPS = ["registry", "lifecircle", "participation", "programme", "planning", "portal"]


@cache
def all_items() -> tuple[NavItem, ...]:
    items = list(NAV)
    for app in APPS:
        try:
            module = importlib.import_module(f"gaizao.{app}.navigation")
        except ModuleNotFoundError as exc:
            if exc.name != f"gaizao.{app}.navigation" and exc.name != f"gaizao.{app}":
                raise
            continue
        items.extend(module.NAV)
    return tuple(sorted(items, key=lambda i: i.order))


def items_for(user: Any) -> list[dict[str, str]]:
    authenticated = bool(user is not None and user.is_authenticated)
    role = getattr(user, "role", None) if authenticated else None
    out = []
    for item in all_items():
        if authenticated and role not in item.roles:
            continue
        if not authenticated and not item.anonymous:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        out.append({"url": url, "label_zh": item.label_zh, "label_en": item.label_en, "name": item.url_name})
    return out


def navigation(request: HttpRequest) -> dict[str, Any]:
    from django.conf import settings

    return {
        "nav_items": items_for(getattr(request, "user", None)),
        "map_tile_url": settings.MAP_TILE_URL,
        "debug": settings.DEBUG,
    }
