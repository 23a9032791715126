"""Reads of the division tree."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gaizao.divisions.models import Division, DivisionLevel


def division_scope_q(path: str, field: str = "division__path") -> Q:
    """A filter for rows whose division lies at or below ``path``."""
    return Q(**{field: path}) | Q(**{f"{field}__startswith": path + "/"})


def divisions_within(path: str) -> QuerySet[Division]:
    return Division.objects.filter(division_scope_q(path, "path"))


def districts() -> QuerySet[Division]:
    return Division.objects.filter(level=DivisionLevel.DISTRICT).order_by("code")


def find_division(value: str, *, level: str | None = None, within: Division | None = None) -> Division | None:
    """Find a division by code or by name (names are unique within their parent, so ``within`` narrows)."""
    value = value.strip()
    qs = Division.objects.all()
    if level:
        qs = qs.filter(level=level)
    if within is not None:
        qs = qs.filter(division_scope_q(within.path, "path"))
    found = qs.filter(code=value).first()
    if found is None:
        found = qs.filter(name=value).order_by("path").first()
    return found
