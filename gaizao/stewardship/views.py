"""Pages of long-term management. Reads go through ``gaizao.stewardship.selectors`` (out of scope → 404), writes
through services; a refused write comes back as a message on the page it was made from. Forms show exactly when
the service's ``can_<move>`` would accept the write. The public page needs no login and shows no personal data."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gaizao.accounts.models import Role
from gaizao.delivery import services as delivery_services
from gaizao.delivery.models import InspectionKind, Organisation, OrganisationKind, Severity
from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.participation.models import Ballot
from gaizao.stewardship import documents, public, selectors, services
from gaizao.stewardship.models import ConventionKind, Decision, FundEntryKind, ManagementMode
from gaizao.ui.views import attempt as _attempt


def _reader(request: HttpRequest) -> None:
    role = getattr(request.user, "role", None)
    if role not in selectors.STAFF_READERS and role != Role.PROPERTY_SERVICE:
        raise Http404


def _division(request: HttpRequest) -> Division | None:
    code = request.GET.get("district", "")
    if code:
        return Division.objects.filter(code=code).first()
    user = request.user
    if getattr(user, "division", None) is not None and user.division.level == "district":  # type: ignore[union-attr]
        return user.division  # type: ignore[union-attr]
    return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Stewarded communities in scope, follow-ups due, and coverage at a glance."""
    _reader(request)
    user = request.user
    rows = selectors.community_rows(user, limit=300)
    return render(
        request,
        "stewardship/home.html",
        {
            "rows": rows,
            "followups": selectors.followups_for(user)
            .filter(inspection__isnull=True)
            .order_by("due_on")[:50],
            "coverage": selectors.coverage(user),
            "plans": selectors.plans_for(user)[:100],
            "unplanned": selectors.projects_without_plan(user)
            .select_related(None)
            .only("id", "code", "name")[:100],
            "can_link_member": services.can_link_member(user),
            "companies": Organisation.objects.filter(kind=OrganisationKind.PROPERTY_SERVICE).order_by("name"),
        },
    )


@login_required
@require_POST
def member_link(request: HttpRequest) -> HttpResponse:
    """Link a property service company's account to its company (officers)."""
    from gaizao.accounts.models import User

    _reader(request)
    p = request.POST

    def link() -> None:
        if not services.can_link_member(request.user):
            raise PermissionError_("您无权管理物业企业账号。/ You may not link property company accounts.")
        user = User.objects.filter(username=(p.get("username") or "").strip()).first()
        company = _company(p.get("company"))
        if user is None:
            raise ApplicationError("账号不存在。/ username: no such account.", field="username")
        if company is None:
            raise ApplicationError("请选择物业服务企业。/ company: choose a company.", field="company")
        services.steward_member_link(actor=request.user, user=user, organisation=company)

    return _attempt(request, link, "物业企业账号已关联。/ Account linked.", reverse("stewardship:home"))


def _ballots_for(community: Any) -> list[Ballot]:
    return list(Ballot.objects.filter(community=community).order_by("-created_at")[:50])


@login_required
def community(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    user = request.user
    c = selectors.get_community(user, pk)
    followups = list(selectors.community_followups(c))
    deliveries = list(selectors.handed_over_deliveries(c))
    parties = {
        d.pk: list(Organisation.objects.filter(contracts__project_id=d.project_id).distinct())
        for d in deliveries
    }
    health = selectors.health_series(c)
    return render(
        request,
        "stewardship/community.html",
        {
            "c": c,
            "contracts": c.property_contracts.select_related("company", "ballot"),
            "entries": selectors.fund_entries(c),
            "balance": services.fund_balance(c),
            "disclosures": selectors.disclosures(c),
            "disclosure_due": selectors.disclosure_due(c),
            "conventions": selectors.conventions(c),
            "followups": [
                {
                    "f": f,
                    "can_inspect": services.can_inspect(user, f),
                    "late": selectors.is_late(f),
                    "parties": parties.get(f.delivery_id, []),
                    "findings": [
                        (fd, delivery_services.can_issue_order(user, fd))
                        for fd in f.inspection.findings.select_related("order__party", "inspection__delivery")
                    ]
                    if f.inspection
                    else [],
                }
                for f in followups
            ],
            "finding_deliveries": [d for d in deliveries if services.can_record_finding(user, d, c)],
            "deliveries": [(d, services.can_schedule(user, d)) for d in deliveries],
            "scheduled": any(f.months is not None for f in followups),
            "scorecard": selectors.scorecard(c),
            "health_json": json.dumps(health),
            "can_add_contract": services.can_add_contract(user, c),
            "can_keep": services.can_keep(user, c),
            "can_record_fees": services.can_record_fees(user, c),
            "companies": Organisation.objects.filter(kind=OrganisationKind.PROPERTY_SERVICE).order_by("name"),
            "ballots": _ballots_for(c),
            "modes": ManagementMode.choices,
            "fund_kinds": FundEntryKind.choices,
            "convention_kinds": ConventionKind.choices,
            "inspection_kinds": InspectionKind.choices,
            "severities": Severity.choices,
            "public_url": reverse("stewardship:public_community", args=[c.pk]),
            "reports": _open_reports(user, c, deliveries),
        },
    )


def _open_reports(user: Any, community: Any, deliveries: list[Any]) -> list[dict[str, Any]]:
    """Residents' 报事 on the community still open, with the handed-over delivery each may be turned over to."""
    from gaizao.participation.models import ReportStatus
    from gaizao.participation.selectors import reports_for

    out = []
    for report in (
        reports_for(user).filter(community=community, status=ReportStatus.OPEN).order_by("-created_at")[:50]
    ):
        takers = [d for d in deliveries if services.can_take_report(user, d, report)]
        delivery = takers[0] if takers else None
        parties = (
            list(Organisation.objects.filter(contracts__project_id=delivery.project_id).distinct())
            if delivery
            else []
        )
        out.append({"report": report, "delivery": delivery, "parties": parties})
    return out


def _back(pk: int, anchor: str = "") -> str:
    return reverse("stewardship:community", args=[pk]) + (f"#{anchor}" if anchor else "")


def _company(value: str | None) -> Organisation | None:
    if not value or not str(value).isdigit():
        return None
    return Organisation.objects.filter(pk=int(value)).first()


@login_required
@require_POST
def contract_add(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    c = selectors.get_community(request.user, pk)
    p = request.POST
    return _attempt(
        request,
        lambda: services.property_contract_create(
            actor=request.user,
            community=c,
            company=_company(p.get("company")),
            number=p.get("number", ""),
            starts_on=p.get("starts_on"),
            ends_on=p.get("ends_on"),
            fee_yuan_per_m2_month=p.get("fee_yuan_per_m2_month", ""),
            scope=p.get("scope", ""),
            mode=p.get("mode", ManagementMode.PROFESSIONAL),
            ballot=p.get("ballot") or None,
        ),
        "物业服务合同已登记。/ Contract recorded.",
        _back(pk, "contracts"),
    )


@login_required
@require_POST
def fund_add(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    c = selectors.get_community(request.user, pk)
    p = request.POST
    return _attempt(
        request,
        lambda: services.fund_entry_record(
            actor=request.user,
            community=c,
            kind=p.get("kind", ""),
            amount=p.get("amount", ""),
            on=p.get("on"),
            description=p.get("description", ""),
            ballot=p.get("ballot") or None,
        ),
        "维修资金收支已登记。/ Fund entry recorded.",
        _back(pk, "fund"),
    )


@login_required
@require_POST
def disclose(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    c = selectors.get_community(request.user, pk)
    p = request.POST
    return _attempt(
        request,
        lambda: services.fund_disclose(
            actor=request.user,
            community=c,
            period_start=p.get("period_start"),
            period_end=p.get("period_end"),
            note=p.get("note", ""),
        ),
        "维修资金已公开。/ Fund disclosure published.",
        _back(pk, "fund"),
    )


@login_required
@require_POST
def convention_add(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    c = selectors.get_community(request.user, pk)
    p = request.POST
    return _attempt(
        request,
        lambda: services.convention_adopt(
            actor=request.user,
            community=c,
            kind=p.get("kind", ""),
            title=p.get("title", ""),
            file=request.FILES.get("file"),
            adopted_on=p.get("adopted_on"),
            ballot=p.get("ballot") or None,
        ),
        "公约规约已登记。/ Convention recorded.",
        _back(pk, "conventions"),
    )


@login_required
def convention_file(request: HttpRequest, pk: int) -> FileResponse:
    _reader(request)
    return public.file_response(selectors.get_convention(request.user, pk))


@login_required
@require_POST
def fee_add(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    c = selectors.get_community(request.user, pk)
    p = request.POST
    return _attempt(
        request,
        lambda: services.fee_collection_record(
            actor=request.user,
            community=c,
            month=(p.get("month") or "") + ("-01" if len(p.get("month") or "") == 7 else ""),
            billed=p.get("billed", ""),
            collected=p.get("collected", ""),
        ),
        "物业费收缴已登记。/ Fee collection recorded.",
        _back(pk, "health"),
    )


@login_required
@require_POST
def schedule(request: HttpRequest, delivery_pk: int) -> HttpResponse:
    from gaizao.delivery.selectors import get_delivery

    _reader(request)
    delivery = get_delivery(request.user, delivery_pk)
    community_id = delivery.project.communities.order_by("code").values_list("pk", flat=True).first()
    return _attempt(
        request,
        lambda: services.followups_schedule(actor=request.user, delivery=delivery),
        "回访检查已安排。/ Follow-up inspections scheduled.",
        _back(community_id or 0, "followups"),
    )


@login_required
@require_POST
def inspect(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    followup = selectors.get_followup(request.user, pk)
    p = request.POST
    findings = []
    if p.get("finding_description", "").strip():
        party = _company(p.get("party"))
        findings.append(
            {
                "description": p.get("finding_description"),
                "severity": p.get("finding_severity", "minor"),
                "photo": request.FILES.get("photo"),
                "order": {
                    "party": party,
                    "deadline": p.get("deadline") or None,
                    "requirement": p.get("requirement", ""),
                }
                if party
                else None,
            }
        )
    community_id = followup.delivery.project.communities.order_by("code").values_list("pk", flat=True).first()
    return _attempt(
        request,
        lambda: services.followup_record(
            actor=request.user,
            followup=followup,
            kind=p.get("kind", InspectionKind.QUALITY),
            note=p.get("note", ""),
            findings=findings,
        ),
        "回访检查已记录。/ Follow-up inspection recorded.",
        _back(community_id or 0, "followups"),
    )


@login_required
@require_POST
def company_finding(request: HttpRequest, pk: int) -> HttpResponse:
    """The property service company serving the community records a problem in the handed-over works."""
    _reader(request)
    c = selectors.get_community(request.user, pk)
    p = request.POST
    delivery = selectors.handed_over_deliveries(c).filter(pk=p.get("delivery") or 0).first()
    if delivery is None:
        raise Http404
    return _attempt(
        request,
        lambda: services.company_finding_record(
            actor=request.user,
            delivery=delivery,
            community=c,
            description=p.get("description", ""),
            severity=p.get("severity", ""),
            photo=request.FILES.get("photo"),
        ),
        "问题已登记，待街道下发整改。/ Finding recorded; the street will issue the rectification order.",
        _back(c.pk, "followups"),
    )


@login_required
@require_POST
def finding_order(request: HttpRequest, pk: int) -> HttpResponse:
    """An inspector issues delivery's rectification order on a follow-up finding that has none (e.g. one the
    property company recorded)."""
    from gaizao.delivery import services as delivery_services
    from gaizao.delivery.selectors import get_finding

    _reader(request)
    finding = get_finding(request.user, pk)
    community = selectors.finding_community(request.user, finding)
    p = request.POST
    return _attempt(
        request,
        lambda: delivery_services.order_issue(
            actor=request.user,
            finding=finding,
            party=_company(p.get("party")),
            deadline=p.get("deadline") or None,
            requirement=p.get("requirement", ""),
        ),
        "整改通知已下发。/ Rectification order issued.",
        _back(community.pk, "followups"),
    )


@login_required
@require_POST
def report_take(request: HttpRequest, delivery_pk: int, report_pk: int) -> HttpResponse:
    """Turn a resident's 报事 after handover into a follow-up finding (and an order to the responsible party)."""
    from gaizao.delivery.selectors import get_delivery
    from gaizao.participation.selectors import get_report

    _reader(request)
    delivery = get_delivery(request.user, delivery_pk)
    report = get_report(request.user, report_pk)
    p = request.POST
    return _attempt(
        request,
        lambda: services.followup_from_report(
            actor=request.user,
            delivery=delivery,
            report=report,
            severity=p.get("severity", "minor"),
            party=_company(p.get("party")),
            requirement=p.get("requirement", ""),
        ),
        "报事已转为回访问题。/ Report turned into a follow-up finding.",
        _back(report.community_id, "reports"),
    )


@login_required
def plan(request: HttpRequest, project_pk: int) -> HttpResponse:
    """A project's management plan, agreed with the renovation plan, with its conditions."""
    _reader(request)
    project = selectors.project_for_plan(request.user, project_pk)
    if request.method == "POST":
        p = request.POST
        back = reverse("stewardship:plan", args=[project.pk])
        if p.get("action") == "decision":
            current = selectors.plan_of(project)
            community = project.communities.filter(pk=p.get("community") or 0).first()

            def link() -> None:
                if current is None or community is None:
                    raise ApplicationError(
                        "请先制定方案并选择本项目的小区。/ Agree the plan and choose a community of the project.",
                        field="community",
                    )
                services.plan_decision_link(
                    actor=request.user,
                    plan=current,
                    community=community,
                    decision=p.get("decision", ""),
                    ballot=p.get("ballot") or None,
                )

            return _attempt(request, link, "业主决定已关联。/ Owners' decision linked.", back)
        return _attempt(
            request,
            lambda: services.management_plan_save(
                actor=request.user,
                project=project,
                mode=p.get("mode", ""),
                fee_yuan_per_m2_month=p.get("fee_yuan_per_m2_month", ""),
                fund_balance=p.get("fund_balance", ""),
                fund_top_up=p.get("fund_top_up", ""),
                adopt_management_rules=p.get("adopt_management_rules") == "on",
                adopt_residents_convention=p.get("adopt_residents_convention") == "on",
                note=p.get("note", ""),
            ),
            "长效管理方案已保存。/ Management plan saved.",
            back,
        )
    current = selectors.plan_of(project)
    communities = list(project.communities.order_by("code"))
    return render(
        request,
        "stewardship/plan.html",
        {
            "project": project,
            "plan": current,
            "conditions": selectors.management_plan_conditions(project),
            "can_plan": services.can_plan(request.user, project),
            "modes": ManagementMode.choices,
            "decisions": Decision.choices,
            "communities": communities,
            "ballots": list(Ballot.objects.filter(community__in=communities).order_by("-created_at")[:100]),
        },
    )


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """The district page: professional property-service coverage by street, and over time."""
    _reader(request)
    division = _division(request)
    series = selectors.coverage_series(request.user, division=division)
    return render(
        request,
        "stewardship/coverage.html",
        {
            "division": division,
            "districts": selectors.districts_for(request.user),
            "current": series[-1],  # the series ends with today
            "series_json": json.dumps(
                {"labels": [s["on"] for s in series], "shares": [s["share"] for s in series]}
            ),
        },
    )


@login_required
def scorecards(request: HttpRequest) -> HttpResponse:
    """The 六有 scorecards of every stewarded community in scope (computed together: a fixed number of queries)."""
    _reader(request)
    cards = selectors.scorecards_for(request.user)
    goals = cards[0]["goals"] if cards else []
    return render(request, "stewardship/scorecards.html", {"cards": cards, "goals": goals})


@login_required
def coverage_export(request: HttpRequest) -> HttpResponse:
    _reader(request)
    division = _division(request)
    series = selectors.coverage_series(request.user, division=division)
    data = documents.coverage_xlsx(series[-1], series)  # the series ends with today
    response = HttpResponse(data, content_type=documents.XLSX)
    response["Content-Disposition"] = 'attachment; filename="property-coverage.xlsx"'
    return response


def public_community(request: HttpRequest, pk: int) -> HttpResponse:
    """The community's public page: company, conventions and maintenance-fund disclosures (民法典 第281条)."""
    view = public.community_view(selectors.public_community(pk))
    return render(request, "stewardship/public_community.html", {"v": view})


def public_convention(request: HttpRequest, pk: int) -> FileResponse:
    return public.file_response(selectors.public_convention(pk))
