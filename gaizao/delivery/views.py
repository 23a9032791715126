"""Pages of delivery. Reads go through ``gaizao.delivery.selectors`` (out of scope → 404), writes through services;
a refused write comes back as a message on the page it was made from. Buttons show exactly when the service's
``can_<move>`` would accept the move."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gaizao.accounts.access import READER_ROLES, sees_personal_data
from gaizao.accounts.models import CONTRACT_PARTY_ROLES, Role, User
from gaizao.accounts.requests import AuthenticatedHttpRequest
from gaizao.delivery import documents, selectors, services
from gaizao.delivery.models import (
    AcceptanceRole,
    Approval,
    ApprovalStatus,
    ContractKind,
    Delivery,
    Finding,
    HandoverKind,
    InspectionKind,
    KeeperKind,
    Milestone,
    OrganisationKind,
    RectificationReply,
    Severity,
    Stage,
)
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.policy import delivery as rules
from gaizao.ui.views import attempt as _attempt

#: The stage buttons of the project page, in lifecycle order, with their ``can_<move>``.
MOVES: list[tuple[str, str, str, Callable[[Any, Delivery], bool]]] = [
    (Stage.STARTED, "开工", "Start works", services.can_start),
    (Stage.CONSTRUCTION, "转入在建", "Under construction", services.can_build),
    (Stage.COMPLETED, "完工", "Works completed", services.can_complete),
    (Stage.SUSPENDED, "停工", "Suspend", services.can_suspend),
    (Stage.HANDED_OVER, "移交完成", "Handover complete", services.can_hand_over),
]

STAGE_COLOURS = {
    Stage.PRELIMINARY: "#9aa5b1",
    Stage.STARTED: "#f0b429",
    Stage.CONSTRUCTION: "#de911d",
    Stage.COMPLETED: "#2186eb",
    Stage.ACCEPTED: "#199473",
    Stage.HANDED_OVER: "#0c6b58",
    Stage.SUSPENDED: "#cf1124",
}


def _reader(request: HttpRequest) -> None:
    """Staff readers and contract parties reach delivery pages; residents, the public and others do not."""
    role = getattr(request.user, "role", None)
    if role not in READER_ROLES and role not in CONTRACT_PARTY_ROLES:
        raise Http404


def _label(choice: Any) -> str:
    return str(choice.label)


def _organisation(value: str | None) -> Any:
    from gaizao.delivery.models import Organisation

    if not value:
        return None
    if not str(value).isdigit():
        raise ApplicationError("请选择单位。/ party: choose an organisation.", field="party")
    return Organisation.objects.filter(pk=int(value)).first()


# --- dashboard ------------------------------------------------------------------------------------------------------


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Deliveries in scope by stage, the 开工 / 完工 counts from audited events, late and overdue items, the map."""
    _reader(request)
    user = request.user
    qs = selectors.deliveries_for(user)
    stage = request.GET.get("stage", "")
    if stage in Stage.values:
        qs = qs.filter(stage=stage)
    counts = selectors.stage_counts(user)
    openable = []
    if user.role in services.OFFICER_ROLES:
        from gaizao.programme.models import ProjectState
        from gaizao.programme.selectors import projects_for

        openable = list(
            projects_for(user).filter(state=ProjectState.IMPLEMENTING, delivery__isnull=True)[:100]
        )
    return render(
        request,
        "delivery/home.html",
        {
            "deliveries": _delivery_rows(qs),
            "counts": [(s, counts[s.value]) for s in Stage],
            "stage": stage,
            "events": selectors.stage_event_counts(user),
            "late": selectors.late_milestones(user)[:50],
            "overdue": selectors.overdue_orders(user)[:50],
            "openable": openable,
            "map_url": reverse("delivery:map"),
            "legend": [(s, STAGE_COLOURS[s]) for s in Stage],
            "is_party": user.role in CONTRACT_PARTY_ROLES,
            "can_escalate": user.role in (Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER),
        },
    )


def _delivery_rows(deliveries: Any) -> list[dict[str, Any]]:
    """What the delivery list shows of each delivery, prepared once for up to 300 rows: the detail link from one
    reversed URL and each stage's label translated once (per-row ``{% url %}`` and ``get_stage_display|bi`` were
    most of the page's rendering)."""
    from gaizao.ui.i18n import in_language

    prefix = reverse("delivery:detail", args=[0]).removesuffix("0/")
    labels = {s.value: in_language(str(s.label)) for s in Stage}
    return [
        {
            "code": d.project_code,
            "name": d.project_name,
            "url": f"{prefix}{d.pk}/",
            "is_sample": d.is_sample,
            "district": d.district_name,
            "stage": d.stage,
            "stage_label": labels.get(d.stage, d.stage),
        }
        for d in deliveries.select_related(None)
        .annotate(
            project_code=F("project__code"),
            project_name=F("project__name"),
            district_name=F("project__district__name"),
        )
        .only("id", "stage", "is_sample")
        .order_by("project__code")[:300]
    ]


@login_required
def map_data(request: HttpRequest) -> HttpResponse:
    _reader(request)
    data = selectors.map_features(request.user)
    for feature in data["features"]:
        feature["properties"]["colour"] = STAGE_COLOURS[feature["properties"]["stage"]]
        feature["properties"]["url"] = reverse("delivery:detail", args=[feature["properties"]["id"]])
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/json")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    _reader(request)
    response = HttpResponse(
        documents.deliveries_xlsx(selectors.deliveries_for(request.user), request.user),
        content_type=documents.XLSX,
    )
    response["Content-Disposition"] = 'attachment; filename="delivery.xlsx"'
    return response


@login_required
@require_POST
def escalate(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Escalate, in the background, the overdue rectification orders in the officer's scope to the district."""
    from gaizao.delivery.jobs import JOB_KIND
    from gaizao.jobs.services import job_start

    user = request.user
    if user.role not in (Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER) or user.division_id is None:
        raise Http404
    job = job_start(
        kind=JOB_KIND,
        title="逾期整改上报区县 / Escalate overdue rectification orders",
        owner=user,
        params={"user_id": user.pk},
        division_path=user.scope_path or "",
    )
    return HttpResponseRedirect(reverse("web:job", args=[job.pk]))


@login_required
@require_POST
def open_delivery(request: HttpRequest) -> HttpResponse:
    from gaizao.programme.selectors import get_project

    project = get_project(request.user, request.POST.get("project_id") or 0)
    back = reverse("delivery:home")
    holder: dict[str, Delivery] = {}

    def run() -> None:
        holder["d"] = services.delivery_open(
            actor=request.user,
            project=project,
            implementing_body=_organisation(request.POST.get("implementing_body")),
        )

    response = _attempt(request, run, "已进入实施（前期）。/ Delivery opened (preliminary).", back)
    if "d" in holder:
        return HttpResponseRedirect(reverse("delivery:detail", args=[holder["d"].pk]))
    return response


# --- the project's delivery page ------------------------------------------------------------------------------------


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    user = request.user
    delivery = selectors.get_delivery(user, pk)
    today = timezone.localdate()
    moves = []
    for to, zh, en, check in MOVES:
        if to not in services.STAGE_MACHINE.targets(delivery.stage):
            continue
        moves.append(
            {
                "to": to,
                "zh": zh,
                "en": en,
                "allowed": check(user, delivery),
                "blockers": [m for _, m in services.stage_blockers(delivery, to)],
            }
        )
    if delivery.stage == Stage.SUSPENDED:
        moves.append(
            {
                "to": delivery.resume_stage,
                "zh": "复工",
                "en": "Resume",
                "allowed": services.can_resume(user, delivery),
                "blockers": [],
            }
        )
    consultations = list(delivery.project.consultations.filter(state="completed"))
    approvals = [
        {"obj": a, "can": services.can_record_approval(user, a), "simplifiable": _simplifiable(a)}
        for a in delivery.approvals.select_related("consultation")
    ]
    orders = [
        {
            "obj": o,
            "overdue": selectors.is_overdue(o, today),
            "can_reply": services.can_reply(user, o),
            "can_review": services.can_review(user, o),
        }
        for o in selectors.orders_for(user).filter(delivery=delivery).select_related("finding")
    ]
    acceptance = getattr(delivery, "acceptance", None) if hasattr(delivery, "acceptance") else None
    version = services.approved_plan_version(delivery)
    reports = []
    if services.inspector_level(user, delivery) is not None and user.role != Role.SUPERVISOR:
        from gaizao.participation.selectors import reports_for

        reports = list(
            reports_for(user)
            .filter(community__in=delivery.project.communities.all(), delivery_finding__isnull=True)
            .exclude(status="closed")[:50]
        )
    unmasked = sees_personal_data(user)
    return render(
        request,
        "delivery/detail.html",
        {
            "delivery": delivery,
            "project": delivery.project,
            "moves": moves,
            "approvals": approvals,
            "consultations": consultations,
            "contracts": selectors.contracts_for(user).filter(project_id=delivery.project_id),
            "can_add_contract": services.can_add_contract(user, delivery),
            "parties": selectors.organisations_for(user).exclude(kind=OrganisationKind.IMPLEMENTING)
            if services.can_add_contract(user, delivery)
            else [],
            "contract_kinds": ContractKind.choices,
            "milestones": [(m, selectors.is_late(m, today)) for m in delivery.milestones.all()],
            "can_plan": services.can_plan(user, delivery),
            "gantt_json": json.dumps(selectors.gantt_chart(delivery, today), ensure_ascii=False),
            "inspections": delivery.inspections.select_related("inspector").prefetch_related("findings")[:50],
            "can_inspect": services.can_inspect(user, delivery),
            "orders": orders,
            "reports": reports,
            "project_parties": selectors.project_parties(delivery),
            "kinds": InspectionKind.choices,
            "severities": Severity.choices,
            "can_accept": services.can_accept(user, delivery),
            "accept_blockers": [m for _, m in services.stage_blockers(delivery, Stage.ACCEPTED)]
            if delivery.stage == Stage.COMPLETED
            else [],
            "acceptance": acceptance,
            "signatories": [
                {
                    "role": s.role,
                    "label": s.get_role_display(),
                    "name": documents.signatory_name(s.role, s.name, unmasked=unmasked),
                    "organisation": s.organisation,
                }
                for s in acceptance.signatories.all()
            ]
            if acceptance
            else [],
            "plan_items": version.items if version else [],
            "acceptance_roles": AcceptanceRole.choices,
            "handovers": delivery.handovers.all(),
            "can_handover": services.can_record_handover(user, delivery),
            "handover_kinds": HandoverKind.choices,
            "keeper_kinds": KeeperKind.choices,
            "today": today.isoformat(),
            "is_officer": services.is_officer_for(user, delivery),
        },
    )


def _simplifiable(approval: Approval) -> bool:
    item = {i.id: i for i in rules.approval_items(timezone.localdate())}.get(approval.item_id)
    return bool(item and item.simplifiable)


def _back(pk: int, anchor: str = "") -> str:
    return reverse("delivery:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.get_delivery(request.user, pk)
    return _attempt(
        request,
        lambda: services.delivery_move(
            actor=request.user,
            delivery=delivery,
            to=request.POST.get("to", ""),
            reason=request.POST.get("reason", ""),
            on=request.POST.get("on") or None,
        ),
        "阶段已更新。/ Stage updated.",
        _back(pk),
    )


@login_required
@require_POST
def approval(request: HttpRequest, pk: int) -> HttpResponse:
    item = Approval.objects.filter(pk=pk, delivery__in=selectors.deliveries_for(request.user)).first()
    if item is None:
        raise Http404
    back = _back(item.delivery_id, "approvals")
    post, files = request.POST, request.FILES
    if post.get("action") == "waive":
        from gaizao.programme.selectors import get_consultation

        def run() -> None:
            consultation_id = post.get("consultation") or ""
            if not consultation_id.isdigit():
                raise ApplicationError(
                    "请选择引用的联合会商。/ consultation is required.", field="consultation"
                )
            services.approval_waive(
                actor=request.user,
                approval=item,
                consultation=get_consultation(request.user, consultation_id),
                status=post.get("status", ApprovalStatus.WAIVED),
                note=post.get("note", ""),
            )

        return _attempt(request, run, "已按会商意见标记。/ Marked per the consultation.", back)
    return _attempt(
        request,
        lambda: services.approval_record(
            actor=request.user,
            approval=item,
            document_number=post.get("document_number", ""),
            issued_on=post.get("issued_on", ""),
            file=files.get("file"),
            note=post.get("note", ""),
        ),
        "审批事项已登记。/ Approval recorded.",
        back,
    )


@login_required
@require_POST
def contract_add(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.get_delivery(request.user, pk)
    post = request.POST
    return _attempt(
        request,
        lambda: services.contract_create(
            actor=request.user,
            delivery=delivery,
            kind=post.get("kind", ""),
            number=post.get("number", ""),
            party=_organisation(post.get("party")),
            amount=post.get("amount", ""),
            signed_on=post.get("signed_on", ""),
            starts_on=post.get("starts_on", ""),
            ends_on=post.get("ends_on", ""),
            title=post.get("title", ""),
        ),
        "合同已登记。/ Contract recorded.",
        _back(pk, "contracts"),
    )


@login_required
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.get_delivery(request.user, pk)
    post = request.POST
    return _attempt(
        request,
        lambda: services.milestone_add(
            actor=request.user,
            delivery=delivery,
            name=post.get("name", ""),
            planned_start=post.get("planned_start", ""),
            planned_end=post.get("planned_end", ""),
        ),
        "进度节点已添加。/ Milestone added.",
        _back(pk, "schedule"),
    )


@login_required
@require_POST
def milestone_progress(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = Milestone.objects.filter(pk=pk, delivery__in=selectors.deliveries_for(request.user)).first()
    if milestone is None:
        raise Http404
    post = request.POST
    return _attempt(
        request,
        lambda: services.milestone_progress(
            actor=request.user,
            milestone=milestone,
            actual_start=post.get("actual_start", ""),
            actual_end=post.get("actual_end") or None,
        ),
        "进度已登记。/ Progress recorded.",
        _back(milestone.delivery_id, "schedule"),
    )


# --- inspections from a phone ---------------------------------------------------------------------------------------


@login_required
def inspect(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page of an inspection: checklist of the chosen kind, one finding with a photo and position."""
    _reader(request)
    delivery = selectors.get_delivery(request.user, pk)
    if not services.can_inspect(request.user, delivery):
        raise PermissionDenied("您无权检查该项目。/ You may not inspect this project.")
    kind = request.GET.get("kind") or request.POST.get("kind") or InspectionKind.SAFETY
    if kind not in InspectionKind.values:
        kind = InspectionKind.SAFETY
    checklist = rules.inspection_checklist(kind, timezone.localdate())
    if request.method == "POST":
        post, files = request.POST, request.FILES
        findings = []
        if post.get("description", "").strip() or files.get("photo"):
            order = None
            if post.get("party"):
                order = {
                    "party": _organisation(post.get("party")),
                    "deadline": post.get("deadline") or None,
                    "requirement": post.get("requirement", ""),
                }
            findings.append(
                {
                    "description": post.get("description", ""),
                    "severity": post.get("severity", ""),
                    "checklist_item": post.get("checklist_item", ""),
                    "photo": files.get("photo"),
                    "lon": post.get("lon", ""),
                    "lat": post.get("lat", ""),
                    "order": order,
                }
            )
        results = {item.id: post.get(f"check_{item.id}", "") for item in checklist}
        try:
            services.inspection_record(
                actor=request.user,
                delivery=delivery,
                kind=kind,
                checklist=results,
                note=post.get("note", ""),
                lon=post.get("lon", ""),
                lat=post.get("lat", ""),
                findings=findings,
            )
        except PermissionError_ as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "检查已记录。/ Inspection recorded.")
            return HttpResponseRedirect(_back(pk, "orders"))
    return render(
        request,
        "delivery/inspect.html",
        {
            "delivery": delivery,
            "kind": kind,
            "kinds": InspectionKind.choices,
            "checklist": checklist,
            "severities": Severity.choices,
            "parties": selectors.project_parties(delivery),
            "post": request.POST if request.method == "POST" else {},
        },
    )


@login_required
@require_POST
def report_finding(request: HttpRequest, pk: int) -> HttpResponse:
    from gaizao.participation.selectors import get_report

    delivery = selectors.get_delivery(request.user, pk)
    post = request.POST
    report = get_report(request.user, post.get("report") or 0)
    return _attempt(
        request,
        lambda: services.finding_from_report(
            actor=request.user,
            delivery=delivery,
            report=report,
            kind=post.get("kind", ""),
            severity=post.get("severity", ""),
            party=_organisation(post.get("party")),
            deadline=post.get("deadline") or None,
            requirement=post.get("requirement", ""),
        ),
        "居民报事已转为检查问题。/ The resident's report is now a finding.",
        _back(pk, "orders"),
    )


@login_required
@require_POST
def order_reply(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.get_order(request.user, pk)
    return _attempt(
        request,
        lambda: services.order_reply(
            actor=request.user,
            order=order,
            body=request.POST.get("body", ""),
            evidence=request.FILES.get("evidence"),
        ),
        "整改回复已提交。/ Reply sent.",
        _back(order.delivery_id, "orders"),
    )


@login_required
@require_POST
def order_review(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.get_order(request.user, pk)
    accept = request.POST.get("decision") == "accept"
    return _attempt(
        request,
        lambda: services.order_review(
            actor=request.user, order=order, accept=accept, note=request.POST.get("note", "")
        ),
        "整改已销号。/ Order closed." if accept else "整改已退回。/ Reply rejected.",
        _back(order.delivery_id, "orders"),
    )


# --- acceptance and handover ----------------------------------------------------------------------------------------


@login_required
@require_POST
def acceptance(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.get_delivery(request.user, pk)
    post = request.POST
    version = services.approved_plan_version(delivery)
    items = [
        {
            "item_id": item["item_id"],
            "delivered": post.get(f"delivered_{item['item_id']}", ""),
            "passed": post.get(f"passed_{item['item_id']}") == "on",
            "note": post.get(f"note_{item['item_id']}", ""),
        }
        for item in (version.items if version else [])
    ]
    signatories = []
    for i in range(12):
        role, name = post.get(f"sig_role_{i}"), post.get(f"sig_name_{i}", "").strip()
        if role and name:
            signatories.append({"role": role, "name": name, "organisation": post.get(f"sig_org_{i}", "")})
    return _attempt(
        request,
        lambda: services.acceptance_record(
            actor=request.user,
            delivery=delivery,
            held_on=post.get("held_on", ""),
            items=items,
            signatories=signatories,
            conclusion=post.get("conclusion", ""),
        ),
        "竣工验收已登记。/ Completion acceptance recorded.",
        _back(pk, "acceptance"),
    )


@login_required
def acceptance_document(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    delivery = selectors.get_delivery(request.user, pk)
    record = getattr(delivery, "acceptance", None) if hasattr(delivery, "acceptance") else None
    if record is None:
        raise Http404
    response = HttpResponse(
        documents.acceptance_docx(record, unmasked=sees_personal_data(request.user)),
        content_type=documents.DOCX,
    )
    response["Content-Disposition"] = f'attachment; filename="acceptance-{delivery.project.code}.docx"'
    return response


@login_required
@require_POST
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.get_delivery(request.user, pk)
    post = request.POST
    return _attempt(
        request,
        lambda: services.handover_record(
            actor=request.user,
            delivery=delivery,
            kind=post.get("kind", ""),
            facility=post.get("facility", ""),
            keeper_kind=post.get("keeper_kind", ""),
            keeper_name=post.get("keeper_name", ""),
            keeper=_organisation(post.get("keeper")),
            property_rights_note=post.get("property_rights_note", ""),
            handed_on=post.get("handed_on", ""),
        ),
        "移交已登记。/ Handover recorded.",
        _back(pk, "handover"),
    )


# --- files (served through scope) -----------------------------------------------------------------------------------


@login_required
def file(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    """An attached file (approval document, finding photo, reply evidence), only to those who see its delivery."""
    _reader(request)
    user = request.user
    deliveries = selectors.deliveries_for(user)
    field: Any = None
    if kind == "approval":
        obj = Approval.objects.filter(pk=pk, delivery__in=deliveries).first()
        field = obj.file if obj else None
    elif kind == "finding":
        finding = Finding.objects.filter(pk=pk, inspection__delivery__in=deliveries).first()
        field = finding.photo if finding else None
    elif kind == "evidence":
        reply = RectificationReply.objects.filter(pk=pk, order__in=selectors.orders_for(user)).first()
        field = reply.evidence if reply else None
    if not field:
        raise Http404
    return FileResponse(field.open("rb"), filename=field.name.rsplit("/", 1)[-1])


# --- organisations --------------------------------------------------------------------------------------------------


@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    _reader(request)
    user = request.user
    if request.method == "POST":
        post = request.POST
        back = reverse("delivery:organisations")
        if post.get("action") == "link":

            def link() -> None:
                account = User.objects.filter(username=post.get("username", "")).first()
                if account is None:
                    raise ApplicationError("账号不存在。/ username: no such account.", field="username")
                organisation = _organisation(post.get("organisation"))
                if organisation is None:
                    raise ApplicationError("请选择单位。/ organisation is required.", field="organisation")
                services.organisation_member_link(actor=user, user=account, organisation=organisation)

            return _attempt(request, link, "账号已关联单位。/ Account linked.", back)
        return _attempt(
            request,
            lambda: services.organisation_create(
                actor=user,
                name=post.get("name", ""),
                credit_code=post.get("credit_code", ""),
                kind=post.get("kind", ""),
                contact=post.get("contact", ""),
                phone=post.get("phone", ""),
            ),
            "单位已登记。/ Organisation registered.",
            back,
        )
    return render(
        request,
        "delivery/organisations.html",
        {
            "organisations": selectors.organisations_for(user).prefetch_related("members__user"),
            "kinds": OrganisationKind.choices,
            "can_manage": services.can_manage_organisations(user),
        },
    )
