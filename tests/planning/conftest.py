"""A small 上城区 for the planning tests: two streets, ten screened communities close together, one far away, one
out of scope, catalogue rates, and the life-circle proposals and gaps faked at the lifecircle selectors (no network
analysis runs here)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import User
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.programme.models import UnitRate
from tests.programme.conftest import RATES, make_community, make_divisions


@pytest.fixture
def divs(db) -> dict[str, Division]:
    out = make_divisions()
    parent = out["330102"]
    out["330102002"], _ = Division.objects.update_or_create(
        code="330102002",
        defaults={
            "name": "湖滨街道",
            "level": DivisionLevel.STREET,
            "parent": parent,
            "path": f"{parent.path}/330102002",
        },
    )
    return out


@pytest.fixture
def accounts(divs) -> dict[str, User]:
    demo_accounts_load()
    return {u.username: u for u in User.objects.select_related("division")}


@pytest.fixture
def world(divs, accounts):
    """Ten priority communities about 100 m apart (streets alternate), one 5 km away, one out of scope."""
    communities = []
    for n in range(10):
        street = divs["330102001"] if n % 2 == 0 else divs["330102002"]
        communities.append(
            make_community(
                f"SC-{n:03d}",
                f"小区{n}",
                street,
                status="priority" if n < 6 else "may_include",
                built_year=1980 + n,
                area=str(10000 + 1000 * n),
                households=100 + 40 * n,
                population=250 + 100 * n,
                lon=120.16 + 0.001 * n,
                lat=30.25,
                drainage="poor" if n % 3 == 0 else "good",
            )
        )
    far = make_community(
        "SC-FAR", "远处小区", divs["330102001"], lon=120.22, lat=30.25, households=300, population=800
    )
    out = make_community(
        "SC-OUT",
        "新城花园",
        divs["330102001"],
        status="out_of_scope",
        built_year=2010,
        lon=120.161,
        lat=30.251,
    )
    for item_id, rate in RATES.items():
        UnitRate.objects.create(division=divs["330100"], item_id=item_id, rate=Decimal(rate))
    UnitRate.objects.create(division=divs["330100"], item_id="roof_repair", rate=Decimal("220"))
    UnitRate.objects.create(division=divs["330100"], item_id="security", rate=Decimal("150000"))
    return {"communities": communities, "far": far, "out": out}


class FakeRun:
    pk = 1


@pytest.fixture
def proposals(monkeypatch, world):
    """The life-circle analysis proposes one chain of all ten communities (the unbounded chain the size limit cuts)."""
    from gaizao.lifecircle import selectors as lifecircle
    from gaizao.planning import selectors

    ids = [c.pk for c in world["communities"]]
    monkeypatch.setattr(lifecircle, "latest_run_for", lambda user, division=None: FakeRun())
    monkeypatch.setattr(
        lifecircle,
        "renovation_unit_proposals",
        lambda *, run_id: [
            {"community_ids": ids, "shared_gaps": ["nursing_home"], "common_gaps": [], "residents": 5000}
        ],
    )
    gaps = {
        pk: (["nursing_home", "fresh_market"] if k % 2 == 0 else ["nursing_home"]) for k, pk in enumerate(ids)
    }
    monkeypatch.setattr(
        selectors, "latest_gaps", lambda community_ids: {i: gaps.get(i, []) for i in community_ids}
    )
    return ids


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c
