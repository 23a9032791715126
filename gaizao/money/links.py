"""Money's part of a community's page in the registry (:mod:`gaizao.ui.links`): the accounts of its projects."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.money import selectors
from gaizao.ui.links import CommunityLink, register_community_links

SHOWN = 20


def money_links(user: Any, community: Any) -> list[CommunityLink]:
    projects = (
        selectors.projects_for(user)
        .filter(communities=community, money_account__isnull=False)
        .select_related("money_account")
        .order_by("-pk")[:SHOWN]
    )
    return [
        CommunityLink(
            "资金",
            "Money",
            p.name,
            reverse("money:project", args=[p.pk]),
            p.money_account.get_state_display(),
        )
        for p in projects
    ]


def register() -> None:
    register_community_links("money.accounts", money_links, order=60)
