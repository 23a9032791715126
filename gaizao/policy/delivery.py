"""Delivery rules as data — 杭政办函〔2022〕10号 三(二), 一(二)4, 三(四): the approvals checklist of the basic
construction procedure, the inspection checklists and the rectification deadlines, read from the ``[delivery]``
section of the rule set in force; and the GB 32100-2015 check of a unified social credit code.

Pure: no Django. The section is inherited by rule sets ``based_on`` another (and re-cited there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from gaizao.policy.errors import PolicyInputError, RuleSetError
from gaizao.policy.ruleset import RULESET_DIR, _raw_with_base, get_ruleset

__all__ = [
    "ApprovalItem",
    "ChecklistItem",
    "InspectionInterval",
    "RectificationRules",
    "approval_items",
    "credit_code_check_char",
    "inspection_checklist",
    "inspection_interval",
    "is_valid_credit_code",
    "rectification_rules",
]


@dataclass(frozen=True, slots=True)
class ApprovalItem:
    id: str
    name_zh: str
    name_en: str
    #: Must be recorded (or simplified / waived by the consultation) before works start (开工).
    required: bool
    #: The joint consultation may simplify or waive it.
    simplifiable: bool
    clause: str
    verified: bool


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class RectificationRules:
    #: Default deadline in days after the order, by severity id (``minor``, ``major``, ``critical``).
    days: dict[str, int]
    #: Days past the deadline before an order still not closed escalates to the district.
    escalate_after_days: int
    clause: str
    verified: bool


@dataclass(frozen=True, slots=True)
class InspectionInterval:
    #: Works not inspected at a level for this many days are due an inspection at that level.
    days: int
    clause: str
    verified: bool


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise RuleSetError(f"{where}.{key}: expected a non-empty string")
    return value


@cache
def _section(path: str) -> dict[str, Any]:
    raw = _raw_with_base(Path(path), RULESET_DIR)
    section = raw.get("delivery")
    if not isinstance(section, dict):
        raise RuleSetError(f"{Path(path).name}: delivery: the section is missing")
    return section


def _rules(on: dt.date | None) -> tuple[dict[str, Any], bool]:
    ruleset = get_ruleset(on or dt.date.today())
    return _section(ruleset.path), ruleset.verified


@cache
def _approval_items(path: str, verified_default: bool) -> tuple[ApprovalItem, ...]:
    section = _section(path)
    items = []
    for i, row in enumerate(section.get("approvals", [])):
        where = f"delivery.approvals[{i}]"
        items.append(
            ApprovalItem(
                id=_text(row, "id", where),
                name_zh=_text(row, "name_zh", where),
                name_en=_text(row, "name_en", where),
                required=bool(row.get("required", True)),
                simplifiable=bool(row.get("simplifiable", False)),
                clause=_text(row, "clause", where),
                verified=bool(row.get("verified", verified_default)),
            )
        )
    if len({item.id for item in items}) != len(items):
        raise RuleSetError("delivery.approvals: ids must be unique")
    return tuple(items)


def approval_items(on: dt.date | None = None) -> tuple[ApprovalItem, ...]:
    """The approvals checklist (三(二)) in the rule set in force on ``on`` (default today), in procedure order."""
    ruleset = get_ruleset(on or dt.date.today())
    return _approval_items(ruleset.path, ruleset.verified)


def inspection_checklist(kind: str, on: dt.date | None = None) -> tuple[ChecklistItem, ...]:
    """The checklist of an inspection ``kind`` (``quality``, ``safety``, ``civilised``, ``utilities``).

    Raises
    ------
    PolicyInputError
        No checklist for ``kind`` (field ``kind``).
    """
    section, _ = _rules(on)
    for table in section.get("checklists", []):
        if table.get("kind") == kind:
            return tuple(
                ChecklistItem(
                    _text(i, "id", "checklist"),
                    _text(i, "name_zh", "checklist"),
                    _text(i, "name_en", "checklist"),
                )
                for i in table.get("items", [])
            )
    raise PolicyInputError("kind", f"kind: no inspection checklist for {kind!r}.")


def rectification_rules(on: dt.date | None = None) -> RectificationRules:
    section, verified = _rules(on)
    table = section.get("rectification")
    if not isinstance(table, dict):
        raise RuleSetError("delivery.rectification: the table is missing")
    days = table.get("days")
    if not isinstance(days, dict) or not all(isinstance(v, int) and v >= 0 for v in days.values()):
        raise RuleSetError("delivery.rectification.days: expected {severity: days}")
    return RectificationRules(
        days=dict(days),
        escalate_after_days=int(table.get("escalate_after_days", 0)),
        clause=_text(table, "clause", "delivery.rectification"),
        verified=bool(table.get("verified", verified)),
    )


def inspection_interval(on: dt.date | None = None) -> InspectionInterval:
    """How often works in progress are inspected at each level (一(二)4), in the rule set in force on ``on``."""
    section, verified = _rules(on)
    table = section.get("inspection")
    if not isinstance(table, dict):
        raise RuleSetError("delivery.inspection: the table is missing")
    days = table.get("interval_days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise RuleSetError("delivery.inspection.interval_days: expected a whole number of days ≥ 1")
    return InspectionInterval(
        days=days,
        clause=_text(table, "clause", "delivery.inspection"),
        verified=bool(table.get("verified", verified)),
    )


# --- unified social credit code (GB 32100-2015) ---------------------------------------------------------------------

#: The 31 characters of the code (no I, O, Z, S, V), each worth its index.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a unified social credit code.

    Raises
    ------
    PolicyInputError
        ``first17`` is not 17 characters of the code's alphabet (field ``credit_code``).
    """
    code = first17.upper()
    if len(code) != 17 or any(ch not in _ALPHABET for ch in code):
        raise PolicyInputError("credit_code", f"credit_code: {first17!r} is not 17 code characters.")
    total = sum(_ALPHABET.index(ch) * w for ch, w in zip(code, _WEIGHTS, strict=True))
    return _ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """Whether ``code`` is an 18-character unified social credit code whose check character is right."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    code = code.upper()
    if any(ch not in _ALPHABET for ch in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]
