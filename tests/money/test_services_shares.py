"""Residents' shares: allocation to households to the fen, a ballot-approved basis, payments by channel, masking."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gaizao.errors import ApplicationError, PermissionError_
from gaizao.money import selectors, services
from gaizao.money.models import HouseholdShare, ResidentContribution
from gaizao.participation.models import Ballot
from gaizao.registry.models import Unit

from .conftest import TODAY

D = Decimal


def _ballot(community, *, approved=True, status="closed"):
    return Ballot.objects.create(
        community=community,
        matter=9,
        purpose="other",
        question="居民出资按户均摊",
        scope_kind="community",
        scope_key=f"c{community.pk}",
        status=status,
        approved=approved,
    )


def test_allocated_by_exclusive_area_to_the_fen(accounts, project, communities):
    contribution = services.contribution_allocate(
        actor=accounts["qingbomen"], project=project, community_id=communities["qingbo"].pk, total="10000.00"
    )
    shares = list(contribution.shares.order_by("unit_label"))
    assert sum(s.amount for s in shares) == D("10000.00")
    assert [s.amount for s in shares] == [
        D("1586.26"),
        D("1972.99"),
        D("2307.29"),
        D("2676.98"),
        D("1456.48"),
    ]
    assert all(s.area_source == "registered" for s in shares)


def test_other_basis_needs_an_approved_ballot_of_the_community(accounts, project, communities):
    organiser, qingbo = accounts["qingbomen"], communities["qingbo"]
    with pytest.raises(ApplicationError) as exc:
        services.contribution_allocate(
            actor=organiser, project=project, community_id=qingbo.pk, total="100.00", basis="per_household"
        )
    assert exc.value.field == "ballot"
    failed = _ballot(qingbo, approved=False)
    with pytest.raises(ApplicationError, match="not approved"):
        services.contribution_allocate(
            actor=organiser,
            project=project,
            community_id=qingbo.pk,
            total="100.00",
            basis="per_household",
            ballot_id=failed.pk,
        )
    other = _ballot(communities["laodong"])
    with pytest.raises(ApplicationError, match="another community"):
        services.contribution_allocate(
            actor=organiser,
            project=project,
            community_id=qingbo.pk,
            total="100.00",
            basis="per_household",
            ballot_id=other.pk,
        )
    ballot = _ballot(qingbo)
    contribution = services.contribution_allocate(
        actor=organiser,
        project=project,
        community_id=qingbo.pk,
        total="100.00",
        basis="per_household",
        ballot_id=ballot.pk,
    )
    assert contribution.ballot == ballot
    assert sorted(s.amount for s in contribution.shares.all()) == [D("20.00")] * 5


def test_negative_area_and_bad_total_are_refused_and_nothing_written(accounts, project, communities):
    unit = Unit.objects.filter(building__community=communities["qingbo"]).first()
    unit.area_registered_m2 = D("-1.00")
    unit.save()
    with pytest.raises(ApplicationError) as exc:
        services.contribution_allocate(
            actor=accounts["qingbomen"],
            project=project,
            community_id=communities["qingbo"].pk,
            total="100.00",
        )
    assert exc.value.field == "area_m2"
    with pytest.raises(ApplicationError) as exc:
        services.contribution_allocate(
            actor=accounts["qingbomen"],
            project=project,
            community_id=communities["qingbo"].pk,
            total="100.001",
        )
    assert exc.value.field == "total"
    assert not ResidentContribution.objects.exists() and not HouseholdShare.objects.exists()


def test_payments_by_channel_land_on_the_ledger_and_names_are_masked_by_role(accounts, project, communities):
    organiser = accounts["qingbomen"]
    contribution = services.contribution_allocate(
        actor=organiser, project=project, community_id=communities["qingbo"].pk, total="10000.00"
    )
    first, second = contribution.shares.order_by("unit_label")[:2]
    services.household_payment_record(
        actor=organiser, share=first, channel="resident_payment", amount="1000.00", date=TODAY
    )
    services.household_payment_record(
        actor=organiser, share=first, channel="housing_provident_fund", amount="586.26", date=TODAY
    )
    services.household_payment_record(
        actor=organiser, share=second, channel="maintenance_fund", amount="1972.99", date=TODAY
    )
    with pytest.raises(ApplicationError) as exc:
        services.household_payment_record(
            actor=organiser, share=second, channel="resident_payment", amount="0.01", date=TODAY
        )
    assert exc.value.field == "amount"
    with pytest.raises(ApplicationError) as exc:
        services.household_payment_record(
            actor=organiser, share=second, channel="lottery", amount="1", date=TODAY
        )
    assert exc.value.field == "channel"
    with pytest.raises(PermissionError_):
        services.household_payment_record(
            actor=accounts["xihu"], share=second, channel="resident_payment", amount="1", date=TODAY
        )

    rows = selectors.household_rows(organiser, contribution)
    assert [r["settled"] for r in rows] == [True, True, False, False, False]
    assert rows[0]["owner"] == "王1明"
    assert str(rows[1]["paid"]) == "1972.99" and str(rows[2]["paid"]) == "0.00"
    masked = selectors.household_rows(accounts["city"], contribution)
    assert masked[0]["owner"] == "王**"
    balances = {r["source"]: r for r in selectors.project_balances(project)["sources"]}
    assert balances["resident_payment"]["received"] == D("1000.00")
    assert balances["housing_provident_fund"]["received"] == D("586.26")
    assert balances["maintenance_fund"]["received"] == D("1972.99")
    totals = {r["channel"]: r["amount"] for r in selectors.channel_totals(contribution)}
    assert str(totals["maintenance_fund"]) == "1972.99" and str(totals["community_public_revenue"]) == "0.00"
