"""Access matrix of the programme app: every page and API endpoint, for every demo account, on the demo world.

Anchors in the demo (gaizao/programme/demo.py): project A is 清波新村 (清波门社区, 上城区) in 谋划 with a finalised
plan, an open consultation inviting every department (so the water utility sees it; water and gas have not
answered, nor has 民政; 财政 has), and a publication with a comment; project B is a 上城区 reserve project in 清波门社区 without a consultation; X is the 西湖区 project with a
consultation; the 上城区 annual plan for next year is a draft without projects.

Writes are exercised with input that the service refuses after the access checks (an unknown pool, a finalised
plan, an open consultation, an empty reply ...), so the matrix never changes the demo world.
"""

from __future__ import annotations

from tests.matrix_types import ACCOUNTS, STAFF, Case, api_for, page_for, statuses

API = "/api/v1/programme"

#: Who reads project A (清波门社区, consultation inviting the water utility and 民政).
A_READERS = ("city", "ndrc", "planning", "finance", "shangcheng", "qingbo", "qingbomen", "water", "minzheng")
#: Who reads project B (清波门社区, no consultation).
B_READERS = ("city", "ndrc", "planning", "finance", "shangcheng", "qingbo", "qingbomen")
X_READERS = ("city", "ndrc", "planning", "finance", "xihu", "water", "minzheng")
CITY_ROLES = ("city", "ndrc", "planning", "finance")


def _a():
    from gaizao.programme.models import Project

    # the programme demo's own project: the first created (delivery's demo codes its first project a year back)
    return (
        Project.objects.filter(is_sample=True, district__code="330102", publications__isnull=False)
        .order_by("pk")
        .first()
    )


def _b():
    from gaizao.programme.models import Project

    return Project.objects.filter(
        is_sample=True, state="reserve", division__code="330102001051", consultations__isnull=True
    ).first()


def _x():
    from gaizao.programme.models import Project

    return Project.objects.filter(
        is_sample=True, district__code="330106", consultations__isnull=False
    ).first()


def _version():
    return _a().plan.current_version


def _consultation():
    return _a().consultations.first()


def _publication():
    return _a().publications.first()


def _comment():
    return _publication().comments.first()


def _annual():
    from django.utils import timezone

    from gaizao.programme.models import AnnualPlan

    return AnnualPlan.objects.get(district__code="330102", plan_year=timezone.localdate().year + 1)


def _write(ok: int, officers: tuple[str, ...], readers: tuple[str, ...], *, anonymous: int) -> dict[str, int]:
    """Officers in scope reach the service (``ok``: its refusal), other readers are forbidden, the rest 404."""
    out = {}
    for account in ACCOUNTS:
        if account in officers:
            out[account] = ok
        elif account in readers:
            out[account] = 403
        else:
            out[account] = 404
    out["anonymous"] = anonymous
    return out


A_OFFICERS = ("city", "shangcheng", "qingbo")  # writers of 上城区 data (district, city, street)
A_DISTRICT = ("city", "shangcheng")  # moves, consultations: district officer or city coordinator
A_BALLOT = ("shangcheng", "qingbo", "qingbomen")  # project ballots: district, street or community organiser
ALL_API = {a: 200 for a in ACCOUNTS} | {"anonymous": 401}
PUBLIC = {a: 200 for a in ACCOUNTS}

CASES: list[Case] = [
    # --- pages ---
    Case("programme home", "/programme/", page_for(STAFF), pattern="programme/"),
    Case("city dashboard", "/programme/city/", page_for(CITY_ROLES), pattern="programme/city/"),
    Case(
        "new project",
        "/programme/projects/new/",
        page_for(("city", "shangcheng", "xihu", "qingbo")),
        pattern="programme/projects/new/",
    ),
    Case(
        "project A",
        lambda: f"/programme/projects/{_a().pk}/",
        page_for(A_READERS),
        pattern="programme/projects/<int:pk>/",
    ),
    Case(
        "project X (西湖区)",
        lambda: f"/programme/projects/{_x().pk}/",
        page_for(X_READERS),
        pattern="programme/projects/<int:pk>/",
    ),
    Case(
        "move project A (unknown pool)",
        lambda: f"/programme/projects/{_a().pk}/move/",
        _write(302, A_DISTRICT, A_READERS, anonymous=302),
        method="post",
        data={"to": "bogus"},
        pattern="programme/projects/<int:pk>/move/",
    ),
    Case(
        "conditions of project A (Word)",
        lambda: f"/programme/projects/{_a().pk}/conditions.docx",
        page_for(A_READERS),
        pattern="programme/projects/<int:pk>/conditions.docx",
    ),
    Case(
        "open a ballot for project A (unknown purpose)",
        lambda: f"/programme/projects/{_a().pk}/ballots/",
        _write(302, A_BALLOT, A_READERS, anonymous=302),
        method="post",
        data=lambda: {"community_id": _a().communities.first().pk, "purpose": "bogus"},
        pattern="programme/projects/<int:pk>/ballots/",
    ),
    Case(
        "plan A",
        lambda: f"/programme/projects/{_a().pk}/plan/",
        page_for(A_READERS),
        pattern="programme/projects/<int:pk>/plan/",
    ),
    Case(
        "preview plan A's totals (saves nothing)",
        lambda: f"/programme/projects/{_a().pk}/plan/preview/",
        _write(200, A_OFFICERS, A_READERS, anonymous=302),
        method="post",
        data={"item": ["roads"], "qty_roads": "10", "fund_district_funds": "1"},
        pattern="programme/projects/<int:pk>/plan/preview/",
    ),
    Case(
        "finalise plan A again",
        lambda: f"/programme/projects/{_a().pk}/plan/finalise/",
        _write(302, A_OFFICERS, A_READERS, anonymous=302),
        method="post",
        pattern="programme/projects/<int:pk>/plan/finalise/",
    ),
    Case(
        "reopen draft plan B",
        lambda: f"/programme/projects/{_b().pk}/plan/reopen/",
        _write(302, A_OFFICERS, B_READERS, anonymous=302),
        method="post",
        pattern="programme/projects/<int:pk>/plan/reopen/",
    ),
    Case(
        "start a second consultation on A",
        lambda: f"/programme/projects/{_a().pk}/consultation/",
        _write(302, A_DISTRICT, A_READERS, anonymous=302),
        method="post",
        pattern="programme/projects/<int:pk>/consultation/",
    ),
    Case(
        "publish A for 0 days",
        lambda: f"/programme/projects/{_a().pk}/publish/",
        _write(302, A_OFFICERS, A_READERS, anonymous=302),
        method="post",
        data={"days": "0"},
        pattern="programme/projects/<int:pk>/publish/",
    ),
    Case(
        "plan version",
        lambda: f"/programme/plan-versions/{_version().pk}/",
        page_for(A_READERS),
        pattern="programme/plan-versions/<int:pk>/",
    ),
    Case(
        "consultations",
        "/programme/consultations/",
        page_for((*STAFF, "minzheng")),  # a department lists the consultations inviting it
        pattern="programme/consultations/",
    ),
    Case(
        "consultation A",
        lambda: f"/programme/consultations/{_consultation().pk}/",
        page_for(A_READERS),
        pattern="programme/consultations/<int:pk>/",
    ),
    Case(
        "remind a department of A that has answered",
        lambda: f"/programme/consultations/{_consultation().pk}/remind/",
        _write(302, A_DISTRICT, A_READERS, anonymous=302),
        method="post",
        data={"department": "finance"},
        pattern="programme/consultations/<int:pk>/remind/",
    ),
    Case(
        "complete consultation A (pending)",
        lambda: f"/programme/consultations/{_consultation().pk}/complete/",
        _write(302, A_DISTRICT, A_READERS, anonymous=302),
        method="post",
        pattern="programme/consultations/<int:pk>/complete/",
    ),
    Case(
        "consultation Word",
        lambda: f"/programme/consultations/{_consultation().pk}/document.docx",
        page_for(A_READERS),
        pattern="programme/consultations/<int:pk>/document.docx",
    ),
    Case(
        "publication A (staff)",
        lambda: f"/programme/publications/{_publication().pk}/",
        page_for(A_READERS),
        pattern="programme/publications/<int:pk>/",
    ),
    Case(
        "empty reply",
        lambda: f"/programme/comments/{_comment().pk}/reply/",
        _write(302, A_OFFICERS, A_READERS, anonymous=302),
        method="post",
        data={"reply": ""},
        pattern="programme/comments/<int:pk>/reply/",
    ),
    Case("public publications", "/programme/public/", PUBLIC, pattern="programme/public/"),
    Case(
        "public publication",
        lambda: f"/programme/public/{_publication().public_id}/",
        PUBLIC,
        pattern="programme/public/<uuid:public_id>/",
    ),
    Case(
        "annual plans",
        "/programme/annual/",
        page_for(("city", "ndrc", "planning", "finance", "shangcheng", "xihu")),
        pattern="programme/annual/",
    ),
    Case(
        "上城区 draft annual plan",
        lambda: f"/programme/annual/{_annual().pk}/",
        page_for(("shangcheng",)),
        pattern="programme/annual/<int:pk>/",
    ),
    Case(
        "submit empty annual plan",
        lambda: f"/programme/annual/{_annual().pk}/submit/",
        page_for(("shangcheng",), ok=302),
        method="post",
        pattern="programme/annual/<int:pk>/submit/",
    ),
    Case(
        "review a draft",
        lambda: f"/programme/annual/{_annual().pk}/review/",
        page_for(("shangcheng",), ok=403),
        method="post",
        data={"decision": "pass"},
        pattern="programme/annual/<int:pk>/review/",
    ),
    Case(
        "approve a draft",
        lambda: f"/programme/annual/{_annual().pk}/approve/",
        page_for(("shangcheng",), ok=403),
        method="post",
        pattern="programme/annual/<int:pk>/approve/",
    ),
    Case(
        "annual Excel",
        lambda: f"/programme/annual/{_annual().pk}/export.xlsx",
        page_for(("shangcheng",)),
        pattern="programme/annual/<int:pk>/export.xlsx",
    ),
    Case("unit rates", "/programme/unit-rates/", page_for(STAFF), pattern="programme/unit-rates/"),
    Case(
        "project A history",
        lambda: f"/history/programme.project/{_a().pk}/",
        page_for(A_READERS),
        pattern="history/<str:label>/<str:pk>/",
    ),
    Case(
        "consultation A history",
        lambda: f"/history/programme.consultation/{_consultation().pk}/",
        page_for(A_READERS),
        pattern="history/<str:label>/<str:pk>/",
    ),
    Case(
        "annual draft history",
        lambda: f"/history/programme.annualplan/{_annual().pk}/",
        page_for(("shangcheng",)),
        pattern="history/<str:label>/<str:pk>/",
    ),
    # --- API ---
    Case("api projects", f"{API}/projects", ALL_API, pattern="api/v1/programme/projects"),
    Case(
        "api create project without communities",
        f"{API}/projects",
        {a: 400 for a in ACCOUNTS} | {"anonymous": 401},
        method="post",
        data={"community_ids": []},
        json=True,
        pattern="api/v1/programme/projects",
    ),
    Case(
        "api project A",
        lambda: f"{API}/projects/{_a().pk}",
        api_for(A_READERS),
        pattern="api/v1/programme/projects/{project_id}",
    ),
    Case(
        "api project X",
        lambda: f"{API}/projects/{_x().pk}",
        api_for(X_READERS),
        pattern="api/v1/programme/projects/{project_id}",
    ),
    Case(
        "api conditions A",
        lambda: f"{API}/projects/{_a().pk}/conditions",
        api_for(A_READERS),
        pattern="api/v1/programme/projects/{project_id}/conditions",
    ),
    Case(
        "api conditions A (Word)",
        lambda: f"{API}/projects/{_a().pk}/conditions.docx",
        api_for(A_READERS),
        pattern="api/v1/programme/projects/{project_id}/conditions.docx",
    ),
    Case(
        "api ballots of project A",
        lambda: f"{API}/projects/{_a().pk}/ballots",
        api_for(A_READERS),
        pattern="api/v1/programme/projects/{project_id}/ballots",
    ),
    Case(
        "api open a ballot for project A (unknown purpose)",
        lambda: f"{API}/projects/{_a().pk}/ballots",
        _write(400, A_BALLOT, A_READERS, anonymous=401),
        method="post",
        data=lambda: {"community_id": _a().communities.first().pk, "purpose": "bogus"},
        json=True,
        pattern="api/v1/programme/projects/{project_id}/ballots",
    ),
    Case(
        "api move A (unknown pool)",
        lambda: f"{API}/projects/{_a().pk}/move",
        _write(400, A_DISTRICT, A_READERS, anonymous=401),
        method="post",
        data={"to": "bogus"},
        json=True,
        pattern="api/v1/programme/projects/{project_id}/move",
    ),
    Case(
        "api plan A",
        lambda: f"{API}/projects/{_a().pk}/plan",
        api_for(A_READERS),
        pattern="api/v1/programme/projects/{project_id}/plan",
    ),
    Case(
        "api save finalised plan A",
        lambda: f"{API}/projects/{_a().pk}/plan",
        _write(409, A_OFFICERS, A_READERS, anonymous=401),
        method="post",
        data={"mode": "comprehensive_improvement", "items": [], "funding": {}},
        json=True,
        pattern="api/v1/programme/projects/{project_id}/plan",
    ),
    Case(
        "api plan versions A",
        lambda: f"{API}/projects/{_a().pk}/plan/versions",
        api_for(A_READERS),
        pattern="api/v1/programme/projects/{project_id}/plan/versions",
    ),
    Case(
        "api plan version",
        lambda: f"{API}/plan-versions/{_version().pk}",
        api_for(A_READERS),
        pattern="api/v1/programme/plan-versions/{version_id}",
    ),
    Case(
        "api finalise A again",
        lambda: f"{API}/projects/{_a().pk}/plan/finalise",
        _write(409, A_OFFICERS, A_READERS, anonymous=401),
        method="post",
        pattern="api/v1/programme/projects/{project_id}/plan/finalise",
    ),
    Case(
        "api reopen draft B",
        lambda: f"{API}/projects/{_b().pk}/plan/reopen",
        _write(409, A_OFFICERS, B_READERS, anonymous=401),
        method="post",
        data={},
        json=True,
        pattern="api/v1/programme/projects/{project_id}/plan/reopen",
    ),
    Case(
        "api second consultation A",
        lambda: f"{API}/projects/{_a().pk}/consultations",
        _write(409, A_DISTRICT, A_READERS, anonymous=401),
        method="post",
        data={},
        json=True,
        pattern="api/v1/programme/projects/{project_id}/consultations",
    ),
    Case("api consultations", f"{API}/consultations", ALL_API, pattern="api/v1/programme/consultations"),
    Case(
        "api consultation A",
        lambda: f"{API}/consultations/{_consultation().pk}",
        api_for(A_READERS),
        pattern="api/v1/programme/consultations/{consultation_id}",
    ),
    Case(
        "api water opinion with a bad decision",
        lambda: f"{API}/consultations/{_consultation().pk}/opinions",
        _write(400, ("water",), A_READERS, anonymous=401),  # only the water utility answers for water
        method="post",
        data={"department": "water", "decision": "bogus"},
        json=True,
        pattern="api/v1/programme/consultations/{consultation_id}/opinions",
    ),
    Case(
        "api 民政 opinion with a bad decision",
        lambda: f"{API}/consultations/{_consultation().pk}/opinions",
        _write(400, ("minzheng",), A_READERS, anonymous=401),  # only 民政's own account answers for 民政
        method="post",
        data={"department": "civil_affairs", "decision": "bogus"},
        json=True,
        pattern="api/v1/programme/consultations/{consultation_id}/opinions",
    ),
    Case(
        "api remind a department of A that has answered",
        lambda: f"{API}/consultations/{_consultation().pk}/reminders",
        _write(400, A_DISTRICT, A_READERS, anonymous=401),
        method="post",
        data={"departments": ["finance"]},
        json=True,
        pattern="api/v1/programme/consultations/{consultation_id}/reminders",
    ),
    Case(
        "api complete A (pending)",
        lambda: f"{API}/consultations/{_consultation().pk}/complete",
        _write(409, A_DISTRICT, A_READERS, anonymous=401),
        method="post",
        data={},
        json=True,
        pattern="api/v1/programme/consultations/{consultation_id}/complete",
    ),
    Case(
        "api consultation Word",
        lambda: f"{API}/consultations/{_consultation().pk}/document",
        api_for(A_READERS),
        pattern="api/v1/programme/consultations/{consultation_id}/document",
    ),
    Case(
        "api publish A for 0 days",
        lambda: f"{API}/projects/{_a().pk}/publications",
        _write(400, A_OFFICERS, A_READERS, anonymous=401),
        method="post",
        data={"days": 0},
        json=True,
        pattern="api/v1/programme/projects/{project_id}/publications",
    ),
    Case(
        "api public publications",
        f"{API}/public/publications",
        PUBLIC,
        pattern="api/v1/programme/public/publications",
    ),
    Case(
        "api public publication",
        lambda: f"{API}/public/publications/{_publication().public_id}",
        PUBLIC,
        pattern="api/v1/programme/public/publications/{public_id}",
    ),
    Case(
        "api empty public comment",
        lambda: f"{API}/public/publications/{_publication().public_id}/comments",
        {a: 400 for a in ACCOUNTS},
        method="post",
        data={"name": "", "contact": "", "body": ""},
        json=True,
        pattern="api/v1/programme/public/publications/{public_id}/comments",
    ),
    Case(
        "api empty reply",
        lambda: f"{API}/comments/{_comment().pk}/reply",
        _write(400, A_OFFICERS, A_READERS, anonymous=401),
        method="post",
        data={"reply": ""},
        json=True,
        pattern="api/v1/programme/comments/{comment_id}/reply",
    ),
    Case("api annual plans", f"{API}/annual-plans", ALL_API, pattern="api/v1/programme/annual-plans"),
    Case(
        "api compile for a street",
        f"{API}/annual-plans",
        statuses(403, shangcheng=400, anonymous=401),
        method="post",
        data={"plan_year": 2030, "district_code": "330102001"},
        json=True,
        pattern="api/v1/programme/annual-plans",
    ),
    Case(
        "api annual draft",
        lambda: f"{API}/annual-plans/{_annual().pk}",
        api_for(("shangcheng",)),
        pattern="api/v1/programme/annual-plans/{plan_id}",
    ),
    Case(
        "api submit empty annual",
        lambda: f"{API}/annual-plans/{_annual().pk}/submit",
        api_for(("shangcheng",), ok=400),
        method="post",
        pattern="api/v1/programme/annual-plans/{plan_id}/submit",
    ),
    Case(
        "api review a draft",
        lambda: f"{API}/annual-plans/{_annual().pk}/reviews",
        api_for(("shangcheng",), ok=403),
        method="post",
        data={"decision": "pass"},
        json=True,
        pattern="api/v1/programme/annual-plans/{plan_id}/reviews",
    ),
    Case(
        "api approve a draft",
        lambda: f"{API}/annual-plans/{_annual().pk}/approve",
        api_for(("shangcheng",), ok=403),
        method="post",
        data={},
        json=True,
        pattern="api/v1/programme/annual-plans/{plan_id}/approve",
    ),
    Case(
        "api annual Excel",
        lambda: f"{API}/annual-plans/{_annual().pk}/export",
        api_for(("shangcheng",)),
        pattern="api/v1/programme/annual-plans/{plan_id}/export",
    ),
    Case("api unit rates", f"{API}/unit-rates", ALL_API, pattern="api/v1/programme/unit-rates"),
    Case(
        "api set an unknown item's rate",
        f"{API}/unit-rates",
        statuses(403, city=400, shangcheng=400, xihu=400, anonymous=401),
        method="post",
        data={"item_id": "moon_base", "rate": "1"},
        json=True,
        pattern="api/v1/programme/unit-rates",
    ),
    Case("api dashboard", f"{API}/dashboard", ALL_API, pattern="api/v1/programme/dashboard"),
]

#: /api/v1/policy/: the rules for every logged-in account (the same answers as ``gaizao rules``).
POLICY = "/api/v1/policy"
CASES += [
    Case("api policy rule sets", f"{POLICY}/rulesets", ALL_API, pattern="api/v1/policy/rulesets"),
    Case(
        "api policy scope",
        f"{POLICY}/scope",
        ALL_API,
        method="post",
        data={"built_year": 1995, "assessed_year": 2025},
        json=True,
        pattern="api/v1/policy/scope",
    ),
    Case(
        "api policy subsidy",
        f"{POLICY}/subsidy",
        ALL_API,
        method="post",
        data={
            "district": "上城区",
            "built_year": 1995,
            "affordable_housing": False,
            "final_accounts": "1000000",
            "elevator_cost": "0",
            "secondary_water_cost": "0",
            "building_area_m2": "5000",
            "on": "2024-06-30",
        },
        json=True,
        pattern="api/v1/policy/subsidy",
    ),
    Case(
        "api policy vote",
        f"{POLICY}/vote",
        ALL_API,
        method="post",
        data={
            "matter": 7,
            "units": [{"unit_id": "1", "owner_id": "A", "area_m2": "80"}],
            "ballots": {"A": "yes"},
        },
        json=True,
        pattern="api/v1/policy/vote",
    ),
]
