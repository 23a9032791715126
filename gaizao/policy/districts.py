"""Hangzhou's county-level divisions and their municipal subsidy shares (RULES §3, §9).

Codes are the national administrative codes (GB/T 2260). 西湖风景名胜区 is a functional area with no administrative
code; the project gives it the internal code :data:`WEST_LAKE_SCENIC_AREA_CODE`, ``"330100-XHFJQ"`` (Hangzhou's
city code plus the pinyin initials of 西湖风景区), the same code ``gaizao.divisions`` seeds. It is not all digits, so
it cannot clash with a national code (always six digits). ``"X330100"`` and ``"杭州西湖风景名胜区"`` are accepted as
aliases.

The table lives in each rule set (the 2021 re-division changed it), so :func:`districts` takes a date.
"""

from __future__ import annotations

from datetime import date

from gaizao.policy.errors import PolicyInputError
from gaizao.policy.ruleset import District, RuleSet, get_ruleset

__all__ = ["HANGZHOU_CITY_CODE", "WEST_LAKE_SCENIC_AREA_CODE", "District", "districts", "resolve_district"]

WEST_LAKE_SCENIC_AREA_CODE = "330100-XHFJQ"
"""Project-internal code of 西湖风景名胜区 (West Lake Scenic Area), which has no national administrative code."""

HANGZHOU_CITY_CODE = "330100"


def districts(on: date | None = None) -> tuple[District, ...]:
    """The districts, counties and county-level cities with their subsidy shares, per the rule set in force on
    ``on`` (default: today). Each :class:`District` has ``code, name_zh, name_en, share, clause, verified,
    aliases``. Use it to seed the registry."""
    return get_ruleset(on or date.today()).subsidy.districts


def resolve_district(value: object, ruleset: RuleSet, field: str = "district") -> District:
    """The :class:`District` named by ``value``: a code (``"330102"`` or ``330102``), a Chinese or English name
    (``"上城区"``, ``"Shangcheng District"``), or :data:`WEST_LAKE_SCENIC_AREA_CODE`.

    Raises
    ------
    PolicyInputError
        Unknown district, or a division abolished before ``ruleset`` took effect (map such records by street).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise PolicyInputError(field, f"{field}: expected a district name or code, got {value!r}.")
    found = ruleset.find_district(value)
    if found is not None:
        return found
    retired = ruleset.find_retired_district(value)
    if retired is not None:
        raise PolicyInputError(
            field,
            f"{field}: {retired.name_zh} ({retired.code}) no longer exists under {ruleset.id} "
            f"(now {retired.successor}); map the record by street to its current district.",
        )
    known = "、".join(d.name_zh for d in ruleset.subsidy.districts)
    raise PolicyInputError(field, f"{field}: unknown district {value!r} under {ruleset.id} (known: {known}).")
