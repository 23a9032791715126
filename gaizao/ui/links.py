"""Links from one app's page to a related page of an app above it (layers import downward, links point up).

A page of a lower app (the programme's project page) cannot import a higher app (delivery) to ask whether a related
page exists. Instead the higher app registers a link provider for the lower app's object from its
``AppConfig.ready()``::

    from gaizao.ui.links import register_link
    register_link("programme.project", "delivery.works", works_of_project, order=10)

A provider is ``provider(user, obj) -> Link | None``: None when there is no related page or ``user`` may not read
it (decided through the provider app's own scoped selectors). The page asks :func:`links_for` and shows what comes
back. A key registered twice for one target is an error (two apps claiming one link), like the to-do registry.
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


LinkProvider = Callable[[Any, Any], Link | None]

_PROVIDERS: dict[str, dict[str, tuple[int, LinkProvider]]] = {}


def register_link(target: str, key: str, provider: LinkProvider, *, order: int = 100) -> None:
    """Register ``provider`` for the objects of kind ``target`` (``"app.model"``) under a stable ``app.link`` key."""
    existing = _PROVIDERS.get(target, {}).get(key)
    if existing is not None and existing[1] is not provider:
        raise ValueError(f"link {key!r} of {target!r} is already registered by {existing[1].__module__}")
    _PROVIDERS.setdefault(target, {})[key] = (order, provider)


def links_for(target: str, user: Any, obj: Any) -> list[Link]:
    """The related pages of ``obj`` (a ``target`` object) that ``user`` may open, in registration order."""
    out = []
    for key, (_order, provider) in sorted(
        _PROVIDERS.get(target, {}).items(), key=lambda kv: (kv[1][0], kv[0])
    ):
        link = provider(user, obj)
        if link is not None:
            out.append(Link(**{**link.__dict__, "key": key}))
    return out
