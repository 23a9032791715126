"""Structured logs: one JSON object per line (python-json-logger), each carrying the request's id and the acting
account's id, and one ``gaizao.request`` line per request with path, status and duration.

No personal data: the request line names the account by its numeric id (never a username, name or phone), logs
the path without its query string (a search may carry a phone number), and the formatter drops the ``request``
object Django's own loggers attach (its repr holds the query string).

No values from the database either: an unexpected exception (Django's ``Internal Server Error`` line, a worker's
failure) is logged with its type, the request id, the path and a redacted traceback — file, line and function
names only (:func:`redacted_traceback`). Exception messages are never written (an ``IntegrityError`` says
``DETAIL: Key (phone)=(13800000000)``), nor source lines, nor local variables.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

log = logging.getLogger("gaizao.request")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("gaizao_request_id", default=None)
_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("gaizao_request", default=None)

#: A request id a trusted proxy may pass in (``X-Request-ID``); anything else is replaced by a fresh one.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` of the request being served (None outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs an error response (django.request) after the middleware returned, with the request attached
        attached = getattr(record, "request", None)
        request = attached if isinstance(attached, HttpRequest) else _request.get()
        if not hasattr(record, "request_id"):
            record.request_id = getattr(request, "request_id", None) or _request_id.get()
        if not hasattr(record, "user_id"):
            record.user_id = None if request is None else _user_id_of(request)
        if not hasattr(record, "path") and request is not None:
            record.path = request.path  # never the query string
        return True


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def exception_type(exc: BaseException) -> str:
    kind = type(exc)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def redacted_traceback(exc_info: ExcInfo) -> str:
    """The traceback of ``exc_info`` as Python prints it, but with only the file, line and function of each frame
    and the type of each exception in the chain: no messages, no source lines, no local variables.

    The frames come from ``traceback.StackSummary.extract`` without looking up source lines or capturing locals.
    """
    exc = exc_info[1]
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    link = ""
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append((exc, link))
        if exc.__cause__ is not None:
            exc, link = exc.__cause__, "The above exception was the direct cause of the following exception:"
        elif exc.__context__ is not None and not exc.__suppress_context__:
            exc, link = exc.__context__, "During handling of the above exception, another exception occurred:"
        else:
            exc = None
    blocks: list[str] = []
    for position, (each, _link) in enumerate(reversed(chain)):
        lines = ["Traceback (most recent call last):"]
        frames = traceback.StackSummary.extract(
            traceback.walk_tb(each.__traceback__), lookup_lines=False, capture_locals=False
        )
        lines.extend(f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames)
        lines.append(f"{exception_type(each)}: (message withheld)")
        if position:
            # the link sentence belongs before the exception it introduces, as in Python's own output
            blocks.append(chain[len(chain) - position][1])
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


class RedactedTextFormatter(logging.Formatter):
    """Plain lines for a developer's terminal (``GAIZAO_LOG_FORMAT=text``), with tracebacks redacted likewise."""

    def formatException(self, ei: Any) -> str:
        return redacted_traceback(ei)


class GaizaoJsonFormatter(JsonFormatter):
    """JSON lines with ``time``, ``level``, ``logger``, ``message`` and the extra fields; never the request
    object that Django's loggers attach."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")  # ISO 8601, UTC
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request", "server_time"])
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def formatException(self, ei: Any) -> str:
        return redacted_traceback(ei)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        if record.exc_info and record.exc_info[1] is not None:
            log_data["exc_type"] = exception_type(record.exc_info[1])


def _user_id_of(request: HttpRequest) -> int | None:
    """The account's id once it is known — set by the session middleware or the API's token check; a session
    user not yet loaded is not loaded here (logging must not query the database)."""
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user.__dict__.get("_wrapped") is empty):
        return None
    if not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


class RequestLogMiddleware:
    """Gives each request an id (echoed in ``X-Request-ID``) and logs one line when it is answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        id_token = _request_id.set(request_id)
        request_token = _request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)  # the session's account is loaded here if no view needed it
            user_id = int(user.pk) if user is not None and user.is_authenticated else None
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user_id,
                },
            )
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            _request_id.reset(id_token)
            _request.reset(request_token)
