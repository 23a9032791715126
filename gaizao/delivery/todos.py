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

from django.db.models import Case, Max, Q, When
from django.urls import reverse
from django.utils import timezone

from gaizao.accounts.models import CONTRACT_PARTY_ROLES
from gaizao.delivery import selectors, services
from gaizao.delivery.models import OrderState, Stage
from gaizao.policy.delivery import inspection_interval
from gaizao.ui.todos import Todo, TodoItem, register_todo

ITEMS_SHOWN = 5

#: The label of the forward move from each stage (:data:`services.NEXT_STAGE`: 开工, 在建, 完工, 竣工验收, 移交).
MOVE_LABELS: dict[str, tuple[str, str]] = {
    Stage.PRELIMINARY: ("可开工", "ready to start"),
    Stage.STARTED: ("可转入在建", "ready for construction"),
    Stage.CONSTRUCTION: ("可完工", "ready to complete"),
    Stage.COMPLETED: ("可竣工验收", "ready for acceptance"),
    Stage.ACCEPTED: ("可移交", "ready to hand over"),
}


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def stages_awaiting(user: Any) -> Todo | None:
    """Deliveries the officer may move to their next stage now: counted by the database with the SQL form of the
    stage conditions (:func:`services.ready_to_move_q`), only the first rows read. An officer's readable
    deliveries are exactly those of its division, which it may write (``is_officer_for``)."""
    if not _active(user) or user.role not in services.OFFICER_ROLES:
        return None
    ready = selectors.deliveries_for(user).filter(services.ready_to_move_q())
    count = ready.count()
    first = list(
        ready.select_related(None)
        .order_by("project__code", "pk")
        .values("pk", "stage", "project__name")[:ITEMS_SHOWN]
        if count
        else []
    )
    return Todo(
        "待推进的项目阶段",
        "Stages awaiting my action",
        count,
        reverse("delivery:home"),
        tone="warning" if count else "info",
        items=tuple(
            TodoItem(
                f"{d['project__name']} · {Stage(d['stage']).label}",
                reverse("delivery:detail", args=[d["pk"]]),
                "{} / {}".format(*MOVE_LABELS[d["stage"]]),
            )
            for d in first
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
    orders = selectors.orders_for(user)
    late = Q(deadline__lt=today) & ~Q(state=OrderState.CLOSED)
    # An inspector reviews every replied order it reads (``can_review``): an officer's are those of its division,
    # a supervisor's those addressed to it, on projects it holds a contract on. So the database counts the
    # orders, overdue first, and only the rows shown are read.
    wanted = late | Q(state=OrderState.REPLIED) if user.role in services.INSPECTOR_LEVEL else late
    matching = orders.filter(wanted)
    count = matching.count()
    rows = list(
        matching.order_by(Case(When(late, then=0), default=1), "deadline", "pk")[:ITEMS_SHOWN]
        if count
        else []
    )
    overdue = bool(rows) and selectors.is_overdue(rows[0], today)
    items = []
    for order in rows:
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
        count,
        reverse("delivery:home"),
        tone="danger" if overdue else ("warning" if count else "info"),
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
    )
    # The deliveries an inspector reads are those it may inspect (``can_inspect``): an officer's are its
    # division's, a supervisor's those of the projects it holds a contract on. So the database counts them and
    # only the first rows are read.
    count = works.count()
    due = list(
        works.select_related(None)
        .order_by("last", "project__code")
        .values("pk", "project__name", "last")[:ITEMS_SHOWN]
        if count
        else []
    )
    return Todo(
        "到期的施工检查",
        "Inspections due",
        count,
        reverse("delivery:home"),
        tone="warning" if count else "info",
        items=tuple(
            TodoItem(
                d["project__name"],
                reverse("delivery:inspect", args=[d["pk"]]),
                f"上次 {d['last']:%Y-%m-%d} / last {d['last']:%Y-%m-%d}"
                if d["last"]
                else "尚未检查 / never inspected",
            )
            for d in due
        ),
        empty_zh=f"在施项目近 {interval} 天内均已检查。",
        empty_en=f"Every works site was inspected in the last {interval} days.",
    )


def register() -> None:
    register_todo("delivery.stages_awaiting", stages_awaiting, order=60)
    register_todo("delivery.orders_overdue", orders_overdue, order=62)
    register_todo("delivery.inspections_due", inspections_due, order=64)
