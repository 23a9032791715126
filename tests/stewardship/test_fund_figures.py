"""The maintenance fund's arithmetic on plain entries, without a database: the lowest balance a use may take and
the figures of a disclosure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gaizao.stewardship.models import FundEntry, FundEntryKind
from gaizao.stewardship.services import disclosure_figures, lowest_balance_from

D = Decimal
DAY = dt.date(2026, 6, 1)


def test_lowest_balance_counts_the_day_and_every_later_day():
    # given: 1,000 in, a use of 800 a week later (what a use dated DAY must leave intact)
    movements = [
        (DAY - dt.timedelta(days=10), D("1000.00")),
        (DAY + dt.timedelta(days=7), D("-800.00")),
        (DAY + dt.timedelta(days=7), D("50.00")),
        (DAY + dt.timedelta(days=30), D("100.00")),
    ]
    # when / then: at DAY the balance is 1,000 but a week later only 250 are left
    assert lowest_balance_from(movements, DAY) == D("250.00")
    # the order of the entries does not matter
    assert lowest_balance_from(list(reversed(movements)), DAY) == D("250.00")
    # after the use the lowest is the balance on the day itself
    assert lowest_balance_from(movements, DAY + dt.timedelta(days=8)) == D("250.00")
    assert lowest_balance_from(movements, DAY + dt.timedelta(days=30)) == D("350.00")


def test_lowest_balance_of_an_empty_fund_is_zero_in_fen():
    assert str(lowest_balance_from([], DAY)) == "0.00"
    # entries before the day only: the balance of the day
    assert str(lowest_balance_from([(DAY, D("12.50"))], DAY)) == "12.50"


def test_disclosure_figures_count_an_opening_entry_as_opening_not_income():
    # given: the entries of a period (unsaved: the arithmetic reads no database)
    rows = [
        FundEntry(kind=FundEntryKind.OPENING, amount=D("100000.00"), on=DAY),
        FundEntry(kind=FundEntryKind.CONTRIBUTION, amount=D("2000.00"), on=DAY),
        FundEntry(kind=FundEntryKind.INTEREST, amount=D("35.20"), on=DAY),
        FundEntry(kind=FundEntryKind.USE, amount=D("4500.50"), on=DAY),
    ]
    # when
    opening, income, spending = disclosure_figures(D("300.00"), rows)
    # then
    assert (opening, income, spending) == (D("100300.00"), D("2035.20"), D("4500.50"))
    assert disclosure_figures(D("0.00"), []) == (D("0.00"), D("0.00"), D("0.00"))
