"""Reads of resident participation. Staff see their scope (``gaizao.accounts.access.scoped``); an owner sees the
ballots whose roll carries their units and the surveys of their communities; the public sees published results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from gaizao.accounts.access import can_write, mask_name, mask_phone, scoped, sees_personal_data
from gaizao.accounts.models import WRITER_ROLES
from gaizao.errors import ApplicationError
from gaizao.participation.chain import receipt_digest
from gaizao.participation.models import (
    Ballot,
    BallotStatus,
    Channel,
    CorrectionStatus,
    EvaluationSurvey,
    NeedsSurvey,
    Purpose,
    ReportStatus,
    RollCorrectionProposal,
    RollEntry,
    ScopeKind,
    SupervisionReport,
    Vote,
)
from gaizao.participation.services import (
    ballot_tally,
    can_approve_correction,
    can_reject_correction,
    owner_of,
)
from gaizao.policy import VoteTally, catalogue_item
from gaizao.registry.models import Community, Owner, Unit

FIELD = "community__division__path"
CLOSED_STATES = (BallotStatus.CLOSED, BallotStatus.PUBLISHED)


def _not_found() -> Http404:
    return Http404("不存在或无权查看 / not found")


def owner_community_ids(owner: Owner) -> set[int]:
    return set(Unit.objects.filter(owner=owner).values_list("building__community_id", flat=True))


# --- communities ---------------------------------------------------------------------------------------------------


def communities_for(user: Any) -> QuerySet[Community]:
    """Communities a user may organise or read participation for."""
    owner = owner_of(user)
    if owner is not None:
        return Community.objects.filter(pk__in=owner_community_ids(owner))
    return scoped(Community.objects.filter(archived_at__isnull=True), user).order_by("name")


def _writable_candidates(user: Any) -> QuerySet[Community]:
    # boundaries deferred: a form lists names, and decoding 2,000 polygons was most of the participation page
    qs = scoped(
        Community.objects.filter(archived_at__isnull=True)
        .select_related("division")
        .defer("boundary", "division__boundary"),
        user,
    )
    return qs.order_by("name")[:2000]


def writable_communities(user: Any) -> list[Community]:
    return [c for c in _writable_candidates(user) if can_write(user, c.division)]


def has_writable_community(user: Any) -> bool:
    """Whether :func:`writable_communities` is not empty, in one ``EXISTS``. Every candidate lies in the user's
    scope, that is at or below the user's own division, so ``can_write`` accepts one exactly when it accepts the
    user's role and division; the candidates are then not empty when any community of the scope is live. Reading
    candidates by name until a writable one sorted the whole scope (126 ms for a district at 220k)."""
    if user is None or not user.is_authenticated or user.role not in WRITER_ROLES or user.division_id is None:
        return False
    return scoped(Community.objects.filter(archived_at__isnull=True), user).exists()


# --- ballots --------------------------------------------------------------------------------------------------------


def ballots_for(user: Any) -> QuerySet[Ballot]:
    base = Ballot.objects.select_related("community__division", "building")
    owner = owner_of(user)
    if owner is not None:
        ids = RollEntry.objects.filter(owner=owner).values("ballot_id")
        return base.filter(pk__in=ids).exclude(status=BallotStatus.DRAFT)
    return scoped(base, user, field=FIELD)


def search_ballots(
    user: Any,
    *,
    q: str = "",
    community_id: int | None = None,
    matter: int | None = None,
    status: str = "",
    purpose: str = "",
) -> QuerySet[Ballot]:
    """``ballots_for(user)`` narrowed by community, Art. 278 matter, status and purpose, and by ``q`` — words
    that must each appear in the question, the community's name or the project code. Unknown values are refused,
    naming the filter."""
    qs = ballots_for(user)
    if status:
        if status not in BallotStatus.values:
            raise ApplicationError(
                f"状态须为 {'、'.join(BallotStatus.values)} 之一。/ status must be one of "
                f"{', '.join(BallotStatus.values)}.",
                field="status",
            )
        qs = qs.filter(status=status)
    if purpose:
        if purpose not in Purpose.values:
            raise ApplicationError(
                f"用途须为 {'、'.join(Purpose.values)} 之一。/ purpose must be one of {', '.join(Purpose.values)}.",
                field="purpose",
            )
        qs = qs.filter(purpose=purpose)
    if matter is not None:
        if not 1 <= matter <= 9:
            raise ApplicationError(
                "表决事项须为民法典第278条第一款第1至9项。/ matter must be an item 1..9 of Civil Code Art. 278.",
                field="matter",
            )
        qs = qs.filter(matter=matter)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    for word in (q or "").split()[:5]:
        qs = qs.filter(
            Q(question__icontains=word) | Q(community__name__icontains=word) | Q(project_ref__icontains=word)
        )
    return qs


def get_ballot(user: Any, pk: int | str) -> Ballot:
    ballot = ballots_for(user).filter(pk=pk).first()
    if ballot is None:
        raise _not_found()
    return ballot


def can_manage(user: Any, ballot: Ballot) -> bool:
    return can_write(user, ballot.community.division)


def choices_visible(user: Any, ballot: Ballot) -> bool:
    """Organisers see how owners voted only after closing, unless the community's rules make the vote open."""
    if ballot.status in CLOSED_STATES:
        return True
    return bool(ballot.open_vote and owner_of(user) is None)


def _pct(value: Fraction | None) -> float:
    return round(float(value) * 100, 2) if value is not None else 0.0


def _bar(
    label_zh: str, label_en: str, value: Fraction | None, threshold: Fraction, comparison: str, detail: str
) -> dict[str, Any]:
    met = value is not None and (value >= threshold if comparison == "at_least" else value > threshold)
    return {
        "label_zh": label_zh,
        "label_en": label_en,
        "percent": _pct(value),
        "threshold": _pct(threshold),
        "symbol": "≥" if comparison == "at_least" else ">",
        "met": met,
        "detail": detail,
    }


def tally_view(user: Any, ballot: Ballot, tally: VoteTally | None = None) -> dict[str, Any]:
    """Progress bars of participation (always) and approval (when choices are visible) against the thresholds."""
    if ballot.status == BallotStatus.DRAFT:
        return {"bars": [], "visible": False, "reasons": [], "draft": True}
    tally = tally or ballot_tally(ballot)
    visible = choices_visible(user, ballot)
    q, a = tally.quorum, tally.approval
    bars = [
        _bar(
            "参与表决面积",
            "Participating area",
            tally.participating_area_ratio,
            q.area,
            q.comparison,
            f"{tally.participating_area} / {tally.total_area} m²",
        ),
        _bar(
            "参与表决人数",
            "Participating owners",
            tally.participating_owners_ratio,
            q.owners,
            q.comparison,
            f"{tally.participating_owners} / {tally.total_owners}",
        ),
    ]
    if visible:
        bars += [
            _bar(
                "同意面积（占参与）",
                "Yes area (of participating)",
                tally.yes_area_ratio,
                a.area,
                a.comparison,
                f"{tally.yes_area} / {tally.participating_area} m²",
            ),
            _bar(
                "同意人数（占参与）",
                "Yes owners (of participating)",
                tally.yes_owners_ratio,
                a.owners,
                a.comparison,
                f"{tally.yes_owners} / {tally.participating_owners}",
            ),
        ]
    reasons = (
        [r.to_dict() for r in tally.reasons]
        if visible
        else [
            r.to_dict()
            for r in tally.reasons
            if not r.code.startswith(
                ("vote.approval", "vote.approved", "vote.rejected", "vote.participation", "vote.quorum_not")
            )
        ]
    )
    return {
        "bars": bars,
        "visible": visible,
        "reasons": reasons,
        "draft": False,
        "tally": tally,
        "counts": {
            "unit_count": tally.unit_count,
            "total_owners": tally.total_owners,
            "participating_owners": tally.participating_owners,
            "yes_owners": tally.yes_owners if visible else None,
            "no_owners": tally.no_owners if visible else None,
            "abstain_owners": tally.abstain_owners if visible else None,
        },
        "quorum_met": tally.quorum_met,
        "approved": tally.approved if visible else None,
    }


def tally_dict(user: Any, ballot: Ballot) -> dict[str, Any]:
    view = tally_view(user, ballot)
    view.pop("tally", None)
    return view


def _owner_label(user: Any, owner: Owner | None) -> tuple[str, str]:
    if owner is None:
        return ("（业主未登记）", "")
    if sees_personal_data(user):
        return owner.name, owner.phone
    return mask_name(owner.name), mask_phone(owner.phone) if owner.phone else ""


def outstanding(user: Any, ballot: Ballot) -> list[dict[str, Any]]:
    """Owners on the roll without a counted paper: the door-to-door follow-up list (names masked per role)."""
    voted = set(Vote.objects.filter(ballot=ballot, is_current=True).values_list("owner_key", flat=True))
    by_key: dict[str, dict[str, Any]] = {}
    for entry in RollEntry.objects.filter(ballot=ballot).select_related("owner").order_by("unit_label"):
        if entry.owner_key in voted:
            continue
        row = by_key.get(entry.owner_key)
        if row is None:
            name, phone = _owner_label(user, entry.owner)
            row = by_key[entry.owner_key] = {
                "owner_id": entry.owner_id,
                "owner_key": entry.owner_key,
                "name": name,
                "phone": phone,
                "units": [],
                "developer": entry.developer_held,
            }
        row["units"].append(entry.unit_label)
    return list(by_key.values())


def roll(user: Any, ballot: Ballot) -> list[dict[str, Any]]:
    rows = []
    entries = (
        RollEntry.objects.filter(ballot=ballot)
        .select_related("owner")
        .prefetch_related("corrections__actor", "corrections__approved_by")
    )
    for entry in entries.order_by("unit_label"):
        name, _phone = _owner_label(user, entry.owner)
        rows.append(
            {
                "id": entry.pk,
                "unit": entry.unit_label,
                "owner_id": entry.owner_id,
                "owner": name,
                "owner_key": entry.owner_key,
                "area_m2": entry.area_m2,
                "area_source": entry.area_source,
                "developer_held": entry.developer_held,
                "corrections": [
                    {
                        "field": c.field,
                        "old": c.old_value,
                        "new": c.new_value,
                        "reason": c.reason,
                        "at": c.at,
                        "proposed_by": _account_label(c.actor),
                        "approved_by": _account_label(c.approved_by),
                    }
                    for c in entry.corrections.all()
                ],
            }
        )
    return rows


def _account_label(user: Any) -> str:
    return (user.display_name or user.username) if user is not None else ""


def get_roll_correction(user: Any, ballot: Ballot, pk: int | str) -> RollCorrectionProposal:
    """A proposed correction of ``ballot``'s roll (the ballot already scoped by ``get_ballot``), else 404."""
    proposal = RollCorrectionProposal.objects.filter(pk=pk, entry__ballot=ballot).first()
    if proposal is None:
        raise _not_found()
    return proposal


def roll_corrections(user: Any, ballot: Ballot, *, pending_only: bool = False) -> list[dict[str, Any]]:
    """Proposed corrections of ``ballot``'s roll, oldest first, with what ``user`` may do about each (the same
    ``can_*`` checks the services apply). Owners' names follow the roll's masking."""
    qs = RollCorrectionProposal.objects.filter(entry__ballot=ballot).select_related(
        "entry", "owner", "proposed_by", "decided_by"
    )
    if pending_only:
        qs = qs.filter(status=CorrectionStatus.PENDING)
    rows = []
    for proposal in qs.order_by("proposed_at", "pk"):
        proposal.entry.ballot = ballot
        name, _phone = _owner_label(user, proposal.owner) if proposal.owner_id else ("", "")
        rows.append(
            {
                "id": proposal.pk,
                "entry_id": proposal.entry_id,
                "unit": proposal.entry.unit_label,
                "area_m2": str(proposal.area_m2) if proposal.area_m2 is not None else None,
                "owner_id": proposal.owner_id,
                "owner": name,
                "reason": proposal.reason,
                "status": proposal.status,
                "proposed_by": _account_label(proposal.proposed_by),
                "proposed_at": proposal.proposed_at,
                "decided_by": _account_label(proposal.decided_by),
                "decided_at": proposal.decided_at,
                "decision_note": proposal.decision_note,
                "can_approve": can_approve_correction(user, proposal),
                "can_reject": can_reject_correction(user, proposal),
            }
        )
    return rows


def votes_history(user: Any, ballot: Ballot) -> list[dict[str, Any]]:
    """Every paper in order, with its hash; the choice only when visible."""
    visible = choices_visible(user, ballot)
    personal = sees_personal_data(user)
    rows = []
    for v in Vote.objects.filter(ballot=ballot).select_related("owner").order_by("seq"):
        name, _ = _owner_label(user, v.owner)
        rows.append(
            {
                "seq": v.seq,
                "owner": name,
                "channel": v.channel,
                "choice": v.choice if visible else None,
                "is_current": v.is_current,
                "cast_at": v.cast_at,
                "serial_number": v.serial_number,
                "witness_name": v.witness_name if personal else mask_name(v.witness_name),
                "proxy_name": v.proxy_name if personal else mask_name(v.proxy_name),
                "needs_review": v.needs_review,
                "has_scan": bool(v.scan),
                "has_authorisation": bool(v.proxy_authorisation),
                "hash": v.hash,
            }
        )
    return rows


def papers_for_owner(user: Any) -> list[Vote]:
    """The papers others entered on the owner's behalf (paper, door-to-door, proxy), newest first, so the owner
    sees every vote recorded in their name that they did not cast themself."""
    owner = owner_of(user)
    if owner is None:
        return []
    qs = Vote.objects.filter(owner=owner).exclude(channel=Channel.ONLINE).select_related("ballot")
    return list(qs.order_by("-cast_at")[:50])


def notices_for(user: Any) -> list[Any]:
    """The account's own notices, newest first."""
    from gaizao.accounts.models import Notice

    if user is None or not user.is_authenticated:
        return []
    return list(Notice.objects.filter(user=user)[:50])


def my_vote(user: Any, ballot: Ballot) -> Vote | None:
    owner = owner_of(user)
    if owner is None:
        return None
    return Vote.objects.filter(ballot=ballot, owner=owner, is_current=True).first()


# --- cross-app interface (programme) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotOutcome:
    ballot_id: int
    purpose: str
    matter: int
    status: str
    approved: bool
    quorum_met: bool
    closed_at: dt.datetime | None
    reasons: tuple[dict[str, str], ...]
    scope_kind: str = ScopeKind.COMMUNITY
    scope_key: str = ""
    scope_label: str = ""
    project_ref: str = ""


def _outcome(ballot: Ballot) -> BallotOutcome:
    result = ballot.result or {}
    return BallotOutcome(
        ballot_id=ballot.pk,
        purpose=ballot.purpose,
        matter=ballot.matter,
        status=ballot.status,
        approved=bool(ballot.approved),
        quorum_met=bool(ballot.quorum_met),
        closed_at=ballot.closed_at,
        reasons=tuple(result.get("reasons", ())),
        scope_kind=ballot.scope_kind,
        scope_key=ballot.scope_key,
        scope_label=ballot.scope_label,
        project_ref=ballot.project_ref,
    )


def ballot_outcomes(*, ballot_ids: list[int]) -> dict[int, BallotOutcome | None]:
    """Each ballot's outcome once it is closed or published; None while it is a draft or open."""
    found = {
        b.pk: b for b in Ballot.objects.select_related("community", "building").filter(pk__in=ballot_ids)
    }
    return {
        pk: _outcome(found[pk]) if pk in found and found[pk].status in CLOSED_STATES else None
        for pk in ballot_ids
    }


def ballot_status(*, ballot_id: int) -> str:
    """The lifecycle status of one ballot (draft, open, closed, published)."""
    return str(Ballot.objects.values_list("status", flat=True).get(pk=ballot_id))


def stairwell_ballot_outcome(*, building_id: int, stairwell: str, purpose: str) -> BallotOutcome | None:
    """The latest closed or published ballot of one stairwell for ``purpose`` (an elevator), or None."""
    ballot = (
        Ballot.objects.select_related("community", "building")
        .filter(scope_key=f"s{building_id}:{stairwell}", purpose=purpose, status__in=CLOSED_STATES)
        .order_by("-closed_at", "-id")
        .first()
    )
    return _outcome(ballot) if ballot is not None else None


def latest_ballot_outcome(*, community_id: int, purpose: str) -> BallotOutcome | None:
    """The result of the community's latest closed or published ballot for ``purpose``, or None."""
    ballot = (
        Ballot.objects.filter(community_id=community_id, purpose=purpose, status__in=CLOSED_STATES)
        .order_by("-closed_at", "-id")
        .first()
    )
    if ballot is None:
        return None
    result = ballot.result or {}
    return BallotOutcome(
        ballot_id=ballot.pk,
        purpose=ballot.purpose,
        matter=ballot.matter,
        status=ballot.status,
        approved=bool(ballot.approved),
        quorum_met=bool(ballot.quorum_met),
        closed_at=ballot.closed_at,
        reasons=tuple(result.get("reasons", ())),
    )


def needs_priorities(*, community_id: int) -> list[tuple[str, float]]:
    """Catalogue item id → normalised score in [0, 1], best first, from the community's latest answered survey.

    Borda count: an item ranked i-th (from 0) in an answer of a survey allowing k choices earns k − i points; the
    score is the points over the most an item could earn (every answer ranking it first).
    """
    survey = (
        NeedsSurvey.objects.filter(community_id=community_id)
        .annotate(n=Count("responses"))
        .filter(n__gt=0)
        .order_by("-created_at", "-id")
        .first()
    )
    if survey is None:
        return []
    return survey_priorities(survey)


def survey_priorities(survey: NeedsSurvey) -> list[tuple[str, float]]:
    k = survey.max_choices
    points: dict[str, int] = {}
    rankings = list(survey.responses.values_list("ranking", flat=True))
    for ranking in rankings:
        for i, item_id in enumerate(ranking[:k]):
            points[item_id] = points.get(item_id, 0) + (k - i)
    if not rankings:
        return []
    most = len(rankings) * k
    scored = [(item_id, round(p / most, 4)) for item_id, p in points.items()]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


def priorities_view(survey: NeedsSurvey) -> list[dict[str, Any]]:
    rows = []
    for item_id, score in survey_priorities(survey):
        item = catalogue_item(item_id)
        rows.append(
            {
                "id": item_id,
                "name_zh": item.name_zh,
                "name_en": item.name_en,
                "score": score,
                "percent": round(score * 100, 1),
                "category": item.category,
            }
        )
    return rows


# --- public ---------------------------------------------------------------------------------------------------------


def public_ballots() -> QuerySet[Ballot]:
    return (
        Ballot.objects.filter(status=BallotStatus.PUBLISHED)
        .select_related("community", "building")
        .order_by("-published_at", "-id")
    )


def public_ballot(pk: int | str) -> Ballot:
    ballot = public_ballots().filter(pk=pk).first()
    if ballot is None:
        raise _not_found()
    return ballot


def public_units_voted(ballot: Ballot) -> list[str]:
    """Units whose owner has a counted paper, shown masked (building and floor only: 1幢2单元3**室)."""
    voted = set(Vote.objects.filter(ballot=ballot, is_current=True).values_list("owner_key", flat=True))
    out = []
    for label, key in RollEntry.objects.filter(ballot=ballot).values_list("unit_label", "owner_key"):
        if key in voted:
            head, _, room = label.rpartition("单元") if "单元" in label else ("", "", label)
            prefix = head + "单元" if head else ""
            room = room.replace("室", "")
            out.append(f"{prefix}{room[:1]}{'*' * max(1, len(room) - 1)}室")
    return sorted(out)


@dataclass(frozen=True)
class ReceiptStatus:
    found: bool
    counted: bool = False
    replaced: bool = False
    ballot: Ballot | None = None
    seq: int | None = None
    hash: str = ""
    channel: str = ""
    cast_at: dt.datetime | None = None
    status_zh: str = ""
    status_en: str = ""


def receipt_check(code: str) -> ReceiptStatus:
    """Whether the paper behind a receipt is counted. Never reveals the choice or the owner."""
    if not code or len(code) > 40:
        return ReceiptStatus(found=False, status_zh="未找到该回执。", status_en="No paper has this receipt.")
    vote = (
        Vote.objects.select_related("ballot__community").filter(receipt_digest=receipt_digest(code)).first()
    )
    if vote is None:
        return ReceiptStatus(found=False, status_zh="未找到该回执。", status_en="No paper has this receipt.")
    ballot = vote.ballot
    if not vote.is_current:
        zh, en = (
            "该选票已被同一业主后来的选票替代，不计入。",
            "This paper was replaced by the owner's later paper; it is not counted.",
        )
    elif ballot.status == BallotStatus.OPEN:
        zh, en = (
            "该选票已记录，为该业主的有效票；表决截止后计入结果。",
            "Recorded as the owner's current paper; counted when the vote closes.",
        )
    else:
        zh, en = "该选票已计入表决结果。", "This paper is counted in the result."
    return ReceiptStatus(
        found=True,
        counted=vote.is_current and ballot.status in CLOSED_STATES,
        replaced=not vote.is_current,
        ballot=ballot,
        seq=vote.seq,
        hash=vote.hash,
        channel=vote.channel,
        cast_at=vote.cast_at,
        status_zh=zh,
        status_en=en,
    )


# --- needs surveys, reports, evaluations ------------------------------------------------------------------------------


def _community_filtered(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    owner = owner_of(user)
    if owner is not None:
        return qs.filter(community_id__in=owner_community_ids(owner))
    return scoped(qs, user, field=FIELD)


def needs_surveys_for(user: Any) -> QuerySet[NeedsSurvey]:
    return _community_filtered(NeedsSurvey.objects.select_related("community__division"), user)


def get_needs_survey(user: Any, pk: int | str) -> NeedsSurvey:
    survey = needs_surveys_for(user).filter(pk=pk).first()
    if survey is None:
        raise _not_found()
    return survey


def reports_for(user: Any) -> QuerySet[SupervisionReport]:
    qs = SupervisionReport.objects.select_related("community__division", "reporter")
    if owner_of(user) is not None:
        return qs.filter(reporter=user)
    return scoped(qs, user, field=FIELD)


def get_report(user: Any, pk: int | str) -> SupervisionReport:
    report = reports_for(user).filter(pk=pk).first()
    if report is None:
        raise _not_found()
    return report


def report_counts(user: Any) -> list[dict[str, Any]]:
    """Reports per community and status (the supervision figures per community / project)."""
    counts: dict[tuple[int, str, str], dict[str, Any]] = {}
    rows = (
        reports_for(user)
        .values("community_id", "community__name", "project_ref", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        key = (row["community_id"], row["community__name"], row["project_ref"])
        entry = counts.setdefault(
            key,
            {
                "community_id": key[0],
                "community": key[1],
                "project_ref": key[2],
                **{s: 0 for s in ReportStatus.values},
                "total": 0,
            },
        )
        entry[row["status"]] += row["n"]
        entry["total"] += row["n"]
    return sorted(counts.values(), key=lambda e: (-e["total"], e["community"]))


def evaluations_for(user: Any) -> QuerySet[EvaluationSurvey]:
    return _community_filtered(EvaluationSurvey.objects.select_related("community__division"), user)


def get_evaluation(user: Any, pk: int | str) -> EvaluationSurvey:
    survey = evaluations_for(user).filter(pk=pk).first()
    if survey is None:
        raise _not_found()
    return survey


def evaluation_results(*, community_id: int) -> list[dict[str, Any]]:
    """Stored results of the community's closed evaluations (for the performance evaluation), latest first."""
    return [
        {"survey_id": s.pk, "project_ref": s.project_ref, "closed_at": s.closed_at, **(s.results or {})}
        for s in EvaluationSurvey.objects.filter(community_id=community_id, status="closed").order_by(
            "-closed_at"
        )
    ]


def can_write_community(user: Any, community: Community) -> bool:
    return can_write(user, community.division)
