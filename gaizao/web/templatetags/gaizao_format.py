"""Words and numbers as offices write them: ``{% load gaizao_format %}``.

- ``{{ amount|yuan }}`` → ``1,234,567.89`` (yuan to the fen, thousands separators; the template writes 元)
- ``{{ amount|wan_yuan }}`` → ``123.46`` (万元, two decimals, as the annual plan tables use)
- ``{{ count|num }}`` → ``12,345``
- ``{{ when|zh_date }}`` → ``2026年11月29日`` (``29 Nov 2026`` in English); ``{{ when|zh_date:"time" }}`` adds ``14:05``
- ``{{ code|label }}`` / ``{{ code|label:"Channel" }}`` → the code's label in the active language
  (see :mod:`gaizao.web.labels`); ``{{ flag|label }}`` → 是 / 否
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from gaizao.ui.i18n import in_language, is_english
from gaizao.web.labels import action_label, field_label, label_of

register = template.Library()

EMPTY = "—"
#: audit change keys whose two-string lists are [before, after]
STATE_KEYS = frozenset({"state", "status", "decision", "scope_status", "name", "stage"})
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _grouped(amount: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


@register.filter
def yuan(value: Any) -> str:
    """Yuan with thousands separators, to the fen."""
    amount = _decimal(value)
    return EMPTY if amount is None else _grouped(amount, 2)


@register.filter
def wan_yuan(value: Any) -> str:
    """Yuan shown in 万元 (ten thousands), two decimals, thousands separators."""
    amount = _decimal(value)
    return EMPTY if amount is None else _grouped(amount / Decimal(10_000), 2)


@register.filter
def num(value: Any) -> str:
    """A count or quantity with thousands separators; decimals kept as given (``1234.5`` → ``1,234.5``)."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    places = max(0, -amount.normalize().as_tuple().exponent)  # type: ignore[operator]
    return _grouped(amount, places)


@register.filter
def zh_date(value: Any, arg: str = "") -> str:
    """A date as ``2026年11月29日`` (``29 Nov 2026`` in English); ``"time"`` adds the local time ``14:05``."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        day: date = moment.date()
        clock = f" {moment:%H:%M}" if arg == "time" else ""
    elif isinstance(value, date):
        day, clock = value, ""
    else:
        return str(value)
    if is_english():
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}{clock}"
    return f"{day.year}年{day.month}月{day.day}日{clock}"


@register.filter
def label(value: Any, list_name: str | None = None) -> str:
    """The label of a code in the active language (see :func:`gaizao.web.labels.label_of`)."""
    return label_of(value, list_name)


@register.filter
def labels(values: Any, list_name: str | None = None) -> str:
    """A list of codes as their labels joined with 、 (``, `` in English)."""
    if not values:
        return EMPTY
    sep = ", " if is_english() else "、"
    return sep.join(label_of(v, list_name) for v in values)


@register.filter
def action(value: Any) -> str:
    """An audit action in words (see :func:`gaizao.web.labels.action_label`)."""
    return action_label(str(value))


@register.filter
def field_of(name: Any, obj: Any) -> str:
    """``{{ key|field_of:object }}``: the verbose name of ``obj``'s field ``key`` in the active language."""
    return field_label(type(obj), str(name))


@register.filter
def change_rows(changes: Any, obj: Any = None) -> list[dict[str, Any]]:
    """An audit event's ``changes`` as rows: ``{"key", "pair", "before", "after", "value"}``.

    A change is either ``[before, after]`` or a plain value (a count, a list of ids); a dict is read with
    ``.items()`` here, since a key named ``items`` would shadow the method in a template. With ``obj`` (the
    audited object), a value of a field with choices is labelled from that field's own choices.
    """
    if not isinstance(changes, dict):
        return []
    rows = []
    for key, value in changes.items():
        choices = _field_choices(obj, key) if obj is not None else {}
        # [before, after]; two strings are a pair only for a state-like key (else they are two ids)
        if (
            isinstance(value, list)
            and len(value) == 2
            and (key in STATE_KEYS or not all(isinstance(v, str) for v in value))
        ):
            before, after = _shown(value[0], choices), _shown(value[1], choices)
            rows.append({"key": key, "pair": True, "before": before, "after": after})
        else:
            rows.append({"key": key, "pair": False, "value": _shown(value, choices)})
    return rows


def _field_choices(obj: Any, name: str) -> dict[str, str]:
    try:
        field = obj._meta.get_field(name)
    except (AttributeError, FieldDoesNotExist):
        return {}
    return {str(k): in_language(str(v)) for k, v in (getattr(field, "choices", None) or [])}


def _shown(value: Any, choices: dict[str, str] | None = None) -> str:
    if isinstance(value, list):
        return labels(value) if value else EMPTY
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_shown(v)}" for k, v in value.items()) or EMPTY
    if choices and str(value) in choices:
        return choices[str(value)]
    return label_of(value)
