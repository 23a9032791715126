from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm

from gaizao.accounts import throttle

LOCKED = "登录失败次数过多，请稍后再试。/ Too many failed attempts; try again later."


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form; the throttle itself is in the authentication backend (``gaizao.accounts.backends``), this
    only says "locked" instead of "wrong password" once it holds."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码错误。/ Wrong username or password.",
        "locked": LOCKED,
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if throttle.is_locked(self.data.get("username", ""), self.request):
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, "locked": LOCKED}

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if throttle.is_locked(self.data.get("username", ""), self.request):
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True
