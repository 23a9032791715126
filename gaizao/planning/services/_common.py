"""Private helpers shared by the planning services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gaizao.errors import PermissionError_
from gaizao.policy.planning import PlanningRules, planning_rules

FEN = Decimal("0.01")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _rules() -> PlanningRules:
    return planning_rules(timezone.localdate())


def _role(user: Any) -> str | None:
    return getattr(user, "role", None) if user is not None and user.is_authenticated else None


def _require(check: bool) -> None:
    if not check:
        raise PermissionError_("您无权执行此操作。/ You may not do this.")
