"""What needs me now: the to-do registry of the workbench (工作台).

Each app registers its to-do providers from its ``AppConfig.ready()``::

    from gaizao.ui.todos import register_todo
    register_todo("delivery.rectifications_overdue", rectifications_overdue, order=40)

A provider is ``provider(user) -> Todo | None``: it answers None when the matter does not concern the user's role,
and a :class:`Todo` (possibly with ``count=0``) when it does, computed through the app's own scoped selectors. The
home page lists every answer in ``order``. A key registered twice is an error (two apps claiming one to-do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gaizao.ui.i18n import tr

TONES = ("info", "warning", "danger")


@dataclass(frozen=True)
class TodoItem:
    text: str
    url: str
    hint: str = ""


@dataclass(frozen=True)
class Todo:
    """One line of the workbench: ``count`` things need the user; ``url`` lists them; ``items`` shows the first few."""

    label_zh: str
    label_en: str
    count: int
    url: str
    tone: str = "info"
    items: tuple[TodoItem, ...] = ()
    empty_zh: str = "目前没有需要处理的事项。"
    empty_en: str = "Nothing to do at the moment."
    key: str = ""

    def __post_init__(self) -> None:
        if self.tone not in TONES:
            raise ValueError(f"tone must be one of {TONES}, not {self.tone!r}")

    @property
    def label(self) -> str:
        return tr(self.label_zh, self.label_en)

    @property
    def empty(self) -> str:
        return tr(self.empty_zh, self.empty_en)


TodoProvider = Callable[[Any], Todo | None]


@dataclass(frozen=True)
class _Registration:
    key: str
    provider: TodoProvider
    order: int = field(default=100)


_PROVIDERS: dict[str, _Registration] = {}


def register_todo(key: str, provider: TodoProvider, *, order: int = 100) -> None:
    """Register a to-do provider under a stable ``app.matter`` key (from the app's ``AppConfig.ready()``)."""
    if key in _PROVIDERS and _PROVIDERS[key].provider is not provider:
        raise ValueError(f"to-do {key!r} is already registered by {_PROVIDERS[key].provider.__module__}")
    _PROVIDERS[key] = _Registration(key, provider, order)


def registered_keys() -> list[str]:
    return [r.key for r in sorted(_PROVIDERS.values(), key=lambda r: (r.order, r.key))]


def todos_for(user: Any) -> list[Todo]:
    """Every to-do that concerns ``user``: those with work first, each part in registration order."""
    out = []
    for reg in sorted(_PROVIDERS.values(), key=lambda r: (r.order, r.key)):
        todo = reg.provider(user)
        if todo is None:
            continue
        out.append(Todo(**{**todo.__dict__, "key": reg.key}))
    return sorted(out, key=lambda t: t.count == 0)
