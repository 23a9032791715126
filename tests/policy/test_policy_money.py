"""The largest-remainder split: parts add up to the whole, to the fen, whatever the weights."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gaizao.policy import PolicyInputError, split_largest_remainder, to_fen


def test_three_equal_parts_give_the_odd_fen_to_the_first() -> None:
    assert split_largest_remainder(Decimal("100.00"), [Decimal(1)] * 3) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]


def test_parts_follow_the_weights() -> None:
    parts = split_largest_remainder(Decimal("1000.00"), [Decimal("60.5"), Decimal("39.5")])
    assert parts == [Decimal("605.00"), Decimal("395.00")]


def test_rounding_each_part_separately_would_not_add_up() -> None:
    weights = [Decimal("1")] * 6
    naive = [(Decimal("0.05") / 6).quantize(Decimal("0.01")) for _ in weights]
    assert sum(naive) != Decimal("0.05")
    assert sum(split_largest_remainder(Decimal("0.05"), weights)) == Decimal("0.05")


@pytest.mark.parametrize(
    ("total", "weights", "field"),
    [
        (Decimal("1.001"), [Decimal(1)], "total"),
        (Decimal("-1.00"), [Decimal(1)], "total"),
        (Decimal("1.00"), [], "weights"),
        (Decimal("1.00"), [Decimal(0), Decimal(0)], "weights"),
        (Decimal("1.00"), [Decimal(-1), Decimal(2)], "weights"),
    ],
)
def test_bad_input_names_the_field(total: Decimal, weights: list[Decimal], field: str) -> None:
    with pytest.raises(PolicyInputError, match=field):
        split_largest_remainder(total, weights)


def test_to_fen_refuses_sub_fen_amounts() -> None:
    assert to_fen(Decimal("12.3")) == Decimal("12.30")
    with pytest.raises(PolicyInputError, match="two decimal places"):
        to_fen(Decimal("12.345"), field="amount")


@given(
    fens=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(any),
)
def test_parts_always_sum_to_the_total(fens: int, weights: list[int]) -> None:
    total = Decimal(fens) / 100
    parts = split_largest_remainder(total, [Decimal(w) for w in weights])
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)
