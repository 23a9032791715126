"""The delivery rules as data and the credit-code check: pure, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from gaizao.policy.delivery import (
    approval_items,
    credit_code_check_char,
    inspection_checklist,
    inspection_interval,
    is_valid_credit_code,
    rectification_rules,
)
from gaizao.policy.errors import PolicyInputError


def test_known_credit_code_and_every_single_character_error_is_caught():
    good = "91350100M000100Y43"  # the GB 32100-2015 worked example
    assert is_valid_credit_code(good) and is_valid_credit_code(good.lower())
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for i in range(18):
        for ch in alphabet:
            if ch != good[i]:
                assert not is_valid_credit_code(good[:i] + ch + good[i + 1 :]), (i, ch)


@pytest.mark.parametrize(
    "bad", ["", "123", "91350100M000100Y4", "91350100M000100Y433", "91350100M000100YI3", None]
)
def test_malformed_codes_are_invalid(bad):
    assert not is_valid_credit_code(bad)  # type: ignore[arg-type]


def test_check_char_refuses_bad_input():
    with pytest.raises(PolicyInputError) as err:
        credit_code_check_char("ABC")
    assert err.value.field == "credit_code"


def test_approvals_checklist_in_force_and_inherited_by_the_2019_rules():
    now = approval_items(dt.date(2026, 1, 1))
    assert [a.id for a in now][:5] == [
        "project_approval",
        "preliminary_design",
        "drawing_review",
        "tendering",
        "construction_permit",
    ]
    assert {a.id for a in now if not a.simplifiable} == {"tendering"}
    assert all(a.clause.startswith("杭政办函〔2022〕10号") for a in now)
    before = approval_items(dt.date(2020, 6, 1))
    assert [a.id for a in before] == [a.id for a in now]
    assert all("2019" in a.clause and not a.verified for a in before)


def test_checklists_and_rectification_deadlines():
    assert {i.id for i in inspection_checklist("safety", dt.date(2026, 1, 1))} >= {
        "scaffolding",
        "temporary_power",
    }
    with pytest.raises(PolicyInputError) as err:
        inspection_checklist("beauty", dt.date(2026, 1, 1))
    assert err.value.field == "kind"
    rules = rectification_rules(dt.date(2026, 1, 1))
    assert rules.days == {"minor": 7, "major": 3, "critical": 1} and rules.escalate_after_days == 0
    interval = inspection_interval(dt.date(2026, 1, 1))
    assert interval.days == 30 and interval.clause == "杭政办函〔2022〕10号 一(二)4" and not interval.verified
