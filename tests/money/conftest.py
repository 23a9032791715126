"""A small Hangzhou for the money tests: divisions, the demo accounts, communities with households, projects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import User
from gaizao.money import services
from gaizao.programme import services as programme_services
from gaizao.registry.models import Building, Owner, Unit
from tests.programme.conftest import make_community, make_divisions

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def divs(db):
    return make_divisions()


@pytest.fixture
def accounts(divs) -> dict[str, User]:
    demo_accounts_load()
    return {u.username: u for u in User.objects.select_related("division")}


def add_households(community, areas: list[str]) -> list[Unit]:
    building, _ = Building.objects.get_or_create(community=community, code="1")
    units = []
    for i, area in enumerate(areas, start=1):
        owner = Owner.objects.create(division=community.division, name=f"王{i}明", phone=f"1380000{i:04d}")
        units.append(
            Unit.objects.create(
                building=building,
                stairwell="1",
                number=f"{i:02d}01",
                area_registered_m2=Decimal(area),
                owner=owner,
            )
        )
    return units


@pytest.fixture
def communities(divs):
    qingbo = make_community("SC-001", "清波小区", divs["330102001051"], area="20000")
    laodong = make_community("SC-002", "劳动路小区", divs["330102001"], area="10000", built_year=1998)
    yanan = make_community("SC-004", "延安新村", divs["330102001"], area="5000", built_year=1990)
    xihu = make_community("XH-001", "北山小区", divs["330106002"], area="8000")
    add_households(qingbo, ["60.50", "75.25", "88.00", "102.10", "55.55"])
    return {"qingbo": qingbo, "laodong": laodong, "yanan": yanan, "xihu": xihu}


@pytest.fixture
def project(accounts, communities):
    return programme_services.project_create(
        actor=accounts["shangcheng"], community_ids=[communities["qingbo"].pk]
    )


@pytest.fixture
def unit_project(accounts, communities):
    """A renovation unit of two communities (split by building area 10000 : 5000)."""
    return programme_services.project_create(
        actor=accounts["shangcheng"], community_ids=[communities["laodong"].pk, communities["yanan"].pk]
    )


@pytest.fixture
def xihu_project(accounts, communities):
    return programme_services.project_create(actor=accounts["xihu"], community_ids=[communities["xihu"].pk])


def record(actor, project, kind, source, amount, doc="DOC-1", **kw):
    return services.entry_record(
        actor=actor,
        project=project,
        kind=kind,
        source=source,
        amount=amount,
        date=kw.pop("date", TODAY),
        document_number=doc,
        **kw,
    )


@pytest.fixture
def funded(accounts, project):
    """Budget and receipts from three sources on ``project``."""
    officer = accounts["shangcheng"]
    for source, budget, received in [
        ("district_funds", "3000000.00", "2000000.00"),
        ("central_provincial", "1000000.00", "1000000.00"),
        ("utilities", "500000.00", "300000.00"),
    ]:
        record(officer, project, "budget", source, budget, doc=f"B-{source}")
        record(officer, project, "received", source, received, doc=f"R-{source}")
    return project


def approved_final_accounts(actor, project, *, lines, adjustments=()):
    fa = services.final_accounts_start(actor=actor, project=project, prepared_by_org="清波街道")
    for heading, description, amount, exclusion in lines:
        services.final_accounts_line_add(
            actor=actor,
            final_accounts=fa,
            heading=heading,
            description=description,
            amount=amount,
            exclusion=exclusion,
        )
    services.final_accounts_submit(actor=actor, final_accounts=fa)
    services.final_accounts_audit(
        actor=actor,
        final_accounts=fa,
        auditor="杭州某会计师事务所",
        report_number="审-2026-01",
        adjustments=list(adjustments),
    )
    return services.final_accounts_approve(actor=actor, final_accounts=fa)


def make_contract(project, *, number="HT-2026-001", amount="1000000.00", kind="construction"):
    from gaizao.delivery.models import Contract, Organisation

    party, _ = Organisation.objects.get_or_create(
        credit_code="91330100MA2XXXXX1A", defaults={"name": "杭州某建设有限公司", "kind": "contractor"}
    )
    return Contract.objects.create(
        project=project,
        kind=kind,
        number=number,
        party=party,
        amount=Decimal(amount),
        signed_on=TODAY,
        starts_on=TODAY,
        ends_on=dt.date(2026, 12, 31),
    )
