"""Pages of the money app: the city/district overview, a project's ledger and funding, its final accounts and audit,
the settlement table, the residents' shares, and the Excel exports. Reads go through selectors (out of scope →
404), writes through services; a refused write comes back as a message on the page it was made from."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gaizao.accounts.access import READER_ROLES
from gaizao.money import access, reports, selectors, services
from gaizao.money.models import (
    CostHeading,
    EntryKind,
    Exclusion,
    FinalAccounts,
    PaymentChannel,
    ResidentContribution,
    Settlement,
    ShareBasis,
)
from gaizao.policy import funding_sources
from gaizao.ui.views import attempt as _attempt


def _staff(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=reports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _float(value: Any) -> float:
    return float(value) if isinstance(value, Decimal) else 0.0


def _sources() -> list[dict[str, str]]:
    return [{"id": c.id, "label": f"{c.name_zh} / {c.name_en}"} for c in funding_sources()]


# --- overview -------------------------------------------------------------------------------------------------------

#: The budget performance table shows the scope's first projects by code (its medians are over the whole scope).
PERFORMANCE_ROWS = 300


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Roll-up by district and city, budget performance with outliers, settlements awaiting the city."""
    _staff(request)
    user = request.user
    # one pass over the ledger for the districts, the city and the sources (it was three)
    scope = selectors.scope_balances(user)
    districts = scope["districts"]
    city = scope["city"]
    performance = selectors.performance(user, limit=PERFORMANCE_ROWS)
    # the project links of the two 300-row lists from one reversed URL (a {% url %} per row was most of the
    # rendering)
    prefix = reverse("money:project", args=[0]).removesuffix("0/")
    by_source = scope["sources"]
    labels = selectors.source_labels()
    chart = {
        "sources": [labels.get(r["source"], r["source"]) for r in by_source],
        "budgeted": [_float(r["budgeted"]) for r in by_source],
        "received": [_float(r["received"]) for r in by_source],
        "paid": [_float(r["paid"]) for r in by_source],
        "districts": [r["name"] for r in districts],
        "execution": [
            round(_float(r["execution_rate"]) * 100, 1) if r["execution_rate"] else 0 for r in districts
        ],
    }
    return render(
        request,
        "money/home.html",
        {
            "districts": districts,
            "city": city,
            "performance": [{**r, "url": f"{prefix}{r['project'].pk}/"} for r in performance],
            "settlements": selectors.settlements_for(user).order_by("state", "-computed_at")[:100],
            "projects": [
                {**p, "url": f"{prefix}{p['pk']}/"}
                for p in selectors.projects_for(user).values("pk", "code", "name", "is_sample")[:300]
            ],
            "chart_json": json.dumps(chart, ensure_ascii=False),
        },
    )


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    _staff(request)
    return _xlsx(reports.ledger_xlsx(request.user), "ledger.xlsx")


# --- a project's ledger ---------------------------------------------------------------------------------------------


@login_required
def project(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    p = selectors.get_project(request.user, pk)
    balances = selectors.project_balances(p)
    chart = {
        "sources": [r["label"] for r in balances["sources"]],
        "budgeted": [_float(r["budgeted"]) for r in balances["sources"]],
        "received": [_float(r["received"]) for r in balances["sources"]],
        "committed": [_float(r["committed"]) for r in balances["sources"]],
        "paid": [_float(r["paid"]) for r in balances["sources"]],
    }
    from gaizao.delivery.models import Contract

    contracts = [{"c": c, **services.contract_figures(c)} for c in Contract.objects.filter(project=p)]
    labels = selectors.source_labels()
    entries = list(selectors.project_entries(p))
    for e in entries:
        e.source_label = labels.get(e.source, e.source)  # type: ignore[attr-defined]
    return render(
        request,
        "money/project.html",
        {
            "project": p,
            "balances": balances,
            "entries": entries,
            "commitments": selectors.commitments(p),
            "contracts": contracts,
            "applications": [
                {
                    "a": a,
                    "received": services.application_received(a),
                    "label": labels.get(a.source, a.source),
                    "can_decide": services.can_decide_application(request.user, a),
                }
                for a in p.funding_applications.all()
            ],
            "communities": p.communities.order_by("code"),
            "sources": _sources(),
            "kinds": EntryKind.choices,
            "can_keep": access.can_keep_ledger(request.user, p),
            "can_close": access.can_audit(request.user, p),
            "account": getattr(p, "money_account", None),
            "final_accounts": FinalAccounts.objects.filter(project=p).first(),
            "settlement": Settlement.objects.filter(project=p).first(),
            "chart_json": json.dumps(chart, ensure_ascii=False),
        },
    )


def _back(pk: int) -> str:
    return reverse("money:project", args=[pk])


@login_required
@require_POST
def entry_create(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    p = selectors.get_project(request.user, pk)
    post = request.POST
    return _attempt(
        request,
        lambda: services.entry_record(
            actor=request.user,
            project=p,
            kind=post.get("kind", ""),
            source=post.get("source", ""),
            amount=post.get("amount", ""),
            date=post.get("date", ""),
            document_number=post.get("document_number", ""),
            community_id=post.get("community") or None,
            attachment=request.FILES.get("attachment"),
            note=post.get("note", ""),
            commitment_id=post.get("commitment") or None,
            contract_id=post.get("contract") or None,
        ),
        "已记账。/ Entry recorded.",
        _back(pk),
    )


@login_required
@require_POST
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    entry = selectors.get_entry(request.user, pk)
    return _attempt(
        request,
        lambda: services.entry_reverse(
            actor=request.user, entry=entry, reason=request.POST.get("reason", "")
        ),
        "已冲销。/ Entry reversed.",
        _back(entry.project_id),
    )


@login_required
@require_POST
def account_close(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    p = selectors.get_project(request.user, pk)
    return _attempt(
        request,
        lambda: services.account_close(actor=request.user, project=p, reason=request.POST.get("reason", "")),
        "已关账。/ Account closed.",
        _back(pk),
    )


@login_required
@require_POST
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    p = selectors.get_project(request.user, pk)
    post = request.POST
    return _attempt(
        request,
        lambda: services.application_submit(
            actor=request.user,
            project=p,
            source=post.get("source", ""),
            requested=post.get("requested", ""),
            submitted_on=post.get("submitted_on", ""),
            reference=post.get("reference", ""),
        ),
        "已申报。/ Application recorded.",
        _back(pk),
    )


@login_required
@require_POST
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    app = selectors.get_application(request.user, pk)
    return _attempt(
        request,
        lambda: services.application_decide(
            actor=request.user,
            application=app,
            granted=request.POST.get("granted", ""),
            decided_on=request.POST.get("decided_on", ""),
        ),
        "已登记批复。/ Decision recorded.",
        _back(app.project_id),
    )


@login_required
@require_POST
def application_receive(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    app = selectors.get_application(request.user, pk)
    post = request.POST
    return _attempt(
        request,
        lambda: services.application_receive(
            actor=request.user,
            application=app,
            amount=post.get("amount", ""),
            date=post.get("date", ""),
            document_number=post.get("document_number", ""),
            attachment=request.FILES.get("attachment"),
        ),
        "资金已到位。/ Funds received.",
        _back(app.project_id),
    )


@login_required
def project_ledger_export(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    p = selectors.get_project(request.user, pk)
    return _xlsx(reports.ledger_xlsx(request.user, p), f"ledger-{p.code}.xlsx")


@login_required
def funding_statement(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    p = selectors.get_project(request.user, pk)
    return _xlsx(reports.funding_statement_xlsx(p), f"funding-{p.code}.xlsx")


# --- final accounts -------------------------------------------------------------------------------------------------


@login_required
def final_accounts(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    p = selectors.get_project(request.user, pk)
    fa = FinalAccounts.objects.filter(project=p).first()
    back = reverse("money:final_accounts", args=[pk])
    if request.method == "POST":
        action = request.POST.get("action", "")
        post = request.POST
        if action == "start":
            return _attempt(
                request,
                lambda: services.final_accounts_start(
                    actor=request.user, project=p, prepared_by_org=post.get("prepared_by_org", "")
                ),
                "已开始编制决算。/ Final accounts started.",
                back,
            )
        if fa is None:
            raise Http404
        if action == "line":
            return _attempt(
                request,
                lambda: services.final_accounts_line_add(
                    actor=request.user,
                    final_accounts=fa,
                    heading=post.get("heading", ""),
                    description=post.get("description", ""),
                    amount=post.get("amount", ""),
                    exclusion=post.get("exclusion", ""),
                ),
                "已添加明细。/ Line added.",
                back,
            )
        if action == "submit":
            return _attempt(
                request,
                lambda: services.final_accounts_submit(actor=request.user, final_accounts=fa),
                "已报送审计。/ Submitted for audit.",
                back,
            )
        if action == "audit":
            adjustments = [
                {
                    "heading": post.get(f"adj_heading_{i}", ""),
                    "exclusion": post.get(f"adj_exclusion_{i}", ""),
                    "amount": post.get(f"adj_amount_{i}", ""),
                    "reason": post.get(f"adj_reason_{i}", ""),
                }
                for i in range(3)
                if post.get(f"adj_amount_{i}", "").strip()
            ]
            return _attempt(
                request,
                lambda: services.final_accounts_audit(
                    actor=request.user,
                    final_accounts=fa,
                    auditor=post.get("auditor", ""),
                    report_number=post.get("report_number", ""),
                    adjustments=adjustments,
                    report=request.FILES.get("report"),
                ),
                "已登记审计结果。/ Audit recorded.",
                back,
            )
        if action == "approve":
            return _attempt(
                request,
                lambda: services.final_accounts_approve(actor=request.user, final_accounts=fa),
                "决算已核定。/ Final accounts approved.",
                back,
            )
        if action == "settle":
            return _attempt(
                request,
                lambda: services.settlement_compute(actor=request.user, project=p),
                "补助已测算。/ Settlement computed.",
                back,
            )
        raise Http404
    settlement = Settlement.objects.filter(project=p).first()
    return render(
        request,
        "money/final_accounts.html",
        {
            "project": p,
            "fa": fa,
            "figures": fa.submitted_figures() if fa else None,
            "headings": CostHeading.choices,
            "exclusions": Exclusion.choices,
            "can_keep": access.can_keep_ledger(request.user, p),
            "can_submit": fa is not None and services.can_submit_final_accounts(request.user, fa),
            "can_audit": fa is not None and services.can_audit_final_accounts(request.user, fa),
            "can_approve": fa is not None and services.can_approve_final_accounts(request.user, fa),
            "can_settle": fa is not None
            and fa.state == "approved"
            and (settlement is None or settlement.state == "computed")
            and services.can_compute_settlement(request.user, p),
            "settlement": settlement,
            "adjustment_rows": range(3),
        },
    )


# --- settlement -----------------------------------------------------------------------------------------------------


@login_required
def settlement(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    s = selectors.get_settlement(request.user, pk)
    back = reverse("money:settlement", args=[pk])
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "approve":
            return _attempt(
                request,
                lambda: services.settlement_approve(actor=request.user, settlement=s),
                "清算已审批。/ Settlement approved.",
                back,
            )
        if action == "disburse":
            post = request.POST
            return _attempt(
                request,
                lambda: services.settlement_disburse(
                    actor=request.user,
                    settlement=s,
                    amount=post.get("amount", ""),
                    date=post.get("date", ""),
                    document_number=post.get("document_number", ""),
                ),
                "已拨付。/ Disbursed.",
                back,
            )
        raise Http404
    return render(
        request,
        "money/settlement.html",
        {
            "s": s,
            "project": s.project,
            "lines": s.lines.select_related("community"),
            "disbursements": s.disbursements.all(),
            "disbursed": services.disbursed_total(s),
            "left": s.subsidy_total - services.disbursed_total(s),
            "can_approve": services.can_approve(request.user, s),
            "can_disburse": services.can_disburse(request.user, s),
        },
    )


@login_required
def settlement_export(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    s = selectors.get_settlement(request.user, pk)
    return _xlsx(reports.settlement_xlsx(s), f"settlement-{s.project.code}.xlsx")


# --- residents' shares ----------------------------------------------------------------------------------------------


@login_required
def shares(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    p = selectors.get_project(request.user, pk)
    back = reverse("money:shares", args=[pk])
    if request.method == "POST":
        post = request.POST
        if post.get("action") == "allocate":
            return _attempt(
                request,
                lambda: services.contribution_allocate(
                    actor=request.user,
                    project=p,
                    community_id=post.get("community"),
                    total=post.get("total", ""),
                    basis=post.get("basis", ShareBasis.EXCLUSIVE_AREA),
                    ballot_id=post.get("ballot") or None,
                ),
                "已分摊到户。/ Allocated to households.",
                back,
            )
        if post.get("action") == "pay":
            share = selectors.get_share(request.user, post.get("share"))
            return _attempt(
                request,
                lambda: services.household_payment_record(
                    actor=request.user,
                    share=share,
                    channel=post.get("channel", ""),
                    amount=post.get("amount", ""),
                    date=post.get("date", ""),
                    document_number=post.get("document_number", ""),
                ),
                "已登记缴款。/ Payment recorded.",
                back,
            )
        raise Http404
    contributions = [
        {
            "c": c,
            "rows": selectors.household_rows(request.user, c),
            "channels": selectors.channel_totals(c),
            "can_manage": access.can_manage_shares(request.user, c.community),
        }
        for c in ResidentContribution.objects.filter(project=p).select_related("community", "ballot")
    ]
    communities = list(p.communities.order_by("code"))
    return render(
        request,
        "money/shares.html",
        {
            "project": p,
            "contributions": contributions,
            "communities": communities,
            "can_allocate": any(access.can_manage_shares(request.user, c) for c in communities),
            "bases": ShareBasis.choices,
            "channels": PaymentChannel.choices,
        },
    )
