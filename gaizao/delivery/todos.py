"""Delivery's to-dos on the workbench (:mod:`gaizao.ui.todos`), registered from
:class:`gaizao.delivery.apps.DeliveryConfig`:

- stages awaiting me: deliveries an officer may move on now (开工, 在建, 完工, 竣工验收, 移交 — exactly when the
  stage buttons show, ``services.can_*``);
- overdue rectification orders: past their deadline and not closed — for a contract party those addressed to it,
  for officers those of their deliveries (``selectors.overdue_orders``); replies awaiting the inspector's review
  are listed with them;
- inspections due: works (开工 to 完工, and 停工) that the account inspects and that have had no inspection at its
  level for the rule set's ``[delivery.inspection] interval_days`` (:func:`gaizao.policy.delivery.inspection_interval`).

Each answer comes from delivery's own scoped selectors and ``can_*`` guards.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from gaizao.accounts.models import CONTRACT_PARTY_ROLES
from gaizao.delivery import selectors, services
from gaizao.delivery.models import Delivery, OrderState, Stage
from gaizao.policy.delivery import inspection_interval
from gaizao.ui.todos import Todo, TodoItem, register_todo

ITEMS_SHOWN = 5

#: The next stage a delivery can be moved to, with the guard that shows its button and the label of the move.
NEXT_MOVES: tuple[tuple[str, Any, str, str], ...] = (
    (Stage.STARTED, services.can_start, "可开工", "ready to start"),
    (Stage.CONSTRUCTION, services.can_build, "可转入在建", "ready for construction"),
    (Stage.COMPLETED, services.can_complete, "可完工", "ready to complete"),
    (Stage.ACCEPTED, services.can_accept, "可竣工验收", "ready for acceptance"),
    (Stage.HANDED_OVER, services.can_hand_over, "可移交", "ready to hand over"),
)


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _next_move(user: Any, delivery: Delivery) -> tuple[str, str] | None:
    for stage, allowed, label_zh, label_en in NEXT_MOVES:
        if stage != delivery.stage and allowed(user, delivery):
            return label_zh, label_en
    return None


def stages_awaiting(user: Any) -> Todo | None:
    """Deliveries the officer may move to their next stage now."""
    if not _active(user) or user.role not in services.OFFICER_ROLES:
        return None
    ready = []
    # every fact the can_<move> guards read comes with the deliveries (a constant number of queries)
    for delivery in services.with_stage_facts(
        selectors.deliveries_for(user)
        .exclude(stage__in=[Stage.HANDED_OVER, Stage.SUSPENDED])
        .order_by("project__code", "pk")
    ):
        move = _next_move(user, delivery)
        if move is not None:
            ready.append((delivery, move))
    return Todo(
        "待推进的项目阶段",
        "Stages awaiting my action",
        len(ready),
        reverse("delivery:home"),
        tone="warning" if ready else "info",
        items=tuple(
            TodoItem(
                f"{d.project.name} · {d.get_stage_display()}",
                reverse("delivery:detail", args=[d.pk]),
                f"{zh} / {en}",
            )
            for d, (zh, en) in ready[:ITEMS_SHOWN]
        ),
        empty_zh="没有条件已齐、待推进阶段的项目。",
        empty_en="No delivery is ready for its next stage.",
    )


def orders_overdue(user: Any) -> Todo | None:
    """Rectification orders past their deadline (the party's to answer, the officer's to chase) and replies
    waiting for the inspector's review."""
    if not _active(user) or (
        user.role not in services.OFFICER_ROLES
        and user.role not in CONTRACT_PARTY_ROLES
        and user.role not in services.INSPECTOR_LEVEL
    ):
        return None
    today = timezone.localdate()
    overdue = list(selectors.overdue_orders(user, today).order_by("deadline", "pk"))
    to_review = [
        o
        for o in selectors.orders_for(user).filter(state=OrderState.REPLIED).order_by("deadline", "pk")
        if services.can_review(user, o)
    ]
    rows = list({o.pk: o for o in overdue + to_review}.values())
    items = []
    for order in rows[:ITEMS_SHOWN]:
        if order.state == OrderState.REPLIED and services.can_review(user, order):
            hint, url = "已回复待复查 / reply to review", reverse("delivery:order_review", args=[order.pk])
        elif services.can_reply(user, order):
            hint, url = (
                f"逾期 {(today - order.deadline).days} 天，待回复 / {(today - order.deadline).days} days overdue, "
                "to answer",
                reverse("delivery:order_reply", args=[order.pk]),
            )
        else:
            hint, url = (
                f"逾期 {(today - order.deadline).days} 天 / {(today - order.deadline).days} days overdue",
                reverse("delivery:detail", args=[order.delivery_id]),
            )
        items.append(TodoItem(f"{order.delivery.project.name} · {order}（{order.party.name}）", url, hint))
    return Todo(
        "逾期整改与待复查",
        "Rectification orders overdue or to review",
        len(rows),
        reverse("delivery:home"),
        tone="danger" if overdue else ("warning" if rows else "info"),
        items=tuple(items),
        empty_zh="没有逾期的整改通知。",
        empty_en="No rectification order is overdue.",
    )


def inspections_due(user: Any) -> Todo | None:
    """Works the account inspects that have not been inspected at its level within the rule set's interval."""
    role: Any = getattr(user, "role", "")
    level = services.INSPECTOR_LEVEL.get(role)
    if not _active(user) or level is None:
        return None
    interval = inspection_interval(timezone.localdate()).days
    since = timezone.now() - dt.timedelta(days=interval)
    works = (
        selectors.deliveries_for(user)
        .filter(stage__in=services.WORKS_STAGES)
        .annotate(last=Max("inspections__inspected_at", filter=Q(inspections__level=level)))
        .filter(Q(last__isnull=True) | Q(last__lt=since))
        # the project's name and division (the inspector's scope) only: no district, implementing body
        .select_related(None)
        .select_related("project__division")
        .defer("project__division__boundary")
        .order_by("last", "project__code")
    )
    due = [d for d in works if services.can_inspect(user, d)]
    return Todo(
        "到期的施工检查",
        "Inspections due",
        len(due),
        reverse("delivery:home"),
        tone="warning" if due else "info",
        items=tuple(
            TodoItem(
                d.project.name,
                reverse("delivery:inspect", args=[d.pk]),
                f"上次 {d.last:%Y-%m-%d} / last {d.last:%Y-%m-%d}"
                if d.last
                else "尚未检查 / never inspected",
            )
            for d in due[:ITEMS_SHOWN]
        ),
        empty_zh=f"在施项目近 {interval} 天内均已检查。",
        empty_en=f"Every works site was inspected in the last {interval} days.",
    )


def register() -> None:
    register_todo("delivery.stages_awaiting", stages_awaiting, order=60)
    register_todo("delivery.orders_overdue", orders_overdue, order=62)
    register_todo("delivery.inspections_due", inspections_due, order=64)
