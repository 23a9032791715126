"""Security headers that Django 5.2 does not set by itself, the language switch, and the refusal of NUL characters
in any input."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy that the vendored assets satisfy (no CDN, no inline script)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = "; ".join(f"{k} {v}" for k, v in settings.CONTENT_SECURITY_POLICY.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response


def _nul_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first text in a parsed JSON value that holds a NUL character, or None."""
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}".lstrip(".")
            found = name.replace("\x00", "") or "body" if "\x00" in str(key) else _nul_field(item, name)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_field(item, f"{path}[{i}]")
            if found:
                return found
    return None


class RejectNulMiddleware:
    """Refuse a NUL character (U+0000) in the path, the query, a form or a JSON body with a 400 naming the field.

    No text field can hold it (PostgreSQL refuses it in every string, even in a filter), so it is refused before any
    view runs instead of failing deep inside one. Uploaded files are not looked at: binary files carry NUL bytes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            field = self._field(request)
        except MultiPartParserError:
            field, message = "body", "表单格式有误，无法读取。/ body: the multipart form is malformed."
        else:
            if field is None:
                return self.get_response(request)
            message = f"“{field}”含有空字符（NUL），请删除后重试。/ {field}: contains a NUL character."
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "invalid", "message": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _field(request: HttpRequest) -> str | None:
        if "\x00" in request.path:
            return "path"
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query:
            return _nul_in_form(QueryDict(query))
        if request.method not in {"POST", "PUT", "PATCH"}:
            return None
        content_type = request.content_type or ""
        if content_type == "application/json":
            body = request.body
            if b"\\u0000" in body or b"\x00" in body:
                try:
                    return _nul_field(json.loads(body)) or None
                except ValueError:
                    return "body" if b"\x00" in body else None
        elif content_type == "application/x-www-form-urlencoded":
            body = request.body
            if b"%00" in body:
                return _nul_in_form(QueryDict(body))
        elif content_type == "multipart/form-data":
            # the form's text fields only (parsed as the CSRF check or the view would parse them)
            return _nul_in_form(request.POST)
        return None


def _nul_in_form(form: QueryDict) -> str | None:
    for key, values in form.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return key.replace("\x00", "") or "body"
    return None


class LanguageMiddleware:
    """Chinese by default; English only when the user chose it with the switch (a cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language, so a government PC with an
    English browser still opens in Chinese, as the programme's users expect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in {code for code, _ in settings.LANGUAGES} else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.headers.get("Vary", "")
        if "Cookie" not in patch:
            response.headers["Vary"] = (patch + ", Cookie").lstrip(", ")
        return response
