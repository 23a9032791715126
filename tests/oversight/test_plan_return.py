"""The annual plan form (城镇老旧小区改造年度计划表) through HTTP: each district's annual plan taken through
programme's own services (compile → submit → three reviews → approval), then the city's return for the plan year
(JSON and Excel) whose totals equal the sum of the district returns, the street rows summing to their district, the
核对 sheet, a district without an approved plan shown (not silently zero), and the records behind a cell."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from gaizao.programme import services as programme_services
from tests.delivery.conftest import make_project
from tests.programme.conftest import make_community

API = "/api/v1/oversight"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _approve(accounts, district, officer: str, year: int):
    plan = programme_services.annual_plan_compile(actor=accounts[officer], district=district, plan_year=year)
    programme_services.annual_plan_submit(actor=accounts[officer], annual_plan=plan)
    for bureau in ("city", "ndrc", "planning"):
        programme_services.annual_plan_review(actor=accounts[bureau], annual_plan=plan, decision="pass")
    return programme_services.annual_plan_approve(actor=accounts["city"], annual_plan=plan)


@pytest.fixture
def plans(world, accounts, divs):
    """Next year's plans: 上城 two projects (清波, 清波门 ×2 communities), approved; 西湖 one project, submitted."""
    year = world["year"] + 1
    a = make_community("SC-101", "清波新村", divs["330102001051"], households=100, building_count=4)
    b = make_community("SC-102", "清波南苑", divs["330102001"], households=60, building_count=2)
    first = make_project(divs, a, code_="P-SC-101", approved=False, year=year + 5)
    second = make_project(divs, b, code_="P-SC-102", approved=False, year=year + 6)
    west = make_community("XH-101", "北山新村", divs["330106002"], households=90, building_count=3)
    west_project = make_project(divs, west, code_="P-XH-101", approved=False, year=year + 5)
    approved = _approve(accounts, divs["330102"], "shangcheng", year)
    west_plan = programme_services.annual_plan_compile(
        actor=accounts["xihu"], district=divs["330106"], plan_year=year
    )
    programme_services.annual_plan_submit(actor=accounts["xihu"], annual_plan=west_plan)
    return {
        "year": year,
        "projects": [first, second],
        "west": west_project,
        "approved": approved,
        "west_plan": west_plan,
    }


def test_city_plan_return_sums_the_approved_plans_and_reconciles(plans, accounts):
    from openpyxl import load_workbook

    city = _client(accounts["city"])
    year = plans["year"]
    data = city.get(f"{API}/returns/{year}", {"form": "plan"}).json()
    assert data["form"] == "plan" and data["reconciled"] is True
    rows = {r["code"]: r for r in data["rows"]}
    assert rows["330100"]["cells"]["plan_projects"] == "2"
    assert rows["330100"]["cells"]["plan_households"] == "160"
    assert rows["330100"]["cells"]["plan_buildings"] == "6"
    assert rows["330100"]["cells"]["plan_investment_total"] == "3840000.00"
    assert rows["330100"]["cells"]["plan_investment_district_funds"] == "3840000"
    assert rows["330106"]["cells"]["plan_projects"] == "0"  # submitted, not approved: not counted
    status = {s["district"]: s["state"] for s in data["plan_status"]}
    assert status == {"330102": "approved", "330106": "submitted"}
    assert rows["330102001"]["cells"]["plan_households"] == "160"  # both projects lie in 清波街道

    r = city.get(f"{API}/returns/{year}/export.xlsx", {"form": "plan"})
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    sheet = book["计划表"]
    assert sheet["A1"].value == "城镇老旧小区改造年度计划表"
    by_code = {row[0]: row for row in sheet.iter_rows(min_row=6, values_only=True)}
    width = len(next(iter(by_code.values())))
    for col in range(3, width):
        assert by_code["330100"][col] == by_code["330102"][col] + by_code["330106"][col]
        assert by_code["330102"][col] == by_code["330102001"][col]
    checks = list(book["核对"].iter_rows(values_only=True))
    assert [c[1] for c in checks[1:4]] == ["平", "平", "平"]
    assert ("西湖区", "已报送", plans["west_plan"].pk) in checks

    # the district's own return equals its row in the city's
    district = _client(accounts["shangcheng"]).get(f"{API}/returns/{year}", {"form": "plan"}).json()
    own = {r["code"]: r for r in district["rows"]}["330102"]
    assert own["cells"] == rows["330102"]["cells"]

    cell = city.get(
        f"{API}/returns/{year}/cell", {"division": "330102001", "column": "plan_households"}
    ).json()
    assert cell["value"] == "160"
    assert cell["projects"] == sorted(p.pk for p in plans["projects"])
    page = city.get(
        "/oversight/returns/cell/",
        {"period": str(year), "division": "330102", "column": "plan_projects"},
    ).content.decode()
    assert all(f'data-project="{p.pk}"' in page and p.code in page for p in plans["projects"])
    html = city.get("/oversight/returns/", {"period": str(year), "form": "plan"}).content.decode()
    assert 'data-district="330106" data-state="submitted"' in html and 'id="reconciled" class="ok"' in html


def test_plan_return_is_for_a_year(plans, accounts):
    city = _client(accounts["city"])
    r = city.get(f"{API}/returns/{plans['year']}Q1", {"form": "plan"})
    assert r.status_code == 400 and "年度计划表按年度填报" in r.json()["message"]
