"""Who reads which delivery: officers by division, utilities where invited, contract parties by their contracts."""

from __future__ import annotations

import pytest

from gaizao.delivery import selectors
from gaizao.programme.models import ConsultationOpinion

pytestmark = pytest.mark.django_db


def test_officers_reviewers_and_utilities(delivery, accounts):
    def sees(username: str) -> bool:
        return selectors.deliveries_for(accounts[username]).filter(pk=delivery.pk).exists()

    assert sees("shangcheng") and sees("qingbo") and sees("qingbomen") and sees("city") and sees("ndrc")
    assert not sees("xihu") and not sees("resident") and not sees("public")
    assert not sees("water"), "a utility sees only projects whose consultation invited it"
    ConsultationOpinion.objects.create(
        consultation=delivery.project.consultations.get(), department="water", order=1
    )
    assert sees("water")


def test_contract_parties_only_through_their_contracts(delivery, accounts, orgs):
    from tests.delivery.conftest import add_contracts

    assert not selectors.deliveries_for(accounts["builder"]).exists()
    add_contracts(delivery, accounts["shangcheng"], orgs)
    assert list(selectors.deliveries_for(accounts["builder"])) == [delivery]
    assert [c.party for c in selectors.contracts_for(accounts["watcher"])] == [orgs["watcher"]]
    assert not selectors.deliveries_for(accounts["outsider"]).exists()
    assert list(selectors.organisations_for(accounts["builder"])) == [orgs["builder"]]
    accounts["builder"].is_active = False
    assert selectors.party_organisation(accounts["builder"]) is None
