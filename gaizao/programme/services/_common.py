"""Private helpers shared by the programme services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from gaizao.accounts.access import require_role, require_write
from gaizao.accounts.models import Role
from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError

FEN = Decimal("0.01")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _decimal(value: Any, field: str) -> Decimal:
    try:
        out = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(
            f"“{field}”不是有效数字。/ {field}: not a number: {value!r}.", field=field
        ) from exc
    if not out.is_finite() or out < 0:
        raise ApplicationError(f"“{field}”不能为负数。/ {field} must not be negative.", field=field)
    return out


def _require_officer(actor: Any, division: Division, *roles: str) -> None:
    require_role(actor, *(roles or (Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER, Role.CITY_COORDINATOR)))
    require_write(actor, division)


def _policy_rules(on: dt.date) -> Any:
    from gaizao.policy import get_ruleset

    return get_ruleset(on)
