"""The special plan's state machine: every legal move of a plan version."""

from __future__ import annotations

from gaizao.audit.transitions import StateMachine
from gaizao.planning.models import SpecialPlanState

SPECIAL_PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    SpecialPlanState.DRAFT: frozenset({SpecialPlanState.SUBMITTED}),
    SpecialPlanState.SUBMITTED: frozenset({SpecialPlanState.APPROVED, SpecialPlanState.RETURNED}),
    SpecialPlanState.RETURNED: frozenset({SpecialPlanState.SUBMITTED}),
    SpecialPlanState.APPROVED: frozenset({SpecialPlanState.SUPERSEDED}),
    SpecialPlanState.SUPERSEDED: frozenset(),
}
SPECIAL_PLAN_MACHINE = StateMachine("special_plan", SpecialPlanState, SPECIAL_PLAN_TRANSITIONS)
