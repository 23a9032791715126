"""A community's registry page links to everything about it, each part from its own app through the link
registry (:mod:`gaizao.ui.links`), through HTTP on the demo data."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

PART = re.compile(r'<dt data-part="([^"]+)">')


@pytest.fixture
def demo(delivery_money_demos, db):
    """The demo accounts by username, on the module's registry, delivery and money demos."""
    from gaizao.accounts.models import User

    return {u.username: u for u in User.objects.select_related("division")}


def _parts(client, user, community) -> tuple[int, list[str], str]:
    client.force_login(user)
    response = client.get(f"/registry/communities/{community.pk}/")
    html = response.content.decode()
    return response.status_code, PART.findall(html), html


def _links(html: str) -> list[str]:
    section = html.split('id="related"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<dd><a href="([^"]+)"', section)


def test_the_money_demo_community_links_its_project_and_money(client, demo):
    from gaizao.money.demo import DEMO_COMMUNITY_CODE
    from gaizao.registry.models import Community

    community = Community.objects.get(code=DEMO_COMMUNITY_CODE)
    status, parts, html = _parts(client, demo["shangcheng"], community)
    assert status == 200
    assert parts == ["lifecircle.community", "programme.projects", "money.accounts"]
    links = _links(html)
    assert f"/lifecircle/communities/{community.pk}/" in links
    assert "尚未分析" in html  # no life-circle run in this demo
    from gaizao.programme.models import Project

    project = Project.objects.get(communities=community)
    assert f"/programme/projects/{project.pk}/" in links and f"/money/projects/{project.pk}/" in links
    for url in links:  # every link opens for the account that sees it
        assert client.get(url).status_code == 200, url


def test_the_works_community_links_every_part_and_each_app_scopes_its_own(client, demo):
    from gaizao.delivery.models import Delivery
    from gaizao.participation.models import SupervisionReport
    from gaizao.planning.models import PlanUnit, PlanUnitCommunity, SpecialPlan

    handed_over = Delivery.objects.get(is_sample=True, stage="handed_over")
    community = handed_over.project.communities.get()
    plan = SpecialPlan.objects.create(
        district=demo["shangcheng"].division, version=1, title="上城区改造专项规划"
    )
    unit = PlanUnit.objects.create(plan=plan, code="U1", name="清波单元", mode="comprehensive_improvement")
    PlanUnitCommunity.objects.create(plan=plan, unit=unit, community=community)
    report = SupervisionReport.objects.create(
        community=community,
        category="safety",
        description="脚手架下方未设置安全通道",
        reporter=demo["resident"],
    )
    status, parts, html = _parts(client, demo["shangcheng"], community)
    assert status == 200
    assert parts == [
        "lifecircle.community",
        "programme.projects",
        "participation.ballots",
        "participation.reports",
        "planning.plans",
        "delivery.works",
        "stewardship.community",
    ]
    links = _links(html)
    assert f"/delivery/{handed_over.pk}/" in links
    assert f"/participation/reports/{report.pk}/" in links and f"/planning/plans/{plan.pk}/" in links
    assert f"/stewardship/communities/{community.pk}/" in links
    for url in links:
        assert client.get(url).status_code == 200, url
    # the street sees the same community's parts of its own scope; the special plan is the district's
    _, street_parts, street_html = _parts(client, demo["qingbo"], community)
    assert "delivery.works" in street_parts and "programme.projects" in street_parts
    for url in _links(street_html):
        assert client.get(url).status_code == 200, url
    # 西湖区 and a contract party do not reach the page at all
    assert _parts(client, demo["xihu"], community)[0] == 404
    assert _parts(client, demo["builder"], community)[0] == 404


def test_a_key_cannot_be_claimed_twice(monkeypatch):
    from gaizao.ui import links

    monkeypatch.setattr(links, "_PROVIDERS", {k: dict(v) for k, v in links._PROVIDERS.items()})

    def mine(user, community):
        return []

    links.register_community_links("test.mine", mine)
    links.register_community_links("test.mine", mine)
    with pytest.raises(ValueError, match="already registered"):
        links.register_community_links("test.mine", lambda user, community: [])
    assert links.registered_link_keys()[:2] == ["lifecircle.community", "programme.projects"]
