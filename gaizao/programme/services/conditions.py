"""The conditions of the move to 实施: votes, elevator ballots, plan, funding, consultation and publication."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gaizao.programme import rules, selectors
from gaizao.programme.extensions import extra_conditions
from gaizao.programme.models import (
    ConsultationState,
    Plan,
    PlanState,
    PlanVersion,
    Project,
    PublicationState,
)
from gaizao.programme.services._common import _now, _policy_rules


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
            f"version {current.number}."
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
    out += extra_conditions(project)
    return out
