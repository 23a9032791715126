"""The joint consultation of departments and utilities (三(二))."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.programme import rules, selectors
from gaizao.programme.models import (
    Consultation,
    ConsultationOpinion,
    ConsultationState,
    OpinionDecision,
    Plan,
    Project,
    ProjectState,
)
from gaizao.programme.services._common import _now, _require_officer
from gaizao.programme.services.machines import CONSULTATION_MACHINE


@transaction.atomic
def consultation_start(
    *, actor: Any, project: Project, departments: list[str] | None = None, now: dt.datetime | None = None
) -> Consultation:
    """Invite the departments and utilities (三(二)) to a joint consultation on the project's current plan."""
    now = _now(now)
    _require_officer(actor, project.division, Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR)
    if project.state in (ProjectState.IMPLEMENTING, ProjectState.WITHDRAWN):
        raise StateError("项目已实施或撤销。/ project: the project is implementing or withdrawn.")
    plan = Plan.objects.get(project=project)
    if plan.current_version is None:
        raise ApplicationError("请先编制改造方案。/ plan: save a renovation plan first.", field="plan")
    if project.consultations.filter(state=ConsultationState.OPEN).exists():
        raise StateError("已有进行中的联合会商。/ consultation: one is already open for this project.")
    choices = rules.consultation_departments(now.date())
    known = [c.id for c in choices]
    chosen = departments or known
    unknown = [d for d in chosen if d not in known]
    if unknown:
        raise ApplicationError(f"未知部门：{unknown}。/ departments: unknown {unknown}.", field="departments")
    consultation = Consultation.objects.create(
        project=project, plan_version=plan.current_version, started_by=actor, started_at=now
    )
    for order, dept in enumerate(d for d in known if d in chosen):
        ConsultationOpinion.objects.create(consultation=consultation, department=dept, order=order)
    audit_record(
        actor=actor, action="consultation.open", obj=consultation, changes={"departments": list(chosen)}
    )
    return consultation


def can_record_opinion(actor: Any, consultation: Consultation, department: str) -> bool:
    """Each party answers for itself: only an active account of ``department`` (a municipal or district department,
    or a utility) whose scope contains the project records that department's opinion — never the district."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    own = selectors.invited_department(actor)
    if not own or own != department:
        return False
    if actor.division_id is None:
        return False
    return bool(actor.division.contains(consultation.project.division))


def department_accounts(consultation: Consultation, department: str) -> list[Any]:
    """The active accounts that may answer for ``department`` in ``consultation`` (whom a reminder reaches)."""
    from django.db.models import Q

    from gaizao.accounts.models import User

    candidates = User.objects.filter(is_active=True).filter(
        Q(role=Role.DEPARTMENT, department=department) | Q(role=Role.UTILITY, utility_kind=department)
    )
    return [
        u
        for u in candidates.select_related("division").order_by("username")
        if can_record_opinion(u, consultation, department)
    ]


def can_remind(actor: Any, consultation: Consultation) -> bool:
    """The district officer or city coordinator over the project may remind the departments of an open one."""
    from gaizao.accounts.access import can_write

    if getattr(actor, "role", None) not in (Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR):
        return False
    if consultation.state != ConsultationState.OPEN:
        return False
    return can_write(actor, consultation.project.division)


@transaction.atomic
def consultation_record_opinion(
    *,
    actor: Any,
    consultation: Consultation,
    department: str,
    decision: str,
    conditions: str = "",
    simplified_approvals: str = "",
    now: dt.datetime | None = None,
) -> ConsultationOpinion:
    """Record one department's opinion, from that department's own account (``can_record_opinion``). There is no
    default: the decision must be chosen, and anything but 同意 states its conditions or reason."""
    now = _now(now)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.state != ConsultationState.OPEN:
        raise StateError("联合会商已结束。/ consultation: it is no longer open.", field="decision")
    opinion = consultation.opinions.filter(department=department).first()
    if opinion is None:
        raise ApplicationError(
            f"部门“{department}”未受邀。/ department: {department} is not invited.", field="department"
        )
    if not can_record_opinion(actor, consultation, department):
        raise PermissionError_("您无权代表该部门填写意见。/ You may not record this department's opinion.")
    if decision not in (OpinionDecision.AGREE, OpinionDecision.AGREE_CONDITIONS, OpinionDecision.DISAGREE):
        raise ApplicationError(
            "请选择同意、有条件同意或不同意。/ decision: choose agree, agree with conditions or disagree.",
            field="decision",
        )
    if decision != OpinionDecision.AGREE and not conditions.strip():
        raise ApplicationError(
            "有条件同意或不同意须写明条件或理由。/ conditions: state the conditions or the reason.",
            field="conditions",
        )
    before = {"decision": opinion.decision, "conditions": opinion.conditions}
    opinion.decision = decision
    opinion.conditions = conditions.strip()
    opinion.simplified_approvals = simplified_approvals.strip()
    opinion.responded_by = actor
    opinion.responded_at = now
    opinion.save()
    audit_record(
        actor=actor,
        action="consultation.opinion",
        obj=consultation,
        changes={"department": department, "decision": [before["decision"], decision]},
    )
    return opinion


@transaction.atomic
def consultation_complete(
    *, actor: Any, consultation: Consultation, summary: str = "", now: dt.datetime | None = None
) -> Consultation:
    """Close the consultation once every invited department has answered; the consolidated opinion follows."""
    now = _now(now)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    _require_officer(actor, consultation.project.division, Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR)
    pending = [o.department for o in consultation.opinions.filter(decision=OpinionDecision.PENDING)]
    if pending and consultation.state == ConsultationState.OPEN:
        names = rules.department_names(now.date())
        raise StateError(
            "尚有部门未答复："
            + "、".join(names.get(d, d) for d in pending)
            + f"。/ consultation: waiting for {pending}.",
            field="opinions",
        )
    consultation.completed_at = now
    consultation.summary = summary.strip()
    CONSULTATION_MACHINE.move(
        consultation,
        to=ConsultationState.COMPLETED,
        actor=actor,
    )
    return consultation


@transaction.atomic
def consultation_cancel(*, actor: Any, consultation: Consultation, reason: str = "") -> Consultation:
    _require_officer(actor, consultation.project.division, Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR)
    CONSULTATION_MACHINE.move(
        consultation,
        to=ConsultationState.CANCELLED,
        actor=actor,
        reason=reason,
    )
    return consultation


@transaction.atomic
def consultation_remind(
    *,
    actor: Any,
    consultation: Consultation,
    departments: list[str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Remind the departments that have not answered (all of them, or those named): each of their accounts gets a
    notice linking to the consultation. Returns how many accounts each department's reminder reached."""
    from django.urls import reverse

    from gaizao.accounts.services import notice_send

    now = _now(now)
    consultation = Consultation.objects.select_for_update().select_related("project").get(pk=consultation.pk)
    _require_officer(actor, consultation.project.division, Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR)
    if consultation.state != ConsultationState.OPEN:
        raise StateError("联合会商已结束。/ consultation: it is no longer open.", field="departments")
    pending = list(consultation.opinions.filter(decision=OpinionDecision.PENDING))
    names = rules.department_names(now.date())
    if departments:
        waiting = {o.department for o in pending}
        wrong = [d for d in departments if d not in waiting]
        if wrong:
            raise ApplicationError(
                "这些部门未受邀或已答复："
                + "、".join(names.get(d, d) for d in wrong)
                + f"。/ departments: not invited or already answered: {wrong}.",
                field="departments",
            )
        pending = [o for o in pending if o.department in departments]
    if not pending:
        raise StateError(
            "所有受邀部门都已答复。/ departments: every invited department has answered.", field="departments"
        )
    project = consultation.project
    reached: dict[str, int] = {}
    for opinion in pending:
        accounts = department_accounts(consultation, opinion.department)
        for user in accounts:
            notice_send(
                user=user,
                kind="consultation_reminder",
                text=f"请就项目“{project.name}”（{project.code}）的联合会商答复{names.get(opinion.department, '')}"
                f"意见。/ Please give your opinion in the joint consultation on {project.code}.",
                link=reverse("programme:consultation", args=[consultation.pk]),
            )
        opinion.reminded_at = now
        opinion.save(update_fields=["reminded_at"])
        reached[opinion.department] = len(accounts)
    audit_record(actor=actor, action="consultation.remind", obj=consultation, changes={"reached": reached})
    return reached
