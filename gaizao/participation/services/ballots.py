"""The ballot lifecycle: create a draft, open it on a complete roll, close and count it, publish the result."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from gaizao.accounts.access import require_write
from gaizao.accounts.models import User
from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.errors import ApplicationError, NotFoundError, StateError
from gaizao.participation.chain import genesis_hash
from gaizao.participation.models import Ballot, BallotStatus, Purpose, RollEntry, ScopeKind
from gaizao.participation.services._common import _locked_ballot
from gaizao.participation.services.papers import chain_verify
from gaizao.participation.services.roll import (
    _roll_rows,
    _tally_rows,
    ballot_tally,
    roll_corrections_lapse,
)
from gaizao.policy import get_ruleset, matter_not_lower
from gaizao.registry.models import Building, Community

TRANSITIONS: dict[str, frozenset[str]] = {
    BallotStatus.DRAFT: frozenset({BallotStatus.OPEN}),
    BallotStatus.OPEN: frozenset({BallotStatus.CLOSED}),
    BallotStatus.CLOSED: frozenset({BallotStatus.PUBLISHED}),
    BallotStatus.PUBLISHED: frozenset(),
}
BALLOT_MACHINE = StateMachine(
    "ballot",
    BallotStatus,
    TRANSITIONS,
    field="status",
    actions={
        BallotStatus.OPEN: "ballot_open",
        BallotStatus.CLOSED: "ballot_close",
        BallotStatus.PUBLISHED: "ballot_publish",
    },
)
#: Default Art. 278 item per purpose: a renovation, its plan and an added elevator alter the building (item 7 —
#: the rule set's ``renovation_consent_matter``, which ``ballot_create`` enforces as the floor for these purposes).
DEFAULT_MATTER = {
    Purpose.RENOVATION_CONSENT: 7,
    Purpose.PLAN_APPROVAL: 7,
    Purpose.ELEVATOR: 7,
    Purpose.OTHER: 9,
}
#: Purposes that decide a renovation (RULES §6a): their matter never goes below the rule set's.
BINDING_PURPOSES = frozenset({Purpose.RENOVATION_CONSENT, Purpose.PLAN_APPROVAL, Purpose.ELEVATOR})
#: Purposes decided by the whole community, opened for a project (RULES §6a "which ballot counts").
PROJECT_PURPOSES = frozenset({Purpose.RENOVATION_CONSENT, Purpose.PLAN_APPROVAL})


def _move(ballot: Ballot, to: str) -> str:
    """Check and set the ballot's next status; the caller saves it with its other fields and audits once."""
    return BALLOT_MACHINE.move(ballot, to=to, actor=None, save=False, audit=False)


def _scope_key(community: Community, kind: str, building: Building | None, stairwell: str) -> str:
    if kind == ScopeKind.COMMUNITY:
        return f"c{community.pk}"
    assert building is not None
    if kind == ScopeKind.BUILDING:
        return f"b{building.pk}"
    return f"s{building.pk}:{stairwell}"


@transaction.atomic
def ballot_create(
    *,
    actor: User,
    community_id: int,
    purpose: str,
    question: str,
    matter: int | None = None,
    scope_kind: str = ScopeKind.COMMUNITY,
    building_id: int | None = None,
    stairwell: str = "",
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    open_vote: bool = False,
    is_sample: bool = False,
    project_ref: str = "",
) -> Ballot:
    """Create a draft ballot. The matter follows the purpose (consent, plan approval and elevators: the rule set's
    ``renovation_consent_matter`` or a stricter one); consent and plan approval are community-wide and name the
    project they are opened for (``project_ref``; the programme app links the ballot to it)."""
    community = Community.objects.select_related("division").filter(pk=community_id).first()
    if community is None:
        raise NotFoundError("小区不存在。/ Community not found.")
    require_write(actor, community.division)
    if purpose not in Purpose.values:
        raise ApplicationError(
            "用途须为改造意愿、方案认可、加装电梯或其他。/ purpose must be renovation_consent, plan_approval, "
            "elevator or other.",
            field="purpose",
        )
    rules = get_ruleset(timezone.localdate())
    required = rules.vote.renovation_consent_matter
    if matter is None:
        matter = required.value if purpose in BINDING_PURPOSES else DEFAULT_MATTER[Purpose(purpose)]
    if type(matter) is not int or not 1 <= matter <= 9:
        raise ApplicationError(
            "表决事项须为民法典第278条第一款第1至9项。/ matter must be an item 1..9 of Civil Code Art. 278.",
            field="matter",
        )
    if purpose in BINDING_PURPOSES and not matter_not_lower(
        matter=matter, required=required.value, ruleset=rules
    ):
        need = rules.vote.approval_for(required.value)
        raise ApplicationError(
            f"改造意愿、方案认可和加装电梯表决适用民法典第278条第一款第{required.value}项（双{need.area}），"
            f"不能选用门槛更低的第{matter}项（{required.clause}；{rules.vote.clause}）。/ matter: consent, plan approval "
            f"and elevator votes are matter {required.value} of Civil Code Art. 278 ({need.area} of area and owners); "
            f"matter {matter} has a lower threshold and is refused ({required.clause}; {rules.vote.clause}).",
            code="vote.matter_too_low",
            field="matter",
        )
    scope_clause = rules.programme.ballot_scope_clause
    if purpose in PROJECT_PURPOSES and scope_kind != ScopeKind.COMMUNITY:
        raise ApplicationError(
            "改造意愿和方案认可须由全体业主表决（范围为整个小区），楼栋或单元表决不能代替"
            f"（{scope_clause}；{rules.vote.clause}）。/ scope_kind: consent and plan approval are decided by the whole "
            f"community; a building or stairwell vote cannot stand for it ({scope_clause}; {rules.vote.clause}).",
            code="vote.scope_not_community",
            field="scope_kind",
        )
    if purpose in PROJECT_PURPOSES and not project_ref:
        raise ApplicationError(
            "改造意愿和方案认可表决须在改造项目中发起（项目 → 表决）。/ project: a consent or plan-approval ballot is "
            f"opened for a project; open it from the project ({scope_clause}).",
            code="vote.project_required",
            field="project",
        )
    if purpose == Purpose.ELEVATOR and scope_kind == ScopeKind.COMMUNITY:
        elevator_clause = rules.programme.elevator_ballot_clause
        raise ApplicationError(
            f"加装电梯由所涉单元（或楼栋）的业主表决（{elevator_clause}）。/ scope_kind: an elevator is decided by the "
            f"owners of the stairwell (or building) concerned ({elevator_clause}).",
            code="vote.elevator_scope",
            field="scope_kind",
        )
    question = (question or "").strip()
    if not question:
        raise ApplicationError("表决问题必填。/ The question is required.", field="question")
    if scope_kind not in ScopeKind.values:
        raise ApplicationError(
            "表决范围须为小区、楼栋或单元。/ scope_kind must be community, building or stairwell.",
            field="scope_kind",
        )
    building = None
    stairwell = (stairwell or "").strip()
    if scope_kind != ScopeKind.COMMUNITY:
        building = (
            Building.objects.filter(pk=building_id, community=community).first()
            if building_id is not None
            else None
        )
        if building is None:
            raise ApplicationError(
                "楼栋或单元表决须选择本小区的楼栋。/ A building or stairwell vote needs a building of this community.",
                field="building_id",
            )
        if scope_kind == ScopeKind.STAIRWELL and not stairwell:
            raise ApplicationError(
                "单元表决须填写单元号。/ A stairwell vote needs the stairwell.", field="stairwell"
            )
    else:
        stairwell = ""
    if opens_at and closes_at and closes_at <= opens_at:
        raise ApplicationError(
            "截止时间须晚于开始时间。/ closes_at must be after opens_at.", field="closes_at"
        )
    ballot = Ballot.objects.create(
        community=community,
        matter=matter,
        purpose=purpose,
        question=question[:2000],
        scope_kind=scope_kind,
        building=building,
        stairwell=stairwell if scope_kind == ScopeKind.STAIRWELL else "",
        scope_key=_scope_key(community, scope_kind, building, stairwell),
        opens_at=opens_at,
        closes_at=closes_at,
        open_vote=open_vote,
        created_by=actor,
        is_sample=is_sample,
        project_ref=project_ref[:60],
    )
    audit_record(
        actor=actor,
        action="ballot_create",
        obj=ballot,
        changes={"matter": [None, matter], "purpose": [None, purpose], "scope": [None, ballot.scope_key]},
    )
    return ballot


@transaction.atomic
def ballot_open(*, actor: User, ballot_id: int) -> Ballot:
    """Check the roll against the registry, freeze it and open the vote. One open ballot per matter and scope (a
    database constraint)."""
    ballot = _locked_ballot(ballot_id)
    require_write(actor, ballot.community.division)
    before = _move(ballot, BallotStatus.OPEN)
    rows = _roll_rows(ballot)  # refuses an incomplete roll (RULES §6a), naming the numbers and what to import
    RollEntry.objects.bulk_create(rows, batch_size=1000)
    _tally_rows(ballot, rows, {})  # validates the roll against the counting rules before anyone votes
    now = timezone.now()
    ballot.opened_at = now
    ballot.chain_head = genesis_hash(ballot.pk)
    try:
        with transaction.atomic():
            ballot.save(update_fields=["status", "opened_at", "chain_head"])
    except IntegrityError:
        raise StateError(
            "同一范围同一事项已有进行中的表决。/ Another ballot on this matter and scope is already open.",
            field="status",
        ) from None
    audit_record(
        actor=actor,
        action=BALLOT_MACHINE.action(BallotStatus.OPEN),
        obj=ballot,
        changes={"status": [before, ballot.status], "roll_units": [None, len(rows)]},
    )
    return ballot


@transaction.atomic
def ballot_close(*, actor: User, ballot_id: int) -> Ballot:
    """Close the vote and store the Civil Code result with its reasons. Papers arriving later are refused."""
    ballot = _locked_ballot(ballot_id)
    require_write(actor, ballot.community.division)
    return _close(ballot, actor=actor)


def ballots_close_overdue() -> list[int]:
    """Close, as the system, every open ballot whose closing time has passed (run on schedule by the worker), so
    a ballot does not stay open until someone presses "close". Returns the ids closed."""
    closed: list[int] = []
    now = timezone.now()
    due = Ballot.objects.filter(status=BallotStatus.OPEN, closes_at__lt=now).order_by("closes_at", "pk")
    for ballot_id in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            ballot = _locked_ballot(ballot_id)
            if ballot.status != BallotStatus.OPEN or ballot.closes_at is None or ballot.closes_at >= now:
                continue
            _close(ballot, actor=None)
            closed.append(ballot_id)
    return closed


def _close(ballot: Ballot, *, actor: User | None) -> Ballot:
    before = _move(ballot, BallotStatus.CLOSED)
    ballot.closed_at = timezone.now()
    tally = ballot_tally(ballot)
    ballot.result = {
        **tally.to_dict(),
        "vote_count": ballot.vote_seq,
        "current_votes": tally.participating_owners,
        "chain_head": ballot.chain_head,
    }
    ballot.approved = tally.approved
    ballot.quorum_met = tally.quorum_met
    ballot.save(update_fields=["status", "closed_at", "result", "approved", "quorum_met"])
    lapsed = roll_corrections_lapse(ballot, actor=actor)
    audit_record(
        actor=actor,
        action=BALLOT_MACHINE.action(BallotStatus.CLOSED),
        obj=ballot,
        changes={
            "status": [before, ballot.status],
            "approved": [None, tally.approved],
            **({"lapsed_corrections": [None, lapsed]} if lapsed else {}),
        },
        reason="；".join(r.message for r in tally.reasons),
    )
    return ballot


@transaction.atomic
def ballot_publish(*, actor: User, ballot_id: int) -> Ballot:
    """公示: publish the result with its hash-chain head; refused if the chain no longer verifies."""
    ballot = _locked_ballot(ballot_id)
    require_write(actor, ballot.community.division)
    before = _move(ballot, BallotStatus.PUBLISHED)
    check = chain_verify(ballot)
    if not check.ok:
        raise StateError(
            "选票哈希链校验失败，不能公示："
            + "；".join(check.problems)
            + " / The ballot chain does not verify.",
            field="chain",
        )
    ballot.published_at = timezone.now()
    ballot.save(update_fields=["status", "published_at"])
    audit_record(
        actor=actor,
        action=BALLOT_MACHINE.action(BallotStatus.PUBLISHED),
        obj=ballot,
        changes={"status": [before, ballot.status]},
    )
    return ballot


def ballot_transition(*, actor: User, ballot_id: int, action: str) -> Ballot:
    moves = {"open": ballot_open, "close": ballot_close, "publish": ballot_publish}
    if action not in moves:
        raise ApplicationError(
            "操作须为 open、close 或 publish。/ action must be open, close or publish.", field="action"
        )
    return moves[action](actor=actor, ballot_id=ballot_id)
