"""The public portal's progress map and the before / after page of each completed community, through HTTP without
login, on the oversight world (清波小区 completed and accepted with its six signatories, 北山小区 only started):
the map data, the list and the page with its funding summary, and no personal data anywhere."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from gaizao.delivery import services as delivery_services
from gaizao.lifecircle.models import AnalysisRun, CommunityAccess, RoadNetwork, RunStatus
from gaizao.registry.models import Building, Owner, Unit
from tests.delivery.conftest import SIGNATORIES, acceptance_items
from tests.oversight import conftest as _oversight

divs = _oversight.divs
accounts = _oversight.accounts
orgs = _oversight.orgs
community = _oversight.community
project = _oversight.project
delivery = _oversight.delivery
started = _oversight.started
world = _oversight.world
_media = _oversight._media

PERSONAL = ("李建国", "王施工", "赵监理", "钱街道", "孙居民", "周楼长", "张业主", "13900001111", "phone")


@pytest.fixture
def accepted(world, accounts, divs):
    """清波小区: acceptance recorded (1100 m of the 1200 m planned), an owner with a phone, a life-circle run before
    the works (养老院 a gap) and one after (no gap)."""
    east = world["east"]
    delivery_services.acceptance_record(
        actor=accounts["shangcheng"],
        delivery=east,
        held_on=timezone.localdate(),
        items=acceptance_items("1100"),
        signatories=SIGNATORIES,
        conclusion="合格",
    )
    qingbo = east.project.communities.get()
    owner = Owner.objects.create(division=qingbo.division, name="张业主", phone="13900001111")
    Unit.objects.create(building=Building.objects.get(community=qingbo), number="101", owner=owner)
    network = RoadNetwork.objects.create(
        name="测试路网", file_path="package:test.geojson", file_sha256="0" * 64, division=divs["330102"]
    )
    for finished, gaps, score in (
        (timezone.now() - dt.timedelta(days=30), ["nursing_home"], 55.0),
        (timezone.now(), [], 85.0),
    ):
        run = AnalysisRun.objects.create(
            network=network, division=divs["330102"], status=RunStatus.SUCCEEDED, finished_at=finished
        )
        CommunityAccess.objects.create(run=run, community=qingbo, gap_facilities=gaps, score=score)
    return {**world, "qingbo": qingbo}


def _no_personal_data(text: str) -> None:
    for word in PERSONAL:
        assert word not in text, word
    assert not re.search(r"1[3-9]\d{9}", text)


def test_map_list_and_before_after_page_without_login(accepted):
    anonymous = Client()
    qingbo = accepted["qingbo"]
    index = anonymous.get("/public/").content.decode()
    assert 'id="portal-map"' in index and 'data-src="/public/map.json"' in index
    assert f'href="/public/completed/{qingbo.pk}/"' in index  # linked from the list beside the map
    assert "<script>" not in index  # no inline script (CSP)

    data = anonymous.get("/public/map.json").json()
    districts = {d["code"]: d for d in data["districts"]}
    assert districts["330102"]["completed"] == 1 and districts["330106"]["started"] == 1
    (point,) = data["communities"]["features"]
    assert point["properties"]["url"] == f"/public/completed/{qingbo.pk}/"  # linked from the map
    assert point["geometry"]["coordinates"] == [120.16, 30.24]

    listing = anonymous.get("/public/completed/").content.decode()
    assert f'data-community="{qingbo.pk}"' in listing and "北山小区" not in listing  # only completed ones

    page = anonymous.get(f"/public/completed/{qingbo.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "清波小区 · 改造前后" in html
    assert 'id="paid">400000.00<' in html  # funding summary
    assert "雨污分流 1100 m" in html and "雨污分流 1200 m" in html  # delivered after, planned before
    closed = html[html.index('id="closed"') :]
    assert "养老院" in closed[: closed.index("</p>")]  # the gap the works closed
    for text in (index, json.dumps(data, ensure_ascii=False), listing, html):
        _no_personal_data(text)


def test_a_community_not_completed_has_no_public_page(accepted):
    west = accepted["west"].project.communities.get()
    anonymous = Client()
    assert anonymous.get(f"/public/completed/{west.pk}/").status_code == 404
    assert anonymous.get("/public/completed/999999/").status_code == 404
