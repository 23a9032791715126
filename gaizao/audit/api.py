from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from gaizao.audit.history import history_fetcher
from gaizao.audit.selectors import history_of

router = Router(tags=["audit"])


class EventOut(Schema):
    at: dt.datetime
    actor: str
    action: str
    changes: dict[str, object]
    reason: str


@router.get("/{label}/{pk}", response=list[EventOut], summary="History of one object")
def object_history(request: HttpRequest, label: str, pk: str) -> list[EventOut]:
    fetch = history_fetcher(label)
    if fetch is None:
        raise Http404
    obj = fetch(request.user, pk)
    return [
        EventOut(at=e.at, actor=e.actor_label, action=e.action, changes=e.changes, reason=e.reason)
        for e in history_of(obj)
    ]
