"""Helpers shared by the delivery services: input checks (text, choices, amounts to the fen, quantities, dates,
positions), the clock and the delivery row lock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from gaizao.delivery.models import Delivery
from gaizao.errors import ApplicationError

FEN = Decimal("0.01")

MAX_AMOUNT = Decimal("99999999999999.99")  # max_digits=16, decimal_places=2


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _text(value: Any, field: str, label: str, *, max_length: int = 4000, required: bool = True) -> str:
    out = str(value or "").strip()
    if required and not out:
        raise ApplicationError(f"请填写{label}。/ {field} is required.", field=field)
    if len(out) > max_length:
        raise ApplicationError(
            f"{label}不得超过 {max_length} 字。/ {field}: at most {max_length} characters.", field=field
        )
    return out


#: The text check under its public name, for the apps above delivery that clean their inputs the same way.
parse_text = _text


def parse_amount(value: Any, field: str = "amount") -> Decimal:
    """A yuan amount to the fen: refuses text, negatives, fractions of a fen and amounts too large to store."""
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            f"金额不是有效数字。/ {field}: not a number: {value!r}.", field=field
        ) from None
    if not out.is_finite():
        raise ApplicationError(f"金额不是有效数字。/ {field}: not a number: {value!r}.", field=field)
    if out < 0:
        raise ApplicationError(f"金额不能为负数。/ {field} must not be negative.", field=field)
    if out != out.quantize(FEN):
        raise ApplicationError(f"金额须精确到分。/ {field}: at most two decimal places (fen).", field=field)
    if out > MAX_AMOUNT:
        raise ApplicationError(f"金额过大。/ {field} is too large.", field=field)
    return out.quantize(FEN)


def parse_quantity(value: Any, field: str) -> Decimal:
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            f"数量不是有效数字。/ {field}: not a number: {value!r}.", field=field
        ) from None
    if not out.is_finite() or out < 0:
        raise ApplicationError(f"数量不能为负数。/ {field} must not be negative.", field=field)
    return out


def parse_date(value: Any, field: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ApplicationError(f"请填写日期。/ {field}: a date is required.", field=field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ApplicationError(
            f"日期格式应为 YYYY-MM-DD。/ {field}: expected a date YYYY-MM-DD, got {value!r}.", field=field
        ) from None


def _required_date(value: Any, field: str) -> dt.date:
    out = parse_date(value, field)
    assert out is not None
    return out


def parse_position(lon: Any, lat: Any) -> tuple[float | None, float | None]:
    if lon in (None, "") and lat in (None, ""):
        return None, None
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ApplicationError("位置坐标无效。/ lon and lat must be numbers.", field="lon") from None
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise ApplicationError("位置坐标超出范围。/ lon, lat: outside WGS84 bounds.", field="lon")
    return x, y


def _choice(value: Any, choices: Any, field: str, label: str) -> str:
    if value not in choices.values:
        raise ApplicationError(
            f"请选择有效的{label}。/ {field}: {value!r} is not a valid choice.", field=field
        )
    return str(value)


def _lock(delivery: Delivery) -> Delivery:
    return Delivery.objects.select_for_update().select_related("project__division").get(pk=delivery.pk)
