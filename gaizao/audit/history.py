"""Which objects have a history page, and how to fetch one inside the viewer's scope.

Apps register ``label -> fetch(user, pk)`` in their ``AppConfig.ready``; ``fetch`` raises Http404 for an object
outside the user's scope, so the history page is as guarded as the object's own page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

HistoryFetcher = Callable[[Any, str], models.Model]
_FETCHERS: dict[str, HistoryFetcher] = {}


def register_history(label: str, fetch: HistoryFetcher) -> None:
    """Register ``app_label.model`` (lower case) for the history page."""
    _FETCHERS[label.lower()] = fetch


def history_fetcher(label: str) -> HistoryFetcher | None:
    return _FETCHERS.get(label.lower())


def history_url(obj: models.Model) -> str:
    return f"/history/{obj._meta.app_label}.{obj._meta.model_name}/{obj.pk}/"
