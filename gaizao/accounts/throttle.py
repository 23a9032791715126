"""Login throttling: after N failed attempts for one username (or one address) in a window, refuse logins."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str) -> list[str]:
    user_key = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:u:{user_key}", f"login-fail:a:{address}"]


def is_locked(username: str, address: str) -> bool:
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    user_key, address_key = _keys(username, address)
    return bool((cache.get(user_key) or 0) >= limit or (cache.get(address_key) or 0) >= limit * 4)


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW_S)


def reset(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])
