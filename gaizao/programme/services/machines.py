"""The programme's state machines (STYLE.md §5): each names every legal move and audits the ones it makes."""

from __future__ import annotations

from gaizao.audit.transitions import StateMachine
from gaizao.programme.models import (
    AnnualPlanState,
    ConsultationState,
    PlanState,
    ProjectState,
    PublicationState,
)

PROJECT_TRANSITIONS: dict[str, frozenset[str]] = {
    ProjectState.RESERVE: frozenset({ProjectState.PLANNING, ProjectState.WITHDRAWN}),
    ProjectState.PLANNING: frozenset(
        {ProjectState.RESERVE, ProjectState.IMPLEMENTING, ProjectState.WITHDRAWN}
    ),
    ProjectState.IMPLEMENTING: frozenset(),
    ProjectState.WITHDRAWN: frozenset({ProjectState.RESERVE}),
}
PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    PlanState.DRAFT: frozenset({PlanState.FINALISED}),
    PlanState.FINALISED: frozenset({PlanState.DRAFT, PlanState.FROZEN}),
    PlanState.FROZEN: frozenset(),
}
CONSULTATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ConsultationState.OPEN: frozenset({ConsultationState.COMPLETED, ConsultationState.CANCELLED}),
    ConsultationState.COMPLETED: frozenset(),
    ConsultationState.CANCELLED: frozenset(),
}
PUBLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    PublicationState.OPEN: frozenset({PublicationState.FINISHED, PublicationState.WITHDRAWN}),
    PublicationState.FINISHED: frozenset(),
    PublicationState.WITHDRAWN: frozenset(),
}
ANNUAL_PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    AnnualPlanState.DRAFT: frozenset({AnnualPlanState.SUBMITTED}),
    AnnualPlanState.SUBMITTED: frozenset({AnnualPlanState.RETURNED, AnnualPlanState.REVIEWED}),
    AnnualPlanState.RETURNED: frozenset({AnnualPlanState.SUBMITTED}),
    AnnualPlanState.REVIEWED: frozenset({AnnualPlanState.APPROVED}),
    AnnualPlanState.APPROVED: frozenset(),
}

PROJECT_MACHINE = StateMachine("project", ProjectState, PROJECT_TRANSITIONS)
PLAN_MACHINE = StateMachine("plan", PlanState, PLAN_TRANSITIONS)
CONSULTATION_MACHINE = StateMachine("consultation", ConsultationState, CONSULTATION_TRANSITIONS)
PUBLICATION_MACHINE = StateMachine("publication", PublicationState, PUBLICATION_TRANSITIONS)
ANNUAL_PLAN_MACHINE = StateMachine("annual_plan", AnnualPlanState, ANNUAL_PLAN_TRANSITIONS)
