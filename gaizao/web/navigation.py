"""Role-aware navigation, grouped by the work (台账 / 分析 / 参与 / 项目 / 监督 / 公开).

Each app may define ``NAV: list[NavItem]`` in ``gaizao/<app>/navigation.py``; this module gathers them, keeps the
entries whose URL resolves and whose roles include the viewer's, and orders them by ``order``. An item's ``group``
defaults by its app (:data:`APP_GROUPS`); public pages (anonymous, or a ``public`` URL name) go under 公开.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from gaizao.ui.navigation import STAFF_ROLES, NavItem

#: the groups of the main navigation, in the order shown: key → (中文, English)
GROUPS: dict[str, tuple[str, str]] = {
    "ledger": ("台账", "Registry"),
    "analysis": ("分析", "Analysis"),
    "participation": ("参与", "Participation"),
    "project": ("项目", "Projects"),
    "supervision": ("监督", "Oversight"),
    "public": ("公开", "Public"),
}
#: app (URL namespace) → its default group; apps not listed stand outside the groups (home, API tokens)
APP_GROUPS: dict[str, str] = {
    "registry": "ledger",
    "lifecircle": "analysis",
    "planning": "analysis",
    "participation": "participation",
    "programme": "project",
    "delivery": "project",
    "money": "project",
    "stewardship": "supervision",
    "oversight": "supervision",
    "portal": "public",
}


def group_of(item: NavItem) -> str:
    """The group an item is shown under: its own ``group``, 公开 for public pages, else its app's group."""
    if item.group:
        if item.group not in GROUPS:
            raise ValueError(f"{item.url_name}: unknown navigation group {item.group!r}")
        return item.group
    namespace, _, name = item.url_name.partition(":")
    if item.anonymous or name.startswith("public"):
        return "public"
    if item.url_name == "web:map":
        return "ledger"
    return APP_GROUPS.get(namespace, "")


NAV: list[NavItem] = [
    NavItem("web:home", "工作台", "Workbench", order=0),
    NavItem("web:map", "区划地图", "Map", roles=STAFF_ROLES, order=10),
    NavItem("web:tokens", "API 令牌", "API tokens", roles=STAFF_ROLES, order=900),
]

APPS = [
    "registry",
    "lifecircle",
    "participation",
    "programme",
    "delivery",
    "planning",
    "money",
    "stewardship",
    "oversight",
    "portal",
]


@cache
def all_items() -> tuple[NavItem, ...]:
    items = list(NAV)
    for app in APPS:
        items.extend(importlib.import_module(f"gaizao.{app}.navigation").NAV)
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
        out.append(
            {
                "url": url,
                "label_zh": item.label_zh,
                "label_en": item.label_en,
                "name": item.url_name,
                "group": group_of(item),
            }
        )
    return out


def grouped(items: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The items in :data:`GROUPS` order: ``[{"key", "label_zh", "label_en", "items"}]``; ungrouped items stand
    first (home) or last (API tokens), as they were ordered."""
    lead: dict[str, Any] = {"key": "", "label_zh": "", "label_en": "", "items": []}
    tail: dict[str, Any] = {"key": "", "label_zh": "", "label_en": "", "items": []}
    groups: list[dict[str, Any]] = [
        {"key": key, "label_zh": zh, "label_en": en, "items": []} for key, (zh, en) in GROUPS.items()
    ]
    index = {g["key"]: g for g in groups}
    for item in items:
        if item["group"]:
            index[item["group"]]["items"].append(item)
        else:
            (tail if any(g["items"] for g in groups) else lead)["items"].append(item)
    return [g for g in [lead, *groups, tail] if g["items"]]


def navigation(request: HttpRequest) -> dict[str, Any]:
    from django.conf import settings

    items = items_for(getattr(request, "user", None))
    return {
        "nav_items": items,
        "nav_groups": grouped(items),
        "map_tile_url": settings.MAP_TILE_URL,
        "debug": settings.DEBUG,
    }
