"""Pluggable senders of owners' one-time login codes (``settings.OTP_SENDER``).

A sender is a class with ``send(*, phone, code) -> None``. Production plugs in an SMS gateway; the demo
``ConsoleSender`` writes the code to the console and, when ``settings.DEBUG`` is on, lets the login page show it in
a development banner (``shows_code_in_dev_banner``). Codes never enter the audit trail or the database in clear.
"""

from __future__ import annotations

import sys
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

#: The value settings.py shipped before this module existed; it resolves to this module's ConsoleSender.
_PLACEHOLDER = "gaizao.accounts.otp.ConsoleSender"


class Sender(Protocol):
    shows_code_in_dev_banner: bool

    def send(self, *, phone: str, code: str) -> None: ...


class ConsoleSender:
    """Development sender: prints the code (masked phone) to the console."""

    shows_code_in_dev_banner = True

    def send(self, *, phone: str, code: str) -> None:
        from gaizao.accounts.access import mask_phone

        print(
            f"[gaizao otp] 验证码 / one-time code for {mask_phone(phone)}: {code}",
            file=sys.stderr,
            flush=True,
        )


class WebhookSender:
    """Production sender: POSTs ``{"phone", "code"}`` as JSON to the SMS gateway's adapter at
    ``settings.GAIZAO_OTP_WEBHOOK_URL`` (with ``Authorization: Bearer GAIZAO_OTP_WEBHOOK_TOKEN`` when set).
    Fails loudly when the gateway does not answer 2xx, so the owner is told to retry instead of waiting."""

    shows_code_in_dev_banner = False

    def send(self, *, phone: str, code: str) -> None:
        import json
        import urllib.request

        url = getattr(settings, "GAIZAO_OTP_WEBHOOK_URL", "")
        if not url:
            raise RuntimeError("GAIZAO_OTP_WEBHOOK_URL is not set: the one-time code cannot be sent.")
        request = urllib.request.Request(
            url,
            data=json.dumps({"phone": phone, "code": code}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        token = getattr(settings, "GAIZAO_OTP_WEBHOOK_TOKEN", "")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            if not 200 <= response.status < 300:
                raise RuntimeError(f"The SMS gateway answered {response.status}.")


class SilentSender:
    """Sends nothing (tests that must not print)."""

    shows_code_in_dev_banner = True

    def send(self, *, phone: str, code: str) -> None:
        return None


def get_sender() -> Sender:
    path = getattr(settings, "OTP_SENDER", "") or "gaizao.participation.otp.ConsoleSender"
    if path == _PLACEHOLDER:
        path = "gaizao.participation.otp.ConsoleSender"
    return import_string(path)()


def shows_dev_code() -> bool:
    return bool(settings.DEBUG and getattr(get_sender(), "shows_code_in_dev_banner", False))
