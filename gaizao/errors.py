"""The one application error, with stable codes (STYLE.md §6).

Services raise ``ApplicationError`` (or a subclass); the API maps it to ``{"code": ..., "message": ...}`` and the
pages show its message. Messages are full sentences that name the field, Chinese first with English.
"""

from __future__ import annotations


class ApplicationError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class NotFoundError(ApplicationError):
    code = "not_found"
    status = 404


class PermissionError_(ApplicationError):
    code = "forbidden"
    status = 403


class StateError(ApplicationError):
    """An illegal state transition (a ballot that is already closed, a plan submitted twice)."""

    code = "illegal_transition"
    status = 409


class RateLimitError(ApplicationError):
    """Too many attempts from one client in the window (anonymous comments, one-time codes)."""

    code = "rate_limited"
    status = 429
