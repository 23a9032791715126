"""Every oversight endpoint and page through HTTP (Django test client) on the small world of conftest.py: the
coordinator sets targets, reads progress, generates the return (JSON and Excel, totals reconciled), follows a
cell to its records, computes and publishes the assessment, downloads the evaluation report (Word); the public
progress page and open data answer without login and carry no personal data."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.test import Client

from gaizao.oversight.models import Assessment, DistrictTarget

API = "/api/v1/oversight"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def city(accounts):
    return client_for(accounts["city"])


def test_targets_api_set_and_read(world, accounts, city):
    year = world["year"]
    r = city.post(
        f"{API}/targets",
        data=json.dumps({"district": "330102", "year": year, "households": 500, "property_coverage": "0.6"}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["households"] == 500 and r.json()["property_coverage"] == "0.6000"
    listed = city.get(f"{API}/targets", {"year": year}).json()
    assert [t["district"] for t in listed["targets"]] == ["330102"]
    assert listed["defaults"]["communities_started"] == "20"
    refused = client_for(accounts["shangcheng"]).post(
        f"{API}/targets",
        data=json.dumps({"district": "330102", "year": year}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    bad = city.post(
        f"{API}/targets",
        data=json.dumps({"district": "330102", "year": year, "property_coverage": "2"}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert client_for(accounts["resident"]).get(f"{API}/targets", {"year": year}).status_code == 404
    assert Client().get(f"{API}/targets", {"year": year}).status_code == 401


def test_targets_page_post_and_progress_page(world, accounts, city):
    year = world["year"]
    r = city.post(
        "/oversight/targets/",
        {"district": "330106", "year": year, "communities_started": "3", "communities_completed": "1"},
    )
    assert r.status_code == 302
    target = DistrictTarget.objects.get(district__code="330106", year=year)
    assert target.communities_started == 3 and target.households == 3000
    page = city.get("/oversight/targets/", {"year": year})
    assert page.status_code == 200 and 'name="communities_started"' in page.content.decode()
    home = city.get("/oversight/", {"year": year}).content.decode()
    assert 'data-district="330106"' in home and "北山" not in home  # districts, not streets
    api = city.get(f"{API}/progress", {"year": year}).json()
    west = next(r for r in api["rows"] if r["district"]["code"] == "330106")
    started = next(i for i in west["items"] if i["key"] == "communities_started")
    assert started["actual"] == 1 and started["target"] == "3"
    assert (
        client_for(accounts["shangcheng"]).post("/oversight/targets/", {"district": "330102"}).status_code
        == 403
    )


def test_return_json_excel_and_cells(world, accounts, city):
    from openpyxl import load_workbook

    year = world["year"]
    data = city.get(f"{API}/returns/{year}").json()
    assert data["reconciled"] is True
    rows = {r["code"]: r for r in data["rows"]}
    assert rows["330100"]["cells"]["started_communities"] == "2"
    r = city.get(f"{API}/returns/{year}/export.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    sheet = book["进度表"]
    header = [c.value for c in sheet[4]]
    by_code = {row[0]: row for row in sheet.iter_rows(min_row=6, values_only=True)}
    city_row, districts = by_code["330100"], [by_code["330102"], by_code["330106"]]
    for col in range(3, len(header)):
        assert city_row[col] == sum(d[col] for d in districts), header[col]
    assert city_row[3] == 2  # 开工小区数
    total_col = header.index("合计(元)")
    assert city_row[total_col] == 450000
    assert all(row[1] == "平" for row in book["核对"].iter_rows(min_row=2, values_only=True))
    page = city.get("/oversight/returns/export.xlsx", {"period": str(year), "division": "330106"})
    west = load_workbook(io.BytesIO(page.content))["进度表"]
    assert [row[0] for row in west.iter_rows(min_row=6, values_only=True)] == ["330106", "330106002"]
    cell = city.get(
        f"{API}/returns/{year}/cell", {"division": "330102", "column": "completed_communities"}
    ).json()
    assert cell["projects"] == [world["east"].project_id] and cell["value"] == "1"
    html = city.get(
        "/oversight/returns/cell/",
        {"period": str(year), "division": "330102", "column": "completed_communities"},
    ).content.decode()
    assert f'data-project="{world["east"].project_id}"' in html
    returns_page = city.get("/oversight/returns/", {"period": str(year)}).content.decode()
    assert 'id="reconciled" class="ok"' in returns_page
    assert city.get(f"{API}/returns/2026Q9").status_code == 400
    xihu = client_for(accounts["xihu"])
    assert xihu.get(f"{API}/returns/{year}", {"division": "330102"}).status_code == 404
    assert xihu.get(f"{API}/returns/{year}/cell", {"division": "330102", "column": "x"}).status_code == 404


def test_assessment_through_http(targets, accounts, city):
    year = targets["year"]
    r = city.post(
        f"{API}/assessments",
        data=json.dumps({"year": year, "award_pool": "300000.00", "award_threshold": "20"}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "draft" and body["can_publish"] is True
    assert sum(Decimal(s["award"]) for s in body["scores"]) == Decimal("300000.00")
    assert [s["rank"] for s in body["scores"]] == [1, 2]
    one = city.get(f"{API}/assessments/{year}/districts/330102").json()
    progress = next(i for i in one["indicators"] if i["id"] == "progress")
    assert progress["records"]["projects"] == [targets["east"].project_id]
    shangcheng = client_for(accounts["shangcheng"])
    assert shangcheng.get(f"{API}/assessments/{year}").status_code == 404  # a draft is the city's
    assert (
        shangcheng.post(
            f"{API}/assessments", data=json.dumps({"year": year}), content_type="application/json"
        ).status_code
        == 403
    )
    page = city.get("/oversight/assessment/", {"year": year}).content.decode()
    assert 'id="publish"' in page and 'data-district="330102"' in page
    detail = city.get(f"/oversight/assessment/{year}/330102/").content.decode()
    assert 'data-indicator="fund_execution"' in detail and "rectification_orders" in detail
    # recompute through the page, then publish
    assert (
        city.post("/oversight/assessment/compute/", {"year": year, "award_pool": "100.00"}).status_code == 302
    )
    assert Assessment.objects.get(year=year).award_pool == Decimal("100.00")
    assert shangcheng.post(f"/oversight/assessment/{year}/publish/").status_code == 404
    assert city.post(f"/oversight/assessment/{year}/publish/").status_code == 302
    assert Assessment.objects.get(year=year).state == "published"
    assert shangcheng.get(f"{API}/assessments/{year}").status_code == 200
    again = city.post(f"{API}/assessments/{year}/publish")
    assert again.status_code == 403
    refused = city.post(
        f"{API}/assessments", data=json.dumps({"year": year}), content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "illegal_transition"


def test_evaluation_report_is_a_word_document(targets, accounts, city):
    from docx import Document

    year = targets["year"]
    city.post(f"{API}/assessments", data=json.dumps({"year": year}), content_type="application/json")
    city.post(f"{API}/assessments/{year}/publish")
    r = city.get(f"/oversight/evaluation/{year}/330102/report.docx")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "上城区" in text and "绩效评价报告" in text and "排名第 1" in text
    assert len(doc.tables) >= 5
    outputs = doc.tables[0]
    first = [c.text for c in outputs.rows[1].cells]
    assert first[0] == "开工小区(个)" and first[2] == "1"
    budget = doc.tables[1]
    assert budget.rows[-1].cells[0].text == "合计" and budget.rows[-1].cells[4].text == "400000.00"
    api = city.get(f"{API}/evaluations/{year}/330102/report.docx")
    assert api.status_code == 200 and api["Content-Type"].endswith("wordprocessingml.document")
    assert (
        client_for(accounts["xihu"]).get(f"/oversight/evaluation/{year}/330102/report.docx").status_code
        == 404
    )


def test_public_progress_and_open_data_without_login(targets, accounts):
    anonymous = Client()
    year = targets["year"]
    page = anonymous.get("/oversight/public/", {"year": year})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="progress-chart"' in html and "echarts" in html and 'id="open-json"' in html
    chart = anonymous.get(f"{API}/public/progress", {"year": year}).json()
    east = next(r for r in chart["rows"] if r["code"] == "330102")
    assert east["started"] == 1 and east["completed"] == 1 and east["target_started"] == 1
    rows = list(
        csv.DictReader(
            io.StringIO(anonymous.get("/oversight/public/projects.csv").content.decode("utf-8-sig"))
        )
    )
    assert {r["project_code"] for r in rows} == {"P-SC-001", "P-XH-001"}
    east_row = next(r for r in rows if r["project_code"] == "P-SC-001")
    assert east_row["paid_yuan"] == "400000.00" and east_row["households"] == "320"
    package = anonymous.get("/oversight/public/projects.json").json()
    assert package["version"] == "0.9"
    projects = {p["id"]: p for p in package["projects"]}
    assert projects["gaizao-P-SC-001"]["status"] == "completion"
    assert projects["gaizao-P-SC-001"]["completion"]["finalValue"] == {"amount": 400000.0, "currency": "CNY"}
    assert anonymous.get(f"{API}/public/projects.json").json()["projects"]
    assert anonymous.get(f"{API}/public/projects.csv").status_code == 200
    raw = json.dumps(package, ensure_ascii=False) + "".join(json.dumps(r, ensure_ascii=False) for r in rows)
    for name in ("上城区住建局", "builder", "王施工", "phone", "1390000"):
        assert name not in raw


def test_deadlines_inbox(targets, accounts):
    from django.utils import timezone

    from gaizao.delivery.models import Milestone
    from gaizao.ui.todos import registered_keys, todos_for

    today = timezone.localdate()
    Milestone.objects.create(
        delivery=targets["west"], name="主体施工", planned_start=today, planned_end=today, order=1
    )
    assert "oversight.milestones_due" in registered_keys()
    xihu = accounts["xihu"]
    todos = {t.key: t for t in todos_for(xihu)}
    assert todos["oversight.milestones_due"].count == 1
    assert "oversight.targets_missing" not in todos  # the city's to-do
    body = client_for(xihu).get(f"{API}/deadlines").json()
    due = next(d for d in body if d["key"] == "oversight.milestones_due")
    assert due["count"] == 1 and due["items"][0]["text"].endswith("主体施工")
    city = {t.key: t for t in todos_for(accounts["city"])}
    assert city["oversight.targets_missing"].count == 0  # both districts have targets this year
    assert client_for(accounts["resident"]).get(f"{API}/deadlines").json() == []
    home = client_for(xihu).get("/")
    assert home.status_code == 200 and "临近或逾期的工程节点" in home.content.decode()


def test_pages_fall_back_to_this_year_and_refuse_bad_years_in_the_api(world, city):
    from django.utils import timezone

    page = city.get("/oversight/", {"year": "1990"})
    assert page.status_code == 200 and str(timezone.localdate().year) in page.content.decode()
    assert city.get(f"{API}/progress", {"year": 1990}).status_code == 400
    assert city.get(f"{API}/targets", {"year": 1990}).status_code == 400


def test_effects_return_counts_the_accepted_or_planned_quantities(world, accounts, city):
    from openpyxl import load_workbook

    from gaizao.programme.models import PlanVersion

    year = world["year"]
    version = PlanVersion.objects.get(plan__project=world["east"].project)
    version.items = [*version.items, {"item_id": "parking", "quantity": "40", "unit": "个", "amount": "0"}]
    version.elevator_stairwells = [{"building": "1", "stairwell": "1"}, {"building": "1", "stairwell": "2"}]
    version.save()
    data = city.get(f"{API}/returns/{year}", {"form": "effects"}).json()
    assert data["title"] == "城镇老旧小区改造成效情况表" and data["reconciled"] is True
    rows = {r["code"]: r["cells"] for r in data["rows"]}
    assert rows["330100"]["effect_parking"] == "40"
    assert rows["330100"]["effect_elevators"] == "2"
    assert rows["330100"]["effect_drains"] == "1200"  # 雨污分流 of the plan (no acceptance yet)
    assert rows["330106"]["effect_communities"] == "0"  # 北山 is started, not completed
    book = load_workbook(
        io.BytesIO(city.get(f"{API}/returns/{year}/export.xlsx", {"form": "effects"}).content)
    )
    assert book["成效表"]["A1"].value == "城镇老旧小区改造成效情况表"
    cell = city.get(f"{API}/returns/{year}/cell", {"division": "330102", "column": "effect_parking"}).json()
    assert cell["projects"] == [world["east"].project_id]
    assert city.get(f"{API}/returns/{year}", {"form": "nope"}).status_code == 400
    page = city.get("/oversight/returns/", {"period": str(year), "form": "effects"}).content.decode()
    assert "成效情况表" in page


def test_city_inspections_follow_the_findings(world, accounts, orgs, city):
    from gaizao.delivery import services as delivery_services
    from tests.delivery.conftest import png

    delivery_services.inspection_record(
        actor=accounts["city"],
        delivery=world["west"],
        kind="safety",
        findings=[
            {
                "description": "临边防护缺失",
                "severity": "major",
                "photo": png(),
                "order": {"party": orgs["builder"], "requirement": "三日内整改"},
            },
            {"description": "材料堆放不规范", "severity": "minor", "photo": png()},
        ],
    )
    year = world["year"]
    data = city.get(f"{API}/inspections", {"year": year}).json()
    west = next(r for r in data["rows"] if r["district"]["code"] == "330106")
    assert west["inspections"] == 1 and west["findings"] == 2 and west["orders"] == 1 and west["open"] == 1
    east = next(r for r in data["rows"] if r["district"]["code"] == "330102")
    assert east["inspections"] == 0
    page = city.get("/oversight/inspections/", {"year": year}).content.decode()
    assert "北山小区综合改造" in page
    # a district officer sees only its own district's inspections
    mine = client_for(accounts["shangcheng"]).get(f"{API}/inspections", {"year": year}).json()
    assert [r["district"]["code"] for r in mine["rows"]] == ["330102"] and mine["inspections"] == []


class Collecting:
    sent: list = []

    def send(self, user, todos) -> None:
        Collecting.sent.append((user.username, [t.key for t in todos]))


def test_reminders_go_through_the_configured_sender(targets, accounts, settings):
    from django.core.management import call_command
    from django.utils import timezone

    from gaizao.delivery.models import Milestone

    today = timezone.localdate()
    Milestone.objects.create(
        delivery=targets["west"], name="主体施工", planned_start=today, planned_end=today, order=1
    )
    settings.OVERSIGHT_REMINDER_SENDER = "tests.oversight.test_http.Collecting"
    Collecting.sent = []
    out = io.StringIO()
    call_command("oversight_remind", stdout=out)
    sent = dict(Collecting.sent)
    assert "oversight.milestones_due" in sent["xihu"]
    assert "shangcheng" not in sent or "oversight.milestones_due" not in sent["shangcheng"]
    assert out.getvalue().startswith("reminded ")
