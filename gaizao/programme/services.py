"""Writes of the programme workflow. Each is one transaction that checks the move and writes its audit record.

State machines (STYLE.md §5): ``PROJECT_TRANSITIONS``, ``PLAN_TRANSITIONS``, ``CONSULTATION_TRANSITIONS``,
``PUBLICATION_TRANSITIONS`` and ``ANNUAL_PLAN_TRANSITIONS`` name every legal move; each is a
:class:`gaizao.audit.transitions.StateMachine` that refuses any other move and audits the ones it makes. Services take an explicit ``now`` so tests can
place them in time (default ``timezone.now()``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gaizao.accounts import throttle
from gaizao.accounts.access import require_role, require_write
from gaizao.accounts.models import Bureau, Role
from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import ApplicationError, PermissionError_, RateLimitError, StateError
from gaizao.programme import rules, selectors
from gaizao.programme.models import (
    AnnualPlan,
    AnnualPlanReview,
    AnnualPlanState,
    AnnualPlanVersion,
    Consultation,
    ConsultationOpinion,
    ConsultationState,
    OpinionDecision,
    Plan,
    PlanState,
    PlanVersion,
    Project,
    ProjectBallot,
    ProjectCommunity,
    ProjectState,
    Publication,
    PublicationComment,
    PublicationState,
    ReviewDecision,
    UnitRate,
)
from gaizao.programme.selectors import unit_rates_map

FEN = Decimal("0.01")
PROJECT_BALLOT_PURPOSES = ("renovation_consent", "plan_approval")
#: Who opens a project's ballots: the community organiser, or the district or street for it.
BALLOT_ROLES = (Role.COMMUNITY_ORGANISER, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER)

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

#: The reviewing bureau (policy id) each municipal account's bureau stands for.
BUREAU_OF_ACCOUNT = {
    Bureau.CONSTRUCTION: "city_construction_committee",
    Bureau.DEVELOPMENT_REFORM: "city_development_reform_commission",
    Bureau.PLANNING: "city_planning_natural_resources_bureau",
}


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _decimal(value: Any, field: str) -> Decimal:
    try:
        out = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(
            f"“{field}”不是有效数字。/ {field}: not a number: {value!r}.", field=field
        ) from exc
    if not out.is_finite() or out < 0:
        raise ApplicationError(f"“{field}”不能为负数。/ {field} must not be negative.", field=field)
    return out


def _require_officer(actor: Any, division: Division, *roles: str) -> None:
    require_role(actor, *(roles or (Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER, Role.CITY_COORDINATOR)))
    require_write(actor, division)


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


@transaction.atomic
def project_create(
    *,
    actor: Any,
    community_ids: list[int],
    name: str = "",
    renovation_unit: str = "",
    is_sample: bool = False,
) -> Project:
    """Create a project in the reserve pool from one screened community or a renovation unit of several."""
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
        require_role(actor, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER, Role.CITY_COORDINATOR)
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
    year = timezone.localdate().year
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
        state_changed_at=timezone.now(),
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


@dataclass(frozen=True)
class Condition:
    """One condition of the move to 实施 and whether it is met."""

    code: str
    met: bool
    message: str
    clause: str
    community: str = ""
    ballot: int | None = None
    plan_version: int | None = None
    stairwell: str = ""

    @property
    def message_zh(self) -> str:
        return self.message.split("/ ", 1)[0].strip()

    @property
    def message_en(self) -> str:
        parts = self.message.split("/ ", 1)
        return parts[-1].strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "met": self.met,
            "message": self.message,
            "clause": self.clause,
            "community": self.community,
            "ballot": self.ballot,
            "plan_version": self.plan_version,
            "stairwell": self.stairwell,
        }


def _policy_rules(on: dt.date) -> Any:
    from gaizao.policy import get_ruleset

    return get_ruleset(on)


def _vote_conditions(project: Project, current: PlanVersion | None, on: dt.date) -> list[Condition]:
    """Consent and plan approval per community: community-wide ballots opened for this project, on the rule set's
    matter or a stricter one; plan approval for a version with the current version's items, mode and estimate."""
    from gaizao.policy import matter_not_lower

    ruleset = _policy_rules(on)
    required = ruleset.vote.renovation_consent_matter.value
    scope_clause = ruleset.programme.ballot_scope_clause
    version_clause = ruleset.programme.plan_version_clause
    vote_clause = rules.vote_clause(on)
    out: list[Condition] = []
    for community in project.communities.order_by("code"):
        name = community.name
        # consent
        ballots = selectors.project_ballot_outcomes(
            project_id=project.pk, community_id=community.pk, purpose="renovation_consent"
        )
        valid = [b for b in ballots if b.closed and b.scope_kind == "community"]
        valid = [b for b in valid if matter_not_lower(matter=b.matter, required=required, ruleset=ruleset)]
        passed = next((b for b in valid if b.approved), None)
        if passed is not None:
            c = Condition(
                "vote.renovation_consent",
                True,
                f"小区“{name}”改造意愿表决（第{passed.ballot_id}号，全体业主，第278条第{passed.matter}项）已通过。/ "
                f"{name}: renovation consent ballot #{passed.ballot_id} (whole community, matter {passed.matter}) "
                "passed.",
                f"{vote_clause}；{scope_clause}",
                name,
                ballot=passed.ballot_id,
            )
        elif valid:
            c = Condition(
                "vote.renovation_consent",
                False,
                f"小区“{name}”改造意愿表决（第{valid[0].ballot_id}号）未通过。/ {name}: renovation consent ballot "
                f"#{valid[0].ballot_id} did not pass.",
                vote_clause,
                name,
                ballot=valid[0].ballot_id,
            )
        else:
            pending = next((b for b in ballots if not b.closed), None)
            c = Condition(
                "vote.renovation_consent",
                False,
                f"小区“{name}”尚无本项目的全体业主改造意愿表决结果"
                + (f"（第{pending.ballot_id}号表决{pending.status}）" if pending else "")
                + f"。/ {name}: no whole-community renovation consent result for this project yet.",
                f"{vote_clause}；{scope_clause}",
                name,
            )
        out.append(c)
        # plan approval
        ballots = selectors.project_ballot_outcomes(
            project_id=project.pk, community_id=community.pk, purpose="plan_approval"
        )
        valid = [b for b in ballots if b.closed and b.scope_kind == "community"]
        valid = [b for b in valid if matter_not_lower(matter=b.matter, required=required, ruleset=ruleset)]
        approved = [b for b in valid if b.approved]
        substance = current.substance() if current is not None else None
        versions = {
            v.pk: v
            for v in PlanVersion.objects.filter(
                pk__in=[b.plan_version_id for b in approved if b.plan_version_id]
            )
        }
        matching = next(
            (
                b
                for b in approved
                if b.plan_version_id in versions and versions[b.plan_version_id].substance() == substance
            ),
            None,
        )
        now_no = current.number if current is not None else 0
        if current is None:
            c = Condition(
                "vote.plan_approval",
                False,
                f"小区“{name}”：尚无改造方案，不能认可。/ {name}: there is no plan to approve.",
                version_clause,
                name,
            )
        elif matching is not None:
            same = matching.plan_version_number == now_no
            c = Condition(
                "vote.plan_approval",
                True,
                f"小区“{name}”方案认可表决（第{matching.ballot_id}号）已通过，认可第{matching.plan_version_number}版"
                + ("" if same else f"（现行第{now_no}版改造内容、模式和估算未变）")
                + f"。/ {name}: plan approval ballot #{matching.ballot_id} passed, approving version "
                f"{matching.plan_version_number}"
                + ("" if same else f" (current version {now_no} keeps its items, mode and estimate)")
                + ".",
                f"{vote_clause}；{version_clause}",
                name,
                ballot=matching.ballot_id,
                plan_version=matching.plan_version_number,
            )
        elif approved:
            old = approved[0]
            c = Condition(
                "vote.plan_approval",
                False,
                f"小区“{name}”方案认可表决（第{old.ballot_id}号）认可的是第{old.plan_version_number}版，现行第{now_no}版"
                f"改变了改造内容、模式或估算，须重新表决。/ {name}: plan approval ballot #{old.ballot_id} approved "
                f"version {old.plan_version_number}; current version {now_no} changes the items, mode or estimate and "
                "needs a new plan approval ballot.",
                version_clause,
                name,
                ballot=old.ballot_id,
                plan_version=old.plan_version_number,
            )
        elif valid:
            c = Condition(
                "vote.plan_approval",
                False,
                f"小区“{name}”方案认可表决（第{valid[0].ballot_id}号，第{valid[0].plan_version_number}版）未通过。/ "
                f"{name}: plan approval ballot #{valid[0].ballot_id} (version {valid[0].plan_version_number}) did "
                "not pass.",
                vote_clause,
                name,
                ballot=valid[0].ballot_id,
                plan_version=valid[0].plan_version_number,
            )
        else:
            c = Condition(
                "vote.plan_approval",
                False,
                f"小区“{name}”尚无现行第{now_no}版方案的全体业主认可表决结果。/ {name}: no whole-community plan "
                f"approval result for current version {now_no} yet.",
                f"{vote_clause}；{version_clause}",
                name,
            )
        out.append(c)
    return out


def _elevator_conditions(current: PlanVersion | None, on: dt.date) -> list[Condition]:
    """A plan with elevator retrofits needs a passed ballot of each stairwell concerned (RULES §6a)."""
    from gaizao.policy import excluded_cost_of

    if current is None:
        return []
    ruleset = _policy_rules(on)
    clause = ruleset.programme.elevator_ballot_clause
    has_elevator = any(excluded_cost_of(str(i.get("item_id")), on=on) == "elevator" for i in current.items)
    if not has_elevator:
        return []
    stairwells = list(current.elevator_stairwells or [])
    if not stairwells:
        return [
            Condition(
                "vote.elevator",
                False,
                "方案含加装电梯，但未列明所涉单元。/ The plan includes elevator retrofits but names no stairwell.",
                clause,
            )
        ]
    out = []
    for s in stairwells:
        label = f"{s.get('community', '')} {s.get('building', '')}幢{s.get('stairwell', '')}单元".strip()
        outcome = selectors.stairwell_ballot_outcome(
            building_id=int(s["building_id"]), stairwell=str(s["stairwell"])
        )
        if outcome is not None and outcome.approved:
            out.append(
                Condition(
                    "vote.elevator",
                    True,
                    f"{label}加装电梯表决（第{outcome.ballot_id}号）已通过。/ {label}: elevator ballot "
                    f"#{outcome.ballot_id} passed.",
                    clause,
                    s.get("community", ""),
                    ballot=outcome.ballot_id,
                    stairwell=label,
                )
            )
        else:
            state_zh = "未通过" if outcome is not None else "尚无表决结果"
            state_en = "did not pass" if outcome is not None else "has no result yet"
            out.append(
                Condition(
                    "vote.elevator",
                    False,
                    f"{label}加装电梯单元表决{state_zh}。/ {label}: the stairwell's elevator ballot {state_en}.",
                    clause,
                    s.get("community", ""),
                    ballot=outcome.ballot_id if outcome is not None else None,
                    stairwell=label,
                )
            )
    return out


def _funding_conditions(project: Project, current: PlanVersion | None, on: dt.date) -> list[Condition]:
    if current is None:
        return []
    problems = funding_problems_of(project, current, on=on)
    if not problems:
        return [
            Condition(
                "funding.eligible",
                True,
                "资金来源符合规则。/ Every funding source is allowed by the rules.",
                rules.funding_clause(),
            )
        ]
    return [Condition(r.code, False, f"{r.message}。/ {r.message_en}.", r.clause) for r in problems]


def funding_problems_of(project: Project, version: PlanVersion, *, on: dt.date) -> list[Any]:
    """The funding rules ``version`` breaks (policy ``Reason``s, each naming its clause)."""
    from gaizao.policy import FundingCommunity, funding_problems

    return list(
        funding_problems(
            funding={k: Decimal(v) for k, v in version.funding.items()},
            mode=version.mode,
            communities=[
                FundingCommunity(c.name, c.built_year, c.affordable_housing)
                for c in project.communities.order_by("code")
            ],
            municipal_subsidy=version.subsidy_amount,
            on=on,
        )
    )


def implementation_conditions(project: Project, *, now: dt.datetime | None = None) -> list[Condition]:
    """Every condition of moving ``project`` to 实施 (四(三), 三(二), 三(三); 民法典 第278条; RULES §6a), met or not.

    One list, the same in the page, the API (409 with ``missing``) and the Word and Excel outputs.
    """
    now = _now(now)
    on = timezone.localtime(now).date()
    plan = Plan.objects.filter(project=project).select_related("current_version").first()
    current = plan.current_version if plan is not None else None
    out: list[Condition] = _vote_conditions(project, current, on)
    out += _elevator_conditions(current, on)
    plan_ok = plan is not None and plan.state in (PlanState.FINALISED, PlanState.FROZEN)
    out.append(
        Condition(
            "plan.finalised",
            plan_ok,
            f"改造方案已定稿（第{current.number}版，资金平衡）。/ The renovation plan is finalised (version "
            f"{current.number}, funding balanced)."
            if plan_ok and current is not None
            else "改造方案尚未定稿。/ The renovation plan is not finalised.",
            rules.plan_clause(),
        )
    )
    out += _funding_conditions(project, current, on)
    version_clause = _policy_rules(on).programme.plan_version_clause
    consultation = (
        project.consultations.filter(state=ConsultationState.COMPLETED)
        .select_related("plan_version")
        .order_by("-completed_at", "-id")
        .first()
    )
    for_current = (
        project.consultations.filter(state=ConsultationState.COMPLETED, plan_version_id=current.pk)
        .order_by("-completed_at", "-id")
        .first()
        if current is not None
        else None
    )
    c_clause = rules.consultation_clause()
    if for_current is not None and for_current.agreed:
        c_ok = True
        c_msg = (
            f"联合会商已完成，审议的是现行第{current.number}版方案。/ The joint consultation is completed on current "  # type: ignore[union-attr]
            f"version {current.number}."  # type: ignore[union-attr]
        )
    elif for_current is not None:
        c_ok, c_msg = False, "联合会商有部门不同意。/ A department disagreed in the joint consultation."
    elif consultation is not None and consultation.plan_version is not None and current is not None:
        c_ok = False
        c_msg = (
            f"联合会商审议的是第{consultation.plan_version.number}版方案，现行为第{current.number}版，须就现行版本重新会商。"
            f"/ The joint consultation reviewed version {consultation.plan_version.number}; the current version is "
            f"{current.number} and needs its own consultation."
        )
        c_clause = f"{c_clause}；{version_clause}"
    else:
        c_ok, c_msg = (
            False,
            "现行方案的联合会商尚未完成。/ The joint consultation of the current plan is not completed.",
        )
    out.append(Condition("consultation.completed", c_ok, c_msg, c_clause))
    publication = (
        project.publications.exclude(state=PublicationState.WITHDRAWN)
        .filter(plan_version_id=current.pk)
        .order_by("-starts_at", "-id")
        .first()
        if current is not None
        else None
    )
    min_days = _policy_rules(on).programme.publication_min_days
    p_clause = rules.publication_clause()
    if publication is None:
        p_ok, p_msg = False, "现行方案尚未公示。/ The current plan version has not been published."
    elif publication.days < min_days.value:
        p_ok = False
        p_msg = (
            f"方案公示期 {publication.days} 天，少于规定的 {min_days.value} 天。/ The publication period of "
            f"{publication.days} days is shorter than the minimum of {min_days.value} days."
        )
        p_clause = min_days.clause
    elif not publication.is_finished(now):
        p_ok = False
        p_msg = (
            f"方案公示期至 {timezone.localtime(publication.ends_at):%Y-%m-%d %H:%M} 结束，尚未期满。/ "
            f"The publication period runs until {timezone.localtime(publication.ends_at):%Y-%m-%d %H:%M}."
        )
    else:
        p_ok = True
        p_msg = (
            f"现行第{current.number}版方案公示 {publication.days} 天已期满。/ Current version {current.number} was "  # type: ignore[union-attr]
            f"published for {publication.days} days; the period has finished."
        )
    out.append(Condition("publication.finished", p_ok, p_msg, p_clause))
    return out


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


# --- plans ----------------------------------------------------------------------------------------------------------


def subsidy_date(project: Project, *, now: dt.datetime) -> tuple[dt.date, Any]:
    """The date whose rule set the project's subsidy follows (RULES §6a transitional rule) and the reason."""
    from gaizao.policy import subsidy_commitment_date

    approved = (
        AnnualPlan.objects.filter(projects=project, state=AnnualPlanState.APPROVED, approved_at__isnull=False)
        .order_by("approved_at")
        .values_list("approved_at", flat=True)
        .first()
    )
    return subsidy_commitment_date(
        annual_plan_approved_on=timezone.localtime(approved).date() if approved else None,
        estimate_on=timezone.localtime(now).date(),
    )


def _subsidy_for(
    project: Project, *, estimate: Decimal, elevator: Decimal, water: Decimal, now: dt.datetime
) -> tuple[Decimal, dict[str, Any]]:
    """Expected municipal subsidy: the estimate stands in for the final accounts (RULES §3). For a renovation unit
    the estimate and the excluded costs are split over the communities by building area with the largest-remainder
    method (the parts add up exactly), and each community's subsidy is computed on its part."""
    from gaizao.policy import PolicyInputError, municipal_subsidy, split_largest_remainder

    on, transitional = subsidy_date(project, now=now)
    communities = list(project.communities.order_by("code"))
    areas = [c.building_area_m2 or Decimal(0) for c in communities]
    weights = areas if sum(areas, Decimal(0)) > 0 else [Decimal(1)] * len(communities)
    estimates = split_largest_remainder(estimate, weights, field="estimate")
    elevators = split_largest_remainder(elevator, weights, field="elevator_cost")
    waters = split_largest_remainder(water, weights, field="secondary_water_cost")
    parts = []
    amount = Decimal(0)
    for community, area, part, lift, pipe in zip(
        communities, areas, estimates, elevators, waters, strict=True
    ):
        try:
            decision = municipal_subsidy(
                district=project.district.code,
                built_year=community.built_year,
                affordable_housing=community.affordable_housing,
                final_accounts=part,
                elevator_cost=lift,
                secondary_water_cost=pipe,
                building_area_m2=area,
                on=on,
            )
        except PolicyInputError as exc:
            parts.append({"community": community.name, "error": str(exc), "amount": "0.00", "reasons": []})
            continue
        data = decision.to_dict()
        data["community"] = community.name
        data["estimate_part"] = str(part)
        parts.append(data)
        amount += decision.amount
    return amount.quantize(FEN, rounding=ROUND_HALF_UP), {
        "amount": str(amount),
        "on": on.isoformat(),
        "transitional": transitional.to_dict(),
        "parts": parts,
    }


def _elevator_stairwells(project: Project, raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate the stairwells an elevator retrofit concerns: buildings of the project's communities."""
    from gaizao.registry.models import Building

    out = []
    seen = set()
    for entry in raw or []:
        building = (
            Building.objects.select_related("community")
            .filter(pk=entry.get("building_id"), community__in=project.communities.all())
            .first()
        )
        stairwell = str(entry.get("stairwell", "")).strip()
        if building is None or not stairwell:
            raise ApplicationError(
                "加装电梯单元须为本项目小区的楼栋和单元号。/ elevator_stairwells: each entry needs a building of the "
                "project's communities and a stairwell.",
                field="elevator_stairwells",
            )
        key = (building.pk, stairwell)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            {
                "building_id": building.pk,
                "building": building.code,
                "stairwell": stairwell,
                "community": building.community.name,
            }
        )
    return out


@transaction.atomic
def plan_save(
    *,
    actor: Any,
    project: Project,
    mode: str,
    delivery_mode: str = "",
    items: list[dict[str, Any]],
    funding: dict[str, Any],
    note: str = "",
    elevator_stairwells: list[dict[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> PlanVersion:
    """Save the plan as a new version: price the items, check the funding sources, compute the expected subsidy."""
    from gaizao.policy import PolicyInputError, excluded_cost_of
    from gaizao.policy.catalogue import catalogue_item, comprehensive_bundle

    now = _now(now)
    plan = Plan.objects.select_for_update().get(project=project)
    _require_officer(actor, project.division)
    if plan.state != PlanState.DRAFT:
        raise StateError(
            "方案已定稿或锁定，请先退回编制再修改。/ plan: the plan is not a draft; reopen it before changing it.",
            field="plan",
        )
    if project.state in (ProjectState.IMPLEMENTING, ProjectState.WITHDRAWN):
        raise StateError("项目已实施或撤销，方案不能修改。/ plan: the project is implementing or withdrawn.")
    modes = {c.id for c in rules.renovation_modes(now.date())}
    if mode not in modes:
        raise ApplicationError(f"改造模式“{mode}”无效。/ mode: choose one of {sorted(modes)}.", field="mode")
    deliveries = {c.id for c in rules.delivery_modes(now.date())}
    if delivery_mode and delivery_mode not in deliveries:
        raise ApplicationError(
            f"建设模式“{delivery_mode}”无效。/ delivery_mode: choose one of {sorted(deliveries)}.",
            field="delivery_mode",
        )
    rows = []
    seen: set[str] = set()
    elevator = water = Decimal(0)
    rates = unit_rates_map(district=project.district)
    subsidy_on, _transitional = subsidy_date(project, now=now)  # the excluded costs of the subsidy's rule set
    for raw in items:
        item_id = str(raw.get("item_id", ""))
        try:
            item = catalogue_item(item_id)
        except PolicyInputError as exc:
            raise ApplicationError(f"改造内容“{item_id}”不在目录中。/ items: {exc}", field="items") from exc
        if item_id in seen:
            raise ApplicationError(
                f"改造内容“{item.name_zh}”重复。/ items: {item_id} listed twice.", field="items"
            )
        seen.add(item_id)
        quantity = _decimal(raw.get("quantity", 0), f"items.{item_id}.quantity")
        if raw.get("unit_rate") not in (None, ""):
            rate = _decimal(raw["unit_rate"], f"items.{item_id}.unit_rate")
        else:
            found = rates.get(item_id)
            if found is None:
                raise ApplicationError(
                    f"“{item.name_zh}”没有单价，请填写单价。/ items.{item_id}.unit_rate: no unit rate configured; "
                    "enter one.",
                    field=f"items.{item_id}.unit_rate",
                )
            rate = found.rate
        amount = (quantity * rate).quantize(FEN, rounding=ROUND_HALF_UP)
        kind = excluded_cost_of(item_id, on=subsidy_on)
        if kind == "elevator":
            elevator += amount
        elif kind == "secondary_water":
            water += amount
        rows.append(
            {
                "item_id": item_id,
                "name_zh": item.name_zh,
                "name_en": item.name_en,
                "aspect": item.aspect,
                "category": item.category,
                "bundle_key": item.bundle_key,
                "unit": item.unit,
                "quantity": str(quantity),
                "unit_rate": str(rate),
                "amount": str(amount),
                "origin": str(raw.get("origin") or "manual"),
            }
        )
    estimate = sum((Decimal(r["amount"]) for r in rows), Decimal(0)).quantize(FEN)
    sources = {c.id for c in rules.funding_sources(now.date())}
    clean_funding: dict[str, str] = {}
    for source, value in funding.items():
        if source not in sources:
            raise ApplicationError(
                f"资金来源“{source}”无效。/ funding: unknown source {source!r}.", field="funding"
            )
        amount = _decimal(value, f"funding.{source}").quantize(FEN, rounding=ROUND_HALF_UP)
        if amount:
            clean_funding[source] = str(amount)
    funding_total = sum((Decimal(v) for v in clean_funding.values()), Decimal(0)).quantize(FEN)
    subsidy_amount, subsidy = _subsidy_for(
        project, estimate=estimate, elevator=elevator, water=water, now=now
    )
    if elevator_stairwells is None:  # not given: the current version's stairwells carry over
        elevator_stairwells = list(plan.current_version.elevator_stairwells) if plan.current_version else []
    stairwells = _elevator_stairwells(project, elevator_stairwells)
    bundle = [
        {
            "key": c.key,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "covered": bool(set(c.item_ids) & seen),
            "items": [i for i in c.item_ids if i in seen],
        }
        for c in comprehensive_bundle()
    ]
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        mode=mode,
        delivery_mode=delivery_mode,
        items=rows,
        funding=clean_funding,
        estimate=estimate,
        funding_total=funding_total,
        subsidy_amount=subsidy_amount,
        subsidy=subsidy,
        bundle=bundle,
        elevator_stairwells=stairwells,
        note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    plan.current_version = version
    plan.save(update_fields=["current_version"])
    audit_record(
        actor=actor,
        action="plan.save",
        obj=plan,
        changes={
            "version": number,
            "estimate": estimate,
            "funding_total": funding_total,
            "subsidy": subsidy_amount,
            "items": len(rows),
        },
    )
    return version


@transaction.atomic
def plan_finalise(*, actor: Any, project: Project) -> Plan:
    """Finalise the plan: it needs items, and a funding plan that adds up to the estimate exactly."""
    plan = Plan.objects.select_for_update().get(project=project)
    _require_officer(actor, project.division)
    version = plan.current_version
    if plan.state == PlanState.DRAFT:
        if version is None or not version.items:
            raise ApplicationError("方案还没有改造内容。/ items: the plan has no items yet.", field="items")
        if version.funding_total != version.estimate:
            diff = version.estimate - version.funding_total
            raise ApplicationError(
                f"资金来源合计 {version.funding_total} 元与估算 {version.estimate} 元不一致（差 {diff} 元）。/ "
                f"funding: sources add up to {version.funding_total} yuan, the estimate is {version.estimate} yuan "
                f"(difference {diff}) ({rules.funding_clause()}).",
                field="funding",
                code="funding_unbalanced",
            )
        problems = funding_problems_of(project, version, on=timezone.localdate())
        if problems:
            first = problems[0]
            error = ApplicationError(
                "资金方案不符合规则："
                + "；".join(f"{r.message}（{r.clause}）" for r in problems)
                + "。/ funding: "
                + "; ".join(f"{r.message_en} ({r.clause})" for r in problems)
                + ".",
                field="funding",
                code=first.code,
            )
            error.missing = [  # type: ignore[attr-defined]
                Condition(r.code, False, f"{r.message}。/ {r.message_en}.", r.clause).to_dict()
                for r in problems
            ]
            raise error
    PLAN_MACHINE.move(
        plan,
        to=PlanState.FINALISED,
        actor=actor,
        changes={"version": version.number if version else None},
    )
    return plan


@transaction.atomic
def plan_reopen(*, actor: Any, project: Project, reason: str = "") -> Plan:
    plan = Plan.objects.select_for_update().get(project=project)
    _require_officer(actor, project.division)
    PLAN_MACHINE.move(
        plan,
        to=PlanState.DRAFT,
        actor=actor,
        reason=reason,
    )
    return plan


# --- joint consultation ---------------------------------------------------------------------------------------------


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
    role = getattr(actor, "role", None)
    if role == Role.UTILITY:
        return bool(actor.utility_kind) and actor.utility_kind == department
    if role in (Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR):
        from gaizao.accounts.access import can_write

        return can_write(actor, consultation.project.division)
    return False


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
    """Record one department's opinion. Utilities record their own; the district records the departments'."""
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
            "尚有部门未回复："
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


# --- publication ----------------------------------------------------------------------------------------------------


@transaction.atomic
def publication_start(
    *, actor: Any, project: Project, days: int = 7, now: dt.datetime | None = None
) -> Publication:
    """Publish the finalised plan on the public pages for ``days`` days (公示, 四(三))."""
    now = _now(now)
    _require_officer(actor, project.division)
    try:
        days = int(days)
    except (TypeError, ValueError) as exc:
        raise ApplicationError("公示天数须为整数。/ days: a whole number of days.", field="days") from exc
    minimum = _policy_rules(timezone.localtime(now).date()).programme.publication_min_days
    if not minimum.value <= days <= 90:
        raise ApplicationError(
            f"公示天数须在 {minimum.value} 至 90 天之间，{days} 天不足规定的最短公示期（{minimum.clause}）。/ days: the "
            f"publication period must be {minimum.value} to 90 days; {days} is refused ({minimum.clause}).",
            field="days",
            code="publication.too_short",
        )
    plan = Plan.objects.get(project=project)
    if plan.state != PlanState.FINALISED or plan.current_version is None:
        raise StateError(
            "只能公示已定稿的方案。/ plan: only a finalised plan can be published.", field="plan"
        )
    if project.publications.filter(state=PublicationState.OPEN, ends_at__gt=now).exists():
        raise StateError("该项目已有公示正在进行。/ publication: one is already running for this project.")
    publication = Publication.objects.create(
        project=project,
        plan_version=plan.current_version,
        days=days,
        starts_at=now,
        ends_at=now + dt.timedelta(days=days),
        published_by=actor,
    )
    audit_record(
        actor=actor,
        action="publication.open",
        obj=publication,
        changes={"days": days, "version": plan.current_version.number},
    )
    return publication


@transaction.atomic
def publication_comment_add(
    *,
    publication: Publication,
    name: str,
    contact: str,
    body: str,
    client: str = "",
    now: dt.datetime | None = None,
) -> PublicationComment:
    """Anyone may comment on an open publication with a name and a contact (shown masked).

    The page and the API pass the ``client`` address: each address may comment ``ANONYMOUS_WRITES_PER_CLIENT``
    times per window (the logins' atomic counter), so nobody can flood a publication."""
    now = _now(now)
    if client and not throttle.anonymous_write("comment", client):
        raise RateLimitError(
            "意见提交过于频繁，请稍后再试。/ Too many comments from this address; try again later.",
            field="body",
        )
    if publication.state != PublicationState.OPEN or publication.is_finished(now):
        raise StateError("公示已结束，不能再提意见。/ publication: the period is over.", field="body")
    for field, value, zh in (
        ("name", name, "姓名"),
        ("contact", contact, "联系方式"),
        ("body", body, "意见"),
    ):
        if not value.strip():
            raise ApplicationError(f"请填写{zh}。/ {field} is required.", field=field)
    comment = PublicationComment.objects.create(
        publication=publication,
        name=name.strip()[:100],
        contact=contact.strip()[:100],
        body=body.strip()[:4000],
        created_at=now,
    )
    audit_record(actor=None, action="publication.comment", obj=publication, changes={"comment": comment.pk})
    return comment


@transaction.atomic
def publication_comment_reply(
    *, actor: Any, comment: PublicationComment, reply: str, now: dt.datetime | None = None
) -> PublicationComment:
    now = _now(now)
    _require_officer(actor, comment.publication.project.division)
    if not reply.strip():
        raise ApplicationError("请填写答复。/ reply is required.", field="reply")
    comment.reply = reply.strip()
    comment.replied_by = actor
    comment.replied_at = now
    comment.save()
    audit_record(
        actor=actor, action="publication.reply", obj=comment.publication, changes={"comment": comment.pk}
    )
    return comment


@transaction.atomic
def publication_finish(
    *, actor: Any, publication: Publication, now: dt.datetime | None = None
) -> Publication:
    now = _now(now)
    if not publication.is_finished(now):
        raise StateError("公示期未满。/ publication: the period has not ended yet.")
    PUBLICATION_MACHINE.move(
        publication,
        to=PublicationState.FINISHED,
        actor=actor,
    )
    return publication


@transaction.atomic
def publication_withdraw(*, actor: Any, publication: Publication, reason: str = "") -> Publication:
    _require_officer(actor, publication.project.division)
    PUBLICATION_MACHINE.move(
        publication,
        to=PublicationState.WITHDRAWN,
        actor=actor,
        reason=reason,
    )
    return publication


# --- annual plan ----------------------------------------------------------------------------------------------------


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
    bureau = BUREAU_OF_ACCOUNT.get(getattr(actor, "bureau", ""))
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


# --- unit rates -----------------------------------------------------------------------------------------------------


@transaction.atomic
def unit_rate_set(
    *, actor: Any, division: Division, item_id: str, rate: Any, is_sample: bool = False
) -> UnitRate:
    """Set the city default (city coordinator) or a district's own rate (its officer) for a catalogue item."""
    from gaizao.policy import PolicyInputError
    from gaizao.policy.catalogue import catalogue_item

    if actor is not None:
        require_role(actor, Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER)
        require_write(actor, division)
    try:
        item = catalogue_item(item_id)
    except PolicyInputError as exc:
        raise ApplicationError(f"改造内容“{item_id}”不在目录中。/ item_id: {exc}", field="item_id") from exc
    value = _decimal(rate, "rate").quantize(FEN, rounding=ROUND_HALF_UP)
    row, _ = UnitRate.objects.update_or_create(
        division=division,
        item_id=item_id,
        defaults={"rate": value, "unit": item.unit, "is_sample": is_sample},
    )
    audit_record(actor=actor, action="unit_rate.set", obj=row, changes={"rate": value})
    return row
