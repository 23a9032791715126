"""Search and filters on the ballots list, page and API (issue 18 §4)."""

from __future__ import annotations

import pytest
from django.test import Client

from gaizao.participation import services
from tests.participation.conftest import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def ballots(world, accounts):
    organiser = accounts["qingbomen"]
    other = build_world(name="清河坊小区", code="T-QBM-2")
    made = {
        "door": services.ballot_create(
            actor=organiser,
            community_id=world.community.pk,
            purpose="other",
            matter=9,
            question="更换单元门禁",
        ),
        "bikes": services.ballot_create(
            actor=organiser, community_id=world.community.pk, purpose="other", matter=5, question="非机动车棚"
        ),
        "lift": services.ballot_create(
            actor=organiser,
            community_id=other.community.pk,
            purpose="elevator",
            scope_kind="stairwell",
            building_id=other.building.pk,
            stairwell="1",
            question="1单元加装电梯",
        ),
    }
    services.ballot_open(actor=organiser, ballot_id=made["bikes"].pk)
    return made, world.community, other.community


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {b["id"] for b in response.json()}


def test_api_filters_and_search(ballots, accounts):
    made, first, second = ballots
    client = Client()
    client.force_login(accounts["qingbomen"])
    url = "/api/v1/participation/ballots"
    assert _ids(client.get(url)) >= {b.pk for b in made.values()}
    assert _ids(client.get(url, {"community_id": second.pk})) == {made["lift"].pk}
    assert _ids(client.get(url, {"matter": 5})) == {made["bikes"].pk}
    assert _ids(client.get(url, {"status": "open"})) == {made["bikes"].pk}
    assert _ids(client.get(url, {"purpose": "elevator"})) == {made["lift"].pk}
    assert _ids(client.get(url, {"q": "门禁"})) == {made["door"].pk}
    assert _ids(client.get(url, {"q": "清河坊"})) == {made["lift"].pk}  # the community's name
    assert _ids(client.get(url, {"q": "单元 电梯"})) == {made["lift"].pk}  # every word must match
    assert _ids(client.get(url, {"community_id": first.pk, "status": "draft"})) == {made["door"].pk}
    refused = client.get(url, {"status": "voting"})
    assert refused.status_code == 400 and "status" in refused.json()["message"]
    assert client.get(url, {"matter": 12}).status_code == 400
    # filters never widen the scope: another district's organiser finds none of them
    xihu = Client()
    xihu.force_login(accounts["xihu"])
    assert not _ids(xihu.get(url, {"q": "电梯"})) & {b.pk for b in made.values()}


def test_page_filters_and_search(ballots, accounts):
    made, first, second = ballots
    client = Client()
    client.force_login(accounts["qingbomen"])
    page = client.get("/participation/", {"q": "门禁"}).content.decode()
    assert f'data-ballot="{made["door"].pk}"' in page and f'data-ballot="{made["lift"].pk}"' not in page
    assert 'id="ballot-filters"' in page and 'value="门禁"' in page
    page = client.get("/participation/", {"community": second.pk, "purpose": "elevator"}).content.decode()
    assert f'data-ballot="{made["lift"].pk}"' in page and f'data-ballot="{made["door"].pk}"' not in page
    page = client.get("/participation/", {"matter": "5", "status": "open"}).content.decode()
    assert f'data-ballot="{made["bikes"].pk}"' in page and f'data-ballot="{made["door"].pk}"' not in page
    page = client.get("/participation/", {"q": "没有这样的表决"}).content.decode()
    assert 'id="no-ballot-matches"' in page
    # an unknown value is named in a message and the list stays unfiltered
    response = client.get("/participation/", {"purpose": "party"})
    assert response.status_code == 200 and "purpose" in response.content.decode()
