from __future__ import annotations

import json
from collections import Counter

import pytest
from django.db.models import Count

from gaizao.accounts.models import User
from gaizao.divisions.models import Division
from gaizao.registry.demo import CENTRAL_BOX, CENTRAL_DISTRICTS, MARKET_AREAS, load_demo
from gaizao.registry.models import Building, Community, Facility, Owner, StockSite, Unit

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Community, Facility, StockSite, Building, Unit, Owner)}


def test_demo_load_is_idempotent_and_complete(accounts):
    # Timing belongs in `make bench`, never in a test.
    first = load_demo(lambda _: None)
    counts = _counts()
    load_demo(lambda _: None)
    assert _counts() == counts
    # The compounds that hold votes have a complete roll: recorded households and buildings match the units.
    for community in Community.objects.filter(buildings__units__isnull=False).distinct():
        units = Unit.objects.filter(building__community=community)
        assert community.households == units.count()
        assert community.building_count == community.buildings.count()
        assert not units.filter(owner__isnull=True).exists()
    assert first["communities"] == 920 == Community.objects.count()
    assert Community.objects.filter(is_sample=True).count() == 920
    assert not Community.objects.filter(scope_status="unscreened").exists()
    statuses = dict(Community.objects.values_list("scope_status").annotate(n=Count("id")))
    assert statuses["priority"] > 200 and statuses["may_include"] > 0 and statuses["out_of_scope"] > 0

    # Real facilities: OSM bus stops, not sample; generated facilities and stock sites are sample.
    assert Facility.objects.filter(category="bus_stop", source="OSM", is_sample=False).count() == 2480
    assert Facility.objects.exclude(category="bus_stop").filter(is_sample=False).count() == 0
    assert Facility.objects.exclude(category="bus_stop").values("category").distinct().count() >= 5
    assert StockSite.objects.count() > 50 and not StockSite.objects.filter(is_sample=False).exists()

    _check_placement()
    _check_vote_community()


def _check_placement() -> None:
    from shapely.geometry import Point, shape

    # 板块 → district: old names go to today's districts.
    assert Community.objects.get(name="朝晖一区").district_code == "330105"  # 下城 → 拱墅区
    assert MARKET_AREAS["江干"].district == "330102"  # 江干 → 上城区
    boundaries = {
        d.code: shape(d.boundary) for d in Division.objects.filter(level="district", boundary__isnull=False)
    }
    x0, y0, x1, y1 = CENTRAL_BOX
    for c in Community.objects.all():
        assert boundaries[c.district_code].contains(Point(c.lon, c.lat)), c.name
        assert c.division.path.split("/")[1] == c.district_code
        if c.district_code in CENTRAL_DISTRICTS:
            assert x0 <= c.lon <= x1 and y0 <= c.lat <= y1, c.name


def _check_vote_community() -> None:
    c = Community.objects.get(name="清波新村")
    assert c.division.code == "330102001051"
    units = Unit.objects.filter(building__community=c)
    assert Building.objects.filter(community=c).count() == 3
    assert units.count() == 3 * 2 * 6 * 2
    assert units.filter(developer_held=True).count() == 2
    assert units.filter(developer_held=True, owner__is_developer=True).count() == 2
    per_owner = Counter(units.filter(developer_held=False).values_list("owner_id", flat=True))
    assert sorted(per_owner.values())[-1] == 2 and list(per_owner.values()).count(2) == 1
    resident = User.objects.get(username="resident")
    assert resident.owner_profile.units.count() == 2
    assert resident.owner_profile.units.first().building.community == c
    assert all(u.owner_id for u in units)
    assert json.dumps(c.scope_reasons, ensure_ascii=False).count("杭政办函〔2022〕10号") >= 1
