"""Navigation grouped by the work (台账 / 分析 / 参与 / 项目 / 监督 / 公开), role-aware."""

from __future__ import annotations

import re

import pytest

from gaizao.web.navigation import GROUPS, NavItem, all_items, group_of

GROUP = re.compile(r'<div class="navgroup"(?: data-group="(\w+)")?')


def test_groups_default_by_app_and_public_pages_are_public():
    assert group_of(NavItem("registry:list", "小区台账", "Communities")) == "ledger"
    assert group_of(NavItem("lifecircle:index", "生活圈", "Life circles")) == "analysis"
    assert group_of(NavItem("participation:index", "居民参与", "Participation")) == "participation"
    assert group_of(NavItem("programme:home", "改造项目", "Projects")) == "project"
    assert group_of(NavItem("oversight:index", "监督", "Oversight")) == "supervision"
    assert (
        group_of(NavItem("participation:public_list", "表决公示", "Vote results", anonymous=True)) == "public"
    )
    assert group_of(NavItem("web:map", "区划地图", "Map")) == "ledger"
    assert group_of(NavItem("web:home", "首页", "Home")) == ""
    assert group_of(NavItem("registry:list", "x", "x", group="supervision")) == "supervision"
    with pytest.raises(ValueError, match="unknown navigation group"):
        group_of(NavItem("registry:list", "x", "x", group="misc"))


def test_every_item_of_the_apps_has_a_known_group():
    for item in all_items():
        assert group_of(item) in set(GROUPS) | {""}, item


@pytest.mark.django_db
def test_the_header_shows_groups_in_order_for_each_role(client, hangzhou):
    from gaizao.accounts.models import User

    order = list(GROUPS)
    for username in ["city", "shangcheng", "qingbomen", "water", "resident"]:
        client.force_login(User.objects.get(username=username))
        html = client.get("/").content.decode()
        shown = [g for g in GROUP.findall(html) if g]
        assert shown == sorted(shown, key=order.index), (username, shown)
        assert len(shown) == len(set(shown))
    client.logout()
    html = client.get("/public/").content.decode()
    assert [g for g in GROUP.findall(html) if g] == ["public"]
    client.force_login(User.objects.get(username="shangcheng"))
    html = client.get("/").content.decode()
    assert {"ledger", "analysis", "participation", "project", "public"} <= set(GROUP.findall(html))
