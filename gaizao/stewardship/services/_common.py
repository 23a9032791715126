"""Private helpers shared by the stewardship services: input cleaning with messages that name the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gaizao.delivery.services import parse_amount, parse_date, parse_text
from gaizao.errors import ApplicationError

MAX_FEE = Decimal("9999.99")
#: Delivery's text check: the same messages, naming the field.
_text = parse_text


def _choice(value: Any, choices: Any, field: str, label: str) -> str:
    if value not in choices.values:
        raise ApplicationError(
            f"请选择有效的{label}。/ {field}: {value!r} is not a valid choice.", field=field
        )
    return str(value)


def _day(value: Any, field: str) -> dt.date:
    out = parse_date(value, field)
    assert out is not None
    return out


def _fee(value: Any, field: str = "fee_yuan_per_m2_month") -> Decimal:
    fee = parse_amount(value, field)
    if fee > MAX_FEE:
        raise ApplicationError("物业服务费标准过高。/ fee: the fee standard is too large.", field=field)
    return fee


def _not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise ApplicationError(f"日期不能晚于今天。/ {field} must not be in the future.", field=field)
