"""Planning's part of a community's page in the registry (:mod:`gaizao.ui.links`): the special plans whose
renovation units (改造单元) include it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.planning import selectors
from gaizao.planning.models import PlanUnitCommunity
from gaizao.ui.links import CommunityLink, register_community_links

SHOWN = 20


def plan_links(user: Any, community: Any) -> list[CommunityLink]:
    memberships = (
        PlanUnitCommunity.objects.filter(community=community, plan__in=selectors.plans_for(user))
        .select_related("plan", "unit")
        .order_by("-plan_id")[:SHOWN]
    )
    return [
        CommunityLink(
            "专项规划", "Special plans", str(m.plan), reverse("planning:plan", args=[m.plan_id]), str(m.unit)
        )
        for m in memberships
    ]


def register() -> None:
    register_community_links("planning.plans", plan_links, order=40)
