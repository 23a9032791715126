"""The one way tests agree a project's long-term management plan (四(四)) before its move to 实施.

Programme's conditions of 实施 include stewardship's (``gaizao.programme.extensions``), so every test that takes a
project to 实施 agrees a plan first, through stewardship's services; modes and plans that need owners' decisions
run each ballot through participation's services, door to door, and link it through the ballot gate.
"""

from __future__ import annotations

from typing import Any

from gaizao.participation import services as participation
from gaizao.participation.demo import sample_scan
from gaizao.policy import stewardship as rules
from gaizao.registry.models import Owner
from gaizao.stewardship import services
from gaizao.stewardship.models import ManagementPlan


def run_ballot(
    community, owners, *, matter: int, yes: int, actor, purpose: str = "other", question: str = ""
):
    """Open, vote (``yes`` owners yes, the rest no, door to door) and close a ballot of the whole community."""
    ballot = participation.ballot_create(
        actor=actor,
        community_id=community.pk,
        purpose=purpose,
        matter=matter,
        question=question or f"第278条第{matter}项事项表决",
    )
    participation.ballot_open(actor=actor, ballot_id=ballot.pk)
    for i, owner in enumerate(owners):
        participation.vote_cast(
            actor=actor,
            ballot_id=ballot.pk,
            owner_id=owner.pk,
            choice="yes" if i < yes else "no",
            channel="door_to_door",
            witness_name="楼道长",
            scan=sample_scan(owner.pk),
        )
    return participation.ballot_close(actor=actor, ballot_id=ballot.pk)


def agree_management_plan(
    project,
    actor,
    *,
    mode: str = "community_street",
    fee: str = "0.30",
    fund_top_up: str = "0",
    adopt_management_rules: bool = False,
    ballot_actor: Any = None,
) -> ManagementPlan:
    """``actor`` (an officer of the project) agrees its management plan; each owners' decision the plan needs is
    voted by every owner on each community's roll (all yes) by ``ballot_actor`` (default ``actor``) and linked.

    The default (street or community service, no top-up, no 管理规约) needs no ballot."""
    plan = services.management_plan_save(
        actor=actor,
        project=project,
        mode=mode,
        fee_yuan_per_m2_month=fee,
        fund_balance="50000.00",
        fund_top_up=fund_top_up,
        adopt_management_rules=adopt_management_rules,
    )
    for decision in services.required_decisions(plan):
        for community in project.communities.order_by("code"):
            owners = list(
                Owner.objects.filter(units__building__community=community, units__developer_held=False)
                .distinct()
                .order_by("pk")
            )
            ballot = run_ballot(
                community,
                owners,
                matter=rules.matter_rule(decision).matter,
                yes=len(owners),
                actor=ballot_actor or actor,
            )
            services.plan_decision_link(
                actor=actor, plan=plan, community=community, decision=decision, ballot=ballot
            )
    return plan
