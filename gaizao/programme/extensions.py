"""Conditions of the move to 实施 that apps above programme add (their rank forbids programme to import them).

An app registers a source in its ``AppConfig.ready``; ``implementation_conditions`` appends what every registered
source returns, so the page, the API (409 ``missing``) and the Word and Excel documents show them too. An installed
app's conditions always apply: there is no switch to leave them out.

A source may also name a ``sample`` function that meets its conditions for a demo project through that app's own
services (``prepare_sample``), so that a demo loader below the app can still take a project to 实施 honestly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gaizao.programme.models import Project
    from gaizao.programme.services import Condition


@dataclass(frozen=True)
class ConditionSource:
    name: str
    conditions: Callable[[Project], list[Condition]]
    sample: Callable[..., Any] | None = None


_SOURCES: dict[str, ConditionSource] = {}


def register_condition_source(
    name: str, fn: Callable[[Project], list[Condition]], *, sample: Callable[..., Any] | None = None
) -> None:
    """Add ``fn(project) -> list[Condition]`` to the conditions of 实施 under ``name`` (registering again replaces).

    ``sample(project=, actor=, now=)``, when given, meets the source's conditions for a sample (demo) project."""
    _SOURCES[name] = ConditionSource(name, fn, sample)


def condition_sources() -> list[str]:
    return sorted(_SOURCES)


def extra_conditions(project: Project) -> list[Condition]:
    """Every registered source's conditions for ``project``, source by source in name order."""
    out: list[Condition] = []
    for name in sorted(_SOURCES):
        out += _SOURCES[name].conditions(project)
    return out


def prepare_sample(*, project: Project, actor: Any, now: Any = None) -> None:
    """Meet every registered source's conditions for the sample project ``project`` (demo loaders only)."""
    for name in sorted(_SOURCES):
        source = _SOURCES[name]
        if source.sample is not None:
            source.sample(project=project, actor=actor, now=now)
