"""gaizao.policy.settlement on plain data (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gaizao.policy import PolicyInputError
from gaizao.policy.settlement import (
    CommunityInput,
    Household,
    LedgerLine,
    allocate_contribution,
    ledger_balances,
    settle_subsidy,
)

D = Decimal
ON = dt.date(2026, 6, 1)


def test_balances_fold_kinds_into_buckets():
    b = ledger_balances(
        [
            LedgerLine("district_funds", "budget", D("100.00")),
            LedgerLine("district_funds", "adjustment", D("-10.00")),
            LedgerLine("district_funds", "received", D("80.00")),
            LedgerLine("district_funds", "refund", D("5.00")),
            LedgerLine("district_funds", "commitment", D("70.00")),
            LedgerLine("district_funds", "payment", D("30.00")),
        ]
    )["district_funds"]
    assert (b.budgeted, b.received, b.committed, b.paid) == (D("90.00"), D("75.00"), D("70.00"), D("30.00"))
    assert (b.remaining, b.available, b.uncommitted) == (D("60.00"), D("45.00"), D("20.00"))
    assert b.execution_rate == D("30.00") / D("90.00")
    with pytest.raises(PolicyInputError) as exc:
        ledger_balances([LedgerLine("x", "gift", D("1"))])
    assert exc.value.field == "kind"


def _community(key, area, **kw):
    return CommunityInput(
        key=key,
        district=kw.get("district", "上城区"),
        built_year=kw.get("built_year", 1995),
        affordable_housing=kw.get("affordable", False),
        building_area_m2=D(area),
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"final_accounts": D("100.001")}, "final_accounts"),
        ({"elevator_cost": D("-1.00")}, "elevator_cost"),
        ({"elevator_cost": D("60.00"), "secondary_water_cost": D("40.01")}, "exclusions"),
        ({"communities": []}, "communities"),
        ({"communities": [_community("a", "-5")]}, "building_area_m2"),
    ],
)
def test_settlement_refuses_bad_input_naming_the_field(kwargs, field):
    args = {
        "final_accounts": D("100.00"),
        "elevator_cost": D("0.00"),
        "secondary_water_cost": D("0.00"),
        "communities": [_community("a", "1000")],
        "on": ON,
        **kwargs,
    }
    with pytest.raises(PolicyInputError) as exc:
        settle_subsidy(**args)
    assert exc.value.field == field


@given(
    final=st.integers(min_value=0, max_value=10**11),
    areas=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=6),
)
def test_settlement_rows_add_up_to_the_project(final, areas):
    total = D(final) / 100
    rows = settle_subsidy(
        final_accounts=total,
        elevator_cost=D("0.00"),
        secondary_water_cost=D("0.00"),
        communities=[_community(str(i), str(a)) for i, a in enumerate(areas)],
        on=ON,
    )
    assert sum(r.final_accounts for r in rows) == total
    assert all(r.decision.amount <= r.decision.share * r.decision.cap + D("0.005") for r in rows)


@given(
    total=st.integers(min_value=0, max_value=10**9),
    areas=st.lists(st.decimals(min_value=1, max_value=500, places=2), min_size=1, max_size=40),
)
def test_household_parts_add_up_to_the_fen(total, areas):
    amount = D(total) / 100
    parts = allocate_contribution(amount, [Household(str(i), a) for i, a in enumerate(areas)])
    assert sum(parts) == amount
    assert all(p >= 0 for p in parts)


def test_negative_household_area_is_refused():
    with pytest.raises(PolicyInputError) as exc:
        allocate_contribution(D("10.00"), [Household("a", D("50")), Household("b", D("-1"))])
    assert exc.value.field == "area_m2"


@given(
    final=st.integers(min_value=1, max_value=10**9),
    share=st.integers(min_value=0, max_value=10_000),
    split=st.integers(min_value=0, max_value=100),
    areas=st.lists(st.integers(min_value=1, max_value=10**5), min_size=2, max_size=6),
)
def test_exclusions_near_the_whole_stay_within_each_community(final, share, split, areas):
    total = D(final) / 100
    excluded = (total * share / 10_000).quantize(D("0.01"), rounding="ROUND_DOWN")
    elevator = (excluded * split / 100).quantize(D("0.01"), rounding="ROUND_DOWN")
    water = excluded - elevator
    rows = settle_subsidy(
        final_accounts=total,
        elevator_cost=elevator,
        secondary_water_cost=water,
        communities=[_community(str(i), str(a)) for i, a in enumerate(areas)],
        on=ON,
    )
    assert sum(r.final_accounts for r in rows) == total
    assert (
        sum(r.elevator_cost for r in rows) == elevator and sum(r.secondary_water_cost for r in rows) == water
    )
    assert all(
        r.exclusions <= r.final_accounts and r.elevator_cost >= 0 and r.secondary_water_cost >= 0
        for r in rows
    )
