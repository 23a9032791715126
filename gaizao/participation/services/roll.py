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

from gaizao.accounts.access import require_write
from gaizao.accounts.models import User
from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError, NotFoundError, StateError
from gaizao.participation.models import Ballot, BallotStatus, RollCorrection, RollEntry, ScopeKind, Vote
from gaizao.participation.services._common import DEVELOPER_KEY, _locked_ballot
from gaizao.policy import PolicyInputError, VoteTally, get_ruleset, tally_owner_vote
from gaizao.policy import Unit as PolicyUnit
from gaizao.registry.models import Owner, Unit


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
