"""The life-circle part of a community's page in the registry (:mod:`gaizao.ui.links`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.accounts.access import READER_ROLES
from gaizao.lifecircle import selectors
from gaizao.ui.i18n import tr
from gaizao.ui.links import CommunityLink, register_community_links


def life_circle_links(user: Any, community: Any) -> list[CommunityLink]:
    """The community's life-circle page: its latest result (score, gaps) or that it has not been analysed."""
    if getattr(user, "role", None) not in READER_ROLES:
        return []
    access = selectors.community_access_latest(community)
    hint = (
        f"得分 {access.score:.0f}，{access.gap_count} 个缺口 / score {access.score:.0f}, {access.gap_count} gaps"
        if access is not None and access.score is not None
        else "尚未分析 / not analysed yet"
    )
    return [
        CommunityLink(
            "生活圈",
            "Life circle",
            tr("15 分钟生活圈分析", "15-minute life-circle analysis"),
            reverse("lifecircle:community", args=[community.pk]),
            hint,
        )
    ]


def register() -> None:
    register_community_links("lifecircle.community", life_circle_links, order=10)
