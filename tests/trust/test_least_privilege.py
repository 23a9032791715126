"""Least privilege (issue 18): "A utility reads every community's units, rolls and reports"."""

from __future__ import annotations

from django.test import Client

from gaizao.accounts.access import scope_path, scoped
from gaizao.participation import selectors as participation
from gaizao.registry.models import Community, Owner, Unit


def test_a_utility_reads_no_units_owners_or_ballots(world, accounts):
    water = accounts["water"]
    assert scoped(Unit.objects.all(), water, field="building__community__division__path").count() == 0
    assert scoped(Owner.objects.all(), water).count() == 0
    assert scoped(Community.objects.all(), water).count() == 0
    assert participation.ballots_for(water).count() == 0
    # the programme's invitation-filtered selectors still get its division (and filter by invitation)
    assert scope_path(water, invited=True) == water.division.path
    # while a city-wide reviewer still reads them
    assert scoped(Owner.objects.all(), accounts["ndrc"]).count() == len(world.owners) + 1


def test_a_utility_gets_404_for_a_community_page(world, accounts):
    client = Client()
    client.force_login(accounts["water"])
    assert client.get(f"/registry/communities/{world.community.pk}/").status_code == 404
    assert client.get(f"/api/v1/registry/communities/{world.community.pk}").status_code == 404


def test_health_and_readiness(client, db):
    assert client.get("/healthz").content == b"ok\n"
    assert client.get("/readyz").status_code == 200
