"""Stewardship's part of a community's page in the registry (:mod:`gaizao.ui.links`): its long-term management."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.stewardship import selectors
from gaizao.ui.i18n import tr
from gaizao.ui.links import CommunityLink, register_community_links


def stewardship_links(user: Any, community: Any) -> list[CommunityLink]:
    if not selectors.communities_for(user).filter(pk=community.pk).exists():
        return []
    return [
        CommunityLink(
            "长效管理",
            "Stewardship",
            tr("物业、维修资金与公约", "Property service, maintenance fund and conventions"),
            reverse("stewardship:community", args=[community.pk]),
        )
    ]


def register() -> None:
    register_community_links("stewardship.community", stewardship_links, order=70)
