"""Who may make each move: one ``can_<move>(user, …)`` that the service, the page and the API all use."""

from __future__ import annotations

from typing import Any

from gaizao.accounts.access import can_write
from gaizao.accounts.models import Role
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import StateError
from gaizao.planning.models import OptimiserRun, SpecialPlan, SpecialPlanState
from gaizao.planning.services._common import _require, _role
from gaizao.planning.services.machines import SPECIAL_PLAN_MACHINE


def can_edit(user: Any, plan: SpecialPlan) -> bool:
    """A district officer edits its own district's draft or returned version."""
    if _role(user) != Role.DISTRICT_OFFICER:
        return False
    if not plan.is_editable:
        return False
    return can_write(user, plan.district)


def can_submit(user: Any, plan: SpecialPlan) -> bool:
    if not can_edit(user, plan):
        return False
    return SPECIAL_PLAN_MACHINE.allows(plan, SpecialPlanState.SUBMITTED)


def can_review(user: Any, plan: SpecialPlan) -> bool:
    """The coordination group (city coordinator) approves or returns a submitted version."""
    if _role(user) != Role.CITY_COORDINATOR:
        return False
    if plan.state != SpecialPlanState.SUBMITTED:
        return False
    return can_write(user, plan.district)


def can_new_version(user: Any, plan: SpecialPlan) -> bool:
    """A new version starts from the approved (or superseded) one, once no other version is being drafted."""
    if _role(user) != Role.DISTRICT_OFFICER or not can_write(user, plan.district):
        return False
    if plan.state not in (SpecialPlanState.APPROVED, SpecialPlanState.SUPERSEDED):
        return False
    return not SpecialPlan.objects.filter(
        district=plan.district,
        state__in=[SpecialPlanState.DRAFT, SpecialPlanState.SUBMITTED, SpecialPlanState.RETURNED],
    ).exists()


def can_create_plan(user: Any, district: Division) -> bool:
    """A district officer starts a version when none is being drafted or reviewed."""
    if _role(user) != Role.DISTRICT_OFFICER or not can_write(user, district):
        return False
    return not SpecialPlan.objects.filter(
        district=district,
        state__in=[SpecialPlanState.DRAFT, SpecialPlanState.SUBMITTED, SpecialPlanState.RETURNED],
    ).exists()


def can_optimise(user: Any, district: Division) -> bool:
    """A district officer for its district; the city coordinator for any district or the whole city."""
    if district.level == DivisionLevel.CITY and _role(user) != Role.CITY_COORDINATOR:
        return False
    return _role(user) in (Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR) and can_write(user, district)


def can_save_run(user: Any, run: OptimiserRun) -> bool:
    """Only the district officer saves a feasible district run, once, as its draft annual plan (annual plans are
    per district; a city-wide run informs the coordinator and is not saved)."""
    if _role(user) != Role.DISTRICT_OFFICER or not can_write(user, run.district):
        return False
    if run.annual_plan_id is not None or run.district.level != DivisionLevel.DISTRICT:
        return False
    return run.status != "infeasible" and bool(run.chosen)


def _require_editable(actor: Any, plan: SpecialPlan) -> None:
    if not plan.is_editable:
        raise StateError(
            "只有编制中或退回修改的规划可以修改。/ plan: only a draft or returned version can be changed.",
            field="plan",
        )
    _require(can_edit(actor, plan))
