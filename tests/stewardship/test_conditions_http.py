"""The management plan is one of the conditions of 实施 (四(四)): programme's conditions page, its API (409 with
``missing``), the Word conditions document and the annual plan's Excel conditions sheet all show stewardship's
conditions, through HTTP."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client

from gaizao.programme.models import AnnualPlan
from tests.stewardship.helpers import run_ballot

pytestmark = pytest.mark.django_db
API = "/api/v1"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _docx_codes(content: bytes) -> dict[str, str]:
    from docx import Document

    table = Document(io.BytesIO(content)).tables[0]
    return {row.cells[0].text: row.cells[1].text for row in table.rows[1:]}


def test_conditions_page_api_and_documents_show_the_management_plan(
    planning_project, community, owners, accounts
):
    project, officer = planning_project, client_for(accounts["shangcheng"])
    conditions = officer.get(f"{API}/programme/projects/{project.pk}/conditions").json()
    plan_row = next(c for c in conditions if c["code"] == "stewardship.plan")
    assert plan_row["met"] is False and plan_row["clause"] == "杭政办函〔2022〕10号 四(四)"
    # the refused move names it among the missing conditions
    r = officer.post(
        f"{API}/programme/projects/{project.pk}/move", {"to": "implementing"}, content_type="application/json"
    )
    assert r.status_code == 409
    assert "stewardship.plan" in {m["code"] for m in r.json()["missing"]}
    assert "尚未制定长效管理方案" in r.json()["message"]
    page = officer.get(f"/programme/projects/{project.pk}/").content.decode()
    assert 'data-code="stewardship.plan"' in page and "尚未制定长效管理方案" in page
    assert (
        _docx_codes(officer.get(f"{API}/programme/projects/{project.pk}/conditions.docx").content)[
            "stewardship.plan"
        ]
        == "不满足"
    )

    # a professional company with a top-up and 管理规约: one owners' decision per community each
    r = officer.put(
        f"{API}/stewardship/projects/{project.pk}/plan",
        json.dumps(
            {
                "mode": "professional",
                "fee_yuan_per_m2_month": "0.80",
                "fund_balance": "0",
                "fund_top_up": "1000",
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    codes = {c["code"]: c for c in officer.get(f"{API}/programme/projects/{project.pk}/conditions").json()}
    assert codes["stewardship.plan"]["met"] is True
    for decision in ("fee", "fund_top_up", "management_rules"):
        assert codes[f"stewardship.{decision}"]["met"] is False
        assert codes[f"stewardship.{decision}"]["community"] == community.name
    r = officer.post(
        f"{API}/programme/projects/{project.pk}/move", {"to": "implementing"}, content_type="application/json"
    )
    assert {"stewardship.fee", "stewardship.fund_top_up", "stewardship.management_rules"} <= {
        m["code"] for m in r.json()["missing"]
    }
    docx = _docx_codes(officer.get(f"{API}/programme/projects/{project.pk}/conditions.docx").content)
    assert docx["stewardship.plan"] == "满足" and docx["stewardship.fee"] == "不满足"
    # the owners decide; linked, the conditions are met
    for decision, matter in (("fee", 4), ("fund_top_up", 6), ("management_rules", 2)):
        ballot = run_ballot(community, owners, matter=matter, yes=10, actor=accounts["shangcheng"])
        r = officer.post(
            f"{API}/stewardship/projects/{project.pk}/plan/decisions",
            {"community_id": community.pk, "decision": decision, "ballot_id": ballot.pk},
            content_type="application/json",
        )
        assert r.status_code == 200, r.content
    conditions = officer.get(f"{API}/programme/projects/{project.pk}/conditions").json()
    assert all(c["met"] for c in conditions if c["code"].startswith("stewardship."))
    page = officer.get(f"/programme/projects/{project.pk}/").content.decode()
    assert 'data-code="stewardship.fund_top_up"' in page


def test_the_annual_plan_excel_lists_the_management_plan_condition(project, accounts):
    """The project in 实施 (delivery's fixture, plan agreed) appears in the annual plan's conditions sheet."""
    from openpyxl import load_workbook

    annual = AnnualPlan.objects.get(projects=project)
    r = client_for(accounts["city"]).get(f"{API}/programme/annual-plans/{annual.pk}/export")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content))["实施条件"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [project.code, None, "stewardship.plan", "满足"] in [row[:4] for row in rows]
