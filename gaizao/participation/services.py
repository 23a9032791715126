"""Writes of resident participation. Every write is atomic and audited; the counting itself is
``gaizao.policy.tally_owner_vote`` — this module only builds the roll, records papers and stores the result."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from gaizao.accounts.access import require_write
from gaizao.accounts.models import Role, User
from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.errors import ApplicationError, NotFoundError, PermissionError_, StateError
from gaizao.participation.chain import (
    ChainCheck,
    genesis_hash,
    new_receipt_code,
    receipt_digest,
    vote_hash,
)
from gaizao.participation.models import (
    Ballot,
    BallotStatus,
    Channel,
    Choice,
    EvaluationResponse,
    EvaluationSurvey,
    NeedsResponse,
    NeedsSurvey,
    OneTimeCode,
    Purpose,
    ReportCategory,
    ReportStatus,
    RollCorrection,
    RollEntry,
    ScopeKind,
    SupervisionReport,
    SurveyStatus,
    Vote,
)
from gaizao.policy import (
    PolicyInputError,
    VoteTally,
    catalogue_item,
    catalogue_items,
    get_ruleset,
    liuyou_goals,
    matter_not_lower,
    tally_owner_vote,
)
from gaizao.policy import Unit as PolicyUnit
from gaizao.registry.models import Building, Community, Owner, Unit

T = TypeVar("T")

#: Legal moves of the ballot lifecycle (Wagtail-style explicit state machine).
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
DEVELOPER_KEY = "developer"
UPLOAD_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".pdf", ".heic")
OTP_TTL = dt.timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5
OTP_MAX_PER_WINDOW = 5
OTP_WINDOW = dt.timedelta(minutes=15)


# --- helpers --------------------------------------------------------------------------------------------------------


def with_retry(fn: Callable[[], T], *, attempts: int = 8) -> T:
    """Run an atomic write again when the database reports a lock or a lost race (two devices at one moment)."""
    for attempt in range(attempts):
        try:
            return fn()
        except (OperationalError, IntegrityError):
            if transaction.get_connection().in_atomic_block or attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1) + secrets.randbelow(20) / 1000)
    raise AssertionError("unreachable")


def _check_upload(upload: UploadedFile | None, field: str, label_zh: str, label_en: str) -> None:
    if upload is None:
        return
    name = (upload.name or "").lower()
    if not name.endswith(UPLOAD_SUFFIXES):
        raise ApplicationError(
            f"{label_zh}须为图片或 PDF 文件。/ {label_en} must be an image or a PDF file.", field=field
        )
    limit = settings.UPLOAD_LIMITS["photo" if field == "photo" else "ballot_scan"]
    if upload.size and upload.size > limit:
        mb = limit // (1024 * 1024)
        raise ApplicationError(
            f"{label_zh}不得超过 {mb} MB。/ {label_en} must not exceed {mb} MB.", field=field
        )


def stored_name(prefix: str, upload_name: str | None) -> str:
    """The name an upload is stored under: ``prefix``, at most 30 characters of the original name and its suffix.

    The original name can be 255 bytes and more (a long Chinese file name), which overflowed the file field
    (100 characters, PostgreSQL refuses) and the file system's name limit (a 500)."""
    from pathlib import PurePath

    pure = PurePath((upload_name or "upload").replace("\\", "/")).name
    suffix = PurePath(pure).suffix.lower()[:10]
    stem = (
        "".join(ch for ch in pure[: len(pure) - len(suffix)] if ch.isalnum() or ch in "-_")[:30] or "upload"
    )
    return f"{prefix}-{stem}{suffix}"


def owner_of(user: Any) -> Owner | None:
    """The registry owner an account votes as (residents only)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.role != Role.RESIDENT:
        return None
    return Owner.objects.filter(user=user).first()


def _owner_communities(owner: Owner) -> set[int]:
    return set(Unit.objects.filter(owner=owner).values_list("building__community_id", flat=True))


def _locked_ballot(ballot_id: int) -> Ballot:
    ballot = (
        Ballot.objects.select_for_update(of=("self",))
        .select_related("community__division", "building")
        .filter(pk=ballot_id)
        .first()
    )
    if ballot is None:
        raise NotFoundError("表决不存在。/ Ballot not found.")
    return ballot


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


def _scope_units(ballot: Ballot) -> Iterable[Unit]:
    qs = Unit.objects.select_related("building").filter(building__community_id=ballot.community_id)
    if ballot.scope_kind in (ScopeKind.BUILDING, ScopeKind.STAIRWELL):
        qs = qs.filter(building_id=ballot.building_id)
    if ballot.scope_kind == ScopeKind.STAIRWELL:
        qs = qs.filter(stairwell=ballot.stairwell)
    return qs.filter(building__archived_at__isnull=True).order_by("building__code", "stairwell", "number")


def unit_label(unit: Unit) -> str:
    stair = f"{unit.stairwell}单元" if unit.stairwell else ""
    return f"{unit.building.code}幢{stair}{unit.number}室"


def owner_key_for(unit: Unit) -> str:
    """The owner the tally counts a unit under (法释〔2009〕7号 第9条)."""
    if unit.developer_held:
        return DEVELOPER_KEY
    if unit.owner_id is None:
        return f"unit{unit.pk}"
    return str(unit.owner_id)


# --- ballots --------------------------------------------------------------------------------------------------------


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
        building = Building.objects.filter(pk=building_id, community=community).first()
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


@dataclass(frozen=True)
class RollCheck:
    """The owner roll of a ballot's scope against the registry (RULES §6a: the roll complete)."""

    units: int
    problems: tuple[str, ...]
    clause: str

    @property
    def complete(self) -> bool:
        return not self.problems


def roll_check(ballot: Ballot) -> RollCheck:
    """Check the scope's units against the registry: every 专有部分 with its area and owner (法释〔2009〕7号 第8、9条),
    and for a community ballot as many units as recorded households, in as many buildings as recorded."""
    rules = get_ruleset(timezone.localdate())
    clause = f"{rules.vote.area_counting_clause}、第9条；{rules.programme.ballot_scope_clause}"
    units = list(_scope_units(ballot))
    problems: list[str] = []
    no_area, no_owner = [], []
    for unit in units:
        try:
            unit.exclusive_area  # noqa: B018 - raises when no area is recorded
        except PolicyInputError:
            no_area.append(unit_label(unit))
        if unit.owner_id is None and not unit.developer_held:
            no_owner.append(unit_label(unit))
    if not units:
        problems.append("表决范围内没有登记房屋 / the scope has no registered units")
    if no_area:
        problems.append(
            f"{len(no_area)} 个专有部分没有面积（登记、实测或合同）：{'、'.join(no_area[:10])} / {len(no_area)} units have no "
            "exclusive area (register, survey or contract)"
        )
    if no_owner:
        problems.append(
            f"{len(no_owner)} 个专有部分没有业主：{'、'.join(no_owner[:10])} / {len(no_owner)} units have no owner"
        )
    if ballot.scope_kind == ScopeKind.COMMUNITY:
        community = ballot.community
        buildings = len({u.building_id for u in units})
        if community.households is None:
            problems.append("小区户数未登记，无法核对名册 / the community's households are not recorded")
        elif community.households != len(units):
            problems.append(
                f"名册 {len(units)} 个专有部分，登记户数 {community.households} 户 / the roll has {len(units)} units, "
                f"the registry records {community.households} households"
            )
        if community.building_count is not None and community.building_count != buildings:
            problems.append(
                f"名册涉及 {buildings} 幢楼，登记楼栋数 {community.building_count} 幢 / the roll covers {buildings} "
                f"buildings, the registry records {community.building_count}"
            )
    elif (
        ballot.scope_kind == ScopeKind.BUILDING and ballot.building is not None and ballot.building.stairwells
    ):
        stairs = len({u.stairwell for u in units})
        if stairs != ballot.building.stairwells:
            problems.append(
                f"名册涉及 {stairs} 个单元，登记单元数 {ballot.building.stairwells} 个 / the roll covers {stairs} "
                f"stairwells, the registry records {ballot.building.stairwells}"
            )
    return RollCheck(units=len(units), problems=tuple(problems), clause=clause)


def _roll_rows(ballot: Ballot) -> list[RollEntry]:
    check = roll_check(ballot)
    if not check.complete:
        raise ApplicationError(
            "名册不完整，不能开始表决："
            + "；".join(p.split(" / ")[0] for p in check.problems)
            + "。请在登记库导入或更正楼栋、房屋与业主（导入类型 buildings、units），或更正小区户数和楼栋数后再开始"
            f"（{check.clause}）。/ roll: the owner roll is incomplete: "
            + "; ".join(p.split(" / ")[-1] for p in check.problems)
            + ". Import or correct the buildings, units and owners in the registry (import kinds buildings, units) or "
            f"the community's households and building count, then open the vote ({check.clause}).",
            code="roll.incomplete",
            field="roll",
        )
    rows = []
    for unit in _scope_units(ballot):
        area, source = unit.exclusive_area
        rows.append(
            RollEntry(
                ballot=ballot,
                unit=unit,
                unit_label=unit_label(unit),
                owner_id=unit.owner_id,
                owner_key=owner_key_for(unit),
                area_m2=area,
                area_source=source,
                developer_held=unit.developer_held,
            )
        )
    return rows


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


def _tally_rows(ballot: Ballot, rows: Iterable[RollEntry], ballots: dict[str, str]) -> VoteTally:
    units = [PolicyUnit(str(r.unit_id), r.owner_key, r.area_m2, r.developer_held) for r in rows]
    # RULES §6a: a vote is counted under the rule set in force on its closing date (today while it is open).
    closing = timezone.localtime(ballot.closed_at).date() if ballot.closed_at else timezone.localdate()
    try:
        return tally_owner_vote(
            matter=ballot.matter, units=units, ballots=ballots, ruleset=get_ruleset(closing)
        )
    except PolicyInputError as exc:
        raise ApplicationError(
            f"名册或选票不符合计票规则：{exc} / The roll or the papers break the counting rules.",
            field="roll",
        ) from None


def ballot_tally(ballot: Ballot) -> VoteTally:
    """The count of the current papers against the frozen roll, by ``gaizao.policy.tally_owner_vote``."""
    rows = RollEntry.objects.filter(ballot=ballot).only("unit_id", "owner_key", "area_m2", "developer_held")
    ballots = dict(Vote.objects.filter(ballot=ballot, is_current=True).values_list("owner_key", "choice"))
    return _tally_rows(ballot, rows, ballots)


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
    audit_record(
        actor=actor,
        action=BALLOT_MACHINE.action(BallotStatus.CLOSED),
        obj=ballot,
        changes={"status": [before, ballot.status], "approved": [None, tally.approved]},
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


@transaction.atomic
def roll_entry_correct(
    *,
    actor: User,
    entry_id: int,
    reason: str,
    area_m2: Decimal | str | None = None,
    owner_id: int | None = None,
) -> RollEntry:
    """Correct a frozen roll entry (area or owner) while the ballot is open; the correction and its reason stay."""
    entry = (
        RollEntry.objects.select_related("ballot__community__division", "unit__building")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFoundError("名册条目不存在。/ Roll entry not found.")
    ballot = _locked_ballot(entry.ballot_id)
    require_write(actor, ballot.community.division)
    if ballot.status != BallotStatus.OPEN:
        raise StateError(
            "只有表决中的名册可以更正。/ Only the roll of an open ballot can be corrected.", field="status"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "更正名册必须说明原因。/ A reason is required to correct the roll.", field="reason"
        )
    changes: dict[str, list[Any]] = {}
    if area_m2 not in (None, ""):
        try:
            area = Decimal(str(area_m2)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise ApplicationError("面积须为数字。/ area_m2 must be a number.", field="area_m2") from None
        if area <= 0:
            raise ApplicationError("面积须大于零。/ area_m2 must be positive.", field="area_m2")
        if area != entry.area_m2:
            changes["area_m2"] = [str(entry.area_m2), str(area)]
            entry.area_m2 = area
            changes["area_source"] = [entry.area_source, "correction"]
            entry.area_source = "correction"
    if owner_id not in (None, "") and int(owner_id) != entry.owner_id:
        owner = (
            Owner.objects.filter(pk=owner_id, division=ballot.community.division).first()
            or Owner.objects.filter(pk=owner_id, units__building__community=ballot.community).first()
        )
        if owner is None:
            raise ApplicationError("业主不存在。/ owner_id: owner not found.", field="owner_id")
        old_key = entry.owner_key
        others = RollEntry.objects.filter(ballot=ballot, owner_key=old_key).exclude(pk=entry.pk).exists()
        if not others and Vote.objects.filter(ballot=ballot, owner_key=old_key, is_current=True).exists():
            raise StateError(
                "原业主已投票且将不在名册上，请先核实其选票。/ The previous owner has voted and would leave the roll.",
                field="owner_id",
            )
        changes["owner_id"] = [entry.owner_id, owner.pk]
        entry.owner = owner
        entry.owner_key = DEVELOPER_KEY if entry.developer_held else str(owner.pk)
    if not changes:
        raise ApplicationError("没有需要更正的内容。/ Nothing to correct.", field="area_m2")
    entry.corrected = True
    entry.save(update_fields=["area_m2", "area_source", "owner", "owner_key", "corrected"])
    for name, (old, new) in changes.items():
        RollCorrection.objects.create(
            entry=entry,
            field=name,
            old_value=str(old)[:80],
            new_value=str(new)[:80],
            reason=reason,
            actor=actor,
        )
    _tally_rows(ballot, RollEntry.objects.filter(ballot=ballot), {})
    audit_record(actor=actor, action="roll_correct", obj=ballot, changes=changes, reason=reason)
    return entry


def _require_open(ballot: Ballot) -> None:
    if ballot.status != BallotStatus.OPEN:
        raise StateError(
            "表决未在进行中，选票不予接受。/ The ballot is not open; the paper is refused.", field="status"
        )
    now = timezone.now()
    if ballot.opens_at and now < ballot.opens_at:
        raise StateError("表决尚未开始。/ The voting period has not started yet.", field="opens_at")
    if ballot.closes_at and now > ballot.closes_at:
        raise StateError("表决已过截止时间。/ The voting period has ended.", field="closes_at")


# --- papers ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastResult:
    vote: Vote
    receipt: str
    replaced: bool


def _cast_once(
    *,
    actor: User,
    ballot_id: int,
    owner_id: int,
    choice: str,
    channel: str,
    serial_number: str,
    scan: UploadedFile | None,
    witness_name: str,
    proxy_name: str,
    proxy_authorisation: UploadedFile | None,
) -> CastResult:
    with transaction.atomic():
        # Everything that does not need the ballot's lock happens first, so the lock is held only for the few
        # statements that extend the hash chain (the lock serialises the chain and the race with closing).
        ballot = Ballot.objects.select_related("community__division").filter(pk=ballot_id).first()
        if ballot is None:
            raise NotFoundError("表决不存在。/ Ballot not found.")
        if channel != Channel.ONLINE:
            require_write(actor, ballot.community.division)
        entry = RollEntry.objects.filter(ballot=ballot, owner_id=owner_id).only("owner_key").first()
        if entry is None:
            if channel == Channel.ONLINE:
                raise NotFoundError("您不在本次表决名册上。/ You are not on the roll of this ballot.")
            raise ApplicationError(
                "该业主不在本次表决名册上。/ owner_id: the owner is not on this roll.", field="owner_id"
            )
        _require_open(ballot)
        owner_key = entry.owner_key
        # The previous paper's row lock serialises two devices of one owner; when neither has a paper yet, the
        # "one current paper per owner" constraint refuses the second and vote_cast retries it.
        previous = (
            Vote.objects.select_for_update(of=("self",))
            .filter(ballot=ballot, owner_key=owner_key, is_current=True)
            .only("pk", "seq", "is_current", "channel", "needs_review")
            .first()
        )
        needs_review = _check_replacement(previous, channel)
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        receipt = new_receipt_code()
        digest = receipt_digest(receipt)
        vote = Vote(
            ballot=ballot,
            owner_id=owner_id,
            owner_key=owner_key,
            choice=choice,
            channel=channel,
            recorded_by=actor,
            serial_number=serial_number,
            witness_name=witness_name,
            proxy_name=proxy_name,
            replaces=previous,
            receipt_digest=digest,
            needs_review=needs_review,
        )
        tag = secrets.token_hex(4)
        if scan is not None:
            vote.scan.save(stored_name(f"ballot{ballot.pk}-{tag}", scan.name), scan, save=False)
        if proxy_authorisation is not None:
            vote.proxy_authorisation.save(
                stored_name(f"ballot{ballot.pk}-{tag}", proxy_authorisation.name),
                proxy_authorisation,
                save=False,
            )
        audit_record(
            actor=actor,
            action="vote_record",
            obj=ballot,
            # the choice stays out of the audit trail: organisers must not learn it while the vote is secret
            changes={"channel": [None, channel], "replaces": [None, previous.seq if previous else None]},
        )
        locked = (
            Ballot.objects.select_for_update(of=("self",))
            .only("status", "opens_at", "closes_at", "vote_seq", "chain_head")
            .get(pk=ballot.pk)
        )
        _require_open(locked)
        now = timezone.now()
        seq = locked.vote_seq + 1
        prev_hash = locked.chain_head or genesis_hash(ballot.pk)
        vote.seq = seq
        vote.cast_at = now
        vote.prev_hash = prev_hash
        vote.hash = vote_hash(
            ballot_id=ballot.pk,
            seq=seq,
            owner_key=owner_key,
            choice=choice,
            channel=channel,
            cast_at=now,
            receipt_digest=digest,
            replaces_seq=previous.seq if previous else None,
            prev_hash=prev_hash,
        )
        vote.save()
        Ballot.objects.filter(pk=ballot.pk).update(vote_seq=seq, chain_head=vote.hash)
        if channel != Channel.ONLINE:
            _notify_owner_of_paper(ballot=ballot, vote=vote, replaced_own_vote=needs_review)
        return CastResult(vote=vote, receipt=receipt, replaced=previous is not None)


def _check_replacement(previous: Vote | None, channel: str) -> bool:
    """Whether a new paper may replace ``previous``; returns whether it must be flagged for review.

    The owner's own online vote (or a paper already flagged for replacing one) is replaced only by the owner
    online, or by a paper ballot that carries the signed scan — that paper is flagged for review. Door-to-door and
    proxy entries never replace it.
    """
    if previous is None or channel == Channel.ONLINE:
        return False
    if previous.channel != Channel.ONLINE and not previous.needs_review:
        return False
    if channel != Channel.PAPER:
        raise StateError(
            "该业主已本人在线投票；入户或委托表决不能替代本人的选票，只有业主本人或附扫描件的纸质票（将标记待复核）可以替代。"
            "/ The owner has voted online themself; a door-to-door or proxy entry cannot replace it — only the owner, "
            "or a paper ballot with its scan (flagged for review), can.",
            field="channel",
        )
    return True


def _notify_owner_of_paper(*, ballot: Ballot, vote: Vote, replaced_own_vote: bool) -> None:
    """Tell the owner (when they have an account) that a paper was entered on their behalf; the owner's page
    lists every such paper as well (``selectors.papers_for_owner``)."""
    from gaizao.accounts.services import notice_send

    user_id = Owner.objects.filter(pk=vote.owner_id).values_list("user_id", flat=True).first()
    if user_id is None:
        return
    user = User.objects.get(pk=user_id)
    channel = Channel(vote.channel).label
    choice = Choice(vote.choice).label
    extra = (
        "它替代了您本人的在线投票，已标记待复核。/ It replaced your own online vote and is flagged for review. "
        if replaced_own_vote
        else ""
    )
    notice_send(
        user=user,
        kind="paper_entered",
        text=f"社区工作人员为您录入了一张选票（{channel}，{choice}），表决：{ballot.question}。{extra}"
        "如非您本人的意愿，请联系社区或在表决期内在线重新投票。/ A paper was entered on your behalf "
        f"({channel}, {choice}) in the ballot “{ballot.question}”. If this was not your will, contact your "
        "community or vote again online while the ballot is open.",
        link=f"/participation/ballots/{ballot.pk}/",
    )


def vote_cast(
    *,
    actor: User,
    ballot_id: int,
    owner_id: int | None = None,
    choice: str,
    channel: str = Channel.ONLINE,
    serial_number: str = "",
    scan: UploadedFile | None = None,
    witness_name: str = "",
    proxy_name: str = "",
    proxy_authorisation: UploadedFile | None = None,
) -> CastResult:
    """Record one ballot paper. A later paper of the same owner replaces the earlier one (both stay in history).

    Online papers are cast by the owner themself; paper, door-to-door and proxy papers are entered by the organiser
    (paper: serial number and scan; door-to-door: a witness; proxy: the proxy's name and the signed authorisation).
    """
    if choice not in Choice.values:
        raise ApplicationError(
            "选择须为同意、反对或弃权。/ choice must be yes, no or abstain.", field="choice"
        )
    if channel not in Channel.values:
        raise ApplicationError(
            "渠道须为 online、paper、door_to_door 或 proxy。/ channel must be online, paper, door_to_door or proxy.",
            field="channel",
        )
    serial_number = (serial_number or "").strip()[:40]
    witness_name = (witness_name or "").strip()[:100]
    proxy_name = (proxy_name or "").strip()[:100]
    if channel == Channel.ONLINE:
        own = owner_of(actor)
        if own is None:
            raise PermissionError_("只有登记的业主可以在线投票。/ Only registered owners vote online.")
        if owner_id is not None and int(owner_id) != own.pk:
            raise PermissionError_("只能为本人投票。/ Owners vote only for themselves.")
        owner_id = own.pk
    if owner_id is None:
        raise ApplicationError("请选择业主。/ owner_id is required.", field="owner_id")
    if channel == Channel.PAPER:
        if not serial_number:
            raise ApplicationError(
                "纸质票须填写编号。/ A paper ballot needs its serial number.", field="serial_number"
            )
        if scan is None:
            raise ApplicationError(
                "纸质票须上传扫描件。/ A paper ballot needs its scanned image.", field="scan"
            )
    if channel == Channel.DOOR_TO_DOOR:
        if not witness_name:
            raise ApplicationError(
                "入户表决须填写见证人。/ A door-to-door ballot needs a witness.", field="witness_name"
            )
        if scan is None:
            raise ApplicationError(
                "入户表决须上传业主签字的表决票扫描件。/ A door-to-door ballot needs the scan of the paper the owner "
                "signed.",
                field="scan",
            )
    if channel == Channel.PROXY:
        if not proxy_name:
            raise ApplicationError(
                "委托表决须填写代理人。/ A proxy ballot needs the proxy's name.", field="proxy_name"
            )
        if proxy_authorisation is None:
            raise ApplicationError(
                "委托表决须上传授权委托书。/ A proxy ballot needs the signed authorisation.",
                field="proxy_authorisation",
            )
    _check_upload(scan, "scan", "扫描件", "The scan")
    _check_upload(proxy_authorisation, "proxy_authorisation", "授权委托书", "The authorisation")
    oid = int(owner_id)
    return with_retry(
        lambda: _cast_once(
            actor=actor,
            ballot_id=ballot_id,
            owner_id=oid,
            choice=choice,
            channel=channel,
            serial_number=serial_number,
            scan=scan,
            witness_name=witness_name,
            proxy_name=proxy_name,
            proxy_authorisation=proxy_authorisation,
        )
    )


def chain_verify(ballot: Ballot, *, key: bytes | None = None) -> ChainCheck:
    """Recompute the hash chain of every paper of ``ballot`` and compare it with the stored and published heads
    (``key``: the chain key to check under; the server's current key by default)."""
    problems: list[str] = []
    prev = genesis_hash(ballot.pk, key=key)
    expected_seq = 1
    seq_of: dict[int, int] = {}
    current: dict[str, int] = {}
    last: dict[str, int] = {}
    votes = (
        Vote.objects.filter(ballot_id=ballot.pk)
        .order_by("seq")
        .values(
            "id",
            "seq",
            "owner_key",
            "choice",
            "channel",
            "cast_at",
            "receipt_digest",
            "replaces_id",
            "prev_hash",
            "hash",
            "is_current",
        )
    )
    count = 0
    for v in votes.iterator(chunk_size=2000):
        count += 1
        seq_of[v["id"]] = v["seq"]
        if v["seq"] != expected_seq:
            problems.append(f"第 {expected_seq} 张选票缺失 / paper {expected_seq} missing")
            expected_seq = v["seq"]
        expected_seq += 1
        if v["prev_hash"] != prev:
            problems.append(f"第 {v['seq']} 张选票的前序哈希不符 / paper {v['seq']}: previous hash differs")
        digest = vote_hash(
            ballot_id=ballot.pk,
            seq=v["seq"],
            owner_key=v["owner_key"],
            choice=v["choice"],
            channel=v["channel"],
            cast_at=v["cast_at"],
            receipt_digest=v["receipt_digest"],
            replaces_seq=seq_of.get(v["replaces_id"]) if v["replaces_id"] else None,
            prev_hash=v["prev_hash"],
            key=key,
        )
        if digest != v["hash"]:
            problems.append(f"第 {v['seq']} 张选票内容被改动 / paper {v['seq']}: content changed")
        prev = v["hash"]
        last[v["owner_key"]] = v["seq"]
        if v["is_current"]:
            current[v["owner_key"]] = v["seq"]
    if current != last:
        problems.append(
            "有效票标记与最后一张选票不一致 / current flags differ from the last paper of each owner"
        )
    if ballot.chain_head and ballot.chain_head != prev:
        problems.append("哈希链末端与记录不符 / the chain head differs from the stored head")
    published_head = (ballot.result or {}).get("chain_head")
    if published_head and published_head != prev:
        problems.append("哈希链末端与公示结果不符 / the chain head differs from the published result")
    if ballot.result and ballot.status in (BallotStatus.CLOSED, BallotStatus.PUBLISHED):
        if ballot_tally(ballot).to_dict()["reasons"] != ballot.result.get("reasons"):
            problems.append("重新计票结果与公示结果不符 / a recount differs from the stored result")
    return ChainCheck(ok=not problems, count=count, head=prev, problems=tuple(problems))


@transaction.atomic
def ballot_chain_resign(*, ballot_id: int, old_key: bytes) -> ChainCheck:
    """Key rotation: verify the ballot's chain under ``old_key``, then re-sign every link and the stored and
    published heads under the server's current key. Refuses a chain that does not verify under the old key."""
    ballot = _locked_ballot(ballot_id)
    before = chain_verify(ballot, key=old_key)
    if not before.ok:
        raise StateError(
            "旧密钥下哈希链校验未通过，不能重新签名。/ The chain does not verify under the old key; it is not "
            "re-signed.",
            field="old_key",
        )
    prev = genesis_hash(ballot.pk)
    seq_of: dict[int, int] = {}
    for vote in Vote.objects.filter(ballot_id=ballot.pk).order_by("seq"):
        seq_of[vote.pk] = vote.seq
        vote.prev_hash = prev
        vote.hash = vote_hash(
            ballot_id=ballot.pk,
            seq=vote.seq,
            owner_key=vote.owner_key,
            choice=vote.choice,
            channel=vote.channel,
            cast_at=vote.cast_at,
            receipt_digest=vote.receipt_digest,
            replaces_seq=seq_of.get(vote.replaces_id) if vote.replaces_id else None,
            prev_hash=prev,
        )
        vote.save(update_fields=["prev_hash", "hash"])
        prev = vote.hash
    old_head = ballot.chain_head
    if ballot.chain_head:
        ballot.chain_head = prev
    if ballot.result and ballot.result.get("chain_head"):
        ballot.result["chain_head"] = prev
    ballot.save(update_fields=["chain_head", "result"])
    audit_record(
        actor=None,
        action="chain_resign",
        obj=ballot,
        changes={"chain_head": [old_head, ballot.chain_head]},
        reason="密钥轮换 / chain key rotation",
    )
    return chain_verify(ballot)


# --- one-time codes -------------------------------------------------------------------------------------------------


def _code_digest(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"otp|{phone}|{code}".encode(), hashlib.sha256).hexdigest()


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) != 11 or not digits.startswith("1"):
        raise ApplicationError(
            "请输入 11 位手机号。/ phone must be an 11-digit mobile number.", field="phone"
        )
    return digits


def otp_request(*, phone: str, client: str = "") -> str | None:
    """Send a one-time code to ``phone`` if it belongs to an owner. Returns the code only to the caller that shows it
    in the development banner; the database keeps a keyed digest.

    Answers the same way whether or not the phone is an owner's: the same limits (per phone and per client
    address, counted for every phone), the same rows written (a code nobody receives for an unknown phone), the
    same result — so phone numbers cannot be enumerated through this door.
    """
    from gaizao.accounts import throttle
    from gaizao.participation.otp import get_sender

    phone = normalise_phone(phone)
    window_s = int(OTP_WINDOW.total_seconds())
    too_many = (
        throttle.hit(throttle.client_key(phone, kind="otp-phone"), window_s=window_s) > OTP_MAX_PER_WINDOW
    )
    if client:
        by_client = throttle.hit(throttle.client_key(client, kind="otp-client"), window_s=window_s)
        too_many = too_many or by_client > settings.OTP_REQUESTS_PER_CLIENT
    if too_many:
        raise ApplicationError(
            "验证码请求过于频繁，请 15 分钟后再试。/ Too many codes requested; try again in 15 minutes.",
            field="phone",
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        owner = Owner.objects.filter(phone=phone, is_developer=False).order_by("pk").first()
        OneTimeCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=timezone.now())
        OneTimeCode.objects.create(
            phone=phone, digest=_code_digest(phone, code), expires_at=timezone.now() + OTP_TTL
        )
    if owner is None:
        return None
    get_sender().send(phone=phone, code=code)
    return code


def otp_verify(*, phone: str, code: str) -> User:
    """Check a one-time code and return the owner's account (created as a resident account on first login)."""
    phone = normalise_phone(phone)
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if row is None:
            raise ApplicationError(
                "验证码无效或已过期，请重新获取。/ The code is invalid or expired; request a new one.",
                field="code",
            )
        if row.attempts >= OTP_MAX_ATTEMPTS:
            raise ApplicationError(
                "验证码错误次数过多，请重新获取。/ Too many wrong codes; request a new one.", field="code"
            )
        row.attempts += 1
        ok = hmac.compare_digest(row.digest, _code_digest(phone, code))
        if ok:
            row.used_at = timezone.now()
        row.save(update_fields=["attempts", "used_at"])
    if not ok:
        raise ApplicationError("验证码错误。/ The code is wrong.", field="code")
    return _owner_account(phone=phone)


@transaction.atomic
def _owner_account(*, phone: str) -> User:
    owner = Owner.objects.select_for_update().filter(phone=phone, is_developer=False).order_by("pk").first()
    if owner is None:  # the same answer as a wrong code: the login does not tell owners' phones apart
        raise ApplicationError("验证码错误。/ The code is wrong.", field="code")
    if owner.user_id is not None:
        user = owner.user
        if not user.is_active:
            raise PermissionError_("账户已停用。/ The account is disabled.")
        if user.phone and user.phone != phone:
            # The owner's phone changed after the account was made: the account does not follow a new phone
            # until the change is verified (an import cannot hand someone else the owner's login).
            raise PermissionError_(
                "该手机号与业主账号登记的手机号不一致，请联系社区核实。/ The phone differs from the one the owner's "
                "account was registered with; ask your community to verify the change."
            )
    else:
        user = User(
            username=f"owner-{owner.pk}",
            role=Role.RESIDENT,
            division=owner.division,
            phone=phone,
            display_name=owner.name,
        )
        user.set_unusable_password()
        user.save()
        owner.user = user
        owner.save(update_fields=["user"])
        audit_record(actor=None, action="owner_account_create", obj=owner, changes={"user": [None, user.pk]})
    audit_record(actor=user, action="owner_login_otp", obj=owner)
    return user


# --- needs survey (问需) -------------------------------------------------------------------------------------------


def _community_for_write(actor: User, community_id: int) -> Community:
    community = Community.objects.select_related("division").filter(pk=community_id).first()
    if community is None:
        raise NotFoundError("小区不存在。/ Community not found.")
    require_write(actor, community.division)
    return community


def _require_owner_in(actor: User, community_id: int) -> Owner:
    owner = owner_of(actor)
    if owner is None or community_id not in _owner_communities(owner):
        raise PermissionError_("只有本小区业主可以参与。/ Only owners of this community may take part.")
    return owner


@transaction.atomic
def needs_survey_create(
    *,
    actor: User,
    community_id: int,
    title: str,
    item_ids: list[str] | None = None,
    max_choices: int = 5,
    is_sample: bool = False,
) -> NeedsSurvey:
    community = _community_for_write(actor, community_id)
    ids = list(item_ids) if item_ids else [i.id for i in catalogue_items()]
    for item_id in ids:
        try:
            catalogue_item(item_id)
        except PolicyInputError:
            raise ApplicationError(
                f"改造内容 {item_id} 不在目录中。/ item_ids: unknown item {item_id}.", field="item_ids"
            ) from None
    if len(set(ids)) != len(ids):
        raise ApplicationError("改造内容重复。/ item_ids: duplicates.", field="item_ids")
    if not 1 <= int(max_choices) <= len(ids):
        raise ApplicationError(
            "最多选择数须在 1 与备选项数之间。/ max_choices out of range.", field="max_choices"
        )
    title = (title or "").strip() or f"{community.name} 改造需求调查"
    survey = NeedsSurvey.objects.create(
        community=community,
        title=title[:200],
        item_ids=ids,
        max_choices=int(max_choices),
        created_by=actor,
        is_sample=is_sample,
    )
    audit_record(actor=actor, action="needs_survey_create", obj=survey, changes={"items": [None, len(ids)]})
    return survey


@transaction.atomic
def needs_response_submit(
    *, actor: User, survey_id: int, ranking: list[str], comment: str = ""
) -> NeedsResponse:
    """An owner's choices, most wanted first (resubmitting replaces the earlier answer)."""
    survey = NeedsSurvey.objects.select_related("community__division").filter(pk=survey_id).first()
    if survey is None:
        raise NotFoundError("调查不存在。/ Survey not found.")
    owner = _require_owner_in(actor, survey.community_id)
    if survey.status != SurveyStatus.OPEN:
        raise StateError("调查已结束。/ The survey is closed.", field="status")
    ranking = [str(i) for i in ranking]
    if not ranking:
        raise ApplicationError("请至少选择一项。/ ranking: choose at least one item.", field="ranking")
    if len(set(ranking)) != len(ranking):
        raise ApplicationError("同一项只能选一次。/ ranking: an item appears twice.", field="ranking")
    unknown = [i for i in ranking if i not in survey.item_ids]
    if unknown:
        raise ApplicationError(
            f"不在调查中的选项：{', '.join(unknown)}。/ ranking: not in this survey.", field="ranking"
        )
    if len(ranking) > survey.max_choices:
        raise ApplicationError(
            f"最多选择 {survey.max_choices} 项。/ ranking: at most {survey.max_choices} items.",
            field="ranking",
        )
    response, created = NeedsResponse.objects.update_or_create(
        survey=survey, owner=owner, defaults={"ranking": ranking, "comment": (comment or "")[:2000]}
    )
    audit_record(actor=actor, action="needs_response", obj=survey, changes={"ranking": [None, len(ranking)]})
    return response


@transaction.atomic
def needs_survey_close(*, actor: User, survey_id: int) -> NeedsSurvey:
    survey = NeedsSurvey.objects.select_for_update().filter(pk=survey_id).first()
    if survey is None:
        raise NotFoundError("调查不存在。/ Survey not found.")
    _community_for_write(actor, survey.community_id)
    if survey.status != SurveyStatus.OPEN:
        raise StateError("调查已结束。/ The survey is already closed.", field="status")
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = timezone.now()
    survey.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="needs_survey_close", obj=survey, changes={"status": ["open", "closed"]})
    return survey


# --- supervision (报事) --------------------------------------------------------------------------------------------


@transaction.atomic
def report_create(
    *,
    actor: User,
    community_id: int,
    category: str,
    description: str,
    photo: UploadedFile | None = None,
    location_text: str = "",
    lon: float | None = None,
    lat: float | None = None,
    project_ref: str = "",
    is_sample: bool = False,
) -> SupervisionReport:
    community = Community.objects.select_related("division").filter(pk=community_id).first()
    if community is None:
        raise NotFoundError("小区不存在。/ Community not found.")
    if owner_of(actor) is not None:
        _require_owner_in(actor, community.pk)
    else:
        require_write(actor, community.division)
    if category not in ReportCategory.values:
        raise ApplicationError("请选择问题类别。/ category is not valid.", field="category")
    description = (description or "").strip()
    if not description:
        raise ApplicationError("请描述问题。/ The description is required.", field="description")
    if (lon is None) != (lat is None) or (lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90)):
        raise ApplicationError("位置坐标无效。/ lon and lat must be a valid WGS84 pair.", field="lon")
    _check_upload(photo, "photo", "照片", "The photo")
    report = SupervisionReport(
        community=community,
        project_ref=(project_ref or "")[:60],
        category=category,
        description=description[:4000],
        location_text=(location_text or "")[:200],
        lon=lon,
        lat=lat,
        reporter=actor,
        is_sample=is_sample,
    )
    if photo is not None:
        report.photo.save(stored_name(f"report-{community.pk}", photo.name), photo, save=False)
    report.save()
    audit_record(actor=actor, action="report_create", obj=report, changes={"category": [None, category]})
    return report


def _report_for_write(actor: User, report_id: int) -> SupervisionReport:
    report = (
        SupervisionReport.objects.select_for_update(of=("self",))
        .select_related("community__division")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFoundError("报事不存在。/ Report not found.")
    require_write(actor, report.community.division)
    return report


@transaction.atomic
def report_respond(*, actor: User, report_id: int, response: str) -> SupervisionReport:
    report = _report_for_write(actor, report_id)
    if report.status != ReportStatus.OPEN:
        raise StateError("只有待处理的报事可以答复。/ Only an open report can be answered.", field="status")
    response = (response or "").strip()
    if not response:
        raise ApplicationError("答复内容必填。/ The response is required.", field="response")
    report.status = ReportStatus.RESPONDED
    report.response = response[:4000]
    report.responded_by = actor
    report.responded_at = timezone.now()
    report.save(update_fields=["status", "response", "responded_by", "responded_at"])
    audit_record(actor=actor, action="report_respond", obj=report, changes={"status": ["open", "responded"]})
    return report


@transaction.atomic
def report_close(*, actor: User, report_id: int, note: str = "") -> SupervisionReport:
    report = _report_for_write(actor, report_id)
    if report.status != ReportStatus.RESPONDED:
        raise StateError("报事须先答复再办结。/ A report is answered before it is closed.", field="status")
    report.status = ReportStatus.CLOSED
    report.closed_at = timezone.now()
    report.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        action="report_close",
        obj=report,
        changes={"status": ["responded", "closed"]},
        reason=note,
    )
    return report


# --- evaluation (六有) ---------------------------------------------------------------------------------------------


@transaction.atomic
def evaluation_create(
    *, actor: User, community_id: int, title: str = "", project_ref: str = "", is_sample: bool = False
) -> EvaluationSurvey:
    community = _community_for_write(actor, community_id)
    survey = EvaluationSurvey.objects.create(
        community=community,
        title=((title or "").strip() or f"{community.name} 改造满意度评价")[:200],
        project_ref=(project_ref or "")[:60],
        created_by=actor,
        is_sample=is_sample,
    )
    audit_record(actor=actor, action="evaluation_create", obj=survey)
    return survey


@transaction.atomic
def evaluation_respond(
    *, actor: User, survey_id: int, scores: dict[str, int], comment: str = ""
) -> EvaluationResponse:
    survey = EvaluationSurvey.objects.filter(pk=survey_id).first()
    if survey is None:
        raise NotFoundError("评价不存在。/ Evaluation not found.")
    owner = _require_owner_in(actor, survey.community_id)
    if survey.status != SurveyStatus.OPEN:
        raise StateError("评价已结束。/ The evaluation is closed.", field="status")
    goals = {g.id for g in liuyou_goals()}
    clean: dict[str, int] = {}
    for goal, score in (scores or {}).items():
        if goal not in goals:
            raise ApplicationError(f"未知的六有目标 {goal}。/ scores: unknown goal {goal}.", field="scores")
        try:
            value = int(score)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            raise ApplicationError(f"{goal} 的评分须为 1 至 5。/ scores.{goal} must be 1..5.", field="scores")
        clean[goal] = value
    if not clean:
        raise ApplicationError("请至少评价一项。/ scores: rate at least one goal.", field="scores")
    response, _ = EvaluationResponse.objects.update_or_create(
        survey=survey, owner=owner, defaults={"scores": clean, "comment": (comment or "")[:2000]}
    )
    audit_record(actor=actor, action="evaluation_respond", obj=survey)
    return response


def evaluation_summary(survey: EvaluationSurvey) -> dict[str, Any]:
    """Mean score (1..5) and satisfaction share (score ≥ 4) per 六有 goal."""
    rows = list(survey.responses.values_list("scores", flat=True))
    goals = []
    all_scores: list[int] = []
    for goal in liuyou_goals():
        values = [int(r[goal.id]) for r in rows if goal.id in r]
        all_scores += values
        goals.append(
            {
                "goal": goal.id,
                "name_zh": goal.name_zh,
                "name_en": goal.name_en,
                "clause": goal.clause,
                "responses": len(values),
                "mean": round(sum(values) / len(values), 2) if values else None,
                "satisfied_share": round(sum(1 for v in values if v >= 4) / len(values), 4)
                if values
                else None,
            }
        )
    return {
        "responses": len(rows),
        "goals": goals,
        "overall_mean": round(sum(all_scores) / len(all_scores), 2) if all_scores else None,
        "overall_satisfied_share": (
            round(sum(1 for v in all_scores if v >= 4) / len(all_scores), 4) if all_scores else None
        ),
    }


@transaction.atomic
def evaluation_close(*, actor: User, survey_id: int) -> EvaluationSurvey:
    """Close the evaluation and store its results for the performance evaluation."""
    survey = EvaluationSurvey.objects.select_for_update().filter(pk=survey_id).first()
    if survey is None:
        raise NotFoundError("评价不存在。/ Evaluation not found.")
    _community_for_write(actor, survey.community_id)
    if survey.status != SurveyStatus.OPEN:
        raise StateError("评价已结束。/ The evaluation is already closed.", field="status")
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = timezone.now()
    survey.results = evaluation_summary(survey)
    survey.save(update_fields=["status", "closed_at", "results"])
    audit_record(actor=actor, action="evaluation_close", obj=survey, changes={"status": ["open", "closed"]})
    return survey


__all__ = [
    "TRANSITIONS",
    "CastResult",
    "ballot_close",
    "ballot_create",
    "ballot_open",
    "ballot_publish",
    "ballot_tally",
    "ballot_transition",
    "chain_verify",
    "evaluation_close",
    "evaluation_create",
    "evaluation_respond",
    "needs_response_submit",
    "needs_survey_close",
    "needs_survey_create",
    "otp_request",
    "otp_verify",
    "report_close",
    "report_create",
    "report_respond",
    "roll_entry_correct",
    "vote_cast",
]
