"""Everything about a community, one link each: the link registry of the registry's community page.

The registry (rank 30) cannot import the apps that hold what concerns a community (life circle, projects, ballots,
reports, plans, works, money, stewardship — ranks 40 to 80), so each app registers a provider from its
``AppConfig.ready()``, as with the to-do registry (:mod:`gaizao.ui.todos`)::

    from gaizao.ui.links import register_community_links
    register_community_links("participation.ballots", ballot_links, order=20)

A provider is ``provider(user, community) -> list[CommunityLink]``, computed through the app's own scoped selectors:
it answers ``[]`` when the user may not read that part or there is nothing for the community. The page shows the
answers grouped by provider in ``order``. A key registered twice by different providers is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gaizao.ui.i18n import tr


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


CommunityLinkProvider = Callable[[Any, Any], list[CommunityLink]]


@dataclass(frozen=True)
class _Registration:
    key: str
    provider: CommunityLinkProvider
    order: int


_PROVIDERS: dict[str, _Registration] = {}


def register_community_links(key: str, provider: CommunityLinkProvider, *, order: int = 100) -> None:
    """Register a provider under a stable ``app.matter`` key (from the app's ``AppConfig.ready()``)."""
    if key in _PROVIDERS and _PROVIDERS[key].provider is not provider:
        raise ValueError(
            f"community links {key!r} are already registered by {_PROVIDERS[key].provider.__module__}"
        )
    _PROVIDERS[key] = _Registration(key, provider, order)


def registered_link_keys() -> list[str]:
    return [r.key for r in sorted(_PROVIDERS.values(), key=lambda r: (r.order, r.key))]


def community_links(user: Any, community: Any) -> list[dict[str, Any]]:
    """``[{"key", "section", "links": [CommunityLink]}]`` — every registered part with something for ``user``."""
    out = []
    for reg in sorted(_PROVIDERS.values(), key=lambda r: (r.order, r.key)):
        links = reg.provider(user, community)
        if links:
            out.append({"key": reg.key, "section": links[0].section, "links": links})
    return out
