"""Delivery's part of a community's page in the registry (:mod:`gaizao.ui.links`): the works of its projects."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.delivery import selectors
from gaizao.ui.links import CommunityLink, register_community_links

SHOWN = 20


def works_links(user: Any, community: Any) -> list[CommunityLink]:
    deliveries = (
        selectors.deliveries_for(user)
        .filter(project__communities=community)
        .select_related("project")
        .order_by("-pk")[:SHOWN]
    )
    return [
        CommunityLink(
            "项目实施",
            "Works",
            d.project.name,
            reverse("delivery:detail", args=[d.pk]),
            d.get_stage_display(),
        )
        for d in deliveries
    ]


def register() -> None:
    register_community_links("delivery.works", works_links, order=50)
