"""Subsidy settlement (补助清算): compute the municipal subsidy on the approved final accounts under the rule set of
the project's annual plan, have the city approve it, and disburse it onto the ledger (never above the rule's amount).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.errors import ApplicationError
from gaizao.money import access
from gaizao.money.models import (
    Disbursement,
    EntryKind,
    FinalAccounts,
    FinalAccountsState,
    Settlement,
    SettlementLine,
    SettlementState,
)
from gaizao.money.services._append import append_entry, lock_account
from gaizao.money.services._common import CLAUSE_SUBSIDY, ZERO, _date, _net, _require, _text, money
from gaizao.policy import PolicyInputError, split_largest_remainder
from gaizao.policy.settlement import CommunityInput, CommunitySettlement, settle_subsidy
from gaizao.programme.models import Project

SETTLEMENT_MACHINE = StateMachine(
    "money.settlement",
    SettlementState,
    {
        SettlementState.COMPUTED: frozenset({SettlementState.APPROVED}),
        SettlementState.APPROVED: frozenset({SettlementState.DISBURSED}),
    },
)


def rule_date(project: Project) -> dt.date:
    """The date whose rule set governs the subsidy: the approval of the annual plan that holds the project (RULES §6
    transitional rule); a project in no approved annual plan is settled under today's rule set."""
    approved = project.annual_plans.filter(approved_at__isnull=False).order_by("approved_at").first()
    if approved is not None and approved.approved_at is not None:
        return timezone.localtime(approved.approved_at).date()
    return timezone.localdate()


def plan_estimate(project: Project) -> Decimal:
    """The municipal subsidy expected at plan time (the current plan version; zero without a plan)."""
    from gaizao.programme.models import Plan

    plan = Plan.objects.filter(project=project).select_related("current_version").first()
    if plan is None or plan.current_version is None:
        return ZERO
    return plan.current_version.subsidy_amount


def _community_inputs(project: Project) -> list[tuple[Any, CommunityInput]]:
    out = []
    for c in project.communities.select_related("division").order_by("code"):
        if c.building_area_m2 is None:
            raise ApplicationError(
                f"小区“{c.name}”没有建筑面积。/ building_area_m2: community {c.name} has no building area.",
                field="building_area_m2",
            )
        if c.built_year is None:
            raise ApplicationError(
                f"小区“{c.name}”没有建成年份。/ built_year: community {c.name} has no year built.",
                field="built_year",
            )
        out.append(
            (
                c,
                CommunityInput(
                    key=str(c.pk),
                    district=c.district_code,
                    built_year=c.built_year,
                    affordable_housing=c.affordable_housing,
                    building_area_m2=c.building_area_m2,
                ),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class SettlementSplit:
    """A project's subsidy settled over its communities: one row and one plan-time estimate per community, in the
    order of the communities given, and their totals (yuan)."""

    rows: tuple[CommunitySettlement, ...]
    estimates: tuple[Decimal, ...]
    ruleset_id: str
    subsidy_total: Decimal
    estimate_total: Decimal


def settlement_split(
    *,
    final_accounts: Decimal,
    elevator_cost: Decimal,
    secondary_water_cost: Decimal,
    communities: Sequence[CommunityInput],
    estimate: Decimal,
    on: dt.date,
) -> SettlementSplit:
    """Settle the subsidy on the approved final accounts (``gaizao.policy.settle_subsidy`` under the rule set of
    ``on``) and split the plan-time ``estimate`` over the communities by building area (largest remainder).

    Pure (reads nothing). A policy input error comes back as an :class:`ApplicationError` naming its field.
    """
    try:
        rows = settle_subsidy(
            final_accounts=final_accounts,
            elevator_cost=elevator_cost,
            secondary_water_cost=secondary_water_cost,
            communities=communities,
            on=on,
        )
    except PolicyInputError as exc:
        raise ApplicationError(str(exc), field=exc.field) from exc
    estimates = split_largest_remainder(estimate, [c.building_area_m2 for c in communities])
    return SettlementSplit(
        rows=tuple(rows),
        estimates=tuple(estimates),
        ruleset_id=rows[0].decision.ruleset_id,
        subsidy_total=sum((r.decision.amount for r in rows), ZERO),
        estimate_total=sum(estimates, ZERO),
    )


def can_compute_settlement(user: Any, project: Project) -> bool:
    return access.can_audit(user, project)


@transaction.atomic
def settlement_compute(*, actor: Any, project: Project) -> Settlement:
    """Compute (or recompute, before approval) the subsidy settlement on the approved final accounts."""
    _require(access.can_audit(actor, project))
    fa = FinalAccounts.objects.select_for_update().filter(project=project).first()
    if fa is None or fa.state != FinalAccountsState.APPROVED or fa.audited_total is None:
        raise ApplicationError(
            f"补助清算须依据审计后核定的竣工财务决算（{CLAUSE_SUBSIDY}）。/ final_accounts: a settlement needs final "
            "accounts that are audited and approved.",
            field="final_accounts",
            code="not_audited",
        )
    existing = Settlement.objects.select_for_update().filter(project=project).first()
    if existing is not None and existing.state != SettlementState.COMPUTED:
        raise ApplicationError(
            "清算已审批，不能重算。/ settlement: already approved.", field="state", code="illegal_transition"
        )
    communities = _community_inputs(project)
    on = rule_date(project)
    split = settlement_split(
        final_accounts=fa.audited_total,
        elevator_cost=fa.audited_elevator or ZERO,
        secondary_water_cost=fa.audited_secondary_water or ZERO,
        communities=[c for _, c in communities],
        estimate=plan_estimate(project),
        on=on,
    )
    now = timezone.now()
    if existing is None:
        settlement = Settlement(project=project, final_accounts=fa)
    else:
        settlement = existing
        settlement.lines.all().delete()
    settlement.ruleset_id = split.ruleset_id
    settlement.rule_date = on
    settlement.subsidy_total = split.subsidy_total
    settlement.estimate_total = split.estimate_total
    settlement.computed_at, settlement.computed_by = now, actor
    settlement.save()
    SettlementLine.objects.bulk_create(
        [
            SettlementLine(
                settlement=settlement,
                community=community,
                building_area_m2=row.building_area_m2,
                final_accounts=row.final_accounts,
                elevator=row.elevator_cost,
                secondary_water=row.secondary_water_cost,
                base=row.decision.base,
                cap=row.decision.cap,
                share=row.decision.share,
                subsidy=row.decision.amount,
                payer=row.decision.payer,
                developer_charge=row.developer_charge,
                estimate=estimate,
                reasons=[r.to_dict() for r in row.decision.reasons],
            )
            for (community, _), row, estimate in zip(communities, split.rows, split.estimates, strict=True)
        ]
    )
    audit_record(
        actor=actor,
        action="money.settlement.computed",
        obj=settlement,
        changes={
            "subsidy_total": split.subsidy_total,
            "estimate_total": settlement.estimate_total,
            "ruleset": settlement.ruleset_id,
        },
    )
    return settlement


def can_approve(user: Any, settlement: Settlement) -> bool:
    return access.can_approve_settlement(user, settlement.project) and SETTLEMENT_MACHINE.allows(
        settlement, SettlementState.APPROVED
    )


def can_disburse(user: Any, settlement: Settlement) -> bool:
    return (
        access.can_approve_settlement(user, settlement.project)
        and settlement.state == SettlementState.APPROVED
    )


@transaction.atomic
def settlement_approve(*, actor: Any, settlement: Settlement) -> Settlement:
    """The city approves the settlement (its amount is the rule's, never edited)."""
    _require(access.can_approve_settlement(actor, settlement.project))
    s = Settlement.objects.select_for_update().get(pk=settlement.pk)
    s.approved_at, s.approved_by = timezone.now(), actor
    SETTLEMENT_MACHINE.move(
        s,
        to=SettlementState.APPROVED,
        actor=actor,
        changes={"subsidy_total": s.subsidy_total},
        update_fields=["approved_at", "approved_by"],
    )
    return s


def disbursed_total(settlement: Settlement) -> Decimal:
    return _net(settlement.disbursements.all())


@transaction.atomic
def settlement_disburse(
    *, actor: Any, settlement: Settlement, amount: Any, date: Any, document_number: str
) -> Disbursement:
    """Disburse (拨付) part or all of the approved subsidy; never above the rule's amount. Lands on the ledger."""
    project = settlement.project
    _require(access.can_approve_settlement(actor, project))
    value = money(amount, "amount")
    on = _date(date, "date")
    document_number = _text(document_number, "document_number", "凭证号")
    lock_account(project)
    s = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if s.state != SettlementState.APPROVED:
        raise ApplicationError(
            "清算须经市级审批后方可拨付。/ state: only an approved settlement can be disbursed.",
            field="state",
            code="illegal_transition",
        )
    left = s.subsidy_total - disbursed_total(s)
    if value > left:
        raise ApplicationError(
            f"拨付金额 {value} 元超过按规则核定的补助未拨余额 {left} 元（{CLAUSE_SUBSIDY}）。/ amount: {value} yuan "
            f"exceeds the {left} yuan of the rule's subsidy not yet disbursed.",
            field="amount",
            code="above_rule",
        )
    entry = append_entry(
        actor=actor,
        project=project,
        kind=EntryKind.RECEIVED,
        source="municipal_subsidy",
        amount=value,
        date=on,
        document_number=document_number,
        note="市级补助清算拨付 / subsidy disbursement",
    )
    d = Disbursement.objects.create(
        settlement=s, amount=value, date=on, document_number=document_number, entry=entry, created_by=actor
    )
    if value == left:
        SETTLEMENT_MACHINE.move(s, to=SettlementState.DISBURSED, actor=actor)
    return d
