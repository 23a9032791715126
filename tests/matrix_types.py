"""The access matrix: every page and API endpoint, with what each demo account gets.

Each app lists its cases in ``tests/<app>/matrix.py`` as ``CASES: list[Case]``; ``tests/test_access_matrix.py``
loads the full demo world once (``gaizao.web.demo.demo_load``), runs every case as every account, and fails if any
URL pattern of the project is not covered by a case.

Accounts are the demo usernames plus ``anonymous``. ``url`` may be a callable run against the demo world (so a case
can name "a community in 西湖区" by a query). ``expect`` maps account → status; use the helpers below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ACCOUNTS = (
    "city",
    "ndrc",
    "planning",
    "finance",
    "shangcheng",
    "xihu",
    "qingbo",
    "qingbomen",
    "water",
    "minzheng",
    "resident",
    "public",
    "anonymous",
)
STAFF = ("city", "ndrc", "planning", "finance", "shangcheng", "xihu", "qingbo", "qingbomen", "water")
#: The water utility reads only the projects and consultations it is invited to (issue 18, least privilege).
#: ``minzheng`` (民政, ``Role.DEPARTMENT``) is not staff: a department has no registry, life-circle or programme
#: pages to browse; it reads the consultations that invite its department and the projects behind them, and answers
#: its own opinion (issue 16).
CITYWIDE = ("city", "ndrc", "planning", "finance")
#: Accounts whose scope contains 上城区 / 清波街道 / 清波门社区 objects.
SHANGCHENG_READERS = ("city", "ndrc", "planning", "finance", "shangcheng")


@dataclass(frozen=True)
class Case:
    name: str
    url: str | Callable[[], str]
    expect: dict[str, int]
    method: str = "get"
    data: dict[str, Any] | Callable[[], dict[str, Any]] | None = None
    json: bool = False
    #: the URL pattern (route string as in urls.py, e.g. "registry/communities/<int:pk>/") this case covers
    pattern: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def statuses(default: int, **overrides: int) -> dict[str, int]:
    """``statuses(404, city=200, shangcheng=200)``: every account gets ``default`` unless named."""
    out = {account: default for account in ACCOUNTS}
    out.update(overrides)
    return out


def page_for(
    allowed: tuple[str, ...], *, ok: int = 200, other: int = 404, anonymous: int = 302
) -> dict[str, int]:
    """A login-protected page: ``allowed`` get ``ok``, other accounts ``other``, anonymous is redirected to login."""
    out = {account: (ok if account in allowed else other) for account in ACCOUNTS}
    out["anonymous"] = anonymous
    return out


def api_for(
    allowed: tuple[str, ...], *, ok: int = 200, other: int = 404, anonymous: int = 401
) -> dict[str, int]:
    out = {account: (ok if account in allowed else other) for account in ACCOUNTS}
    out["anonymous"] = anonymous
    return out
