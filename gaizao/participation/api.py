"""HTTP API of resident participation, mounted at ``/api/v1/participation/``.

Staff reach objects in their scope (others answer 404); owners see and vote only their own ballots; the public
reads published results and checks receipts without logging in.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import login
from django.http import Http404, HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from gaizao.accounts.access import READER_ROLES
from gaizao.accounts.requests import AuthenticatedHttpRequest
from gaizao.accounts.throttle import client_address
from gaizao.participation import selectors, services
from gaizao.participation.models import Ballot, EvaluationSurvey, NeedsSurvey, SupervisionReport
from gaizao.participation.otp import shows_dev_code

#: The default of an optional file parameter: ``File[UploadedFile] | None`` would be read as a query parameter.
NO_FILE = File(None)
router = Router(tags=["participation"])


def _staff(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


def _community_id(request: HttpRequest, community_id: int) -> int:
    if not selectors.communities_for(request.user).filter(pk=community_id).exists():
        raise Http404
    return community_id


# --- schemas --------------------------------------------------------------------------------------------------------


class BallotIn(Schema):
    community_id: int
    purpose: str
    question: str
    matter: int | None = None
    scope_kind: str = "community"
    building_id: int | None = None
    stairwell: str = ""
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    open_vote: bool = False


class BallotOut(Schema):
    id: int
    community_id: int
    community: str
    matter: int
    purpose: str
    question: str
    scope_kind: str
    scope: str
    building_id: int | None
    stairwell: str
    status: str
    open_vote: bool
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    published_at: dt.datetime | None
    approved: bool | None
    quorum_met: bool | None
    vote_count: int
    chain_head: str
    is_sample: bool
    project_ref: str = ""


def _ballot_out(b: Ballot) -> BallotOut:
    return BallotOut(
        id=b.pk,
        community_id=b.community_id,
        community=b.community.name,
        matter=b.matter,
        purpose=b.purpose,
        question=b.question,
        scope_kind=b.scope_kind,
        scope=b.scope_label,
        building_id=b.building_id,
        stairwell=b.stairwell,
        status=b.status,
        open_vote=b.open_vote,
        opens_at=b.opens_at,
        closes_at=b.closes_at,
        opened_at=b.opened_at,
        closed_at=b.closed_at,
        published_at=b.published_at,
        approved=b.approved if b.status in selectors.CLOSED_STATES else None,
        quorum_met=b.quorum_met if b.status in selectors.CLOSED_STATES else None,
        vote_count=b.vote_seq,
        chain_head=b.chain_head if b.status in selectors.CLOSED_STATES else "",
        is_sample=b.is_sample,
        project_ref=b.project_ref,
    )


class TransitionIn(Schema):
    action: str


class VoteIn(Schema):
    choice: str


class CastOut(Schema):
    ballot_id: int
    seq: int
    receipt: str
    replaced: bool
    hash: str


class CorrectionIn(Schema):
    reason: str
    area_m2: Decimal | None = None
    owner_id: int | None = None


class PhoneIn(Schema):
    phone: str


class CodeIn(Schema):
    phone: str
    code: str


class NeedsSurveyIn(Schema):
    community_id: int
    title: str = ""
    item_ids: list[str] | None = None
    max_choices: int = 5


class RankingIn(Schema):
    ranking: list[str]
    comment: str = ""


class ResponseIn(Schema):
    response: str


class NoteIn(Schema):
    note: str = ""


class EvaluationIn(Schema):
    community_id: int
    title: str = ""
    project_ref: str = ""


class ScoresIn(Schema):
    scores: dict[str, int]
    comment: str = ""


def _cast_out(result: services.CastResult) -> CastOut:
    return CastOut(
        ballot_id=result.vote.ballot_id,
        seq=result.vote.seq,
        receipt=result.receipt,
        replaced=result.replaced,
        hash=result.vote.hash,
    )


# --- ballots --------------------------------------------------------------------------------------------------------


@router.get(
    "/ballots",
    response=list[BallotOut],
    summary="Ballots in scope (owners: their own), filtered by community, matter, status and purpose, and "
    "searched by words in the question, community name or project code (q)",
)
def ballot_list(
    request: HttpRequest,
    status: str = "",
    community_id: int | None = None,
    matter: int | None = None,
    purpose: str = "",
    q: str = "",
) -> list[BallotOut]:
    qs = selectors.search_ballots(
        request.user, q=q, community_id=community_id, matter=matter, status=status, purpose=purpose
    )
    return [_ballot_out(b) for b in qs[:500]]


@router.post("/ballots", response={201: BallotOut}, summary="Create a draft ballot")
def ballot_create(request: AuthenticatedHttpRequest, payload: BallotIn) -> Status:
    _community_id(request, payload.community_id)
    ballot = services.ballot_create(actor=request.user, **payload.dict())
    return Status(201, _ballot_out(selectors.get_ballot(request.user, ballot.pk)))


@router.get("/ballots/{ballot_id}", response=BallotOut, summary="One ballot")
def ballot_detail(request: HttpRequest, ballot_id: int) -> BallotOut:
    return _ballot_out(selectors.get_ballot(request.user, ballot_id))


@router.post(
    "/ballots/{ballot_id}/transition", response=BallotOut, summary="Open, close or publish (公示) a ballot"
)
def ballot_transition(request: AuthenticatedHttpRequest, ballot_id: int, payload: TransitionIn) -> BallotOut:
    selectors.get_ballot(request.user, ballot_id)
    services.ballot_transition(actor=request.user, ballot_id=ballot_id, action=payload.action)
    return _ballot_out(selectors.get_ballot(request.user, ballot_id))


@router.get(
    "/ballots/{ballot_id}/tally", summary="Live tally: participation, and approval when choices are visible"
)
def ballot_tally(request: HttpRequest, ballot_id: int) -> dict[str, Any]:
    ballot = selectors.get_ballot(request.user, ballot_id)
    return selectors.tally_dict(request.user, ballot)


@router.get("/ballots/{ballot_id}/outstanding", summary="Owners not yet reached (door-to-door follow-up)")
def ballot_outstanding(request: HttpRequest, ballot_id: int) -> list[dict[str, Any]]:
    _staff(request)
    return selectors.outstanding(request.user, selectors.get_ballot(request.user, ballot_id))


@router.get("/ballots/{ballot_id}/roll", summary="The frozen owner roll with corrections")
def ballot_roll(request: HttpRequest, ballot_id: int) -> list[dict[str, Any]]:
    _staff(request)
    rows = selectors.roll(request.user, selectors.get_ballot(request.user, ballot_id))
    for row in rows:
        row["area_m2"] = str(row["area_m2"])
    return rows


@router.post(
    "/ballots/{ballot_id}/roll/{entry_id}/correct",
    response={201: dict[str, Any]},
    summary="Propose a correction of a roll entry, with a reason (applied when another account approves it)",
)
def ballot_roll_correct(
    request: AuthenticatedHttpRequest, ballot_id: int, entry_id: int, payload: CorrectionIn
) -> Status:
    ballot = selectors.get_ballot(request.user, ballot_id)
    if not ballot.roll.filter(pk=entry_id).exists():
        raise Http404
    proposal = services.roll_correction_propose(
        actor=request.user,
        entry_id=entry_id,
        reason=payload.reason,
        area_m2=payload.area_m2,
        owner_id=payload.owner_id,
    )
    return Status(201, _correction_out(request, ballot, proposal.pk))


def _correction_out(request: HttpRequest, ballot: Ballot, proposal_id: int) -> dict[str, Any]:
    return next(r for r in selectors.roll_corrections(request.user, ballot) if r["id"] == proposal_id)


@router.get("/ballots/{ballot_id}/roll/corrections", summary="Proposed roll corrections and their decisions")
def ballot_roll_corrections(
    request: HttpRequest, ballot_id: int, pending: bool = False
) -> list[dict[str, Any]]:
    _staff(request)
    ballot = selectors.get_ballot(request.user, ballot_id)
    return selectors.roll_corrections(request.user, ballot, pending_only=pending)


@router.post(
    "/ballots/{ballot_id}/roll/corrections/{correction_id}/approve",
    summary="Approve a proposed roll correction (another account than the proposer) and apply it",
)
def ballot_roll_correction_approve(
    request: AuthenticatedHttpRequest, ballot_id: int, correction_id: int
) -> dict[str, Any]:
    ballot = selectors.get_ballot(request.user, ballot_id)
    selectors.get_roll_correction(request.user, ballot, correction_id)
    services.roll_correction_approve(actor=request.user, proposal_id=correction_id)
    return _correction_out(request, ballot, correction_id)


@router.post(
    "/ballots/{ballot_id}/roll/corrections/{correction_id}/reject",
    summary="Reject (or, by the proposer, withdraw) a proposed roll correction",
)
def ballot_roll_correction_reject(
    request: AuthenticatedHttpRequest, ballot_id: int, correction_id: int, payload: NoteIn
) -> dict[str, Any]:
    ballot = selectors.get_ballot(request.user, ballot_id)
    selectors.get_roll_correction(request.user, ballot, correction_id)
    services.roll_correction_reject(actor=request.user, proposal_id=correction_id, note=payload.note)
    return _correction_out(request, ballot, correction_id)


@router.get(
    "/ballots/{ballot_id}/votes", summary="Every paper in order with its hash (choices hidden while secret)"
)
def ballot_votes(request: HttpRequest, ballot_id: int) -> list[dict[str, Any]]:
    _staff(request)
    return selectors.votes_history(request.user, selectors.get_ballot(request.user, ballot_id))


@router.post("/ballots/{ballot_id}/vote", response={201: CastOut}, summary="An owner votes online")
def ballot_vote(request: AuthenticatedHttpRequest, ballot_id: int, payload: VoteIn) -> Status:
    # the service answers 404 unless the caller's units are on this ballot's roll (one query fewer per vote)
    return Status(
        201, _cast_out(services.vote_cast(actor=request.user, ballot_id=ballot_id, choice=payload.choice))
    )


@router.post(
    "/ballots/{ballot_id}/entries",
    response={201: CastOut},
    summary="The organiser enters a paper, door-to-door or proxy ballot (multipart form)",
)
def ballot_entry(
    request: AuthenticatedHttpRequest,
    ballot_id: int,
    owner_id: Form[int],
    choice: Form[str],
    channel: Form[str],
    serial_number: Form[str] = "",
    witness_name: Form[str] = "",
    proxy_name: Form[str] = "",
    scan: UploadedFile | None = NO_FILE,
    proxy_authorisation: UploadedFile | None = NO_FILE,
) -> Status:
    _staff(request)
    selectors.get_ballot(request.user, ballot_id)
    result = services.vote_cast(
        actor=request.user,
        ballot_id=ballot_id,
        owner_id=owner_id,
        choice=choice,
        channel=channel,
        serial_number=serial_number,
        witness_name=witness_name,
        proxy_name=proxy_name,
        scan=scan,
        proxy_authorisation=proxy_authorisation,
    )
    return Status(201, _cast_out(result))


@router.get("/ballots/{ballot_id}/verify", summary="Recompute the hash chain of the ballot's papers")
def ballot_verify(request: HttpRequest, ballot_id: int) -> dict[str, Any]:
    check = services.chain_verify(selectors.get_ballot(request.user, ballot_id))
    return {"ok": check.ok, "count": check.count, "head": check.head, "problems": list(check.problems)}


# --- public ---------------------------------------------------------------------------------------------------------


@router.get("/public/ballots", auth=None, response=list[BallotOut], summary="Published results (公示)")
def public_ballot_list(request: HttpRequest) -> list[BallotOut]:
    return [_ballot_out(b) for b in selectors.public_ballots()[:500]]


@router.get(
    "/public/ballots/{ballot_id}", auth=None, summary="A published result with reasons, figures and chain"
)
def public_ballot_detail(request: HttpRequest, ballot_id: int) -> dict[str, Any]:
    ballot = selectors.public_ballot(ballot_id)
    check = services.chain_verify(ballot)
    return {
        "ballot": _ballot_out(ballot).dict(),
        "result": ballot.result,
        "units_voted": selectors.public_units_voted(ballot),
        "chain": {"ok": check.ok, "count": check.count, "head": check.head},
    }


@router.get("/public/receipts/{code}", auth=None, summary="Check that the paper behind a receipt was counted")
def public_receipt(request: HttpRequest, code: str) -> dict[str, Any]:
    status = selectors.receipt_check(code)
    return {
        "found": status.found,
        "counted": status.counted,
        "replaced": status.replaced,
        "ballot_id": status.ballot.pk if status.ballot else None,
        "ballot_status": status.ballot.status if status.ballot else None,
        "seq": status.seq,
        "hash": status.hash,
        "message": f"{status.status_zh} / {status.status_en}",
    }


# --- owners' login by one-time code -------------------------------------------------------------------------------


@router.post("/otp/request", auth=None, summary="Send a one-time login code to an owner's phone")
def otp_request(request: HttpRequest, payload: PhoneIn) -> dict[str, Any]:
    code = services.otp_request(phone=payload.phone, client=client_address(request))
    out: dict[str, Any] = {
        "message": "如该手机号为登记业主，验证码已发送，5 分钟内有效。/ If the phone is an owner's, a code was sent (valid 5 min)."
    }
    if code and shows_dev_code():
        out["dev_code"] = code
    return out


@router.post("/otp/verify", auth=None, summary="Log in with the one-time code (starts a session)")
def otp_verify(request: HttpRequest, payload: CodeIn) -> dict[str, Any]:
    user = services.otp_verify(phone=payload.phone, code=payload.code)
    login(request, user, backend="gaizao.accounts.backends.ThrottledModelBackend")
    return {"username": user.get_username(), "role": user.role}


# --- needs surveys ----------------------------------------------------------------------------------------------


def _survey_out(s: NeedsSurvey) -> dict[str, Any]:
    return {
        "id": s.pk,
        "community_id": s.community_id,
        "community": s.community.name,
        "title": s.title,
        "item_ids": s.item_ids,
        "max_choices": s.max_choices,
        "status": s.status,
        "is_sample": s.is_sample,
    }


@router.get("/needs-surveys", summary="Needs surveys (问需) in scope")
def needs_survey_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_survey_out(s) for s in selectors.needs_surveys_for(request.user)[:500]]


@router.post(
    "/needs-surveys", response={201: dict}, summary="Create a needs survey from the renovation catalogue"
)
def needs_survey_create(request: AuthenticatedHttpRequest, payload: NeedsSurveyIn) -> Status:
    _community_id(request, payload.community_id)
    survey = services.needs_survey_create(actor=request.user, **payload.dict())
    return Status(201, _survey_out(survey))


@router.get("/needs-surveys/{survey_id}", summary="A needs survey and its item priorities")
def needs_survey_detail(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    survey = selectors.get_needs_survey(request.user, survey_id)
    return {
        **_survey_out(survey),
        "responses": survey.responses.count(),
        "priorities": selectors.priorities_view(survey),
    }


@router.post(
    "/needs-surveys/{survey_id}/responses", response={201: dict}, summary="An owner's ranked choices"
)
def needs_survey_respond(request: AuthenticatedHttpRequest, survey_id: int, payload: RankingIn) -> Status:
    selectors.get_needs_survey(request.user, survey_id)
    response = services.needs_response_submit(
        actor=request.user, survey_id=survey_id, ranking=payload.ranking, comment=payload.comment
    )
    return Status(201, {"survey_id": survey_id, "ranking": response.ranking})


@router.post("/needs-surveys/{survey_id}/close", summary="Close a needs survey")
def needs_survey_close(request: AuthenticatedHttpRequest, survey_id: int) -> dict[str, Any]:
    selectors.get_needs_survey(request.user, survey_id)
    return _survey_out(services.needs_survey_close(actor=request.user, survey_id=survey_id))


@router.get("/needs-priorities", summary="Item priorities of a community's latest needs survey")
def needs_priorities(request: HttpRequest, community_id: int) -> list[dict[str, Any]]:
    _community_id(request, community_id)
    return [{"item_id": i, "score": s} for i, s in selectors.needs_priorities(community_id=community_id)]


# --- supervision reports ------------------------------------------------------------------------------------------


def _report_out(r: SupervisionReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "community_id": r.community_id,
        "community": r.community.name,
        "project_ref": r.project_ref,
        "category": r.category,
        "description": r.description,
        "location_text": r.location_text,
        "lon": r.lon,
        "lat": r.lat,
        "status": r.status,
        "response": r.response,
        "has_photo": bool(r.photo),
        "created_at": r.created_at,
        "responded_at": r.responded_at,
        "closed_at": r.closed_at,
    }


@router.get("/reports/counts", summary="Supervision reports per community, project and status")
def report_counts(request: HttpRequest) -> list[dict[str, Any]]:
    return selectors.report_counts(request.user)


@router.get("/reports", summary="Supervision reports (报事) in scope (owners: their own)")
def report_list(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    qs = selectors.reports_for(request.user)
    if status:
        qs = qs.filter(status=status)
    return [_report_out(r) for r in qs[:500]]


@router.post(
    "/reports", response={201: dict}, summary="Report a problem during works (multipart form, photo)"
)
def report_create(
    request: AuthenticatedHttpRequest,
    community_id: Form[int],
    category: Form[str],
    description: Form[str],
    location_text: Form[str] = "",
    lon: Form[float | None] = None,
    lat: Form[float | None] = None,
    project_ref: Form[str] = "",
    photo: UploadedFile | None = NO_FILE,
) -> Status:
    _community_id(request, community_id)
    report = services.report_create(
        actor=request.user,
        community_id=community_id,
        category=category,
        description=description,
        photo=photo,
        location_text=location_text,
        lon=lon,
        lat=lat,
        project_ref=project_ref,
    )
    return Status(201, _report_out(report))


@router.get("/reports/{report_id}", summary="One supervision report")
def report_detail(request: HttpRequest, report_id: int) -> dict[str, Any]:
    return _report_out(selectors.get_report(request.user, report_id))


@router.post("/reports/{report_id}/respond", summary="The street or contractor responds")
def report_respond(request: AuthenticatedHttpRequest, report_id: int, payload: ResponseIn) -> dict[str, Any]:
    selectors.get_report(request.user, report_id)
    return _report_out(
        services.report_respond(actor=request.user, report_id=report_id, response=payload.response)
    )


@router.post("/reports/{report_id}/close", summary="Close an answered report")
def report_close(request: AuthenticatedHttpRequest, report_id: int, payload: NoteIn) -> dict[str, Any]:
    selectors.get_report(request.user, report_id)
    return _report_out(services.report_close(actor=request.user, report_id=report_id, note=payload.note))


# --- evaluations --------------------------------------------------------------------------------------------------


def _evaluation_out(s: EvaluationSurvey) -> dict[str, Any]:
    return {
        "id": s.pk,
        "community_id": s.community_id,
        "community": s.community.name,
        "title": s.title,
        "project_ref": s.project_ref,
        "status": s.status,
        "results": s.results,
    }


@router.get("/evaluations", summary="Satisfaction evaluations (六有) in scope")
def evaluation_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_evaluation_out(s) for s in selectors.evaluations_for(request.user)[:500]]


@router.post("/evaluations", response={201: dict}, summary="Open a satisfaction evaluation after completion")
def evaluation_create(request: AuthenticatedHttpRequest, payload: EvaluationIn) -> Status:
    _community_id(request, payload.community_id)
    return Status(201, _evaluation_out(services.evaluation_create(actor=request.user, **payload.dict())))


@router.get("/evaluations/{survey_id}", summary="An evaluation with its (live or stored) results")
def evaluation_detail(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    survey = selectors.get_evaluation(request.user, survey_id)
    out = _evaluation_out(survey)
    if survey.results is None:
        out["results"] = services.evaluation_summary(survey)
    return out


@router.post(
    "/evaluations/{survey_id}/responses", response={201: dict}, summary="An owner's scores 1..5 per 六有 goal"
)
def evaluation_respond(request: AuthenticatedHttpRequest, survey_id: int, payload: ScoresIn) -> Status:
    selectors.get_evaluation(request.user, survey_id)
    response = services.evaluation_respond(
        actor=request.user, survey_id=survey_id, scores=payload.scores, comment=payload.comment
    )
    return Status(201, {"survey_id": survey_id, "scores": response.scores})


@router.post(
    "/evaluations/{survey_id}/close", summary="Close and store the results for performance evaluation"
)
def evaluation_close(request: AuthenticatedHttpRequest, survey_id: int) -> dict[str, Any]:
    selectors.get_evaluation(request.user, survey_id)
    return _evaluation_out(services.evaluation_close(actor=request.user, survey_id=survey_id))
