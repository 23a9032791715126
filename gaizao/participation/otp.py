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

        print(f"[gaizao otp] 验证码 / one-time code for {mask_phone(phone)}: {code}", file=sys.stderr, flush=True)


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
