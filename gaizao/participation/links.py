"""Participation's part of a community's page in the registry (:mod:`gaizao.ui.links`): ballots and reports."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.participation import selectors
from gaizao.ui.links import CommunityLink, register_community_links

SHOWN = 20


def ballot_links(user: Any, community: Any) -> list[CommunityLink]:
    ballots = selectors.ballots_for(user).filter(community=community).order_by("-pk")[:SHOWN]
    return [
        CommunityLink(
            "业主表决",
            "Ballots",
            b.question,
            reverse("participation:ballot", args=[b.pk]),
            b.get_status_display(),
        )
        for b in ballots
    ]


def report_links(user: Any, community: Any) -> list[CommunityLink]:
    reports = selectors.reports_for(user).filter(community=community).order_by("-pk")[:SHOWN]
    return [
        CommunityLink(
            "监督反映",
            "Supervision reports",
            r.description[:60],
            reverse("participation:report", args=[r.pk]),
            r.get_category_display(),
        )
        for r in reports
    ]


def register() -> None:
    register_community_links("participation.ballots", ballot_links, order=30)
    register_community_links("participation.reports", report_links, order=35)
