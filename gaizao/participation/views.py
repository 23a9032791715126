"""Pages of resident participation: few steps, large buttons, usable on a phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from gaizao.accounts.access import READER_ROLES
from gaizao.accounts.requests import AuthenticatedHttpRequest
from gaizao.accounts.throttle import client_address
from gaizao.errors import ApplicationError
from gaizao.participation import selectors, services
from gaizao.participation.jobs import due_ballots
from gaizao.participation.models import (
    BallotStatus,
    Channel,
    Choice,
    Purpose,
    ReportCategory,
    ScopeKind,
)
from gaizao.participation.otp import shows_dev_code
from gaizao.policy import catalogue_item, catalogue_items, liuyou_goals, vote_matters
from gaizao.registry.models import Building


def _error(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


def _staff(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


def _redirect(name: str, *args: Any) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse(f"participation:{name}", args=args))


# --- index and login ------------------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    owner = services.owner_of(user)
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "community", "matter", "status", "purpose")}
    try:
        ballots = selectors.search_ballots(
            user,
            q=filters["q"],
            community_id=int(filters["community"]) if filters["community"].isdigit() else None,
            matter=int(filters["matter"]) if filters["matter"].isdigit() else None,
            status=filters["status"],
            purpose=filters["purpose"],
        )
    except ApplicationError as exc:
        _error(request, exc)
        ballots = selectors.ballots_for(user)
    # the lists name communities only: their boundaries (and their divisions', ~47 KB for a district) stay unread
    no_boundary = ("community__boundary", "community__division__boundary")
    context = {
        "owner": owner,
        "ballots": ballots.defer(*no_boundary)[:100],
        "filters": filters,
        "filtering": any(filters.values()),
        "filter_communities": selectors.communities_for(user).only("id", "name")[:500],
        "statuses": BallotStatus.choices,
        "purposes": Purpose.choices,
        "matters": vote_matters(),
        "surveys": selectors.needs_surveys_for(user).defer(*no_boundary)[:50],
        "evaluations": selectors.evaluations_for(user).defer(*no_boundary)[:50],
        "report_counts": selectors.report_counts(user)[:50],
        "can_create": owner is None and selectors.has_writable_community(user),
        "due": due_ballots(user).count() if owner is None else 0,
        "is_staff": getattr(user, "role", None) in READER_ROLES,
        "notices": selectors.notices_for(user),
        "papers_for_me": selectors.papers_for_owner(user),
    }
    return render(request, "participation/index.html", context)


def owner_login(request: HttpRequest) -> HttpResponse:
    """Owners log in with their phone number and a one-time code (no password)."""
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("participation:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("participation:index")
    phone = request.session.get("otp_phone", "")
    dev_code = request.session.get("otp_dev_code") if shows_dev_code() else None
    if request.method == "POST":
        try:
            if request.POST.get("step") == "request":
                phone = services.normalise_phone(request.POST.get("phone", ""))
                code = services.otp_request(phone=phone, client=client_address(request))
                request.session["otp_phone"] = phone
                request.session["otp_dev_code"] = code if shows_dev_code() else None
                messages.success(
                    request,
                    "如该手机号为登记业主，验证码已发送，5 分钟内有效。/ If the phone is an owner's, "
                    "a code was sent (valid 5 minutes).",
                )
                return HttpResponseRedirect(
                    reverse("participation:login") + "?" + urlencode({"next": next_url})
                )
            user = services.otp_verify(
                phone=request.POST.get("phone", phone), code=request.POST.get("code", "")
            )
            login(request, user, backend="gaizao.accounts.backends.ThrottledModelBackend")
            request.session.pop("otp_dev_code", None)
            return HttpResponseRedirect(next_url)
        except ApplicationError as exc:
            _error(request, exc)
    return render(
        request, "participation/login.html", {"phone": phone, "dev_code": dev_code, "next": next_url}
    )


# --- ballots --------------------------------------------------------------------------------------------------------


def _parse_dt(value: str) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ApplicationError("时间格式无效。/ Invalid date and time.", field="closes_at")
    if parsed.tzinfo is None:
        from django.utils import timezone

        parsed = timezone.make_aware(parsed)
    return parsed


@login_required
def ballot_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    communities = selectors.writable_communities(request.user)
    if not communities or services.owner_of(request.user) is not None:
        raise Http404
    if request.method == "POST":
        try:
            community_id = int(request.POST.get("community_id") or 0)
            if community_id not in {c.pk for c in communities}:
                raise ApplicationError("请选择小区。/ Choose a community.", field="community_id")
            matter = request.POST.get("matter")
            building_id = request.POST.get("building_id")
            ballot = services.ballot_create(
                actor=request.user,
                community_id=community_id,
                purpose=request.POST.get("purpose", ""),
                question=request.POST.get("question", ""),
                matter=int(matter) if matter else None,
                scope_kind=request.POST.get("scope_kind", ScopeKind.COMMUNITY),
                building_id=int(building_id) if building_id else None,
                stairwell=request.POST.get("stairwell", ""),
                opens_at=_parse_dt(request.POST.get("opens_at", "")),
                closes_at=_parse_dt(request.POST.get("closes_at", "")),
                open_vote=request.POST.get("open_vote") == "on",
            )
            if request.POST.get("open_now") == "on":
                try:
                    services.ballot_open(actor=request.user, ballot_id=ballot.pk)
                except ApplicationError as exc:  # the draft stays; the organiser sees why it did not open
                    _error(request, exc)
            return _redirect("ballot", ballot.pk)
        except (ApplicationError, ValueError) as exc:
            _error(request, exc if isinstance(exc, ApplicationError) else ApplicationError(str(exc)))
    buildings = (
        Building.objects.filter(community__in=communities[:50])
        .select_related("community")
        .order_by("community__name", "code")[:500]
    )
    return render(
        request,
        "participation/ballot_new.html",
        {
            "communities": communities,
            "buildings": buildings,
            # consent and plan approval are opened from their project (programme → project → 项目表决)
            "purposes": [(v, label) for v, label in Purpose.choices if v not in services.PROJECT_PURPOSES],
            "scopes": ScopeKind.choices,
            "matters": vote_matters(),
            "selected": request.GET.get("community") or request.POST.get("community_id") or "",
        },
    )


@login_required
@require_POST
def ballots_close_due(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Close, in the background, every open ballot in the organiser's scope whose closing time has passed."""
    from gaizao.jobs.services import job_start
    from gaizao.participation.jobs import JOB_KIND

    if services.owner_of(request.user) is not None or not selectors.writable_communities(request.user):
        raise Http404
    job = job_start(
        kind=JOB_KIND,
        title="到期表决截止计票 / Close ballots past their closing time",
        owner=request.user,
        params={"user_id": request.user.pk},
        division_path=request.user.scope_path or "",
    )
    return HttpResponseRedirect(reverse("web:job", args=[job.pk]))


def _detail_context(request: HttpRequest, ballot: Any) -> dict[str, Any]:
    user = request.user
    staff = getattr(user, "role", None) in READER_ROLES
    manage = staff and selectors.can_manage(user, ballot)
    context: dict[str, Any] = {
        "ballot": ballot,
        "manage": manage,
        "staff": staff,
        "owner": services.owner_of(user),
        "my_vote": selectors.my_vote(user, ballot),
        "receipt": request.session.pop(f"receipt-{ballot.pk}", None),
        "choices": Choice.choices,
        "channels": [c for c in Channel.choices if c[0] != Channel.ONLINE],
        "matter": vote_matters()[ballot.matter - 1],
    }
    if staff and ballot.status != BallotStatus.DRAFT:
        context["outstanding"] = selectors.outstanding(user, ballot)
        context["papers"] = selectors.votes_history(user, ballot)
        context["roll_owners"] = sorted(
            {(r["owner_id"], r["owner"], r["unit"]) for r in selectors.roll(user, ballot) if r["owner_id"]},
            key=lambda r: r[2],
        )
    return context


@login_required
def ballot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = selectors.get_ballot(request.user, pk)
    return render(request, "participation/ballot_detail.html", _detail_context(request, ballot))


@login_required
def ballot_tally(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = selectors.get_ballot(request.user, pk)
    return render(
        request,
        "participation/_tally.html",
        {"ballot": ballot, "t": selectors.tally_view(request.user, ballot)},
    )


@login_required
@require_POST
def ballot_transition(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ballot = selectors.get_ballot(request.user, pk)
    try:
        services.ballot_transition(
            actor=request.user, ballot_id=ballot.pk, action=request.POST.get("action", "")
        )
    except ApplicationError as exc:
        _error(request, exc)
    return _redirect("ballot", ballot.pk)


@login_required
@require_POST
def ballot_vote(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ballot = selectors.get_ballot(request.user, pk)
    try:
        result = services.vote_cast(
            actor=request.user, ballot_id=ballot.pk, choice=request.POST.get("choice", "")
        )
        request.session[f"receipt-{ballot.pk}"] = result.receipt
        messages.success(request, "投票已记录。请保存回执码。/ Your vote is recorded. Keep the receipt code.")
    except ApplicationError as exc:
        _error(request, exc)
    return _redirect("ballot", ballot.pk)


@login_required
@require_POST
def ballot_entry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    ballot = selectors.get_ballot(request.user, pk)
    try:
        result = services.vote_cast(
            actor=request.user,
            ballot_id=ballot.pk,
            owner_id=int(request.POST.get("owner_id") or 0) or None,
            choice=request.POST.get("choice", ""),
            channel=request.POST.get("channel", ""),
            serial_number=request.POST.get("serial_number", ""),
            witness_name=request.POST.get("witness_name", ""),
            proxy_name=request.POST.get("proxy_name", ""),
            scan=request.FILES.get("scan"),
            proxy_authorisation=request.FILES.get("proxy_authorisation"),
        )
        request.session[f"receipt-{ballot.pk}"] = result.receipt
        messages.success(
            request,
            f"选票已录入（第 {result.vote.seq} 张）。请将回执码交给业主。/ Paper {result.vote.seq} "
            "recorded. Hand the receipt code to the owner.",
        )
    except (ApplicationError, ValueError) as exc:
        _error(request, exc if isinstance(exc, ApplicationError) else ApplicationError(str(exc)))
    return _redirect("ballot", ballot.pk)


@login_required
def ballot_roll(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    ballot = selectors.get_ballot(request.user, pk)
    if request.method == "POST":
        try:
            owner_id = request.POST.get("owner_id")
            services.roll_correction_propose(
                actor=request.user,
                entry_id=int(request.POST.get("entry_id") or 0),
                reason=request.POST.get("reason", ""),
                area_m2=request.POST.get("area_m2") or None,
                owner_id=int(owner_id) if owner_id else None,
            )
            messages.success(
                request,
                "更正已提出，须由另一名工作人员批准后生效。/ Correction proposed; it takes effect when another "
                "member of staff approves it.",
            )
        except (ApplicationError, ValueError) as exc:
            _error(request, exc if isinstance(exc, ApplicationError) else ApplicationError(str(exc)))
        return _redirect("ballot_roll", ballot.pk)
    return render(
        request,
        "participation/roll.html",
        {
            "ballot": ballot,
            "rows": selectors.roll(request.user, ballot),
            "proposals": selectors.roll_corrections(request.user, ballot),
            "can_propose": services.can_propose_correction(request.user, ballot),
        },
    )


@login_required
@require_POST
def roll_correction_decide(request: AuthenticatedHttpRequest, pk: int, cid: int) -> HttpResponse:
    """Approve or reject a proposed roll correction (the approver is another account than the proposer)."""
    _staff(request)
    ballot = selectors.get_ballot(request.user, pk)
    selectors.get_roll_correction(request.user, ballot, cid)
    try:
        if request.POST.get("action") == "approve":
            services.roll_correction_approve(actor=request.user, proposal_id=cid)
            messages.success(request, "更正已批准并生效。/ Correction approved and applied.")
        elif request.POST.get("action") == "reject":
            services.roll_correction_reject(
                actor=request.user, proposal_id=cid, note=request.POST.get("note", "")
            )
            messages.success(request, "更正已驳回。/ Correction rejected.")
        else:
            raise ApplicationError("操作须为批准或驳回。/ action must be approve or reject.", field="action")
    except ApplicationError as exc:
        _error(request, exc)
    return _redirect("ballot_roll", ballot.pk)


# --- public ---------------------------------------------------------------------------------------------------------


def public_list(request: HttpRequest) -> HttpResponse:
    ballots = selectors.public_ballots()
    community = request.GET.get("community", "")
    if community.isdigit():
        ballots = ballots.filter(community_id=int(community))
    return render(request, "participation/public_list.html", {"ballots": ballots[:200]})


def public_ballot(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = selectors.public_ballot(pk)
    return render(
        request,
        "participation/public_ballot.html",
        {
            "ballot": ballot,
            "result": ballot.result or {},
            "units": selectors.public_units_voted(ballot),
            "check": services.chain_verify(ballot),
            "matter": vote_matters()[ballot.matter - 1],
        },
    )


def public_receipt(request: HttpRequest) -> HttpResponse:
    code = (request.GET.get("code") or "").strip()
    status = selectors.receipt_check(code) if code else None
    return render(request, "participation/public_receipt.html", {"code": code, "status": status})


# --- needs surveys --------------------------------------------------------------------------------------------------


@login_required
def needs_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    communities = selectors.writable_communities(request.user)
    if not communities or services.owner_of(request.user) is not None:
        raise Http404
    if request.method == "POST":
        try:
            community_id = int(request.POST.get("community_id") or 0)
            if community_id not in {c.pk for c in communities}:
                raise ApplicationError("请选择小区。/ Choose a community.", field="community_id")
            survey = services.needs_survey_create(
                actor=request.user,
                community_id=community_id,
                title=request.POST.get("title", ""),
                item_ids=request.POST.getlist("item_ids") or None,
                max_choices=int(request.POST.get("max_choices") or 5),
            )
            return _redirect("needs", survey.pk)
        except (ApplicationError, ValueError) as exc:
            _error(request, exc if isinstance(exc, ApplicationError) else ApplicationError(str(exc)))
    return render(
        request, "participation/needs_new.html", {"communities": communities, "items": catalogue_items()}
    )


@login_required
def needs_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_needs_survey(request.user, pk)
    owner = services.owner_of(request.user)
    if request.method == "POST":
        try:
            ranking = [
                i for i in (request.POST.get(f"rank{n}") for n in range(1, survey.max_choices + 1)) if i
            ]
            services.needs_response_submit(
                actor=request.user,
                survey_id=survey.pk,
                ranking=ranking,
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, "感谢您的意见！/ Thank you for your answer!")
        except ApplicationError as exc:
            _error(request, exc)
        return _redirect("needs", survey.pk)
    mine = survey.responses.filter(owner=owner).first() if owner else None
    return render(
        request,
        "participation/needs_detail.html",
        {
            "survey": survey,
            "owner": owner,
            "mine": mine,
            "items": [catalogue_item(i) for i in survey.item_ids],
            "ranks": range(1, survey.max_choices + 1),
            "priorities": selectors.priorities_view(survey) if owner is None else [],
            "responses": survey.responses.count(),
            "manage": owner is None and selectors.can_write_community(request.user, survey.community),
        },
    )


@login_required
@require_POST
def needs_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_needs_survey(request.user, pk)
    try:
        services.needs_survey_close(actor=request.user, survey_id=survey.pk)
    except ApplicationError as exc:
        _error(request, exc)
    return _redirect("needs", survey.pk)


# --- supervision reports ------------------------------------------------------------------------------------------


@login_required
def reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    communities = list(selectors.communities_for(user)[:500])
    if request.method == "POST":
        try:
            lon, lat = request.POST.get("lon"), request.POST.get("lat")
            community_id = int(request.POST.get("community_id") or 0)
            if community_id not in {c.pk for c in communities}:
                raise ApplicationError("请选择小区。/ Choose a community.", field="community_id")
            report = services.report_create(
                actor=user,
                community_id=community_id,
                category=request.POST.get("category", ""),
                description=request.POST.get("description", ""),
                photo=request.FILES.get("photo"),
                location_text=request.POST.get("location_text", ""),
                lon=float(lon) if lon else None,
                lat=float(lat) if lat else None,
                project_ref=request.POST.get("project_ref", ""),
            )
            messages.success(
                request, "报事已提交，街道将尽快答复。/ Report submitted; the street will respond."
            )
            return _redirect("report", report.pk)
        except (ApplicationError, ValueError) as exc:
            _error(request, exc if isinstance(exc, ApplicationError) else ApplicationError(str(exc)))
    return render(
        request,
        "participation/reports.html",
        {
            "reports": selectors.reports_for(user)[:200],
            "counts": selectors.report_counts(user),
            "communities": communities,
            "categories": ReportCategory.choices,
        },
    )


@login_required
def report_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report(request.user, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "close":
                services.report_close(
                    actor=request.user, report_id=report.pk, note=request.POST.get("note", "")
                )
            else:
                services.report_respond(
                    actor=request.user, report_id=report.pk, response=request.POST.get("response", "")
                )
        except ApplicationError as exc:
            _error(request, exc)
        return _redirect("report", report.pk)
    return render(
        request,
        "participation/report_detail.html",
        {"report": report, "manage": selectors.can_write_community(request.user, report.community)},
    )


# --- evaluations ----------------------------------------------------------------------------------------------------


@login_required
def evaluation_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    communities = selectors.writable_communities(request.user)
    if not communities or services.owner_of(request.user) is not None:
        raise Http404
    if request.method == "POST":
        try:
            community_id = int(request.POST.get("community_id") or 0)
            if community_id not in {c.pk for c in communities}:
                raise ApplicationError("请选择小区。/ Choose a community.", field="community_id")
            survey = services.evaluation_create(
                actor=request.user,
                community_id=community_id,
                title=request.POST.get("title", ""),
                project_ref=request.POST.get("project_ref", ""),
            )
            return _redirect("evaluation", survey.pk)
        except (ApplicationError, ValueError) as exc:
            _error(request, exc if isinstance(exc, ApplicationError) else ApplicationError(str(exc)))
    return render(request, "participation/evaluation_new.html", {"communities": communities})


@login_required
def evaluation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_evaluation(request.user, pk)
    owner = services.owner_of(request.user)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "close":
                services.evaluation_close(actor=request.user, survey_id=survey.pk)
            else:
                # the form's text; the service checks each score
                scores: dict[str, Any] = {
                    g.id: request.POST.get(g.id) for g in liuyou_goals() if request.POST.get(g.id)
                }
                services.evaluation_respond(
                    actor=request.user,
                    survey_id=survey.pk,
                    scores=scores,
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, "感谢您的评价！/ Thank you for your evaluation!")
        except ApplicationError as exc:
            _error(request, exc)
        return _redirect("evaluation", survey.pk)
    return render(
        request,
        "participation/evaluation_detail.html",
        {
            "survey": survey,
            "owner": owner,
            "goals": liuyou_goals(),
            "scores": range(1, 6),
            "summary": survey.results or services.evaluation_summary(survey),
            "manage": owner is None and selectors.can_write_community(request.user, survey.community),
        },
    )
