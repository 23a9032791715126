"""The one authentication backend: Django's model backend behind the login throttle.

Throttling here, not in a form, covers every password login — the login page, the Django admin and anything else
that calls ``django.contrib.auth.authenticate``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from gaizao.accounts import throttle


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get("username", "")
        name = str(username or "")
        if not throttle.login_attempt(name, request):
            # PermissionDenied stops Django from trying any other backend: the password is not even checked.
            raise PermissionDenied("login throttled")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            throttle.login_succeeded(name, request)
        return user
