"""The owner roll of a ballot: checked against the registry, frozen when the ballot opens (fetch the scope's
units → calculate the rows → store them), corrected while it is open, and counted by
``gaizao.policy.tally_owner_vote``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.accounts.access import can_write, require_write
from gaizao.accounts.models import User
from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.errors import ApplicationError, NotFoundError, PermissionError_, StateError
from gaizao.participation.models import (
    Ballot,
    BallotStatus,
    CorrectionStatus,
    RollCorrection,
    RollCorrectionProposal,
    RollEntry,
    ScopeKind,
    Vote,
)
from gaizao.participation.services._common import DEVELOPER_KEY, _locked_ballot
from gaizao.policy import PolicyInputError, VoteTally, get_ruleset, tally_owner_vote
from gaizao.policy import Unit as PolicyUnit
from gaizao.registry.models import Owner, Unit


def _scope_units(ballot: Ballot) -> Iterable[Unit]:
    qs = Unit.objects.select_related("building").filter(building__community_id=ballot.community_id)
    if ballot.scope_kind in (ScopeKind.BUILDING, ScopeKind.STAIRWELL):
        qs = qs.filter(building=ballot.building)
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


#: A proposed correction waits for a second account; approving applies it, rejecting drops it, and one still
#: pending when the ballot closes lapses (the roll is final once counted).
CORRECTION_MACHINE = StateMachine(
    "roll_correction",
    CorrectionStatus,
    {
        CorrectionStatus.PENDING: frozenset(
            {CorrectionStatus.APPROVED, CorrectionStatus.REJECTED, CorrectionStatus.LAPSED}
        )
    },
    field="status",
)


def _refuse_lapsed(proposal: RollCorrectionProposal) -> None:
    if proposal.status == CorrectionStatus.LAPSED:
        raise StateError(
            f"{proposal.entry.unit_label} 的名册更正申请已因表决截止而失效，不能再批准或驳回。/ "
            f"{proposal.entry.unit_label}: status: the proposed correction lapsed when the ballot closed; it can no "
            "longer be approved or rejected.",
            code="roll.correction_lapsed",
            field="status",
        )


def roll_corrections_lapse(ballot: Ballot, *, actor: User | None) -> list[int]:
    """Lapse every correction of ``ballot``'s roll still pending as the ballot closes (called by every close path,
    inside its transaction, with the ballot locked): the counted roll is final, so they can never be approved.
    Each is audited with its reason. Returns the ids lapsed."""
    when = timezone.localtime(ballot.closed_at or timezone.now())
    reason = (
        f"表决已于 {when:%Y-%m-%d %H:%M} 截止，未复核的名册更正失效。/ The ballot closed on {when:%Y-%m-%d %H:%M}; "
        "the correction was not decided and lapsed."
    )
    lapsed: list[int] = []
    pending = (
        RollCorrectionProposal.objects.select_for_update(of=("self",))
        .select_related("entry")
        .filter(entry__ballot=ballot, status=CorrectionStatus.PENDING)
        .order_by("pk")
    )
    for proposal in pending:
        before = CORRECTION_MACHINE.check(proposal, CorrectionStatus.LAPSED)
        proposal.status = CorrectionStatus.LAPSED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.decision_note = reason
        proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action="roll_correction_lapse",
            obj=ballot,
            changes={"proposal": [before, proposal.status], "entry": [None, proposal.entry.unit_label]},
            reason=reason,
        )
        lapsed.append(proposal.pk)
    return lapsed


def _require_open_roll(ballot: Ballot) -> None:
    if ballot.status != BallotStatus.OPEN:
        raise StateError(
            "只有表决中的名册可以更正。/ Only the roll of an open ballot can be corrected.", field="status"
        )


def _correction_changes(
    ballot: Ballot, entry: RollEntry, area: Decimal | None, owner: Owner | None
) -> dict[str, list[Any]]:
    """What applying ``area`` and ``owner`` to ``entry`` would change, as audit ``changes`` (old, new)."""
    changes: dict[str, list[Any]] = {}
    if area is not None and area != entry.area_m2:
        changes["area_m2"] = [str(entry.area_m2), str(area)]
        changes["area_source"] = [entry.area_source, "correction"]
    if owner is not None and owner.pk != entry.owner_id:
        old_key = entry.owner_key
        others = RollEntry.objects.filter(ballot=ballot, owner_key=old_key).exclude(pk=entry.pk).exists()
        if not others and Vote.objects.filter(ballot=ballot, owner_key=old_key, is_current=True).exists():
            raise StateError(
                f"{entry.unit_label}：原业主已投票且将不在名册上，请先核实其选票。/ {entry.unit_label}: owner_id: the "
                "previous owner has voted and would leave the roll.",
                field="owner_id",
            )
        changes["owner_id"] = [entry.owner_id, owner.pk]
    return changes


def can_propose_correction(user: Any, ballot: Ballot) -> bool:
    """Whether ``user`` may propose a correction of ``ballot``'s roll (an organiser, while the ballot is open)."""
    return ballot.status == BallotStatus.OPEN and can_write(user, ballot.community.division)


def can_approve_correction(user: Any, proposal: RollCorrectionProposal) -> bool:
    """Whether ``user`` may approve ``proposal``: a pending proposal of an open ballot, an organiser of its
    community, and not the account that proposed it (two people for every change of the frozen roll)."""
    ballot = proposal.entry.ballot
    return (
        CORRECTION_MACHINE.allows(proposal, CorrectionStatus.APPROVED)
        and ballot.status == BallotStatus.OPEN
        and getattr(user, "pk", None) is not None
        and user.pk != proposal.proposed_by_id
        and can_write(user, ballot.community.division)
    )


def can_reject_correction(user: Any, proposal: RollCorrectionProposal) -> bool:
    """Whether ``user`` may reject ``proposal`` (any organiser of its community, the proposer included)."""
    return CORRECTION_MACHINE.allows(proposal, CorrectionStatus.REJECTED) and can_write(
        user, proposal.entry.ballot.community.division
    )


@transaction.atomic
def roll_correction_propose(
    *,
    actor: User,
    entry_id: int,
    reason: str,
    area_m2: Decimal | str | None = None,
    owner_id: int | None = None,
) -> RollCorrectionProposal:
    """Propose a correction of a frozen roll entry (area or owner) while the ballot is open. It takes effect only
    when another authorised account approves it (``roll_correction_approve``); the proposal and its reason stay."""
    entry = RollEntry.objects.select_related("ballot").filter(pk=entry_id).first()
    if entry is None:
        raise NotFoundError("名册条目不存在。/ Roll entry not found.")
    ballot = _locked_ballot(entry.ballot_id)
    require_write(actor, ballot.community.division)
    _require_open_roll(ballot)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "更正名册必须说明原因。/ A reason is required to correct the roll.", field="reason"
        )
    area = None
    if area_m2 not in (None, ""):
        try:
            area = Decimal(str(area_m2)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise ApplicationError("面积须为数字。/ area_m2 must be a number.", field="area_m2") from None
        if area <= 0:
            raise ApplicationError("面积须大于零。/ area_m2 must be positive.", field="area_m2")
    owner = None
    if owner_id:  # no owner has the id 0; a form's empty field is "no change"
        owner = (
            Owner.objects.filter(pk=owner_id, division=ballot.community.division).first()
            or Owner.objects.filter(pk=owner_id, units__building__community=ballot.community).first()
        )
        if owner is None:
            raise ApplicationError("业主不存在。/ owner_id: owner not found.", field="owner_id")
    changes = _correction_changes(ballot, entry, area, owner)
    if not changes:
        raise ApplicationError("没有需要更正的内容。/ Nothing to correct.", field="area_m2")
    if RollCorrectionProposal.objects.filter(entry=entry, status=CorrectionStatus.PENDING).exists():
        raise StateError(
            f"{entry.unit_label} 已有待复核的更正，请先批准或驳回。/ {entry.unit_label} already has a pending "
            "correction; approve or reject it first.",
            field="entry_id",
        )
    proposal = RollCorrectionProposal.objects.create(
        entry=entry,
        area_m2=area if "area_m2" in changes else None,
        owner=owner if "owner_id" in changes else None,
        reason=reason,
        proposed_by=actor,
    )
    audit_record(
        actor=actor,
        action="roll_correction_propose",
        obj=ballot,
        changes={"proposal": [None, proposal.pk], "entry": [None, entry.unit_label], **changes},
        reason=reason,
    )
    return proposal


def _locked_proposal(proposal_id: int) -> tuple[RollCorrectionProposal, Ballot]:
    entry_ballot = (
        RollCorrectionProposal.objects.filter(pk=proposal_id)
        .values_list("entry__ballot_id", flat=True)
        .first()
    )
    if entry_ballot is None:
        raise NotFoundError("名册更正申请不存在。/ Proposed roll correction not found.")
    ballot = _locked_ballot(entry_ballot)  # the ballot first, as every roll and paper write takes it
    proposal = (
        RollCorrectionProposal.objects.select_for_update(of=("self",))
        .select_related("entry", "owner")
        .get(pk=proposal_id)
    )
    proposal.entry.ballot = ballot
    return proposal, ballot


@transaction.atomic
def roll_correction_approve(*, actor: User, proposal_id: int) -> RollEntry:
    """Approve a proposed correction as a second authorised account and apply it to the frozen roll; the changes
    are kept as ``RollCorrection`` rows naming the proposer and the approver."""
    proposal, ballot = _locked_proposal(proposal_id)
    require_write(actor, ballot.community.division)
    _refuse_lapsed(proposal)
    _require_open_roll(ballot)
    if actor.pk == proposal.proposed_by_id:
        raise PermissionError_(
            "名册更正须由提出人以外的另一名工作人员批准。/ A roll correction is approved by another account than "
            "the one that proposed it.",
            code="roll.same_approver",
        )
    before = CORRECTION_MACHINE.check(proposal, CorrectionStatus.APPROVED)
    entry = proposal.entry
    changes = _correction_changes(ballot, entry, proposal.area_m2, proposal.owner)
    if not changes:
        raise StateError(
            f"{entry.unit_label} 的名册已与申请一致，无需批准，请驳回。/ {entry.unit_label}: the roll already matches "
            "the proposal; reject it.",
            field="status",
        )
    if "area_m2" in changes and proposal.area_m2 is not None:
        entry.area_m2 = proposal.area_m2
        entry.area_source = "correction"
    if "owner_id" in changes:
        entry.owner = proposal.owner
        entry.owner_key = DEVELOPER_KEY if entry.developer_held else str(proposal.owner_id)
    entry.corrected = True
    entry.save(update_fields=["area_m2", "area_source", "owner", "owner_key", "corrected"])
    RollCorrection.objects.bulk_create(
        [
            RollCorrection(
                entry=entry,
                field=name,
                old_value=str(old)[:80],
                new_value=str(new)[:80],
                reason=proposal.reason,
                actor_id=proposal.proposed_by_id,
                approved_by=actor,
                proposal=proposal,
            )
            for name, (old, new) in changes.items()
        ]
    )
    _tally_rows(ballot, RollEntry.objects.filter(ballot=ballot), {})
    proposal.status = CorrectionStatus.APPROVED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="roll_correct",
        obj=ballot,
        changes={"proposal": [before, proposal.status], "entry": [None, entry.unit_label], **changes},
        reason=proposal.reason,
    )
    return entry


@transaction.atomic
def roll_correction_reject(*, actor: User, proposal_id: int, note: str = "") -> RollCorrectionProposal:
    """Reject (or, by its proposer, withdraw) a proposed correction; the roll stays as it is."""
    proposal, ballot = _locked_proposal(proposal_id)
    require_write(actor, ballot.community.division)
    _refuse_lapsed(proposal)
    CORRECTION_MACHINE.move(proposal, to=CorrectionStatus.REJECTED, actor=actor, save=False, audit=False)
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_note = (note or "").strip()[:2000]
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="roll_correction_reject",
        obj=ballot,
        changes={
            "proposal": [proposal.pk, CorrectionStatus.REJECTED],
            "entry": [None, proposal.entry.unit_label],
        },
        reason=proposal.decision_note,
    )
    return proposal
