from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from gaizao.programme import services
from gaizao.programme.models import Consultation, Project
from tests.stewardship.helpers import agree_management_plan

from .conftest import ITEMS, balanced_funding, stairwells_of

pytestmark = pytest.mark.django_db
API = "/api/v1/programme"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_create_project_and_scope(accounts, communities):
    sc = client_for(accounts["shangcheng"])
    r = sc.post(
        f"{API}/projects", {"community_ids": [communities["qingbo"].pk]}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert r.json()["state"] == "reserve"
    assert client_for(accounts["xihu"]).get(f"{API}/projects/{pid}").status_code == 404
    assert client_for(accounts["city"]).get(f"{API}/projects/{pid}").status_code == 200
    assert client_for(accounts["qingbo"]).get(f"{API}/projects/{pid}").status_code == 200
    assert client_for(accounts["water"]).get(f"{API}/projects/{pid}").status_code == 404, "not invited yet"
    assert Client().get(f"{API}/projects/{pid}").status_code == 401
    r = sc.post(
        f"{API}/projects", {"community_ids": [communities["modern"].pk]}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["code"] == "out_of_scope"


def test_refused_move_lists_missing_conditions(accounts, communities):
    sc = client_for(accounts["shangcheng"])
    project = services.project_create(actor=accounts["shangcheng"], community_ids=[communities["qingbo"].pk])
    assert (
        sc.post(
            f"{API}/projects/{project.pk}/move", {"to": "planning"}, content_type="application/json"
        ).status_code
        == 200
    )
    r = sc.post(f"{API}/projects/{project.pk}/move", {"to": "implementing"}, content_type="application/json")
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "conditions_missing"
    assert {m["code"] for m in body["missing"]} >= {"vote.renovation_consent", "consultation.completed"}
    r = sc.get(f"{API}/projects/{project.pk}/conditions")
    assert [c["met"] for c in r.json()] == [False] * 6
    assert r.json()[-1]["code"] == "stewardship.plan"


def test_plan_consultation_publication_and_annual_over_the_api(accounts, communities, rates, votes):
    officer = accounts["shangcheng"]
    sc = client_for(officer)
    project = services.project_create(actor=officer, community_ids=[communities["qingbo"].pk])
    services.project_move(actor=officer, project=project, to="planning")
    r = sc.post(
        f"{API}/projects/{project.pk}/plan",
        {
            "mode": "comprehensive_improvement",
            "delivery_mode": "epc",
            "items": ITEMS,
            "funding": balanced_funding(),
            "elevator_stairwells": stairwells_of(communities["qingbo"]),
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["estimate"] == "3810000.00" and r.json()["subsidy_amount"] == "1155000.00"
    assert sc.get(f"{API}/projects/{project.pk}/plan/versions").json()[0]["number"] == 1
    vid = r.json()["id"]
    assert client_for(accounts["xihu"]).get(f"{API}/plan-versions/{vid}").status_code == 404
    assert sc.post(f"{API}/projects/{project.pk}/plan/finalise").json()["state"] == "finalised"
    r = sc.post(f"{API}/projects/{project.pk}/consultations", {}, content_type="application/json")
    assert r.status_code == 201
    cid = r.json()["id"]
    water = client_for(accounts["water"])
    assert [c["id"] for c in water.get(f"{API}/consultations").json()] == [cid]
    r = water.post(
        f"{API}/consultations/{cid}/opinions",
        {"department": "water", "decision": "agree"},
        content_type="application/json",
    )
    assert r.status_code == 200
    r = water.post(
        f"{API}/consultations/{cid}/opinions",
        {"department": "gas", "decision": "agree"},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert water.get(f"{API}/projects/{project.pk}").status_code == 200, "invited utilities see the project"
    r = sc.post(
        f"{API}/consultations/{cid}/opinions",
        {"department": "finance", "decision": "agree"},
        content_type="application/json",
    )
    assert r.status_code == 403, "the district no longer types a department's opinion"
    r = client_for(accounts["caizheng"]).post(
        f"{API}/consultations/{cid}/opinions", {"department": "finance"}, content_type="application/json"
    )
    assert r.status_code == 422, "no default decision"
    assert (
        sc.post(f"{API}/consultations/{cid}/complete", {}, content_type="application/json").status_code == 409
    )
    r = sc.post(
        f"{API}/consultations/{cid}/reminders", {"departments": ["gas"]}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["reached"] == {"gas": 1}
    assert [
        o["reminded_at"] is not None for o in r.json()["consultation"]["opinions"] if o["department"] == "gas"
    ] == [True]
    assert (
        client_for(accounts["ranqi"]).post(
            f"{API}/consultations/{cid}/reminders", {}, content_type="application/json"
        )
    ).status_code == 403
    for dept in [
        "housing_construction",
        "development_reform",
        "finance",
        "planning_natural_resources",
        "gardens_culture",
        "urban_management",
        "civil_affairs",
        "power",
        "gas",
        "telecom",
    ]:
        account = services.department_accounts(Consultation.objects.get(pk=cid), dept)[0]
        assert [c["id"] for c in client_for(account).get(f"{API}/consultations").json()] == [cid]
        r = client_for(account).post(
            f"{API}/consultations/{cid}/opinions",
            {"department": dept, "decision": "agree"},
            content_type="application/json",
        )
        assert r.status_code == 200, (dept, r.content)
    assert sc.post(f"{API}/consultations/{cid}/complete", {}, content_type="application/json").json()[
        "agreed"
    ]
    doc = sc.get(f"{API}/consultations/{cid}/document")
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    r = sc.post(f"{API}/projects/{project.pk}/publications", {"days": 7}, content_type="application/json")
    assert r.status_code == 201
    public_id = r.json()["id"]
    anon = Client()
    assert anon.get(f"{API}/public/publications").json()[0]["id"] == public_id
    r = anon.post(
        f"{API}/public/publications/{public_id}/comments",
        {"name": "王小明", "contact": "13812345678", "body": "请保留大樟树"},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["name"] == "王**" and r.json()["contact"] == "138****5678"
    comment_id = r.json()["id"]
    r = client_for(accounts["qingbo"]).post(
        f"{API}/comments/{comment_id}/reply", {"reply": "保留"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["name"] == "王小明"
    assert anon.get(f"{API}/public/publications/{public_id}").json()["comments"][0]["reply"] == "保留"
    # finish the publication in the past, agree the management plan (四(四)), move to implementing
    votes.pass_(communities["qingbo"])
    agree_management_plan(project, officer)
    services.project_move(
        actor=officer,
        project=Project.objects.get(pk=project.pk),
        to="implementing",
        now=timezone.now() + dt.timedelta(days=8),
    )
    r = sc.post(
        f"{API}/annual-plans", {"plan_year": timezone.localdate().year + 1}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["projects"] == [project.code]
    aid = r.json()["id"]
    assert client_for(accounts["ndrc"]).get(f"{API}/annual-plans/{aid}").status_code == 404, (
        "draft not visible"
    )
    r = sc.post(f"{API}/annual-plans/{aid}/submit")
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    for name in ("city", "ndrc", "planning"):
        r = client_for(accounts[name]).post(
            f"{API}/annual-plans/{aid}/reviews", {"decision": "pass"}, content_type="application/json"
        )
        assert r.status_code == 201, r.content
    assert r.json()["state"] == "reviewed"
    r = client_for(accounts["city"]).post(
        f"{API}/annual-plans/{aid}/approve", {"note": "批"}, content_type="application/json"
    )
    assert r.json()["state"] == "approved"
    xlsx = client_for(accounts["planning"]).get(f"{API}/annual-plans/{aid}/export")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["D3"].value == "清波小区"
    assert client_for(accounts["xihu"]).get(f"{API}/annual-plans/{aid}").status_code == 404
    assert sc.get(f"{API}/dashboard").json()["counts"]["implementing"] == 1
    assert sc.get(f"{API}/unit-rates").status_code == 200


def test_unit_rates_set_by_city_and_district(accounts, divs):
    city = client_for(accounts["city"])
    r = city.post(
        f"{API}/unit-rates", {"item_id": "greening", "rate": "95.5"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["division"] == "杭州市" and r.json()["rate"] == "95.50"
    xihu = client_for(accounts["xihu"])
    r = xihu.post(
        f"{API}/unit-rates", {"item_id": "greening", "rate": "110"}, content_type="application/json"
    )
    assert r.json()["division"] == "西湖区"
    rates = {
        (row["division_code"], row["item_id"]): row["rate"] for row in xihu.get(f"{API}/unit-rates").json()
    }
    assert rates == {("330100", "greening"): "95.50", ("330106", "greening"): "110.00"}
    sc_rates = client_for(accounts["shangcheng"]).get(f"{API}/unit-rates").json()
    assert [row["division_code"] for row in sc_rates] == ["330100"], "another district's rates are not shown"
    r = client_for(accounts["ndrc"]).post(
        f"{API}/unit-rates", {"item_id": "greening", "rate": "1"}, content_type="application/json"
    )
    assert r.status_code == 403
    r = city.post(f"{API}/unit-rates", {"item_id": "greening", "rate": "-1"}, content_type="application/json")
    assert r.status_code == 400 and "rate" in r.json()["message"]
