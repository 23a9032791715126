"""Deadlines as to-dos (通知待办) for the responsible role, registered in the workbench's registry
(:mod:`gaizao.ui.todos`) from :class:`gaizao.oversight.apps.OversightConfig`.

- the annual plan submission (四(三): by 31 October of the year before, from the rule set's calendar) — district
  officers whose plan for next year is not submitted yet, within :data:`SUBMISSION_LEAD_DAYS`;
- milestones whose planned end falls within :data:`MILESTONE_LEAD_DAYS` and are not done — officers of the project;
- rectification orders still open whose deadline is within :data:`RECTIFICATION_LEAD_DAYS` (or passed);
- publications (公示) ending within :data:`PUBLICATION_LEAD_DAYS` — officers who follow the comments;
- the city coordinator: districts without targets for the current year.

Each answer comes from the owning app's scoped selectors; :func:`deadlines_for` gives the same list to a sender.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from django.urls import reverse
from django.utils import timezone

from gaizao.accounts.models import Role
from gaizao.delivery import selectors as delivery_selectors
from gaizao.delivery.models import OrderState
from gaizao.oversight import selectors
from gaizao.policy import get_ruleset
from gaizao.programme import selectors as programme_selectors
from gaizao.programme.models import AnnualPlanState, PublicationState
from gaizao.ui.todos import Todo, TodoItem, register_todo

SUBMISSION_LEAD_DAYS = 60
MILESTONE_LEAD_DAYS = 14
RECTIFICATION_LEAD_DAYS = 7
PUBLICATION_LEAD_DAYS = 3
ITEMS_SHOWN = 5
OFFICERS = frozenset({Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER})


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def submission_deadline(today: dt.date) -> tuple[dt.date, int]:
    """The next annual-plan submission day on or after ``today`` and the plan year it is for."""
    cal = get_ruleset(today).calendar
    day = dt.date(today.year, cal.submission_month, cal.submission_day)
    if day < today:
        day = dt.date(today.year + 1, cal.submission_month, cal.submission_day)
    return day, day.year + cal.years_before_plan_year


def plan_submission(user: Any) -> Todo | None:
    if not _active(user) or user.role != Role.DISTRICT_OFFICER:
        return None
    today = timezone.localdate()
    day, plan_year = submission_deadline(today)
    due = (day - today).days <= SUBMISSION_LEAD_DAYS
    submitted = (
        programme_selectors.annual_plans_for(user)
        .filter(plan_year=plan_year)
        .exclude(state=AnnualPlanState.DRAFT)
        .exists()
    )
    count = int(due and not submitted)
    return Todo(
        f"年度计划报送（{day.month}月{day.day}日前）",
        f"Annual plan submission (by {day.isoformat()})",
        count,
        reverse("programme:home"),
        tone="warning" if count else "info",
        items=(
            TodoItem(
                f"{plan_year} 年度改造计划", reverse("programme:home"), f"{(day - today).days} 天后截止"
            ),
        )
        if count
        else (),
        empty_zh="年度计划已报送或尚未到报送期。",
        empty_en="The annual plan is submitted or not yet due.",
    )


def milestones_due(user: Any) -> Todo | None:
    if not _active(user) or user.role not in OFFICERS:
        return None
    today = timezone.localdate()
    from gaizao.delivery.models import Milestone

    due = Milestone.objects.filter(
        delivery__in=delivery_selectors.deliveries_for(user),
        actual_end__isnull=True,
        planned_end__lte=today + dt.timedelta(days=MILESTONE_LEAD_DAYS),
    )
    # counted by the database, and only the rows shown read (the city has thousands of milestones due)
    count = due.count()
    rows = list(
        due.select_related(None)
        .select_related("delivery__project")
        .only("id", "name", "planned_end", "delivery_id", "delivery__id", "delivery__project__name")
        .order_by("planned_end", "pk")[:ITEMS_SHOWN]
        if count
        else []
    )
    # the earliest comes first: any is late when it is
    late = bool(rows) and rows[0].planned_end < today
    return Todo(
        "临近或逾期的工程节点",
        "Milestones due or late",
        count,
        reverse("delivery:home"),
        tone="danger" if late else ("warning" if rows else "info"),
        items=tuple(
            TodoItem(
                f"{m.delivery.project.name} · {m.name}",
                reverse("delivery:detail", args=[m.delivery_id]),
                m.planned_end.isoformat(),
            )
            for m in rows[:ITEMS_SHOWN]
        ),
        empty_zh="近期没有到期的工程节点。",
        empty_en="No milestone is due soon.",
    )


def rectification_deadlines(user: Any) -> Todo | None:
    if not _active(user) or user.role not in OFFICERS:
        return None
    today = timezone.localdate()
    # counted by the database, and only the rows shown read (the city has hundreds of open orders)
    open_orders = (
        delivery_selectors.orders_for(user)
        .exclude(state=OrderState.CLOSED)
        .filter(deadline__lte=today + dt.timedelta(days=RECTIFICATION_LEAD_DAYS))
    )
    count = open_orders.count()
    rows = list(
        open_orders.select_related(None)
        .select_related("delivery__project", "finding")
        .only(
            "id",
            "deadline",
            "delivery_id",
            "delivery__id",
            "delivery__project__name",
            "finding__id",
            "finding__description",
        )
        .order_by("deadline", "pk")[:ITEMS_SHOWN]
        if count
        else []
    )
    # the earliest deadline comes first: any has passed when it has
    overdue = bool(rows) and rows[0].deadline < today
    return Todo(
        "整改期限临近或已逾期",
        "Rectification deadlines due or passed",
        count,
        reverse("delivery:home"),
        tone="danger" if overdue else ("warning" if rows else "info"),
        items=tuple(
            TodoItem(
                f"{o.delivery.project.name} · {o.finding.description[:30]}",
                reverse("delivery:detail", args=[o.delivery_id]),
                o.deadline.isoformat(),
            )
            for o in rows[:ITEMS_SHOWN]
        ),
        empty_zh="没有临近期限的整改。",
        empty_en="No rectification deadline is near.",
    )


def publications_ending(user: Any) -> Todo | None:
    if not _active(user) or user.role not in OFFICERS:
        return None
    now = timezone.now()
    rows = list(
        programme_selectors.publications_for(user)
        .filter(
            state=PublicationState.OPEN,
            ends_at__gte=now,
            ends_at__lte=now + dt.timedelta(days=PUBLICATION_LEAD_DAYS),
        )
        .order_by("ends_at", "pk")
    )
    return Todo(
        "即将结束的公示",
        "Publications ending soon",
        len(rows),
        reverse("programme:home"),
        tone="warning" if rows else "info",
        items=tuple(
            TodoItem(
                p.project.name, reverse("programme:home"), timezone.localtime(p.ends_at).date().isoformat()
            )
            for p in rows[:ITEMS_SHOWN]
        ),
        empty_zh="近期没有结束的公示。",
        empty_en="No publication ends soon.",
    )


def targets_missing(user: Any) -> Todo | None:
    if not _active(user) or user.role != Role.CITY_COORDINATOR:
        return None
    year = timezone.localdate().year
    have = selectors.targets_for(user, year)
    missing = [d for d in selectors.districts_for(user) if d.pk not in have]
    url = reverse("oversight:targets") + f"?year={year}"
    return Todo(
        f"尚未设定 {year} 年目标的区县",
        f"Districts without {year} targets",
        len(missing),
        url,
        tone="warning" if missing else "info",
        items=tuple(TodoItem(d.name, url) for d in missing[:ITEMS_SHOWN]),
        empty_zh="各区县目标均已设定。",
        empty_en="Every district has its targets.",
    )


PROVIDERS = (
    ("oversight.plan_submission", plan_submission, 35),
    ("oversight.milestones_due", milestones_due, 41),
    ("oversight.rectification_deadlines", rectification_deadlines, 42),
    ("oversight.publications_ending", publications_ending, 43),
    ("oversight.targets_missing", targets_missing, 44),
)


def register() -> None:
    for key, provider, order in PROVIDERS:
        register_todo(key, provider, order=order)


class Sender(Protocol):
    """A pluggable channel for deadline reminders (SMS, 浙政钉, e-mail): ``send(user, todos)``."""

    def send(self, user: Any, todos: list[Todo]) -> None: ...


def deadlines_for(user: Any) -> list[Todo]:
    """The oversight to-dos of ``user`` that have something to do (what a sender would deliver)."""
    out = []
    for key, provider, _ in PROVIDERS:
        todo = provider(user)
        if todo is not None and todo.count:
            out.append(Todo(**{**todo.__dict__, "key": key}))
    return out


class LogSender:
    """The default sender: one log line per reminded user (a real channel — SMS, 浙政钉 — is configured by
    ``settings.OVERSIGHT_REMINDER_SENDER``, a dotted path to a class with ``send(user, todos)``)."""

    def send(self, user: Any, todos: list[Todo]) -> None:
        import logging

        logging.getLogger("gaizao.oversight.reminders").info(
            "%s: %s", user.username, "; ".join(f"{t.label_zh} {t.count}" for t in todos)
        )


def configured_sender() -> Sender:
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "OVERSIGHT_REMINDER_SENDER", "") or "gaizao.oversight.todos.LogSender"
    sender: Sender = import_string(path)()
    return sender


def remind(users: Any, sender: Sender | None = None) -> int:
    """Send each user's pending deadlines through ``sender`` (default the configured one); returns how many users
    were reminded."""
    sender = sender or configured_sender()
    n = 0
    for user in users:
        todos = deadlines_for(user)
        if todos:
            sender.send(user, todos)
            n += 1
    return n
