"""Set-up for the oversight tests: the delivery tests' small Hangzhou (上城区 清波街道, 西湖区 北山街道, the demo
accounts), with two projects taken through delivery's own services — 清波小区 (上城) started and completed, 北山小区
(西湖) started — and money recorded through money's own services (budget, receipt, payment), all dated today."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gaizao.delivery import services as delivery_services
from gaizao.money import services as money_services
from gaizao.oversight import services
from tests.delivery import conftest as _delivery
from tests.delivery.conftest import add_contracts, make_project, record_all_approvals
from tests.programme.conftest import make_community

divs = _delivery.divs
accounts = _delivery.accounts
orgs = _delivery.orgs
community = _delivery.community
project = _delivery.project
delivery = _delivery.delivery
started = _delivery.started


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _money(actor, project, n: int, *, budget: str, paid: str, source: str = "district_funds") -> None:
    today = timezone.localdate()
    for kind, amount in (("budget", budget), ("received", budget), ("payment", paid)):
        money_services.entry_record(
            actor=actor,
            project=project,
            kind=kind,
            source=source,
            amount=amount,
            date=today,
            document_number=f"PZ-{n}-{kind}",
        )


@pytest.fixture
def world(started, accounts, orgs, divs):
    """清波小区 (上城, 320 households, 8 buildings) started and completed; 北山小区 (西湖) started; ledgers."""
    shangcheng, xihu = accounts["shangcheng"], accounts["xihu"]
    delivery_services.delivery_move(actor=shangcheng, delivery=started, to="completed")
    west = make_community("XH-001", "北山小区", divs["330106002"], lon=120.14, lat=30.26, households=200)
    west_project = make_project(divs, west, code_="P-XH-001")
    west_delivery = delivery_services.delivery_open(actor=xihu, project=west_project)
    record_all_approvals(west_delivery, xihu)
    add_contracts(west_delivery, xihu, orgs)
    delivery_services.delivery_move(actor=xihu, delivery=west_delivery, to="started")
    _money(shangcheng, started.project, 1, budget="1000000.00", paid="400000.00")
    _money(xihu, west_project, 2, budget="500000.00", paid="50000.00", source="municipal_subsidy")
    return {"east": started, "west": west_delivery, "year": timezone.localdate().year}


@pytest.fixture
def targets(world, accounts, divs):
    year = world["year"]
    city = accounts["city"]
    services.target_set(actor=city, district=divs["330102"], year=year, values={"communities_started": 1})
    services.target_set(
        actor=city,
        district=divs["330106"],
        year=year,
        values={"communities_started": 4, "communities_completed": 2},
    )
    return world
