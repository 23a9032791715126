"""The pure oversight rules, without a database: the [oversight] section, scores, pace and the award split."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gaizao.policy import oversight as rules
from gaizao.policy.errors import PolicyInputError

D = Decimal
ON = dt.date(2027, 1, 1)


def test_section_reads_and_weights_sum_to_100():
    r = rules.oversight_rules(ON)
    assert [i.id for i in r.indicators] == [
        "progress",
        "fund_execution",
        "rectification_closure",
        "satisfaction",
        "long_term_management",
    ]
    assert sum(i.weight for i in r.indicators) == 100
    assert set(r.targets) == set(rules.TARGET_KEYS)
    assert r.award.threshold == D("60") and r.award.pool_yuan == D("10000000.00")
    assert not r.award.verified and not r.assessment_verified  # platform defaults, to confirm


def _indicator(empty: str = "zero", weight: str = "20") -> rules.Indicator:
    return rules.Indicator("x", "x", "x", D(weight), empty, "test")


@pytest.mark.parametrize(
    ("ratio", "empty", "score"),
    [
        (D("0.4"), "zero", D("40.00")),
        (D("1.7"), "zero", D("100.00")),  # capped at 1
        (D("0"), "full", D("0.00")),
        (None, "zero", D("0")),
        (None, "full", D("100")),
        (D("0.33333"), "zero", D("33.33")),
    ],
)
def test_indicator_score(ratio, empty, score):
    assert rules.indicator_score(ratio, _indicator(empty)) == score


def test_indicator_score_refuses_a_negative_ratio():
    with pytest.raises(PolicyInputError):
        rules.indicator_score(D("-0.1"), _indicator())


def test_weighted_points():
    assert rules.weighted_points(D("53.33"), _indicator(weight="30")) == D("16.00")
    assert rules.weighted_points(D("100"), _indicator(weight="15")) == D("15.00")


def test_pace():
    assert rules.expected_share(dt.date(2026, 12, 31), 2027) == 0
    assert rules.expected_share(dt.date(2027, 12, 31), 2027) == 1
    assert rules.expected_share(dt.date(2027, 7, 2), 2027) == D(183) / D(365)
    mid = dt.date(2027, 7, 2)
    assert rules.is_behind_pace(D(3), D(10), on=mid, year=2027, tolerance=D("0.1"))
    assert not rules.is_behind_pace(D(5), D(10), on=mid, year=2027, tolerance=D("0.1"))
    assert not rules.is_behind_pace(D(0), D(0), on=mid, year=2027, tolerance=D("0.1"))


def test_award_split_is_exact_and_proportional_above_the_threshold():
    shares = rules.award_split(
        D("1000000.00"), {"a": D("90"), "b": D("70"), "c": D("60"), "d": D("40")}, threshold=D("60")
    )
    by = {s.key: s for s in shares}
    assert sum(s.amount for s in shares) == D("1000000.00")
    assert by["a"].amount == D("750000.00") and by["b"].amount == D("250000.00")
    assert by["c"].amount == 0 and by["d"].amount == 0  # at the threshold is not above it
    assert "不予奖补" in by["c"].reason and "超出 30" in by["a"].reason


def test_award_split_leftover_fen_and_nobody_above():
    shares = rules.award_split(D("100.00"), {"a": D("61"), "b": D("61"), "c": D("61")}, threshold=D("60"))
    assert [s.amount for s in shares] == [D("33.34"), D("33.33"), D("33.33")]
    none = rules.award_split(D("100.00"), {"a": D("50")}, threshold=D("60"))
    assert none[0].amount == 0


def test_award_split_refuses_bad_input():
    with pytest.raises(PolicyInputError):
        rules.award_split(D("-1"), {"a": D("70")}, threshold=D("60"))
    with pytest.raises(PolicyInputError):
        rules.award_split(D("1"), {}, threshold=D("60"))
