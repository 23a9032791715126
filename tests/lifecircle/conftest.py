"""A tiny hand-made world: one east–west road with a branch north, communities, facilities and stock sites whose
walking distances can be worked out by hand.

Coordinates are laid out in metres from an origin O (120.15 E, 30.25 N) with geodesics (pyproj.Geod), so a
point "x m east, y m north" is exactly that far from O; the expected distances below are sums of those metres.

    road A:  O(0,0) ── (300,0) ── (600,0) ── (900,0) ── (1200,0)        (east–west)
    road B:  (600,0) ── (600,400)                                        (north)

    C1  entrance (0, 20)       population 1000   上城区 清波门社区
    C2  entrance (900, 0)      population 3000   上城区 清波门社区
    C5  entrance (1000, 0)     population  200   上城区 清波门社区
    C4  no entrance, centroid (600, 400)   500   上城区 清波门社区
    C3  entrance (1200, 0)     population  800   西湖区 (out of the 上城区 run)

    elderly_day_care  F1 (250, 0)
    bus_stop          F2 (900, -10)

    stock sites (上城区): S1 (900, 20)  S2 (600, 380)  S3 (450, 0)  S4 (750, 0)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyproj import Geod

from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import User
from gaizao.divisions.models import Division
from gaizao.lifecircle import engine
from gaizao.lifecircle.models import RoadNetwork
from gaizao.lifecircle.services import network_register
from gaizao.registry.models import Community, Facility, StockSite

ORIGIN = (120.15, 30.25)
_GEOD = Geod(ellps="WGS84")


def at(x: float, y: float = 0.0) -> list[float]:
    """lon/lat of the point ``x`` m east and ``y`` m north of O."""
    lon, lat, _ = _GEOD.fwd(ORIGIN[0], ORIGIN[1], 90.0, x) if x else (ORIGIN[0], ORIGIN[1], 0)
    if y:
        lon, lat, _ = _GEOD.fwd(lon, lat, 0.0 if y > 0 else 180.0, abs(y))
    return [lon, lat]


def tiny_geojson() -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "A"},
                "geometry": {"type": "LineString", "coordinates": [at(x) for x in (0, 300, 600, 900, 1200)]},
            },
            {
                "type": "Feature",
                "properties": {"name": "B"},
                "geometry": {"type": "LineString", "coordinates": [at(600), at(600, 400)]},
            },
        ],
    }


#: Just the divisions the demo accounts and the tiny world need (loading all 3,500 takes over a second a test).
DIVISIONS = [
    ("330100", "杭州市", "city", None),
    ("330102", "上城区", "district", "330100"),
    ("330102001", "清波街道", "street", "330102"),
    ("330102001051", "清波门社区", "community", "330102001"),
    ("330106", "西湖区", "district", "330100"),
    ("330106001", "北山街道", "street", "330106"),
]


@pytest.fixture
def divisions(db) -> dict[str, Division]:
    made: dict[str, Division] = {}
    for code, name, level, parent in DIVISIONS:
        up = made.get(parent) if parent else None
        made[code] = Division.objects.create(
            code=code, name=name, level=level, parent=up, path=f"{up.path}/{code}" if up else code
        )
    return made


@pytest.fixture
def accounts(divisions) -> dict[str, User]:
    demo_accounts_load()
    return {u.username: u for u in User.objects.select_related("division")}


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def network(accounts, data_dir: Path) -> RoadNetwork:
    path = data_dir / "tiny.geojson"
    path.write_text(json.dumps(tiny_geojson()))
    city = Division.objects.get(code="330100")
    return network_register(
        actor=accounts["city"], name="tiny / tiny", file_path="tiny.geojson", division=city, is_default=True
    )


@pytest.fixture
def world(network, accounts) -> dict:
    qingbomen = Division.objects.get(code="330102001051")
    xihu_street = Division.objects.get(code="330106001")

    def community(
        code: str, spot: list[float], population: int, division: Division, entrance: bool = True
    ) -> Community:
        return Community.objects.create(
            code=code,
            name=f"小区{code}",
            division=division,
            lon=spot[0],
            lat=spot[1],
            population=population,
            entrances=[spot] if entrance else [],
        )

    c = {
        "C1": community("C1", at(0, 20), 1000, qingbomen),
        "C2": community("C2", at(900), 3000, qingbomen),
        "C5": community("C5", at(1000), 200, qingbomen),
        "C4": community("C4", at(600, 400), 500, qingbomen, entrance=False),
        "C3": community("C3", at(1200), 800, xihu_street),
    }
    f1 = Facility.objects.create(
        code="F1",
        category="elderly_day_care",
        name="日间照料中心",
        division=qingbomen,
        lon=at(250)[0],
        lat=at(250)[1],
    )
    f2 = Facility.objects.create(
        code="F2",
        category="bus_stop",
        name="公交站",
        division=qingbomen,
        lon=at(900, -10)[0],
        lat=at(900, -10)[1],
    )
    sites = {}
    for code, spot in {"S1": at(900, 20), "S2": at(600, 380), "S3": at(450), "S4": at(750)}.items():
        sites[code] = StockSite.objects.create(
            code=code,
            kind="idle_building",
            name=f"存量{code}",
            division=qingbomen,
            area_m2=200,
            lon=spot[0],
            lat=spot[1],
        )
    return {
        "communities": c,
        "facilities": {"F1": f1, "F2": f2},
        "sites": sites,
        "network": network,
        "accounts": accounts,
    }


@pytest.fixture(autouse=True)
def _fresh_network_cache():
    engine.clear_network_cache()
    yield
    engine.clear_network_cache()


@pytest.fixture
def run(world, django_capture_on_commit_callbacks):
    """A finished 上城区 run started by the district officer."""
    from gaizao.lifecircle.services import analysis_run_start

    with django_capture_on_commit_callbacks(execute=True):
        started = analysis_run_start(actor=world["accounts"]["shangcheng"])
    started.refresh_from_db()
    return started


@pytest.fixture
def xihu_run(world, django_capture_on_commit_callbacks):
    from gaizao.lifecircle.services import analysis_run_start

    with django_capture_on_commit_callbacks(execute=True):
        started = analysis_run_start(actor=world["accounts"]["xihu"])
    started.refresh_from_db()
    return started
