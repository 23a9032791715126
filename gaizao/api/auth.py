"""API authentication: Django session (with CSRF) or ``Authorization: Bearer <token>``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from gaizao.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        now = timezone.now()
        row = (
            ApiToken.objects.select_related("user", "user__division")
            .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        # "last used" to the interval, not a write per request (a write would queue behind every import on SQLite)
        interval = dt.timedelta(seconds=settings.API_TOKEN_TOUCH_INTERVAL_S)
        if row.last_used_at is None or row.last_used_at < now - interval:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class SessionAuth(APIKeyCookie):
    """Session cookie authentication with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


#: Authenticated endpoints accept either.
AUTH = [TokenAuth(), SessionAuth()]
