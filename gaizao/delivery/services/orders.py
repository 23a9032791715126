"""Rectification orders (整改通知): issued on a finding, answered by the responsible party, reviewed by the
inspector, escalated to the district when overdue. Closing an order raised from a resident's report (报事) tells
the resident (:func:`_report_outcome`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.accounts.access import can_write
from gaizao.audit.services import audit_record
from gaizao.delivery import selectors
from gaizao.delivery.models import (
    Delivery,
    Finding,
    OrderState,
    Organisation,
    RectificationOrder,
    RectificationReply,
    ReplyDecision,
)
from gaizao.delivery.services._common import _now, _text, parse_date
from gaizao.delivery.services.machines import ORDER_MACHINE
from gaizao.delivery.services.permissions import inspector_level
from gaizao.delivery.uploads import check_photo
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.policy import delivery as rules


def _prepare_order(
    delivery: Delivery,
    severity: str,
    data: dict[str, Any],
    *,
    prefix: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    party = data.get("party")
    if not isinstance(party, Organisation):
        raise ApplicationError(
            "请选择整改责任单位。/ party: choose the responsible party.", field=f"{prefix}party"
        )
    if not selectors.project_parties(delivery).filter(pk=party.pk).exists():
        raise ApplicationError(
            "责任单位须为本项目的合同单位。/ party: the responsible party must hold a contract on this project.",
            field=f"{prefix}party",
        )
    today = timezone.localdate(_now(now))
    deadline = parse_date(data.get("deadline"), f"{prefix}deadline", required=False)
    if deadline is None:
        days = rules.rectification_rules(today).days.get(severity, 7)
        deadline = today + dt.timedelta(days=days)
    if deadline < today:
        raise ApplicationError(
            "整改期限不能早于今天。/ deadline must not be before today.", field=f"{prefix}deadline"
        )
    return {
        "party": party,
        "deadline": deadline,
        "requirement": _text(data.get("requirement"), f"{prefix}requirement", "整改要求", required=False),
    }


def _write_order(
    actor: Any, finding: Finding, data: dict[str, Any], *, now: dt.datetime | None
) -> RectificationOrder:
    order = RectificationOrder.objects.create(
        finding=finding,
        delivery=finding.inspection.delivery,
        party=data["party"],
        deadline=data["deadline"],
        requirement=data["requirement"],
        issued_by=actor,
        issued_at=_now(now),
    )
    audit_record(
        actor=actor,
        action="delivery.order.issue",
        obj=order,
        changes={
            "state": [None, OrderState.OPEN],
            "party": order.party.name,
            "deadline": order.deadline.isoformat(),
        },
    )
    return order


def can_issue_order(user: Any, finding: Finding) -> bool:
    return not hasattr(finding, "order") and inspector_level(user, finding.inspection.delivery) is not None


@transaction.atomic
def order_issue(
    *, actor: Any, finding: Finding, party: Organisation | None, deadline: Any = None, requirement: str = ""
) -> RectificationOrder:
    """Raise a rectification order on a finding that has none."""
    finding = (
        Finding.objects.select_for_update()
        .select_related("inspection__delivery__project__division")
        .get(pk=finding.pk)
    )
    if RectificationOrder.objects.filter(finding=finding).exists():
        raise StateError("该问题已下发整改通知。/ finding: an order was already issued.", field="finding")
    if not can_issue_order(actor, finding):
        raise PermissionError_("您无权下发整改通知。/ You may not issue rectification orders here.")
    data = _prepare_order(
        finding.inspection.delivery,
        finding.severity,
        {"party": party, "deadline": deadline, "requirement": requirement},
    )
    return _write_order(actor, finding, data, now=None)


def can_reply(user: Any, order: RectificationOrder) -> bool:
    organisation = selectors.party_organisation(user)
    return (
        organisation is not None
        and organisation.pk == order.party_id
        and ORDER_MACHINE.allows(order, OrderState.REPLIED)
    )


@transaction.atomic
def order_reply(
    *,
    actor: Any,
    order: RectificationOrder,
    body: str,
    evidence: Any = None,
    now: dt.datetime | None = None,
) -> RectificationReply:
    """The responsible party answers an order with what it did and a photo of it (``now``: when, default now)."""
    order = RectificationOrder.objects.select_for_update().get(pk=order.pk)
    organisation = selectors.party_organisation(actor)
    if organisation is None or organisation.pk != order.party_id:
        raise PermissionError_(
            "只有责任单位可以回复整改通知。/ Only the responsible party may answer this order."
        )
    ORDER_MACHINE.check(order, OrderState.REPLIED)
    text = _text(body, "body", "整改情况")
    check_photo(evidence, field="evidence", required=True)
    reply = RectificationReply(order=order, body=text, replied_by=actor, replied_at=_now(now))
    reply.evidence.save(f"reply-{order.pk}-{evidence.name}", evidence, save=False)
    reply.save()
    ORDER_MACHINE.move(order, to=OrderState.REPLIED, actor=actor, reason=text, changes={"reply": reply.pk})
    return reply


def can_review(user: Any, order: RectificationOrder) -> bool:
    return order.state == OrderState.REPLIED and inspector_level(user, order.delivery) is not None


@transaction.atomic
def order_review(
    *, actor: Any, order: RectificationOrder, accept: bool, note: str = "", now: dt.datetime | None = None
) -> RectificationOrder:
    """The inspector accepts the reply (the order is closed) or rejects it (back to the party, with a reason);
    ``now`` is when (default now)."""
    order = (
        RectificationOrder.objects.select_for_update()
        .select_related("delivery__project__division")
        .get(pk=order.pk)
    )
    if inspector_level(actor, order.delivery) is None:
        raise PermissionError_("您无权复查该整改。/ You may not review this order.")
    to = OrderState.CLOSED if accept else OrderState.OPEN
    ORDER_MACHINE.check(order, to)
    note = _text(note, "note", "复查意见", required=not accept)
    reply = order.replies.filter(decision=ReplyDecision.PENDING).order_by("-replied_at", "-id").first()
    if reply is not None:
        reply.decision = ReplyDecision.ACCEPTED if accept else ReplyDecision.REJECTED
        reply.decision_note = note
        reply.decided_by = actor
        reply.decided_at = _now(now)
        reply.save()
    if accept:
        order.closed_at = _now(now)
    ORDER_MACHINE.move(order, to=to, actor=actor, reason=note, update_fields=["closed_at"])
    finding = order.finding
    if accept and finding.report_id is not None:
        _report_outcome(actor, finding, note)
    return order


@transaction.atomic
def orders_escalate(*, today: dt.date | None = None, user: Any = None) -> int:
    """Escalate to the district every order past its deadline (plus the rule set's grace) and not closed.

    Run by the ``delivery.escalate_overdue`` job (for ``user``'s scope) or for the whole city with ``user=None``;
    returns how many orders it escalated. Each escalation is audited (actor: system).
    """
    today = today or timezone.localdate()
    grace = rules.rectification_rules(today).escalate_after_days
    due = (
        RectificationOrder.objects.select_for_update()
        .exclude(state=OrderState.CLOSED)
        .filter(escalated_at__isnull=True, deadline__lt=today - dt.timedelta(days=grace))
    )
    if user is not None:
        due = due.filter(pk__in=selectors.orders_for(user).values("pk"))
    n = 0
    for order in due:
        order.escalated_at = timezone.now()
        order.save(update_fields=["escalated_at"])
        audit_record(
            actor=None,
            action="delivery.order.escalate",
            obj=order,
            changes={"deadline": order.deadline.isoformat(), "to": "district"},
            reason="整改逾期，上报区县 / overdue; escalated to the district",
        )
        n += 1
    return n


def _report_outcome(actor: Any, finding: Finding, note: str) -> None:
    """Tell the resident the outcome: close the report through participation's own service when allowed."""
    from gaizao.participation.models import ReportStatus
    from gaizao.participation.services import report_close

    report = finding.report
    if report is None or report.status != ReportStatus.RESPONDED:
        return
    if not can_write(actor, report.community.division):
        return
    report_close(
        actor=actor, report_id=report.pk, note=f"整改已复查通过 / rectification accepted. {note}".strip()
    )
