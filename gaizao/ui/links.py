"""Links from a lower app's page to related pages of the apps above it (layers import downward, links point up).

A page of a lower app cannot import a higher app to ask whether a related page exists: the registry's community
page (rank 30) cannot ask life circles, projects, ballots, works, money or stewardship (ranks 40 to 80), nor can
programme's project page ask delivery. Instead each higher app registers providers from its ``AppConfig.ready()``,
as with the to-do registry (:mod:`gaizao.ui.todos`), and answers through its own scoped selectors:

- :func:`register_community_links` — ``provider(user, community) -> list[CommunityLink]``, shown on the registry's
  community page grouped by provider (``[]`` when the user may not read that part or there is nothing);
- :func:`register_link` — ``provider(user, obj) -> Link | None`` for one object kind (``"programme.project"``), shown
  on that object's page.

A key registered twice by different providers is an error (two apps claiming one link).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gaizao.ui.i18n import tr


@dataclass(frozen=True)
class Link:
    label_zh: str
    label_en: str
    url: str
    hint: str = ""
    key: str = ""

    @property
    def label(self) -> str:
        return tr(self.label_zh, self.label_en)


@dataclass(frozen=True)
class CommunityLink:
    """One thing about the community: ``section`` names the app's part (生活圈 / Life circle, 项目 / Projects ...)."""

    section_zh: str
    section_en: str
    text: str
    url: str
    hint: str = ""

    @property
    def section(self) -> str:
        return tr(self.section_zh, self.section_en)


LinkProvider = Callable[[Any, Any], Link | None]
CommunityLinkProvider = Callable[[Any, Any], list[CommunityLink]]


@dataclass(frozen=True)
class _Registration:
    key: str
    provider: Callable[[Any, Any], Any]
    order: int


#: ``{target: {key: registration}}``; community links are the target ``"registry.community"``.
_PROVIDERS: dict[str, dict[str, _Registration]] = {}
COMMUNITY = "registry.community"


def _register(target: str, key: str, provider: Callable[[Any, Any], Any], order: int) -> None:
    existing = _PROVIDERS.get(target, {}).get(key)
    if existing is not None and existing.provider is not provider:
        raise ValueError(
            f"link {key!r} of {target!r} is already registered by {existing.provider.__module__}"
        )
    _PROVIDERS.setdefault(target, {})[key] = _Registration(key, provider, order)


def _ordered(target: str) -> list[_Registration]:
    return sorted(_PROVIDERS.get(target, {}).values(), key=lambda r: (r.order, r.key))


def register_link(target: str, key: str, provider: LinkProvider, *, order: int = 100) -> None:
    """Register ``provider`` for the objects of kind ``target`` (``"app.model"``) under a stable ``app.link`` key."""
    _register(target, key, provider, order)


def links_for(target: str, user: Any, obj: Any) -> list[Link]:
    """The related pages of ``obj`` (a ``target`` object) that ``user`` may open, in registration order."""
    out = []
    for reg in _ordered(target):
        link = reg.provider(user, obj)
        if link is not None:
            out.append(Link(**{**link.__dict__, "key": reg.key}))
    return out


def register_community_links(key: str, provider: CommunityLinkProvider, *, order: int = 100) -> None:
    """Register a provider of a community's links under a stable ``app.matter`` key."""
    _register(COMMUNITY, key, provider, order)


def registered_link_keys() -> list[str]:
    """The community link keys, in page order."""
    return [r.key for r in _ordered(COMMUNITY)]


def community_links(user: Any, community: Any) -> list[dict[str, Any]]:
    """``[{"key", "section", "links": [CommunityLink]}]`` — every registered part with something for ``user``."""
    out = []
    for reg in _ordered(COMMUNITY):
        links = reg.provider(user, community)
        if links:
            out.append({"key": reg.key, "section": links[0].section, "links": links})
    return out
