"""Special plan versions: create (copying the last version's units), submit, approve or return; project links.

Approving a version supersedes the one approved before (``SPECIAL_PLAN_MACHINE``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max

from gaizao.accounts.access import require_role, require_write
from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import ApplicationError, StateError
from gaizao.planning import selectors
from gaizao.planning.models import PlanUnit, PlanUnitCommunity, ProjectUnitLink, SpecialPlan, SpecialPlanState
from gaizao.planning.services._common import _now, _require
from gaizao.planning.services.machines import SPECIAL_PLAN_MACHINE
from gaizao.planning.services.permissions import can_create_plan, can_edit, can_review
from gaizao.planning.services.unit_size import unit_size_problems
from gaizao.planning.services.units import special_plan_units_from_proposals


@transaction.atomic
def special_plan_create(
    *, actor: Any, district: Division, title: str = "", is_sample: bool = False
) -> SpecialPlan:
    """Start the district's next special plan version: a copy of the latest version's units, or (for the first
    version) the renovation units the latest life-circle analysis proposes, cut to the rule set's size limit."""
    require_role(actor, Role.DISTRICT_OFFICER)
    require_write(actor, district)
    if district.level != DivisionLevel.DISTRICT:
        raise ApplicationError("专项规划按区县编制。/ district: choose a district.", field="district")
    if not can_create_plan(actor, district):
        raise StateError(
            "已有正在编制或审查的版本。/ plan: a version is already being drafted or reviewed.",
            field="district",
        )
    previous = SpecialPlan.objects.filter(district=district).order_by("-version").first()
    version = (SpecialPlan.objects.filter(district=district).aggregate(n=Max("version"))["n"] or 0) + 1
    plan = SpecialPlan.objects.create(
        district=district,
        version=version,
        title=(title.strip() or f"{district.name}城镇老旧小区改造专项规划")[:200],
        based_on=previous,
        created_by=actor,
        is_sample=is_sample,
    )
    copied = 0
    if previous is not None:
        for old in previous.units.prefetch_related("memberships").order_by("code"):
            unit = PlanUnit.objects.create(
                plan=plan,
                code=old.code,
                name=old.name,
                mode=old.mode,
                positioning=old.positioning,
                indicators=dict(old.indicators),
                required_facilities=list(old.required_facilities),
                phase_year=old.phase_year,
                source=PlanUnit.Source.COPIED,
            )
            for m in old.memberships.all():
                PlanUnitCommunity.objects.create(plan=plan, unit=unit, community_id=m.community_id)
            copied += 1
    audit_record(
        actor=actor,
        action="special_plan.create",
        obj=plan,
        changes={"version": version, "state": [None, plan.state], "units_copied": copied},
    )
    if previous is None:
        special_plan_units_from_proposals(actor=actor, plan=plan)
    return plan


@transaction.atomic
def special_plan_submit(*, actor: Any, plan: SpecialPlan, now: dt.datetime | None = None) -> SpecialPlan:
    """Submit the version to the coordination group. Every unit must fit the size limit."""
    plan = SpecialPlan.objects.select_for_update().select_related("district").get(pk=plan.pk)
    _require(can_edit(actor, plan))
    units = selectors.plan_units(plan)
    if not units:
        raise ApplicationError(
            "规划还没有改造单元。/ units: the plan has no renovation units.", field="units"
        )
    for unit in units:
        problems = unit_size_problems(list(unit.communities.all()))
        if problems:
            raise ApplicationError(
                f"单元 {unit.code}：" + " ".join(problems), field="units", code="unit_too_large"
            )
    plan.submitted_at = _now(now)
    SPECIAL_PLAN_MACHINE.move(plan, to=SpecialPlanState.SUBMITTED, actor=actor, changes={"units": len(units)})
    return plan


@transaction.atomic
def special_plan_approve(
    *, actor: Any, plan: SpecialPlan, note: str = "", now: dt.datetime | None = None
) -> SpecialPlan:
    """The coordination group approves the version; the previously approved version is superseded."""
    plan = SpecialPlan.objects.select_for_update().select_related("district").get(pk=plan.pk)
    _require(can_review(actor, plan))
    for old in SpecialPlan.objects.select_for_update().filter(
        district=plan.district, state=SpecialPlanState.APPROVED
    ):
        SPECIAL_PLAN_MACHINE.move(
            old, to=SpecialPlanState.SUPERSEDED, actor=actor, reason=f"由 v{plan.version} 替代 / superseded"
        )
    plan.approved_at = _now(now)
    plan.approved_by = actor
    plan.review_note = note.strip()
    SPECIAL_PLAN_MACHINE.move(plan, to=SpecialPlanState.APPROVED, actor=actor, reason=note)
    return plan


@transaction.atomic
def special_plan_return(*, actor: Any, plan: SpecialPlan, note: str) -> SpecialPlan:
    plan = SpecialPlan.objects.select_for_update().select_related("district").get(pk=plan.pk)
    _require(can_review(actor, plan))
    if not note.strip():
        raise ApplicationError("退回须写明意见。/ note: state why the plan is returned.", field="note")
    plan.review_note = note.strip()
    SPECIAL_PLAN_MACHINE.move(plan, to=SpecialPlanState.RETURNED, actor=actor, reason=note)
    return plan


@transaction.atomic
def project_link_unit(*, actor: Any, project: Any, unit: PlanUnit) -> ProjectUnitLink:
    """Link a programme project to a unit of the district's approved special plan."""
    require_role(actor, Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR)
    require_write(actor, project.division)
    unit = PlanUnit.objects.select_related("plan").get(pk=unit.pk)
    if unit.plan.state != SpecialPlanState.APPROVED:
        raise StateError(
            "项目只能关联已批准的专项规划单元。/ unit: projects link to units of the approved plan only.",
            field="unit",
        )
    if unit.plan.district_id != project.district_id:
        raise ApplicationError("单元与项目不在同一区县。/ unit: another district's unit.", field="unit")
    link, _created = ProjectUnitLink.objects.update_or_create(
        project=project, defaults={"unit": unit, "linked_by": actor}
    )
    audit_record(
        actor=actor,
        action="special_plan.project_link",
        obj=unit.plan,
        changes={"project": project.code, "unit": unit.code},
    )
    return link
