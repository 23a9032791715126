"""What every app's views share: running a service from a form and answering with a redirect and a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from gaizao.errors import ApplicationError, PermissionError_


def attempt(request: HttpRequest, fn: Callable[[], Any], ok: str, back: str) -> HttpResponse:
    """Run a service; on success flash ``ok``, on a refusal flash its message; either way redirect to ``back``.

    A permission refusal is a 403, never a flashed message: the page should not have offered the action.
    """
    try:
        fn()
    except PermissionError_ as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    messages.success(request, ok)
    return HttpResponseRedirect(back)
