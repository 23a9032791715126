"""A project's long-term management plan (四(四)), agreed with its renovation plan, and the owners' decisions it
needs in each community."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gaizao.audit.services import audit_record
from gaizao.delivery.services import parse_amount
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.policy import stewardship as rules
from gaizao.programme.models import Project
from gaizao.registry.models import Community
from gaizao.stewardship.models import Decision, ManagementMode, ManagementPlan, PlanDecision
from gaizao.stewardship.services._common import _choice, _fee, _text
from gaizao.stewardship.services.ballot_gate import _ballot, require_ballot
from gaizao.stewardship.services.permissions import can_plan


@transaction.atomic
def management_plan_save(
    *,
    actor: Any,
    project: Project,
    mode: str,
    fee_yuan_per_m2_month: Any,
    fund_balance: Any,
    fund_top_up: Any,
    adopt_management_rules: bool = True,
    adopt_residents_convention: bool = True,
    note: str = "",
    is_sample: bool = False,
) -> ManagementPlan:
    """Agree (or revise) a project's long-term management plan with its renovation plan (四(四))."""
    if not can_plan(actor, project):
        raise PermissionError_(
            "您无权制定该项目的长效管理方案。/ You may not plan this project's management."
        )
    values = {
        "mode": _choice(mode, ManagementMode, "mode", "管理模式"),
        "fee_yuan_per_m2_month": _fee(fee_yuan_per_m2_month),
        "fund_balance": parse_amount(fund_balance, "fund_balance"),
        "fund_top_up": parse_amount(fund_top_up, "fund_top_up"),
        "adopt_management_rules": bool(adopt_management_rules),
        "adopt_residents_convention": bool(adopt_residents_convention),
        "note": _text(note, "note", "说明", required=False),
        "updated_by": actor,
    }
    plan = ManagementPlan.objects.select_for_update().filter(project=project).first()
    before = None
    if plan is None:
        plan = ManagementPlan.objects.create(project=project, is_sample=is_sample, **values)
    else:
        before = {k: str(getattr(plan, k)) for k in values if k != "updated_by"}
        for key, value in values.items():
            setattr(plan, key, value)
        plan.save()
    changes = {k: [before.get(k) if before else None, str(v)] for k, v in values.items() if k != "updated_by"}
    audit_record(actor=actor, action="stewardship.plan.save", obj=plan, changes=changes)
    return plan


@transaction.atomic
def plan_decision_link(
    *, actor: Any, plan: ManagementPlan, community: Community, decision: str, ballot: Any
) -> PlanDecision:
    """Name the owners' ballot that took ``decision`` for one of the plan's communities (checked by the gate)."""
    if not can_plan(actor, plan.project):
        raise PermissionError_("您无权修改该长效管理方案。/ You may not change this management plan.")
    decision = _choice(decision, Decision, "decision", "决定事项")
    if not plan.project.communities.filter(pk=community.pk).exists():
        raise ApplicationError(
            "该小区不在本项目中。/ community: not a community of this project.", field="community"
        )
    chosen = _ballot(ballot)
    require_ballot(chosen, community=community, decision=decision)
    link, _ = PlanDecision.objects.update_or_create(
        plan=plan,
        community=community,
        decision=decision,
        defaults={"ballot": chosen, "linked_by": actor},
    )
    audit_record(
        actor=actor,
        action="stewardship.plan.decision",
        obj=plan,
        changes={"community": community.code, "decision": decision, "ballot": link.ballot_id},
    )
    return link


def required_decisions(plan: ManagementPlan) -> list[str]:
    """The owners' decisions ``plan`` needs in each of its communities."""
    out = []
    if plan.mode in rules.fee_ballot_modes():
        out.append(Decision.FEE.value)
    if plan.fund_top_up > 0:
        out.append(Decision.FUND_TOP_UP.value)
    if plan.adopt_management_rules:
        out.append(Decision.MANAGEMENT_RULES.value)
    return out
