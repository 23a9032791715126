"""Delivery's links (:mod:`gaizao.ui.links`): the works of a community's projects on its registry page, and the works
of a project on programme's project page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.delivery import selectors
from gaizao.ui.links import CommunityLink, Link, register_community_links, register_link

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


def works_of_project(user: Any, project: Any) -> Link | None:
    """The programme project page links to the project's works page when there is one ``user`` may read."""
    delivery = selectors.delivery_of_project(user, project.pk)
    if delivery is None:
        return None
    return Link(
        "施工实施", "Works", reverse("delivery:detail", args=[delivery.pk]), hint=delivery.get_stage_display()
    )


def register() -> None:
    register_community_links("delivery.works", works_links, order=50)
    register_link("programme.project", "delivery.works", works_of_project, order=10)
