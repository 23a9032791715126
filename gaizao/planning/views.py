"""Pages of the special plan and the programme optimiser. Reads go through selectors (out of scope → 404), writes
through services; a refused write comes back as a message on the page it was made from."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gaizao.accounts.access import READER_ROLES
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.planning import documents, selectors, services
from gaizao.planning.models import INDICATORS
from gaizao.policy.planning import planning_rules
from gaizao.ui.views import attempt as _attempt

WAN = Decimal(10_000)
COMPONENTS = (
    ("households", "户数（每户）", "households (per household)"),
    ("gaps", "补齐设施缺口（每个）", "facility gaps closed (each)"),
    ("priority", "重点改造小区", "priority community"),
    ("urgency", "紧迫度（0–1）", "urgency (0–1)"),
    ("readiness", "居民准备度（0–1）", "residents' readiness (0–1)"),
)


def _staff(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


def _modes() -> list[dict[str, str]]:
    from gaizao.policy import renovation_modes

    return [
        {"id": m.id, "label": f"{m.name_zh} / {m.name_en}"} for m in renovation_modes(timezone.localdate())
    ]


# --- special plan ---------------------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _staff(request)
    plans = list(selectors.plans_for(request.user)[:100])
    districts = [d for d in selectors.districts_for(request.user) if services.can_optimise(request.user, d)]
    can_create = [d for d in districts if services.can_create_plan(request.user, d)]
    return render(
        request,
        "planning/home.html",
        {
            "plans": plans,
            "runs": list(selectors.runs_for(request.user)[:20]),
            "can_create": can_create,
            "rules": planning_rules(timezone.localdate()),
        },
    )


@login_required
@require_POST
def plan_new(request: HttpRequest) -> HttpResponse:
    _staff(request)
    districts = {d.code: d for d in selectors.districts_for(request.user)}
    district = districts.get(request.POST.get("district", ""))
    if district is None:
        raise Http404
    holder: dict[str, Any] = {}

    def create() -> None:
        holder["plan"] = services.special_plan_create(
            actor=request.user, district=district, title=request.POST.get("title", "")
        )

    response = _attempt(
        request,
        create,
        "已创建专项规划，并按生活圈分析建议划定改造单元。/ Plan created.",
        reverse("planning:home"),
    )
    if "plan" in holder:
        return redirect("planning:plan", holder["plan"].pk)
    return response


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    plan = selectors.get_plan(request.user, pk)
    units = selectors.plan_units(plan)
    rules = planning_rules(timezone.localdate())
    mode_names = {m["id"]: m["label"] for m in _modes()}
    rows = []
    for unit in units:
        members = list(unit.communities.all())
        rows.append(
            {
                "unit": unit,
                "members": members,
                "households": sum(c.households or 0 for c in members),
                "residents": sum(c.population or 0 for c in members),
                "problems": services.unit_size_problems(members, rules),
                "mode_label": mode_names.get(unit.mode, unit.mode),
                "projects": [link.project for link in unit.project_links.select_related("project")],
                "indicators": [
                    (zh, unit.indicators[key], label)
                    for key, zh, _en, label in INDICATORS
                    if key in unit.indicators
                ],
            }
        )
    return render(
        request,
        "planning/plan_detail.html",
        {
            "plan": plan,
            "rows": rows,
            "rules": rules,
            "can_edit": services.can_edit(request.user, plan),
            "can_submit": services.can_submit(request.user, plan),
            "can_review": services.can_review(request.user, plan),
            "can_new_version": services.can_new_version(request.user, plan),
            "modes": _modes(),
        },
    )


@login_required
def plan_map(request: HttpRequest, pk: int) -> JsonResponse:
    _staff(request)
    return JsonResponse(selectors.plan_map(selectors.get_plan(request.user, pk)))


@login_required
def plan_document(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    plan = selectors.get_plan(request.user, pk)
    response = HttpResponse(documents.special_plan_docx(plan), content_type=documents.DOCX)
    response["Content-Disposition"] = (
        f'attachment; filename="special-plan-{plan.district.code}-v{plan.version}.docx"'
    )
    return response


@login_required
@require_POST
def plan_proposals(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    plan = selectors.get_plan(request.user, pk)
    back = reverse("planning:plan", args=[plan.pk])
    return _attempt(
        request,
        lambda: services.special_plan_units_from_proposals(actor=request.user, plan=plan),
        "已加入生活圈分析建议的改造单元。/ Proposed units added.",
        back,
    )


@login_required
@require_POST
def unit_new(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    plan = selectors.get_plan(request.user, pk)
    ids = [i for i in request.POST.get("community_ids", "").split(",") if i.strip()]
    return _attempt(
        request,
        lambda: services.unit_create(
            actor=request.user,
            plan=plan,
            community_ids=ids,
            name=request.POST.get("name", ""),
            mode=request.POST.get("mode", ""),
        ),
        "已在地图上划定新单元。/ Unit drawn.",
        reverse("planning:plan", args=[plan.pk]),
    )


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    plan = selectors.get_plan(request.user, pk)
    return _attempt(
        request,
        lambda: services.special_plan_submit(actor=request.user, plan=plan),
        "已报协调小组审查。/ Submitted to the coordination group.",
        reverse("planning:plan", args=[plan.pk]),
    )


@login_required
@require_POST
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    plan = selectors.get_plan(request.user, pk)
    note = request.POST.get("note", "")
    if request.POST.get("decision") == "approve":
        return _attempt(
            request,
            lambda: services.special_plan_approve(actor=request.user, plan=plan, note=note),
            "专项规划已批准。/ The special plan is approved.",
            reverse("planning:plan", args=[plan.pk]),
        )
    return _attempt(
        request,
        lambda: services.special_plan_return(actor=request.user, plan=plan, note=note),
        "已退回修改。/ Returned for revision.",
        reverse("planning:plan", args=[plan.pk]),
    )


@login_required
@require_POST
def plan_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    plan = selectors.get_plan(request.user, pk)
    if not services.can_new_version(request.user, plan):
        raise PermissionDenied
    holder: dict[str, Any] = {}

    def create() -> None:
        holder["plan"] = services.special_plan_create(
            actor=request.user, district=plan.district, title=plan.title
        )

    response = _attempt(
        request, create, "已创建新版本。/ New version started.", reverse("planning:plan", args=[plan.pk])
    )
    if "plan" in holder:
        return redirect("planning:plan", holder["plan"].pk)
    return response


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    unit = selectors.get_unit(request.user, pk)
    back = reverse("planning:plan", args=[unit.plan_id])
    if request.method == "POST":
        indicators = {key: request.POST.get(f"ind_{key}", "") for key, *_rest in INDICATORS}
        return _attempt(
            request,
            lambda: services.unit_update(
                actor=request.user,
                unit=unit,
                name=request.POST.get("name", ""),
                mode=request.POST.get("mode", ""),
                positioning=request.POST.get("positioning", ""),
                indicators=indicators,
                phase_year=request.POST.get("phase_year") or None,
            ),
            f"单元 {unit.code} 已保存。/ Unit saved.",
            back,
        )
    return render(
        request,
        "planning/unit_edit.html",
        {
            "unit": unit,
            "modes": _modes(),
            "indicators": [
                {"key": key, "zh": zh, "en": en, "unit": label, "value": unit.indicators.get(key, "")}
                for key, zh, en, label in INDICATORS
            ],
            "can_edit": services.can_edit(request.user, unit.plan),
            "members": list(unit.communities.order_by("code")),
        },
    )


@login_required
@require_POST
def unit_toggle(request: HttpRequest, pk: int) -> JsonResponse:
    """The map's click: add or remove a community; answers JSON for the page script."""
    _staff(request)
    unit = selectors.get_unit(request.user, pk)
    try:
        member = services.unit_toggle_community(
            actor=request.user, unit=unit, community_id=request.POST.get("community_id", "")
        )
    except PermissionError_ as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        return JsonResponse({"ok": False, "message": exc.message}, status=400)
    return JsonResponse({"ok": True, "member": member})


@login_required
@require_POST
def unit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    unit = selectors.get_unit(request.user, pk)
    plan_id = unit.plan_id
    return _attempt(
        request,
        lambda: services.unit_delete(actor=request.user, unit=unit),
        "单元已删除。/ Unit deleted.",
        reverse("planning:plan", args=[plan_id]),
    )


# --- optimiser ------------------------------------------------------------------------------------------------------


def _wan(value: str, field: str) -> str:
    """万元 on the form → yuan for the service."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return str(Decimal(text) * WAN)
    except InvalidOperation as exc:
        raise ApplicationError(f"“{field}”不是有效金额。/ {field}: not an amount.", field=field) from exc


@login_required
def optimiser(request: HttpRequest) -> HttpResponse:
    _staff(request)
    districts = selectors.optimiser_scopes_for(request.user)
    if not districts:
        raise Http404
    weights = services.default_weights()
    year = timezone.localdate().year + 1
    if request.method == "POST":
        by_code = {d.code: d for d in districts}
        district = by_code.get(request.POST.get("district", ""), districts[0])
        holder: dict[str, Any] = {}

        def run() -> None:
            holder["run"] = services.optimiser_run(
                actor=request.user,
                district=district,
                plan_year=request.POST.get("plan_year", year),
                budget={
                    "district_funds": _wan(request.POST.get("district_funds", ""), "district_funds"),
                    "municipal_subsidy": _wan(request.POST.get("municipal_subsidy", ""), "municipal_subsidy"),
                },
                targets={
                    k: request.POST.get(f"target_{k}", "0") for k in ("communities", "households", "gaps")
                },
                weights={k: request.POST.get(f"w_{k}", weights[k]) for k, _zh, _en in COMPONENTS},
                min_per_street=request.POST.get("min_per_street", "0"),
                keep_units=request.POST.get("keep_units") == "on",
            )

        response = _attempt(request, run, "优化完成。/ Optimised.", reverse("planning:optimiser"))
        if "run" in holder:
            return redirect("planning:run", holder["run"].pk)
        return response
    return render(
        request,
        "planning/optimiser.html",
        {
            "districts": districts,
            "year": year,
            "components": [{"key": k, "zh": zh, "en": en, "value": weights[k]} for k, zh, en in COMPONENTS],
            "runs": list(selectors.runs_for(request.user)[:10]),
        },
    )


def _run_context(request: HttpRequest, run: Any) -> dict[str, Any]:
    district_budget = Decimal(run.budget.get("district_funds", "0"))
    chosen = [
        {**r, "estimate_wan": (Decimal(r["estimate"]) / WAN).quantize(Decimal("0.1"))}
        for r in run.rows
        if r["chosen"]
    ]
    points = [
        {
            "id": r["community_id"],
            "name": r["name"],
            "lon": r["lon"],
            "lat": r["lat"],
            "chosen": r["chosen"],
            "committed": r["committed"],
            "benefit": r["benefit"],
        }
        for r in run.rows
        if r["lon"] is not None and r["lat"] is not None
    ]
    # the slider spans 0 … twice the budget (at least the cost of every candidate's district share)
    all_cost = sum((Decimal(r["district_cost"]) for r in run.rows), Decimal(0))
    top = max(district_budget * 2, all_cost) / WAN
    return {
        "run": run,
        "chosen_rows": chosen,
        "other_rows": [r for r in run.rows if not r["chosen"]][:50],
        "budget_wan": (district_budget / WAN).quantize(Decimal(1)),
        "subsidy_wan": (Decimal(run.budget.get("municipal_subsidy", "0")) / WAN).quantize(Decimal(1))
        if run.budget.get("municipal_subsidy")
        else "",
        "slider_max": int(top) + 1,
        "subsidy_max": int(
            max(
                Decimal(run.budget.get("municipal_subsidy", "0")) * 2,
                sum((Decimal(r["subsidy"]) for r in run.rows), Decimal(0)),
            )
            / WAN
        )
        + 1,
        "slider_step": max(1, int(top / 200)),
        "spent_wan": {k: (Decimal(v) / WAN).quantize(Decimal("0.1")) for k, v in run.spent.items()},
        "points": points,
        "gap_pct": run.gap * 100,
        "can_save": services.can_save_run(request.user, run),
    }


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    run = selectors.get_run(request.user, pk)
    return render(request, "planning/run.html", _run_context(request, run))


@login_required
@require_POST
def run_whatif(request: HttpRequest, pk: int) -> HttpResponse:
    """The sliders: re-solve with another district budget (and subsidy); answers the result panel (HTMX)."""
    _staff(request)
    run = selectors.get_run(request.user, pk)
    try:
        budget = {"district_funds": _wan(request.POST.get("district_funds", ""), "district_funds")}
        if "municipal_subsidy" in request.POST:
            budget["municipal_subsidy"] = _wan(request.POST["municipal_subsidy"], "municipal_subsidy")
        new = services.optimiser_rerun(actor=request.user, run=run, budget=budget)
    except PermissionError_ as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        return HttpResponse(f'<p class="msg msg-error">{exc.message}</p>', status=200)
    response = render(request, "planning/_run_result.html", _run_context(request, new))
    response["HX-Push-Url"] = reverse("planning:run", args=[new.pk])
    return response


@login_required
@require_POST
def run_save(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    run = selectors.get_run(request.user, pk)
    holder: dict[str, Any] = {}

    def save() -> None:
        holder["annual"] = services.optimiser_save(actor=request.user, run=run)

    response = _attempt(
        request,
        save,
        "已保存为年度计划草案：所选小区已立项并转入谋划一批，具备条件的项目列入年度计划。/ Saved as the draft annual "
        "plan: the chosen communities are projects in the planning pool; ready ones are in the annual plan.",
        reverse("planning:run", args=[run.pk]),
    )
    if "annual" in holder:
        return redirect("planning:run", run.pk)
    return response
