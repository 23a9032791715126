"""The maintenance fund (维修资金): its ledger of entries, each top-up and use decided by the owners, and its periodic
public disclosure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.delivery.services import parse_amount
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.registry.models import Community
from gaizao.stewardship.models import FundDisclosure, FundEntry, FundEntryKind
from gaizao.stewardship.services._common import _choice, _day, _not_future, _text
from gaizao.stewardship.services.ballot_gate import _ballot, require_ballot
from gaizao.stewardship.services.permissions import can_keep

#: Which owners' decision each fund entry kind needs.
FUND_DECISION = {FundEntryKind.TOP_UP: "fund_top_up", FundEntryKind.USE: "fund_use"}


def fund_balance(community: Community, on: dt.date | None = None) -> Decimal:
    """The fund's balance at the end of ``on`` (default: all entries)."""
    entries = FundEntry.objects.filter(community=community)
    if on is not None:
        entries = entries.filter(on__lte=on)
    return sum((e.signed_amount for e in entries), Decimal("0.00"))


def lowest_balance_from(movements: Iterable[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    """The lowest balance of the fund at the end of ``day`` and at the end of every later day with an entry.

    ``movements`` are the fund's entries as ``(day, signed amount in yuan)``, in any order; a use dated ``day`` may
    take at most this much, or the balance would go below zero on its day or later.
    """
    by_day: dict[dt.date, Decimal] = {}
    for on, amount in movements:
        by_day[on] = by_day.get(on, Decimal("0.00")) + amount
    balance = sum((amount for on, amount in by_day.items() if on <= day), Decimal("0.00"))
    lowest = balance
    for on in sorted(d for d in by_day if d > day):
        balance += by_day[on]
        lowest = min(lowest, balance)
    return lowest


def disclosure_figures(before: Decimal, rows: Sequence[FundEntry]) -> tuple[Decimal, Decimal, Decimal]:
    """The opening, income and spending (yuan) of a disclosed period from the balance ``before`` it and its entries.

    An opening entry carries an existing balance into the records: it is part of the opening, not income.
    """
    opening = before + sum((e.amount for e in rows if e.kind == FundEntryKind.OPENING), Decimal("0.00"))
    income = sum(
        (e.amount for e in rows if e.signed_amount > 0 and e.kind != FundEntryKind.OPENING), Decimal("0.00")
    )
    spending = sum((e.amount for e in rows if e.signed_amount < 0), Decimal("0.00"))
    return opening, income, spending


@transaction.atomic
def fund_entry_record(
    *,
    actor: Any,
    community: Community,
    kind: str,
    amount: Any,
    on: Any,
    description: str,
    ballot: Any = None,
    is_sample: bool = False,
) -> FundEntry:
    """Record a movement of the maintenance fund. A top-up needs the owners' matter-6 ballot (3/4), a use the
    matter-5 ballot, and a use may not take the balance below zero on its day or later."""
    if not can_keep(actor, community):
        raise PermissionError_("您无权登记维修资金。/ You may not record the maintenance fund here.")
    Community.objects.select_for_update().filter(pk=community.pk).first()
    kind = _choice(kind, FundEntryKind, "kind", "类型")
    value = parse_amount(amount, "amount")
    if value <= 0:
        raise ApplicationError("金额须大于零。/ amount must be greater than zero.", field="amount")
    day = _day(on, "on")
    _not_future(day, "on")
    chosen = _ballot(ballot)
    decision = FUND_DECISION.get(FundEntryKind(kind))
    if decision is not None:
        require_ballot(chosen, community=community, decision=decision)
    elif chosen is not None:
        raise ApplicationError(
            "该类收支不需要业主表决。/ ballot: this kind of entry is not decided by a ballot.", field="ballot"
        )
    if kind == FundEntryKind.USE:
        lowest = lowest_balance_from(
            [(e.on, e.signed_amount) for e in FundEntry.objects.filter(community=community)], day
        )
        if value > lowest:
            raise ApplicationError(
                f"使用金额超过维修资金余额（{lowest} 元）。/ amount: more than the fund's balance ({lowest} yuan).",
                field="amount",
            )
    entry = FundEntry.objects.create(
        community=community,
        kind=kind,
        amount=value,
        on=day,
        description=_text(description, "description", "摘要", max_length=300),
        ballot=chosen,
        recorded_by=actor,
        is_sample=is_sample,
    )
    audit_record(
        actor=actor,
        action="stewardship.fund.entry",
        obj=community,
        changes={"kind": kind, "amount": str(value), "on": str(day), "ballot": entry.ballot_id},
    )
    return entry


@transaction.atomic
def fund_disclose(
    *,
    actor: Any,
    community: Community,
    period_start: Any,
    period_end: Any,
    note: str = "",
    is_sample: bool = False,
) -> FundDisclosure:
    """Publish the fund's figures for a period (民法典 第281条): opening, income, uses (with their ballots),
    closing. Frozen at publication; shown on the community's public page."""
    if not can_keep(actor, community):
        raise PermissionError_("您无权公开维修资金。/ You may not publish this fund.")
    start, end = _day(period_start, "period_start"), _day(period_end, "period_end")
    if end < start:
        raise ApplicationError(
            "期间结束不能早于开始。/ period_end must not be before period_start.", field="period_end"
        )
    _not_future(end, "period_end")
    rows = list(
        FundEntry.objects.filter(community=community, on__gte=start, on__lte=end).order_by("on", "id")
    )
    opening, income, spending = disclosure_figures(
        fund_balance(community, start - dt.timedelta(days=1)), rows
    )
    disclosure = FundDisclosure.objects.create(
        community=community,
        period_start=start,
        period_end=end,
        opening=opening,
        income=income,
        spending=spending,
        closing=opening + income - spending,
        entries=[
            {
                "on": e.on.isoformat(),
                "kind": e.kind,
                "amount": str(e.amount),
                "description": e.description,
                "ballot": e.ballot_id,
            }
            for e in rows
        ],
        note=_text(note, "note", "说明", required=False),
        published_by=actor,
        published_at=timezone.now(),
        is_sample=is_sample,
    )
    audit_record(
        actor=actor,
        action="stewardship.fund.disclose",
        obj=community,
        changes={"period": [str(start), str(end)], "closing": str(disclosure.closing)},
    )
    return disclosure
