from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import Role, User
from gaizao.divisions.models import Division
from gaizao.divisions.services import divisions_load_hangzhou
from gaizao.registry.models import Building, Community, Owner, Unit


@pytest.fixture(autouse=True)
def _silent_otp(settings, tmp_path):
    settings.OTP_SENDER = "gaizao.participation.otp.SilentSender"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def divisions(db):
    return divisions_load_hangzhou()


@pytest.fixture
def accounts(divisions) -> dict[str, User]:
    demo_accounts_load()
    return {u.username: u for u in User.objects.select_related("division")}


@dataclass
class World:
    community: Community
    building: Building
    owners: list[Owner]
    units: list[Unit]
    developer: Owner
    residents: list[User]


def build_world(
    *,
    units_per_stair: int = 6,
    stairs: int = 2,
    division_code: str = "330102001051",
    name: str = "测试小区",
    code: str = "T-QBM-1",
) -> World:
    division = Division.objects.get(code=division_code)
    community = Community.objects.create(
        code=code,
        name=name,
        division=division,
        is_sample=True,
        households=units_per_stair * stairs,
        building_count=1,
    )
    building = Building.objects.create(community=community, code="1", stairwells=stairs)
    developer = Owner.objects.create(division=division, name="开发公司", is_developer=True)
    owners, units, residents = [], [], []
    n = 0
    for s in range(1, stairs + 1):
        for u in range(1, units_per_stair + 1):
            n += 1
            last = s == stairs and u == units_per_stair
            if last:
                owner = developer
            else:
                owner = Owner.objects.create(division=division, name=f"业主{n}", phone=f"139{n:08d}")
                owners.append(owner)
            unit = Unit.objects.create(
                building=building,
                stairwell=str(s),
                number=f"{u}01",
                area_registered_m2=Decimal("50.00") + n,
                owner=owner,
                developer_held=last,
            )
            units.append(unit)
    for owner in owners:
        user = User.objects.create(
            username=f"o{owner.pk}-{code}", role=Role.RESIDENT, division=division, phone=owner.phone
        )
        owner.user = user
        owner.save(update_fields=["user"])
        residents.append(user)
    return World(community, building, owners, units, developer, residents)


@pytest.fixture
def world(accounts) -> World:
    return build_world()
