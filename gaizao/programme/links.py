"""The programme's part of a community's page in the registry (:mod:`gaizao.ui.links`): its projects."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.programme import selectors
from gaizao.ui.links import CommunityLink, register_community_links

SHOWN = 20


def project_links(user: Any, community: Any) -> list[CommunityLink]:
    projects = selectors.projects_for(user).filter(communities=community).order_by("-pk")[:SHOWN]
    return [
        CommunityLink(
            "改造项目",
            "Projects",
            f"{p.code} {p.name}",
            reverse("programme:project", args=[p.pk]),
            p.get_state_display(),
        )
        for p in projects
    ]


def register() -> None:
    register_community_links("programme.projects", project_links, order=20)
