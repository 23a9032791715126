"""Access matrix of the planning app: every page and API endpoint, for every demo account, on the demo world.

Anchors in the demo (gaizao/planning/demo.py): 上城区's special plan v1 is approved and v2 is a draft copy; one
optimiser run for next year exists. Writes are aimed at v1 (approved: not editable, not reviewable) or carry input
the service refuses after the access checks, so the matrix never changes the demo world. The save case first makes
an infeasible run (a target no budget reaches) as the district officer, which no one may save.
"""

from __future__ import annotations

from tests.matrix_types import ACCOUNTS, SHANGCHENG_READERS, STAFF, Case, api_for, page_for

API = "/api/v1/planning"
PLANNERS = ("city", "shangcheng", "xihu")  # the city and each district officer for its own district


def _v1():
    from gaizao.planning.models import SpecialPlan

    return SpecialPlan.objects.get(district__code="330102", version=1)


def _unit():
    return _v1().units.order_by("code").first()


def _run():
    from gaizao.planning.models import OptimiserRun

    return OptimiserRun.objects.filter(district__code="330102", status="optimal").order_by("pk").first()


def _infeasible_run():
    from gaizao.accounts.models import User
    from gaizao.planning import services

    run = _run()
    return services.optimiser_run(
        actor=User.objects.get(username="shangcheng"),
        district=run.district,
        plan_year=run.plan_year,
        budget={"district_funds": "0"},
        targets={"communities": 1_000_000},
    )


def _project():
    from gaizao.programme.models import Project

    return Project.objects.filter(is_sample=True, district__code="330102").order_by("pk").first()


def _v2_unit():
    from gaizao.planning.models import SpecialPlan

    return SpecialPlan.objects.get(district__code="330102", version=2).units.order_by("code").first()


def _api(ok: int, readers: tuple[str, ...] = SHANGCHENG_READERS, **overrides: int) -> dict[str, int]:
    out = api_for(readers, ok=ok)
    out.update(overrides)
    return out


def _all(status: int, **overrides: int) -> dict[str, int]:
    out = {a: status for a in ACCOUNTS} | {"anonymous": 401}
    out.update(overrides)
    return out


CITY_READERS_403 = {a: 403 for a in ("ndrc", "planning", "finance", "water")}

CASES: list[Case] = [
    # --- pages ---
    Case("planning home", "/planning/", page_for(STAFF), pattern="planning/"),
    Case(
        "planning new plan while v2 is a draft",
        "/planning/plans/new/",
        page_for(("shangcheng",), ok=302)
        # a utility has no scope outside the consultations it is invited to: the district is not found for it
        | {"city": 403, "ndrc": 403, "planning": 403, "finance": 403, "water": 404},
        method="post",
        data={"district": "330102"},
        pattern="planning/plans/new/",
    ),
    Case(
        "planning plan v1",
        lambda: f"/planning/plans/{_v1().pk}/",
        page_for(SHANGCHENG_READERS),
        pattern="planning/plans/<int:pk>/",
    ),
    Case(
        "planning plan map",
        lambda: f"/planning/plans/{_v1().pk}/map.json",
        page_for(SHANGCHENG_READERS),
        pattern="planning/plans/<int:pk>/map.json",
    ),
    Case(
        "planning plan Word",
        lambda: f"/planning/plans/{_v1().pk}/document.docx",
        page_for(SHANGCHENG_READERS),
        pattern="planning/plans/<int:pk>/document.docx",
    ),
    Case(
        "planning proposals into approved v1",
        lambda: f"/planning/plans/{_v1().pk}/proposals/",
        page_for(SHANGCHENG_READERS, ok=302),
        method="post",
        pattern="planning/plans/<int:pk>/proposals/",
    ),
    Case(
        "planning draw a unit in approved v1",
        lambda: f"/planning/plans/{_v1().pk}/units/new/",
        page_for(SHANGCHENG_READERS, ok=302),
        method="post",
        data={"community_ids": ""},
        pattern="planning/plans/<int:pk>/units/new/",
    ),
    Case(
        "planning submit approved v1",
        lambda: f"/planning/plans/{_v1().pk}/submit/",
        page_for(SHANGCHENG_READERS, ok=403),
        method="post",
        pattern="planning/plans/<int:pk>/submit/",
    ),
    Case(
        "planning approve approved v1",
        lambda: f"/planning/plans/{_v1().pk}/review/",
        page_for(SHANGCHENG_READERS, ok=403),
        method="post",
        data={"decision": "approve"},
        pattern="planning/plans/<int:pk>/review/",
    ),
    Case(
        "planning new version while v2 is a draft",
        lambda: f"/planning/plans/{_v1().pk}/version/",
        page_for(SHANGCHENG_READERS, ok=403),
        method="post",
        pattern="planning/plans/<int:pk>/version/",
    ),
    Case(
        "planning unit",
        lambda: f"/planning/units/{_unit().pk}/",
        page_for(SHANGCHENG_READERS),
        pattern="planning/units/<int:pk>/",
    ),
    Case(
        "planning toggle a unit of approved v1",
        lambda: f"/planning/units/{_unit().pk}/toggle/",
        page_for(SHANGCHENG_READERS, ok=400),
        method="post",
        data=lambda: {"community_id": str(_unit().communities.first().pk)},
        pattern="planning/units/<int:pk>/toggle/",
    ),
    Case(
        "planning delete a unit of approved v1",
        lambda: f"/planning/units/{_unit().pk}/delete/",
        page_for(SHANGCHENG_READERS, ok=302),
        method="post",
        pattern="planning/units/<int:pk>/delete/",
    ),
    Case("planning optimiser", "/planning/optimiser/", page_for(PLANNERS), pattern="planning/optimiser/"),
    Case(
        "planning run",
        lambda: f"/planning/optimiser/{_run().pk}/",
        page_for(SHANGCHENG_READERS),
        pattern="planning/optimiser/<int:pk>/",
    ),
    Case(
        "planning what-if with a bad budget",
        lambda: f"/planning/optimiser/{_run().pk}/whatif/",
        page_for(SHANGCHENG_READERS),
        method="post",
        data={"district_funds": "x"},
        pattern="planning/optimiser/<int:pk>/whatif/",
    ),
    Case(
        "planning save an infeasible run",
        lambda: f"/planning/optimiser/{_infeasible_run().pk}/save/",
        page_for(SHANGCHENG_READERS, ok=403),
        method="post",
        pattern="planning/optimiser/<int:pk>/save/",
    ),
    # --- API ---
    Case("planning api plans", f"{API}/plans", _all(200), pattern="api/v1/planning/plans"),
    Case(
        "planning api new plan while v2 is a draft",
        f"{API}/plans",
        _all(400, shangcheng=409, city=403, **{**CITY_READERS_403, "water": 400}),
        method="post",
        data={"district_code": "330102"},
        json=True,
        pattern="api/v1/planning/plans",
    ),
    Case(
        "planning api plan v1",
        lambda: f"{API}/plans/{_v1().pk}",
        _api(200),
        pattern="api/v1/planning/plans/<int:plan_id>",
    ),
    Case(
        "planning api plan map",
        lambda: f"{API}/plans/{_v1().pk}/map",
        _api(200),
        pattern="api/v1/planning/plans/<int:plan_id>/map",
    ),
    Case(
        "planning api plan Word",
        lambda: f"{API}/plans/{_v1().pk}/document",
        _api(200),
        pattern="api/v1/planning/plans/<int:plan_id>/document",
    ),
    Case(
        "planning api draw a unit in approved v1",
        lambda: f"{API}/plans/{_v1().pk}/units",
        _api(409),
        method="post",
        data={"community_ids": []},
        json=True,
        pattern="api/v1/planning/plans/<int:plan_id>/units",
    ),
    Case(
        "planning api proposals into approved v1",
        lambda: f"{API}/plans/{_v1().pk}/proposals",
        _api(409),
        method="post",
        pattern="api/v1/planning/plans/<int:plan_id>/proposals",
    ),
    Case(
        "planning api patch a unit of approved v1",
        lambda: f"{API}/units/{_unit().pk}",
        _api(409),
        method="patch",
        data={"name": "x"},
        json=True,
        pattern="api/v1/planning/units/<int:unit_id>",
    ),
    Case(
        "planning api toggle a unit of approved v1",
        lambda: f"{API}/units/{_unit().pk}/toggle",
        _api(409),
        method="post",
        data=lambda: {"community_id": _unit().communities.first().pk},
        json=True,
        pattern="api/v1/planning/units/<int:unit_id>/toggle",
    ),
    Case(
        "planning api submit approved v1",
        lambda: f"{API}/plans/{_v1().pk}/submit",
        _api(403),
        method="post",
        pattern="api/v1/planning/plans/<int:plan_id>/submit",
    ),
    Case(
        "planning api approve approved v1",
        lambda: f"{API}/plans/{_v1().pk}/approve",
        _api(403),
        method="post",
        data={"note": ""},
        json=True,
        pattern="api/v1/planning/plans/<int:plan_id>/approve",
    ),
    Case(
        "planning api return approved v1",
        lambda: f"{API}/plans/{_v1().pk}/return",
        _api(403),
        method="post",
        data={"note": "x"},
        json=True,
        pattern="api/v1/planning/plans/<int:plan_id>/return",
    ),
    Case(
        "planning api link a project to a draft unit",
        f"{API}/links",
        _api(404, shangcheng=409, city=409, ndrc=403, planning=403, finance=403, water=404),
        method="post",
        data=lambda: {"project_id": _project().pk, "unit_id": _v2_unit().pk},
        json=True,
        pattern="api/v1/planning/links",
    ),
    Case("planning api runs", f"{API}/runs", _all(200), pattern="api/v1/planning/runs"),
    Case(
        "planning api run with a bad budget",
        f"{API}/runs",
        _all(400),
        method="post",
        data={"plan_year": 2027, "budget": {"district_funds": "abc"}},
        json=True,
        pattern="api/v1/planning/runs",
    ),
    Case(
        "planning api run",
        lambda: f"{API}/runs/{_run().pk}",
        _api(200),
        pattern="api/v1/planning/runs/<int:run_id>",
    ),
    Case(
        "planning api what-if with a bad budget",
        lambda: f"{API}/runs/{_run().pk}/whatif",
        _api(400, **{**CITY_READERS_403, "water": 404}),
        method="post",
        data={"budget": {"district_funds": "abc"}},
        json=True,
        pattern="api/v1/planning/runs/<int:run_id>/whatif",
    ),
    Case(
        "planning api save an infeasible run",
        lambda: f"{API}/runs/{_infeasible_run().pk}/save",
        _api(403),
        method="post",
        pattern="api/v1/planning/runs/<int:run_id>/save",
    ),
]
