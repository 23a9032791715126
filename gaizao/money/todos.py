"""Money's to-dos on the workbench (:mod:`gaizao.ui.todos`), registered from :class:`gaizao.money.apps.MoneyConfig`:

- final accounts awaiting me: drafts to submit (the bookkeepers), submitted accounts to audit and audited ones to
  approve (核定, the district or the city) — exactly when the buttons show (``services.can_*_final_accounts``);
- settlements awaiting me: approved final accounts without a settlement to compute (the district or the city) and
  computed settlements to approve (市财政局 and the city coordinator);
- disbursements due: approved settlements not yet paid out in full (the city).

Each answer comes from money's own scoped selectors and ``can_*`` guards.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.accounts.models import Role
from gaizao.money import access, selectors, services
from gaizao.money.models import FinalAccounts, FinalAccountsState, SettlementState
from gaizao.ui.todos import Todo, TodoItem, register_todo

ITEMS_SHOWN = 5

_FINAL_ACCOUNTS_MOVES = (
    (FinalAccountsState.DRAFT, services.can_submit_final_accounts, "待报送审计", "to submit for audit"),
    (FinalAccountsState.SUBMITTED, services.can_audit_final_accounts, "待登记审计结果", "to audit"),
    (FinalAccountsState.AUDITED, services.can_approve_final_accounts, "待核定", "to approve"),
)


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _final_accounts_for(user: Any) -> Any:
    return FinalAccounts.objects.select_related("project").filter(project__in=selectors.projects_for(user))


def final_accounts_awaiting(user: Any) -> Todo | None:
    if not _active(user) or user.role not in access.BOOKKEEPER_ROLES:
        return None
    waiting = []
    rows = (
        _final_accounts_for(user).exclude(state=FinalAccountsState.APPROVED).order_by("project__code", "pk")
    )
    for fa in rows:
        for state, allowed, zh, en in _FINAL_ACCOUNTS_MOVES:
            if fa.state == state and allowed(user, fa):
                waiting.append((fa, zh, en))
    return Todo(
        "待我处理的竣工决算与审计",
        "Final accounts and audits awaiting me",
        len(waiting),
        reverse("money:home"),
        tone="warning" if waiting else "info",
        items=tuple(
            TodoItem(fa.project.name, reverse("money:final_accounts", args=[fa.project_id]), f"{zh} / {en}")
            for fa, zh, en in waiting[:ITEMS_SHOWN]
        ),
        empty_zh="没有待报送、审计或核定的决算。",
        empty_en="No final accounts await submission, audit or approval.",
    )


def settlements_awaiting(user: Any) -> Todo | None:
    city_finance = access.is_city_finance(user) if _active(user) else False
    if not _active(user) or (
        user.role not in (Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR) and not city_finance
    ):
        return None
    waiting: list[tuple[str, str, str]] = []
    to_compute = (
        _final_accounts_for(user)
        .filter(state=FinalAccountsState.APPROVED, settlement__isnull=True)
        .order_by("project__code", "pk")
    )
    for fa in to_compute:
        if services.can_compute_settlement(user, fa.project):
            waiting.append(
                (fa.project.name, reverse("money:project", args=[fa.project_id]), "待测算补助 / to compute")
            )
    for settlement in selectors.settlements_for(user).filter(state=SettlementState.COMPUTED).order_by("pk"):
        if services.can_approve(user, settlement):
            waiting.append(
                (
                    settlement.project.name,
                    reverse("money:settlement", args=[settlement.pk]),
                    f"补助 {settlement.subsidy_total} 元待审批 / subsidy of {settlement.subsidy_total} yuan to approve",
                )
            )
    return Todo(
        "待我处理的补助清算",
        "Subsidy settlements awaiting me",
        len(waiting),
        reverse("money:home"),
        tone="warning" if waiting else "info",
        items=tuple(TodoItem(text, url, hint) for text, url, hint in waiting[:ITEMS_SHOWN]),
        empty_zh="没有待测算或待审批的补助清算。",
        empty_en="No settlement awaits computing or approval.",
    )


def disbursements_due(user: Any) -> Todo | None:
    if not _active(user) or not access.is_city_finance(user):
        return None
    due = []
    for settlement in selectors.settlements_for(user).filter(state=SettlementState.APPROVED).order_by("pk"):
        if services.can_disburse(user, settlement):
            outstanding = settlement.subsidy_total - services.disbursed_total(settlement)
            if outstanding > 0:
                due.append((settlement, outstanding))
    return Todo(
        "待拨付的补助",
        "Subsidy disbursements due",
        len(due),
        reverse("money:home"),
        tone="warning" if due else "info",
        items=tuple(
            TodoItem(
                s.project.name,
                reverse("money:settlement", args=[s.pk]),
                f"待拨付 {left} 元 / {left} yuan to disburse",
            )
            for s, left in due[:ITEMS_SHOWN]
        ),
        empty_zh="已审批的补助均已拨付。",
        empty_en="Every approved subsidy is disbursed.",
    )


def register() -> None:
    register_todo("money.final_accounts_awaiting", final_accounts_awaiting, order=70)
    register_todo("money.settlements_awaiting", settlements_awaiting, order=72)
    register_todo("money.disbursements_due", disbursements_due, order=74)
