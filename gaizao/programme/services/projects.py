"""Projects: creation from screened communities, moves between pools, and the ballots opened for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.accounts.access import require_role, require_write
from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError, StateError
from gaizao.programme import rules
from gaizao.programme.models import (
    Plan,
    PlanState,
    Project,
    ProjectBallot,
    ProjectCommunity,
    ProjectState,
)
from gaizao.programme.services._common import _now, _require_officer
from gaizao.programme.services.conditions import implementation_conditions
from gaizao.programme.services.machines import PLAN_MACHINE, PROJECT_MACHINE, PROJECT_TRANSITIONS

PROJECT_BALLOT_PURPOSES = ("renovation_consent", "plan_approval")
#: Who opens a project's ballots: the community organiser, or the district or street for it.
BALLOT_ROLES = (Role.COMMUNITY_ORGANISER, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER)


# --- projects -------------------------------------------------------------------------------------------------------


def _common_division(divisions: list[Division]) -> Division:
    paths = [d.path.split("/") for d in divisions]
    prefix: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    return Division.objects.get(path="/".join(prefix))


def _scope_refusal(community: Any, plan_year: int) -> str:
    reasons = community.scope_reasons or []
    texts = []
    for r in reasons:
        if isinstance(r, dict):
            texts.append(f"{r.get('message', '')}（{r.get('clause', '')}）")
        else:
            texts.append(str(r))
    status = community.get_scope_status_display()
    return (
        f"小区“{community.name}”按 {plan_year} 计划年度筛查为“{status.split(' / ')[0]}”，不能立项："
        f"{'；'.join(texts) or '未筛查'}。/ communities: {community.name} is {community.scope_status} for plan year "
        f"{plan_year}; a project needs a community screened as "
        f"priority or may_include ({rules.scope_clause()})."
    )


#: Who may create a project (the service, the list page's button and the new-project page ask the same question).
PROJECT_CREATOR_ROLES = (Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER, Role.CITY_COORDINATOR)


def can_create_project(actor: Any) -> bool:
    """Whether ``actor`` may create projects at all (each community is still checked against the actor's scope)."""
    return bool(getattr(actor, "is_active", False)) and getattr(actor, "role", None) in PROJECT_CREATOR_ROLES


@transaction.atomic
def project_create(
    *,
    actor: Any,
    community_ids: list[int],
    name: str = "",
    renovation_unit: str = "",
    is_sample: bool = False,
    now: dt.datetime | None = None,
) -> Project:
    """Create a project in the reserve pool from one screened community or a renovation unit of several; ``now``
    is when (default now), its year the year in the project's code."""
    from gaizao.registry.models import Community, ScopeStatus
    from gaizao.registry.services import screening_decision

    ids = sorted({int(i) for i in community_ids})
    if not ids:
        raise ApplicationError(
            "请至少选择一个小区。/ communities: choose at least one community.", field="communities"
        )
    if any(not 0 < i < 2**63 for i in ids):  # no row has such an id, and the database cannot compare it
        raise ApplicationError(
            "所选小区不存在。/ communities: an id is not a community's.", field="communities"
        )
    from gaizao.accounts.access import scoped

    communities = list(scoped(Community.objects.select_related("division"), actor).filter(pk__in=ids))
    if len(communities) != len(ids):
        from django.http import Http404

        raise Http404("小区不存在或无权查看 / community not found")
    for community in communities:
        require_role(actor, *PROJECT_CREATOR_ROLES)
        require_write(actor, community.division)
        plan_year = rules.plan_year_in_preparation()
        status, reasons, _ruleset = screening_decision(community, on=dt.date(plan_year, 1, 1))
        if status not in (ScopeStatus.PRIORITY, ScopeStatus.MAY_INCLUDE):
            community.scope_status, community.scope_reasons = status, reasons
            raise ApplicationError(
                _scope_refusal(community, plan_year), code="out_of_scope", field="communities"
            )
        busy = (
            ProjectCommunity.objects.filter(community=community, project__archived_at__isnull=True)
            .exclude(project__state=ProjectState.WITHDRAWN)
            .select_related("project")
            .first()
        )
        if busy is not None:
            raise ApplicationError(
                f"小区“{community.name}”已在项目“{busy.project.name}”中。/ communities: {community.name} is already "
                f"in project {busy.project.code}.",
                field="communities",
            )
    districts = {c.division.district.pk for c in communities if c.division.district}
    if len(districts) != 1:
        raise ApplicationError(
            "改造单元的小区必须属于同一区县。/ communities: a renovation unit must lie in one district.",
            field="communities",
        )
    division = _common_division([c.division for c in communities])
    district = division.district
    assert district is not None
    now = _now(now)
    year = timezone.localtime(now).year
    seq = Project.objects.filter(district=district).count() + 1
    code = f"GZ-{district.code}-{year}-{seq:04d}"
    while Project.objects.filter(code=code).exists():
        seq += 1
        code = f"GZ-{district.code}-{year}-{seq:04d}"
    if not name:
        name = communities[0].name + ("等" + str(len(communities)) + "个小区" if len(communities) > 1 else "")
        name += "综合改造"
    project = Project.objects.create(
        code=code,
        name=name[:200],
        division=division,
        district=district,
        renovation_unit=renovation_unit[:100],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        state=ProjectState.RESERVE,
        state_changed_at=now,
        is_sample=is_sample,
    )
    for community in communities:
        ProjectCommunity.objects.create(project=project, community=community)
    Plan.objects.create(project=project)
    audit_record(
        actor=actor,
        action="project.create",
        obj=project,
        changes={"communities": [c.code for c in communities], "state": [None, ProjectState.RESERVE]},
    )
    return project


@transaction.atomic
def project_move(
    *, actor: Any, project: Project, to: str, reason: str = "", now: dt.datetime | None = None
) -> Project:
    """Move a project between pools (储备 → 谋划 → 实施) or withdraw it; the move to 实施 checks every condition."""
    now = _now(now)
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_officer(actor, project.division, Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR)
    if to not in ProjectState.values:
        raise ApplicationError(f"未知的项目库“{to}”。/ to: unknown pool {to!r}.", field="to")
    changes: dict[str, Any] = {}
    if to == ProjectState.IMPLEMENTING and to in PROJECT_TRANSITIONS.get(project.state, frozenset()):
        missing = [c for c in implementation_conditions(project, now=now) if not c.met]
        if missing:
            error = StateError(
                "不能转入实施一批，缺少："
                + "；".join(f"{c.message_zh.rstrip('。')}（{c.clause}）" for c in missing)
                + "。/ Cannot move to implementing; missing: "
                + "; ".join(f"{c.message_en.rstrip('.')} ({c.clause})" for c in missing)
                + ".",
                code="conditions_missing",
                field="to",
            )
            error.missing = [c.to_dict() for c in missing]  # type: ignore[attr-defined]
            raise error
        plan = Plan.objects.get(project=project)
        PLAN_MACHINE.move(
            plan,
            to=PlanState.FROZEN,
            actor=actor,
            reason="项目转入实施一批 / project implementing",
        )
        met = implementation_conditions(project, now=now)
        changes["conditions"] = [c.code for c in met]
        project.conditions_at_implementing = [c.to_dict() for c in met]
    project.state_changed_at = now
    PROJECT_MACHINE.move(
        project,
        to=to,
        actor=actor,
        reason=reason,
        changes=changes,
    )
    return project


# --- ballots opened for the project ---------------------------------------------------------------------------------


@transaction.atomic
def project_ballot_create(
    *,
    actor: Any,
    project: Project,
    community_id: int,
    purpose: str,
    question: str = "",
    matter: int | None = None,
    scope_kind: str = "community",
    building_id: int | None = None,
    stairwell: str = "",
    closes_at: dt.datetime | None = None,
    is_sample: bool = False,
) -> ProjectBallot:
    """Open (as a draft) a consent or plan-approval ballot for ``project`` in one of its communities (RULES §6a).

    The ballot is created by participation (which enforces the matter and the community-wide scope); plan approval
    is for the plan's current version, which must exist. Opening the ballot checks the roll against the registry.
    """
    from gaizao.participation import services as participation

    require_role(actor, *BALLOT_ROLES)
    require_write(actor, project.division)
    if purpose not in PROJECT_BALLOT_PURPOSES:
        raise ApplicationError(
            "项目表决用于改造意愿或方案认可。/ purpose: a project ballot is renovation_consent or plan_approval.",
            field="purpose",
        )
    community = project.communities.filter(pk=community_id).first()
    if community is None:
        raise ApplicationError(
            "该小区不在本项目中。/ community_id: the community is not part of this project.",
            field="community_id",
        )
    if project.state in (ProjectState.IMPLEMENTING, ProjectState.WITHDRAWN):
        raise StateError("项目已实施或撤销。/ project: the project is implementing or withdrawn.")
    plan = Plan.objects.select_related("current_version").get(project=project)
    version = None
    if purpose == "plan_approval":
        version = plan.current_version
        if version is None:
            raise ApplicationError(
                "请先编制改造方案，方案认可表决针对现行版本。/ plan: save a plan first; plan approval is for its "
                "current version.",
                field="plan",
            )
    default_question = (
        f"是否同意对{community.name}实施老旧小区综合改造（{project.code}）？"
        if purpose == "renovation_consent"
        else f"是否认可{community.name}改造方案第{version.number}版（估算 {version.estimate} 元）？"  # type: ignore[union-attr]
    )
    ballot = participation.ballot_create(
        actor=actor,
        community_id=community.pk,
        purpose=purpose,
        question=question or default_question,
        matter=matter,
        scope_kind=scope_kind,
        building_id=building_id,
        stairwell=stairwell,
        closes_at=closes_at,
        is_sample=is_sample,
        project_ref=project.code,
    )
    link = ProjectBallot.objects.create(
        project=project, community=community, ballot=ballot, purpose=purpose, plan_version=version
    )
    audit_record(
        actor=actor,
        action="project.ballot",
        obj=project,
        changes={
            "ballot": ballot.pk,
            "community": community.code,
            "purpose": purpose,
            "plan_version": version.number if version else None,
        },
    )
    return link
