"""Districts' annual plans: compilation, submission, the three bureaus' review and the approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.accounts.access import require_role, require_write
from gaizao.accounts.models import Bureau, Role
from gaizao.audit.services import audit_record
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.programme import rules
from gaizao.programme.models import (
    AnnualPlan,
    AnnualPlanReview,
    AnnualPlanState,
    AnnualPlanVersion,
    Project,
    ProjectState,
    ReviewDecision,
)
from gaizao.programme.services._common import _now
from gaizao.programme.services.conditions import implementation_conditions
from gaizao.programme.services.machines import ANNUAL_PLAN_MACHINE, ANNUAL_PLAN_TRANSITIONS

#: The reviewing bureau (policy id) each municipal account's bureau stands for.
BUREAU_OF_ACCOUNT = {
    Bureau.CONSTRUCTION: "city_construction_committee",
    Bureau.DEVELOPMENT_REFORM: "city_development_reform_commission",
    Bureau.PLANNING: "city_planning_natural_resources_bureau",
}


def _street_of(division: Division) -> str:
    node: Division | None = division
    while node is not None and node.level not in (DivisionLevel.STREET, DivisionLevel.DISTRICT):
        node = node.parent
    return node.name if node is not None and node.level == DivisionLevel.STREET else ""


def annual_plan_rows(annual_plan: AnnualPlan) -> list[dict[str, Any]]:
    """The official table's rows: one per project, money as decimal strings."""
    rows = []
    for project in annual_plan.projects.select_related("division", "district").order_by("code"):
        communities = list(project.communities.order_by("code"))
        version = project.plan.current_version if hasattr(project, "plan") else None
        rows.append(
            {
                "project_code": project.code,
                "district": project.district.name,
                "street": _street_of(project.division),
                "communities": "、".join(c.name for c in communities),
                "built_year": min((c.built_year for c in communities if c.built_year), default=None),
                "buildings": sum(c.building_count or 0 for c in communities),
                "households": sum(c.households or 0 for c in communities),
                "building_area_m2": str(
                    sum((c.building_area_m2 or Decimal(0) for c in communities), Decimal(0))
                ),
                "content": "、".join(i["name_zh"] for i in version.items) if version else "",
                "estimate": str(version.estimate) if version else "0.00",
                "funding": dict(version.funding) if version else {},
                "subsidy": str(version.subsidy_amount) if version else "0.00",
                "conditions": project.conditions_at_implementing
                or [c.to_dict() for c in implementation_conditions(project)],
            }
        )
    return rows


#: The years an annual plan may be compiled for (a plan year outside them is a typing error).
PLAN_YEARS = (2000, 2100)


@transaction.atomic
def annual_plan_compile(
    *, actor: Any, district: Division, plan_year: int, is_sample: bool = False
) -> AnnualPlan:
    """Compile (or recompile while draft or returned) a district's plan from its 实施 projects."""
    require_role(actor, Role.DISTRICT_OFFICER)
    require_write(actor, district)
    if district.level != DivisionLevel.DISTRICT:
        raise ApplicationError("年度计划按区县编制。/ district: choose a district.", field="district")
    if not PLAN_YEARS[0] <= plan_year <= PLAN_YEARS[1]:
        raise ApplicationError(
            f"计划年度应在 {PLAN_YEARS[0]}–{PLAN_YEARS[1]} 年之间。/ plan_year: a year from {PLAN_YEARS[0]} to "
            f"{PLAN_YEARS[1]}.",
            field="plan_year",
        )
    plan, created = AnnualPlan.objects.select_for_update().get_or_create(
        district=district, plan_year=plan_year, defaults={"is_sample": is_sample}
    )
    if plan.state not in (AnnualPlanState.DRAFT, AnnualPlanState.RETURNED):
        raise StateError(
            "计划已报送或已批准，不能重新编制。/ annual plan: submitted or approved; it cannot be "
            "recompiled now."
        )
    projects = Project.objects.filter(
        district=district, state=ProjectState.IMPLEMENTING, archived_at__isnull=True
    ).exclude(annual_plans__state=AnnualPlanState.APPROVED, annual_plans__plan_year__lt=plan_year)
    plan.projects.set(projects)
    plan.deadline = rules.submission_deadline(plan_year)
    plan.save()
    audit_record(
        actor=actor,
        action="annual_plan.compile" if not created else "annual_plan.create",
        obj=plan,
        changes={"projects": [p.code for p in projects]},
    )
    return plan


@transaction.atomic
def annual_plan_submit(*, actor: Any, annual_plan: AnnualPlan, now: dt.datetime | None = None) -> AnnualPlan:
    """Submit to 市建委. A submission after the deadline (31 October) is accepted and flagged late."""
    now = _now(now)
    plan = AnnualPlan.objects.select_for_update().get(pk=annual_plan.pk)
    require_role(actor, Role.DISTRICT_OFFICER)
    require_write(actor, plan.district)
    if AnnualPlanState.SUBMITTED in ANNUAL_PLAN_TRANSITIONS[plan.state] and not plan.projects.exists():
        raise ApplicationError("计划中没有项目。/ projects: the plan has no projects.", field="projects")
    day = timezone.localtime(now).date()
    late = rules.is_late(plan.plan_year, day)
    plan.version += 1
    plan.submitted_at = now
    plan.first_submitted_at = plan.first_submitted_at or now
    if plan.version == 1:
        plan.is_late = late  # the deadline applies to the district's submission; resubmissions keep that flag
    plan.deadline = rules.submission_deadline(plan.plan_year)
    ANNUAL_PLAN_MACHINE.move(
        plan,
        to=AnnualPlanState.SUBMITTED,
        actor=actor,
        changes={"version": plan.version, "late": late},
        reason=f"逾期报送（截止 {plan.deadline}）/ late (deadline {plan.deadline})" if late else "",
    )
    AnnualPlanVersion.objects.create(
        annual_plan=plan,
        number=plan.version,
        kind=AnnualPlanVersion.Kind.SUBMISSION,
        rows=annual_plan_rows(plan),
        is_late=late,
        created_at=now,
        created_by=actor,
    )
    return plan


@transaction.atomic
def annual_plan_review(
    *, actor: Any, annual_plan: AnnualPlan, decision: str, comments: str = "", now: dt.datetime | None = None
) -> AnnualPlanReview:
    """One bureau's review (市建委, 市发改委, 市规划和自然资源局). Any return sends the plan back to the district."""
    now = _now(now)
    plan = AnnualPlan.objects.select_for_update().get(pk=annual_plan.pk)
    require_role(actor, Role.CITY_COORDINATOR, Role.MUNICIPAL_REVIEWER)
    account_bureau: Any = getattr(actor, "bureau", "")
    bureau = BUREAU_OF_ACCOUNT.get(account_bureau)
    if bureau is None:
        raise PermissionError_("您所在部门不参与年度计划联审。/ Your bureau does not review annual plans.")
    if plan.state != AnnualPlanState.SUBMITTED:
        raise StateError("计划不在审查中。/ annual plan: it is not under review.", field="decision")
    if plan.reviews.filter(version=plan.version, bureau=bureau).exists():
        raise StateError(
            "本部门已审查该版本。/ decision: your bureau already reviewed this version.", field="decision"
        )
    if decision not in ReviewDecision.values:
        raise ApplicationError("请选择通过或退回。/ decision: pass or return.", field="decision")
    if decision == ReviewDecision.RETURN and not comments.strip():
        raise ApplicationError(
            "退回须写明意见。/ comments: state why the plan is returned.", field="comments"
        )
    review = AnnualPlanReview.objects.create(
        annual_plan=plan,
        version=plan.version,
        bureau=bureau,
        decision=decision,
        comments=comments.strip(),
        reviewer=actor,
        reviewed_at=now,
    )
    audit_record(
        actor=actor,
        action="annual_plan.review",
        obj=plan,
        changes={"bureau": bureau, "decision": decision, "version": plan.version},
        reason=comments,
    )
    if decision == ReviewDecision.RETURN:
        ANNUAL_PLAN_MACHINE.move(
            plan,
            to=AnnualPlanState.RETURNED,
            actor=actor,
            reason=comments,
        )
    else:
        needed = {b.id for b in rules.reviewing_bureaus(now.date())}
        passed = set(
            plan.reviews.filter(version=plan.version, decision=ReviewDecision.PASS).values_list(
                "bureau", flat=True
            )
        )
        if needed <= passed:
            ANNUAL_PLAN_MACHINE.move(
                plan,
                to=AnnualPlanState.REVIEWED,
                actor=actor,
                reason="三部门联审通过 / all three bureaus passed",
            )
    return review


@transaction.atomic
def annual_plan_approve(
    *, actor: Any, annual_plan: AnnualPlan, note: str = "", now: dt.datetime | None = None
) -> AnnualPlan:
    """The city coordinator records the municipal government's approval; the plan is frozen as a version."""
    now = _now(now)
    plan = AnnualPlan.objects.select_for_update().get(pk=annual_plan.pk)
    require_role(actor, Role.CITY_COORDINATOR)
    plan.approved_at = now
    plan.approved_by = actor
    plan.approval_note = note.strip()
    ANNUAL_PLAN_MACHINE.move(
        plan,
        to=AnnualPlanState.APPROVED,
        actor=actor,
        reason=note,
    )
    AnnualPlanVersion.objects.create(
        annual_plan=plan,
        number=plan.version,
        kind=AnnualPlanVersion.Kind.APPROVED,
        rows=annual_plan_rows(plan),
        is_late=plan.is_late,
        created_at=now,
        created_by=actor,
    )
    return plan
