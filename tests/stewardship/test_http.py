"""Stewardship through real HTTP: the issue's "done when" journey (API and pages), multipart uploads, refusals
naming their field, scope of property company accounts, the public page without login, the Excel export."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone

from tests.delivery.conftest import pdf, png
from tests.stewardship.helpers import run_ballot

pytestmark = pytest.mark.django_db
API = "/api/v1/stewardship"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _json(c: Client, url: str, data: dict, method: str = "post"):
    return getattr(c, method)(url, json.dumps(data), content_type="application/json")


def test_done_when_journey(handed_over, project, community, owners, company, steward, accounts, orgs, divs):
    """A handed-over community gets a property contract, a fund top-up approved by a 3/4 ballot, an adopted 管理规约,
    a fund disclosure on its public page and a 12-month follow-up with one finding closed; the district page shows
    property-service coverage by street."""
    today = timezone.localdate()
    officer = client_for(accounts["shangcheng"])
    organiser = client_for(accounts["qingbomen"])
    # the owners decide: the fee and company (matter 4), the top-up (matter 6, 3/4) and 管理规约 (matter 2)
    fee_ballot = run_ballot(community, owners, matter=4, yes=6, actor=accounts["shangcheng"])
    top_up_ballot = run_ballot(community, owners, matter=6, yes=8, actor=accounts["shangcheng"])
    rules_ballot = run_ballot(community, owners, matter=2, yes=7, actor=accounts["shangcheng"])

    # 1. the management plan agreed with the renovation plan before 实施 (street service), revised now that the
    # owners decided to hire a company: its conditions follow the revision
    r = officer.get(f"{API}/projects/{project.pk}/plan")
    assert r.status_code == 200 and r.json()["plan"]["mode"] == "community_street"
    assert [c["code"] for c in r.json()["conditions"]] == ["stewardship.plan"]
    assert r.json()["conditions"][0]["met"] is True
    assert r.json()["conditions"][0]["clause"] == "杭政办函〔2022〕10号 四(四)"
    plan = {
        "mode": "professional",
        "fee_yuan_per_m2_month": "0.80",
        "fund_balance": "120000.00",
        "fund_top_up": "300000.00",
    }
    r = _json(officer, f"{API}/projects/{project.pk}/plan", {**plan, "mode": "butler"}, "put")
    assert r.status_code == 400 and r.json()["message"].endswith("mode: 'butler' is not a valid choice.")
    r = _json(officer, f"{API}/projects/{project.pk}/plan", plan, "put")
    assert r.status_code == 200, r.content
    assert r.json()["plan"]["required_decisions"] == ["fee", "fund_top_up", "management_rules"]
    for decision, ballot in (
        ("fee", fee_ballot),
        ("fund_top_up", top_up_ballot),
        ("management_rules", rules_ballot),
    ):
        r = _json(
            officer,
            f"{API}/projects/{project.pk}/plan/decisions",
            {"community_id": community.pk, "decision": decision, "ballot_id": ballot.pk},
        )
        assert r.status_code == 200, r.content
    r = _json(
        officer,
        f"{API}/projects/{project.pk}/plan/decisions",
        {"community_id": community.pk, "decision": "fee", "ballot_id": top_up_ballot.pk},
    )
    assert r.status_code == 400 and r.json()["code"] == "ballot_gate"
    assert all(c["met"] for c in officer.get(f"{API}/projects/{project.pk}/plan").json()["conditions"])

    # 2. the property contract with the company chosen by the owners
    contract = {
        "company_id": company.pk,
        "number": "QB-WY-2026-01",
        "starts_on": (today - dt.timedelta(days=30)).isoformat(),
        "ends_on": (today + dt.timedelta(days=3 * 365)).isoformat(),
        "fee_yuan_per_m2_month": "0.80",
        "scope": "保洁、秩序维护、绿化、共用设施设备维修养护",
        "ballot_id": fee_ballot.pk,
    }
    r = _json(
        officer, f"{API}/communities/{community.pk}/contracts", {**contract, "company_id": orgs["builder"].pk}
    )
    assert r.status_code == 400 and "company" in r.json()["message"]
    r = _json(officer, f"{API}/communities/{community.pk}/contracts", contract)
    assert r.status_code == 200, r.content
    assert r.json()["company"]["credit_code"] == company.credit_code

    # 3. the maintenance fund: opening balance, the top-up approved by the 3/4 ballot, disclosure
    fund = f"{API}/communities/{community.pk}/fund"
    start = today - dt.timedelta(days=20)
    r = _json(
        organiser,
        fund,
        {"kind": "opening", "amount": "120000.00", "on": start.isoformat(), "description": "期初"},
    )
    assert r.status_code == 200, r.content
    r = _json(
        organiser,
        fund,
        {"kind": "top_up", "amount": "300000.00", "on": today.isoformat(), "description": "续筹"},
    )
    assert r.status_code == 400 and r.json()["code"] == "ballot_gate"
    r = _json(
        organiser,
        fund,
        {
            "kind": "top_up",
            "amount": "300000.00",
            "on": today.isoformat(),
            "description": "业主续筹维修资金",
            "ballot_id": top_up_ballot.pk,
        },
    )
    assert r.status_code == 200 and r.json()["balance"] == "420000.00"
    r = _json(
        organiser,
        f"{API}/communities/{community.pk}/disclosures",
        {"period_start": start.isoformat(), "period_end": today.isoformat()},
    )
    assert r.status_code == 200 and r.json()["closing"] == "420000.00"
    # the opening entry carries the existing balance in: it is the opening, not income
    assert (r.json()["opening"], r.json()["income"], r.json()["spending"]) == (
        "120000.00",
        "300000.00",
        "0.00",
    )

    # 4. 管理规约 adopted by the matter-2 ballot, uploaded as a real multipart file
    url = f"{API}/communities/{community.pk}/conventions"
    form = {"kind": "management_rules", "title": "清波小区管理规约", "adopted_on": today.isoformat()}
    r = organiser.post(url, {**form, "file": pdf("规约.pdf")})
    assert r.status_code == 400 and r.json()["code"] == "ballot_gate"
    r = organiser.post(url, {**form, "ballot_id": str(rules_ballot.pk)})
    assert r.status_code == 400 and "file" in r.json()["message"]
    r = organiser.post(url, {**form, "ballot_id": str(rules_ballot.pk), "file": pdf("规约.pdf")})
    assert r.status_code == 200, r.content
    convention_id = r.json()["id"]
    r = officer.get(f"{API}/conventions/{convention_id}/file")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")

    # the public page, without login: the disclosure, the company (contact masked), the convention
    anonymous = Client()
    page = anonymous.get(f"/stewardship/public/communities/{community.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "维修资金公示" in html and "420000.00" in html and "业主续筹维修资金" in html
    assert "张**" in html and "138****5678" in html and "张三丰" not in html and "13812345678" not in html
    assert "业主0" not in html and "13900000000" not in html
    data = anonymous.get(f"{API}/public/communities/{community.pk}").json()
    assert data["disclosures"][0]["entries"][1]["ballot"]["matter"] == 6
    assert data["disclosures"][0]["entries"][1]["ballot"]["approved"] is True
    # the 3/4 ballot's support as residents read it: 8 of 10 owners
    assert data["disclosures"][0]["entries"][1]["ballot"]["yes_owners_percent"] == "80.0%"
    assert "同意人数 80.0%（4/5）" in html
    assert anonymous.get(data["conventions"][0]["url"]).status_code == 200

    # 5. follow-ups after handover: schedule, the 12-month inspection with a photo, the order closed
    r = officer.post(f"{API}/deliveries/{handed_over.pk}/followups")
    assert r.status_code == 200 and [f["months"] for f in r.json()] == [6, 12, 24]
    twelve = next(f for f in r.json() if f["months"] == 12)
    street = client_for(accounts["qingbo"])
    r = street.post(
        f"{API}/followups/{twelve['id']}/inspect",
        {
            "kind": "quality",
            "note": "移交12个月回访",
            "finding_description": "3幢屋面渗水",
            "finding_severity": "major",
            "party_id": str(orgs["builder"].pk),
            "requirement": "保修期内修复",
            "photo": png("leak.png"),
        },
    )
    assert r.status_code == 200, r.content
    finding = r.json()["findings"][0]
    assert finding["order"]["state"] == "open" and finding["closed"] is False
    builder = client_for(accounts["builder"])
    r = builder.post(
        f"/api/v1/delivery/orders/{finding['order']['id']}/reply", {"body": "已重做防水", "evidence": png()}
    )
    assert r.status_code == 200, r.content
    r = _json(
        street, f"/api/v1/delivery/orders/{finding['order']['id']}/review", {"accept": True, "note": "合格"}
    )
    assert r.status_code == 200, r.content
    detail = officer.get(f"{API}/communities/{community.pk}").json()
    twelve = next(f for f in detail["followups"] if f["months"] == 12)
    assert twelve["done"] and twelve["findings"][0]["closed"] is True

    # the district page: coverage by street, its Excel table, the chart data
    page = officer.get("/stewardship/coverage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-street="330102001"' in html and "清波街道" in html and "100%" in html
    assert 'id="coverage-chart"' in html
    coverage = officer.get(f"{API}/coverage", {"district": "330102"}).json()
    assert coverage["streets"][0]["covered"] == 1 and coverage["share"] == 1.0
    xlsx = officer.get("/stewardship/coverage.xlsx")
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    rows = list(book["按街道"].iter_rows(values_only=True))
    assert rows[2][:5] == ("上城区", "清波街道", "330102001", 1, 1)

    # the scorecard for the performance evaluation, and the community page with its health chart
    card = officer.get(f"{API}/communities/{community.pk}/scorecard").json()
    long_term = next(g for g in card["goals"] if g["goal"] == "long_term_management")
    assert long_term["facts"]["property_contract"] is True and long_term["facts"]["management_rules"] is True
    assert long_term["facts"]["fund_disclosed"] is True
    page = officer.get(f"/stewardship/communities/{community.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="health-chart"' in html and "vendor/echarts/echarts.min.js" in html
    assert 'data-fact="property_contract"' in html and "有物业服务合同：是 / yes" in html
    assert html.count("逾期") == 1  # the 6-month follow-up was never done; the 24-month one is not due
    health = officer.get(f"{API}/communities/{community.pk}/health").json()
    assert health["fund_balance"][-1] == "420000.00"


def test_scope_and_refusals(handed_over, community, company, steward, accounts, divs):
    from tests.programme.conftest import make_community

    officer = client_for(accounts["shangcheng"])
    today = timezone.localdate()
    contract = {
        "company_id": company.pk,
        "number": "WY-1",
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=365)).isoformat(),
        "fee_yuan_per_m2_month": "0.5",
        "scope": "保洁",
    }
    assert _json(officer, f"{API}/communities/{community.pk}/contracts", contract).status_code == 200
    other = make_community("XH-009", "北山小区", divs["330106002"])
    # a district officer of another district: 404 on the community, 404 on contracts outside its scope
    xihu = client_for(accounts["xihu"])
    assert xihu.get(f"{API}/communities/{community.pk}").status_code == 404
    assert (
        _json(xihu, f"{API}/communities/{community.pk}/contracts", {**contract, "number": "X"}).status_code
        == 404
    )
    assert (
        _json(officer, f"{API}/communities/{other.pk}/contracts", {**contract, "number": "Y"}).status_code
        == 404
    )
    # the property company reads its community only, records fees, may not write the fund
    company_client = client_for(steward)
    assert [c["id"] for c in company_client.get(f"{API}/communities").json()] == [community.pk]
    r = _json(
        company_client,
        f"{API}/communities/{community.pk}/fees",
        {"month": today.replace(day=1).isoformat(), "billed": "1000", "collected": "950"},
    )
    assert r.status_code == 200
    r = _json(
        company_client,
        f"{API}/communities/{community.pk}/fund",
        {"kind": "opening", "amount": "1", "on": today.isoformat(), "description": "x"},
    )
    assert r.status_code == 403
    assert company_client.get("/stewardship/").status_code == 200
    assert company_client.get(f"/stewardship/communities/{community.pk}/").status_code == 200
    # residents and anonymous users do not reach the staff pages and API
    assert client_for(accounts["resident"]).get("/stewardship/").status_code == 404
    assert Client().get(f"{API}/communities").status_code == 401
    # the public page exists only for stewarded communities
    assert Client().get(f"/stewardship/public/communities/{other.pk}/").status_code == 404
    # scorecards for the performance evaluation
    cards = officer.get(f"{API}/scorecards").json()
    assert [c["community"] for c in cards] == [community.pk]


def test_pages_post_forms(handed_over, project, community, owners, company, accounts):
    today = timezone.localdate()
    officer = client_for(accounts["shangcheng"])
    # the plan page
    page = officer.get(f"/stewardship/projects/{project.pk}/plan/")
    assert page.status_code == 200 and 'id="plan-form"' in page.content.decode()
    r = officer.post(
        f"/stewardship/projects/{project.pk}/plan/",
        {
            "mode": "community_street",
            "fee_yuan_per_m2_month": "0.30",
            "fund_balance": "0",
            "fund_top_up": "0",
        },
    )
    assert r.status_code == 302
    page = officer.get(f"/stewardship/projects/{project.pk}/plan/").content.decode()
    assert 'data-code="stewardship.plan" data-met="1"' in page
    # contract, fee, fund, disclosure and convention forms on the community page
    base = f"/stewardship/communities/{community.pk}"
    r = officer.post(
        f"{base}/contracts/",
        {
            "company": company.pk,
            "mode": "professional",
            "number": "P-1",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=365)).isoformat(),
            "fee_yuan_per_m2_month": "0.6",
            "scope": "保洁",
        },
    )
    assert r.status_code == 302
    assert (
        officer.post(
            f"{base}/fees/", {"month": today.strftime("%Y-%m"), "billed": "100", "collected": "80"}
        ).status_code
        == 302
    )
    assert (
        officer.post(
            f"{base}/fund/",
            {"kind": "opening", "amount": "5000", "on": today.isoformat(), "description": "期初"},
        ).status_code
        == 302
    )
    r = officer.post(
        f"{base}/fund/",
        {"kind": "use", "amount": "9000", "on": today.isoformat(), "description": "x"},
        follow=True,
    )
    assert "ballot_gate" not in r.content.decode() and "尚无维修资金使用的业主表决" in r.content.decode()
    page = officer.get(f"{base}/").content.decode()
    assert "P-1" in page and "5000.00" in page
    assert (
        officer.post(
            f"{base}/conventions/",
            {
                "kind": "residents_convention",
                "title": "居民公约",
                "adopted_on": today.isoformat(),
                "file": pdf(),
            },
        ).status_code
        == 302
    )
    assert "居民公约" in officer.get(f"{base}/").content.decode()
    r = officer.post(f"/stewardship/deliveries/{handed_over.pk}/schedule/")
    assert r.status_code == 302
    page = officer.get(f"{base}/").content.decode()
    assert 'data-months="12"' in page
    assert officer.get("/stewardship/").status_code == 200


def test_report_after_handover_from_the_community_page(handed_over, community, owners, accounts, orgs):
    from gaizao.participation.models import ReportStatus, SupervisionReport

    resident = accounts["resident"]
    owners[0].user = resident
    owners[0].save(update_fields=["user"])
    # the resident files a 报事 through participation's API, after handover
    r = client_for(resident).post(
        "/api/v1/participation/reports",
        {"community_id": community.pk, "category": "quality", "description": "单元门禁损坏"},
    )
    assert r.status_code == 201, r.content
    report = SupervisionReport.objects.get(description="单元门禁损坏")
    officer = client_for(accounts["shangcheng"])
    page = officer.get(f"/stewardship/communities/{community.pk}/").content.decode()
    assert f'data-report="{report.pk}"' in page and "转为回访问题" in page
    r = officer.post(
        f"/stewardship/deliveries/{handed_over.pk}/reports/{report.pk}/",
        {"severity": "minor", "party": orgs["builder"].pk},
    )
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RESPONDED
    followup = report.stewardship_followup
    assert followup.months is None and followup.inspection.findings.get().order.party == orgs["builder"]
    # a second time is refused with a message, not an error page
    r = officer.post(
        f"/stewardship/deliveries/{handed_over.pk}/reports/{report.pk}/", {"severity": "minor"}, follow=True
    )
    assert "已转为检查问题" in r.content.decode()


def test_home_lists_projects_without_a_plan(planning_project, accounts):
    project = planning_project
    page = client_for(accounts["shangcheng"]).get("/stewardship/").content.decode()
    assert f'data-unplanned="{project.pk}"' in page
    assert (
        f'data-unplanned="{project.pk}"'
        not in client_for(accounts["qingbomen"]).get("/stewardship/").content.decode()
    )


def test_plan_history_page(project, accounts):
    officer = client_for(accounts["shangcheng"])
    plan = {"mode": "professional", "fee_yuan_per_m2_month": "0.80", "fund_balance": "0", "fund_top_up": "0"}
    assert _json(officer, f"{API}/projects/{project.pk}/plan", plan, "put").status_code == 200
    assert (
        _json(
            officer, f"{API}/projects/{project.pk}/plan", {**plan, "fee_yuan_per_m2_month": "1.00"}, "put"
        ).status_code
        == 200
    )
    page = officer.get(f"/stewardship/projects/{project.pk}/plan/").content.decode()
    assert 'id="plan-history"' in page
    from gaizao.stewardship.models import ManagementPlan

    pk = ManagementPlan.objects.get().pk
    history = officer.get(f"/history/stewardship.managementplan/{pk}/")
    assert history.status_code == 200 and "stewardship.plan.save" in history.content.decode()
    assert client_for(accounts["xihu"]).get(f"/history/stewardship.managementplan/{pk}/").status_code == 404


def test_link_company_account_from_the_home_page(company, accounts):
    from gaizao.accounts.models import Role, User
    from gaizao.stewardship import services

    user = User.objects.create_user(username="wy-new", password="pw-wy-12345", role=Role.PROPERTY_SERVICE)
    officer = client_for(accounts["shangcheng"])
    page = officer.get("/stewardship/").content.decode()
    assert 'id="member-form"' in page and company.name in page
    r = officer.post("/stewardship/members/", {"username": "wy-new", "company": company.pk}, follow=True)
    assert "物业企业账号已关联" in r.content.decode()
    assert services.company_of(user) == company
    r = officer.post("/stewardship/members/", {"username": "nobody", "company": company.pk}, follow=True)
    assert "账号不存在" in r.content.decode()
    assert 'id="member-form"' not in client_for(accounts["qingbomen"]).get("/stewardship/").content.decode()
    assert (
        client_for(accounts["qingbomen"]).post("/stewardship/members/", {"username": "wy-new"}).status_code
        == 403
    )


def test_coverage_api_refusals_and_dates(handed_over, community, company, accounts):
    officer = client_for(accounts["shangcheng"])
    r = officer.get(f"{API}/coverage", {"district": "999999"})
    assert r.status_code == 400 and "district" in r.json()["message"]
    r = officer.get(f"{API}/coverage", {"on": "2026-13-01"})
    assert r.status_code == 400 and "on" in r.json()["message"]
    today = timezone.localdate()
    contract = {
        "company_id": company.pk,
        "number": "WY-C",
        "starts_on": (today - dt.timedelta(days=10)).isoformat(),
        "ends_on": (today + dt.timedelta(days=365)).isoformat(),
        "fee_yuan_per_m2_month": "0.5",
        "scope": "保洁",
    }
    assert _json(officer, f"{API}/communities/{community.pk}/contracts", contract).status_code == 200
    before = (today - dt.timedelta(days=30)).isoformat()
    assert officer.get(f"{API}/coverage", {"on": before}).json()["covered"] == 0
    assert officer.get(f"{API}/coverage").json()["covered"] == 1
    series = officer.get(f"{API}/coverage/series", {"district": "330102"}).json()
    assert len(series) == 9 and series[-1]["on"] == today.isoformat() and series[-1]["share"] == 1.0
