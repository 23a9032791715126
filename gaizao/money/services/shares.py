"""Residents' shares (居民出资) and their collection: share a community's contribution out to its households, by
exclusive area unless the owners approved another basis by ballot (民法典 第283条), and record what each household
pays; the money lands on the ledger under the payment channel."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError
from gaizao.money import access
from gaizao.money.models import (
    EntryKind,
    HouseholdPayment,
    HouseholdShare,
    PaymentChannel,
    ResidentContribution,
    ShareBasis,
)
from gaizao.money.services._append import append_entry, lock_account
from gaizao.money.services._common import CLAUSE_RESIDENTS, _date, _net, _project_community, _require, money
from gaizao.policy import PolicyInputError
from gaizao.policy.settlement import Household, allocate_contribution
from gaizao.programme.models import Project


def _ballot_for_basis(ballot_id: Any, community: Any) -> Any:
    from gaizao.participation.models import Ballot, BallotStatus

    ballot = Ballot.objects.filter(pk=ballot_id).first() if ballot_id not in (None, "") else None
    if ballot is None:
        raise ApplicationError(
            f"按面积以外的方式分摊须引用业主表决（{CLAUSE_RESIDENTS}）。/ ballot: a basis other than exclusive area "
            "needs the owners' ballot that approved it.",
            field="ballot",
        )
    if ballot.community_id != community.pk:
        raise ApplicationError(
            "该表决不属于本小区。/ ballot: the ballot is of another community.", field="ballot"
        )
    if ballot.status not in (BallotStatus.CLOSED, BallotStatus.PUBLISHED) or not ballot.approved:
        raise ApplicationError(
            "该表决尚未通过。/ ballot: the cited ballot has not approved the basis.", field="ballot"
        )
    return ballot


def household_amounts(total: Decimal, basis: str, households: Sequence[tuple[str, Decimal]]) -> list[Decimal]:
    """Share ``total`` yuan out to ``households`` (``(key, exclusive area in m²)``, in order): by area, or one equal
    part each under any other basis; the parts add up to ``total`` to the fen (largest remainder).

    Pure (reads nothing). A policy input error comes back as an :class:`ApplicationError` naming its field.
    """
    weights = [
        Household(key=key, weight=(area if basis == ShareBasis.EXCLUSIVE_AREA else Decimal(1)))
        for key, area in households
    ]
    try:
        return allocate_contribution(total, weights)
    except PolicyInputError as exc:
        raise ApplicationError(str(exc), field=exc.field) from exc


@transaction.atomic
def contribution_allocate(
    *,
    actor: Any,
    project: Project,
    community_id: Any,
    total: Any,
    basis: str = ShareBasis.EXCLUSIVE_AREA,
    ballot_id: Any = None,
) -> ResidentContribution:
    """Share the residents' contribution of one community out to its households, to the fen (largest remainder).

    By exclusive area (民法典 第283条) unless the owners approved another basis by ballot, which is then cited.
    """
    community = _project_community(project, community_id)
    if community is None:
        raise ApplicationError("请选择小区。/ community is required.", field="community")
    _require(access.can_manage_shares(actor, community))
    value = money(total, "total")
    if basis not in ShareBasis.values:
        raise ApplicationError(
            f"分摊依据“{basis}”无效。/ basis: expected one of {', '.join(ShareBasis.values)}.", field="basis"
        )
    ballot = _ballot_for_basis(ballot_id, community) if basis != ShareBasis.EXCLUSIVE_AREA else None
    if ResidentContribution.objects.filter(project=project, community=community).exists():
        raise ApplicationError(
            "该小区已分摊居民出资。/ community: the contribution is already allocated.", field="community"
        )
    from gaizao.registry.models import Unit

    units = list(
        Unit.objects.filter(building__community=community)
        .select_related("building", "owner")
        .order_by("building__code", "stairwell", "number")
    )
    if not units:
        raise ApplicationError("该小区没有房屋登记。/ community: no units are registered.", field="community")
    rows = []
    for unit in units:
        try:
            area, area_source = unit.exclusive_area
        except PolicyInputError as exc:
            raise ApplicationError(f"{unit}：{exc}", field="area_m2") from exc
        if area < 0:
            raise ApplicationError(
                f"{unit} 的专有面积为负数 {area}。/ area_m2: {unit} has a negative area {area}.",
                field="area_m2",
            )
        rows.append((unit, area, area_source))
    amounts = household_amounts(value, basis, [(str(u.pk), a) for u, a, _ in rows])
    contribution = ResidentContribution.objects.create(
        project=project, community=community, total=value, basis=basis, ballot=ballot, created_by=actor
    )
    HouseholdShare.objects.bulk_create(
        [
            HouseholdShare(
                contribution=contribution,
                unit=u,
                unit_label=str(u),
                owner=u.owner,
                area_m2=a,
                area_source=src,
                amount=amt,
            )
            for (u, a, src), amt in zip(rows, amounts, strict=True)
        ]
    )
    audit_record(
        actor=actor,
        action="money.contribution.allocated",
        obj=contribution,
        changes={
            "total": value,
            "basis": basis,
            "ballot": ballot.pk if ballot else None,
            "households": len(rows),
        },
    )
    return contribution


def share_paid(share: HouseholdShare) -> Decimal:
    return _net(share.payments.all())


@transaction.atomic
def household_payment_record(
    *, actor: Any, share: HouseholdShare, channel: str, amount: Any, date: Any, document_number: str = ""
) -> HouseholdPayment:
    """A household pays (part of) its share through a channel; the money lands on the ledger under that source."""
    contribution = share.contribution
    _require(access.can_manage_shares(actor, contribution.community))
    if channel not in PaymentChannel.values:
        raise ApplicationError(
            f"缴纳渠道“{channel}”无效。/ channel: expected one of {', '.join(PaymentChannel.values)}.",
            field="channel",
        )
    value = money(amount, "amount")
    on = _date(date, "date")
    lock_account(contribution.project)
    share = HouseholdShare.objects.select_for_update().get(pk=share.pk)
    left = share.amount - share_paid(share)
    if value > left:
        raise ApplicationError(
            f"缴款 {value} 元超过该户应缴未缴 {left} 元。/ amount: {value} yuan exceeds the {left} yuan still due "
            "from this household.",
            field="amount",
        )
    entry = append_entry(
        actor=actor,
        project=contribution.project,
        kind=EntryKind.RECEIVED,
        source=channel,
        amount=value,
        date=on,
        document_number=document_number.strip() or f"HH-{share.pk}",
        community=contribution.community,
        note=f"居民出资 {share.unit_label}",
    )
    payment = HouseholdPayment.objects.create(
        share=share,
        channel=channel,
        amount=value,
        date=on,
        document_number=document_number.strip(),
        entry=entry,
        created_by=actor,
    )
    return payment
