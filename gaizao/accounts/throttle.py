"""Attempt counters: login throttling per account and per client, one-time-code requests per phone and client.

Each attempt is counted *before* it is tried, with one atomic ``UPDATE … SET count = count + 1`` on a database
row, so twenty parallel guesses cannot all read "4 failures so far" and pass together (the cache's get-then-set
could). A success gives the attempt back. Client addresses come from :func:`client_address`, which believes a
forwarding header only when the deployment names it (``settings.CLIENT_ADDRESS_HEADER``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from gaizao.accounts.models import ThrottleCounter


def client_address(request: HttpRequest | None) -> str:
    """The client's address: REMOTE_ADDR, or — behind configured proxies — the address the nearest trusted proxy
    saw (``TRUSTED_PROXY_COUNT`` entries from the right of the header), never a value the client chose."""
    if request is None:
        return "unknown"
    header = settings.CLIENT_ADDRESS_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        hops = [h.strip() for h in request.META.get(meta_key, "").split(",") if h.strip()]
        if len(hops) >= settings.TRUSTED_PROXY_COUNT:
            return hops[-settings.TRUSTED_PROXY_COUNT][:64]
    return str(request.META.get("REMOTE_ADDR", "unknown"))[:64]


def _digest(kind: str, value: str) -> str:
    return f"{kind}:" + hashlib.sha256(value.strip().lower().encode()).hexdigest()[:40]


def account_key(username: str) -> str:
    return _digest("login-account", username)


def client_key(address: str, *, kind: str = "login-client") -> str:
    return _digest(kind, address)


def hit(key: str, *, window_s: int | None = None) -> int:
    """Count one attempt under ``key``; returns the count in the current window, this attempt included.

    A database lock (another request counting at the same moment) is waited out with a short backoff."""
    for attempt in range(20):
        try:
            return _hit(key, window_s=window_s)
        except OperationalError:
            if transaction.get_connection().in_atomic_block or attempt == 19:
                raise
            time.sleep(min(0.5, 0.005 * 2**attempt) * (0.5 + secrets.randbelow(100) / 100))
    raise AssertionError("unreachable")


def _hit(key: str, *, window_s: int | None) -> int:
    window = dt.timedelta(seconds=window_s or settings.LOGIN_THROTTLE_WINDOW_S)
    now = timezone.now()
    for _ in range(3):
        with transaction.atomic():
            if ThrottleCounter.objects.filter(key=key, window_start__gt=now - window).update(
                count=F("count") + 1
            ):
                return int(ThrottleCounter.objects.filter(key=key).values_list("count", flat=True).get())
            # no live window: start one (an expired row is reset in the same atomic statement)
            if ThrottleCounter.objects.filter(key=key, window_start__lte=now - window).update(
                count=1, window_start=now
            ):
                return 1
        try:
            with transaction.atomic():
                ThrottleCounter.objects.create(key=key, count=1, window_start=now)
            return 1
        except IntegrityError:  # another request created it first: count again
            continue
    return int(ThrottleCounter.objects.filter(key=key).values_list("count", flat=True).get())


def give_back(key: str) -> None:
    """Undo one attempt (it succeeded)."""
    ThrottleCounter.objects.filter(key=key, count__gt=0).update(count=F("count") - 1)


def reset(key: str) -> None:
    ThrottleCounter.objects.filter(key=key).delete()


def count(key: str) -> int:
    window = dt.timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_S)
    row = ThrottleCounter.objects.filter(key=key, window_start__gt=timezone.now() - window).first()
    return row.count if row else 0


def login_attempt(username: str, request: HttpRequest | None) -> bool:
    """Count a login attempt for ``username`` from ``request``'s client; False when either is over its limit."""
    by_account = hit(account_key(username))
    by_client = hit(client_key(client_address(request)))
    return (
        by_account <= settings.LOGIN_THROTTLE_ATTEMPTS
        and by_client <= settings.LOGIN_THROTTLE_CLIENT_ATTEMPTS
    )


def login_succeeded(username: str, request: HttpRequest | None) -> None:
    reset(account_key(username))
    give_back(client_key(client_address(request)))


def is_locked(username: str, request: HttpRequest | None) -> bool:
    """Whether the last attempt was refused by the throttle (its count went over a limit)."""
    return (
        count(account_key(username)) > settings.LOGIN_THROTTLE_ATTEMPTS
        or count(client_key(client_address(request))) > settings.LOGIN_THROTTLE_CLIENT_ATTEMPTS
    )


def anonymous_write(kind: str, client: str) -> bool:
    """Count one anonymous write of ``kind`` (a comment on a publication) from the client address ``client``;
    False once that address went over ``ANONYMOUS_WRITES_PER_CLIENT`` in ``ANONYMOUS_WRITE_WINDOW_S``."""
    counted = hit(client_key(client, kind=f"anonymous-{kind}"), window_s=settings.ANONYMOUS_WRITE_WINDOW_S)
    return counted <= settings.ANONYMOUS_WRITES_PER_CLIENT
