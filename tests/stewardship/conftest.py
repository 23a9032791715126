"""Set-up for the stewardship tests: the delivery tests' small Hangzhou (divisions, demo accounts, contractor and
supervisor linked to their organisations, a project of 清波小区 in an approved annual plan), taken through to
handover about thirteen months ago through delivery's own services; owners on the roll of 清波小区; ballots run
through participation's own services; a property service company with its account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gaizao.accounts.models import Role, User
from gaizao.delivery import services as delivery_services
from gaizao.delivery.models import Organisation, OrganisationKind
from gaizao.registry.models import Building, Owner, Unit
from gaizao.stewardship.models import StewardMember
from tests.delivery import conftest as _delivery
from tests.delivery.conftest import SIGNATORIES, acceptance_items, code

# The delivery tests' fixtures, shared.
divs = _delivery.divs
accounts = _delivery.accounts
orgs = _delivery.orgs
community = _delivery.community
project = _delivery.project
delivery = _delivery.delivery
started = _delivery.started

HANDED_DAYS_AGO = 400


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OTP_SENDER = "gaizao.participation.otp.SilentSender"


@pytest.fixture
def owners(community):
    """Ten owners of 清波小区, 60–69 m² each."""
    building, _ = Building.objects.get_or_create(community=community, code="1", defaults={"stairwells": 1})
    out = []
    for n in range(10):
        owner = Owner.objects.create(division=community.division, name=f"业主{n}", phone=f"1390000{n:04d}")
        Unit.objects.create(
            building=building,
            stairwell="1",
            number=f"{n + 1}01",
            area_registered_m2=Decimal("60.00") + n,
            owner=owner,
        )
        out.append(owner)
    # a complete roll: the recorded households and buildings are these
    type(community).objects.filter(pk=community.pk).update(households=10, building_count=1)
    community.refresh_from_db()
    return out


@pytest.fixture
def planning_project(community, accounts):
    """清波小区's project in 谋划 through programme's services: its management plan is still to be agreed."""
    from gaizao.programme import services as programme

    project = programme.project_create(actor=accounts["shangcheng"], community_ids=[community.pk])
    return programme.project_move(actor=accounts["shangcheng"], project=project, to="planning")


@pytest.fixture
def handed_over(started, accounts):
    """清波小区's delivery taken to 移交 through delivery's services, accepted and handed over ~13 months ago."""
    officer = accounts["shangcheng"]
    delivery_services.delivery_move(actor=officer, delivery=started, to="completed")
    today = timezone.localdate()
    delivery_services.acceptance_record(
        actor=officer,
        delivery=started,
        held_on=today - dt.timedelta(days=HANDED_DAYS_AGO + 5),
        items=acceptance_items(),
        signatories=SIGNATORIES,
        conclusion="合格",
    )
    delivery_services.handover_record(
        actor=officer,
        delivery=started,
        kind="facility",
        facility="小区道路及雨污管网",
        keeper_kind="property_service",
        keeper_name="清波物业",
        property_rights_note="产权归全体业主，由物业负责日常养护",
        handed_on=today - dt.timedelta(days=HANDED_DAYS_AGO),
    )
    delivery_services.delivery_move(actor=officer, delivery=started, to="handed_over")
    started.refresh_from_db()
    return started


@pytest.fixture
def company(accounts) -> Organisation:
    return Organisation.objects.create(
        name="杭州清波物业服务有限公司",
        credit_code=code("91330102MA2C00001"),
        kind=OrganisationKind.PROPERTY_SERVICE,
        contact="张三丰",
        phone="13812345678",
    )


@pytest.fixture
def steward(company) -> User:
    user = User.objects.create_user(username="wuye", password="pw-steward-1", role=Role.PROPERTY_SERVICE)
    StewardMember.objects.create(user=user, organisation=company)
    return user
