"""The delivery API through real HTTP: the journey, multipart uploads, refusals naming their field, and scope."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone

from gaizao.delivery.models import Contract, Delivery, Inspection
from tests.delivery.conftest import PLAN_ITEMS, SIGNATORIES, add_contracts, code, pdf, png

pytestmark = pytest.mark.django_db
API = "/api/v1/delivery"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _json(c: Client, url: str, data: dict):
    return c.post(url, json.dumps(data), content_type="application/json")


def test_journey_through_the_api(project, accounts, orgs):
    officer = client_for(accounts["shangcheng"])
    today = timezone.localdate()
    # open the delivery
    r = _json(
        officer, f"{API}/deliveries", {"project_id": project.pk, "implementing_body_id": orgs["body"].pk}
    )
    assert r.status_code == 201, r.content
    delivery = r.json()
    did = delivery["id"]
    assert delivery["stage"] == "preliminary"
    assert delivery["moves"]["started"]["allowed"] is False
    # approvals: one waived by the consultation, the others recorded with their documents
    consultation = project.consultations.get()
    for a in delivery["approvals"]:
        if a["item_id"] == "drawing_review":
            r = officer.post(f"{API}/approvals/{a['id']}/waive", {"consultation_id": consultation.pk})
        else:
            r = officer.post(
                f"{API}/approvals/{a['id']}/record",
                {"document_number": f"文号-{a['id']}", "issued_on": today.isoformat(), "file": pdf()},
            )
        assert r.status_code == 200, r.content
    # a bad contract names its field; a good one is recorded
    contract = {
        "kind": "epc",
        "number": "SG-2026-001",
        "party_id": orgs["builder"].pk,
        "amount": "1200000.005",
        "signed_on": today.isoformat(),
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=180)).isoformat(),
    }
    r = _json(officer, f"{API}/deliveries/{did}/contracts", contract)
    assert r.status_code == 400 and "amount" in r.json()["message"]
    r = _json(officer, f"{API}/deliveries/{did}/contracts", {**contract, "amount": "1200000.05"})
    assert r.status_code == 201 and r.json()["amount"] == "1200000.05"
    r = _json(officer, f"{API}/deliveries/{did}/contracts", {**contract, "amount": "1"})
    assert r.status_code == 400 and "number" in r.json()["message"]
    _json(
        officer,
        f"{API}/deliveries/{did}/contracts",
        {
            **contract,
            "number": "JL-2026-001",
            "kind": "supervision",
            "party_id": orgs["watcher"].pk,
            "amount": "3",
        },
    )
    # start and build
    for to in ("started", "construction"):
        r = _json(officer, f"{API}/deliveries/{did}/move", {"to": to})
        assert r.status_code == 200, r.content
    # the street inspects from a phone: a safety finding with a photo and an order to the contractor
    street = client_for(accounts["qingbo"])
    r = street.post(
        f"{API}/deliveries/{did}/inspections",
        {
            "kind": "safety",
            "checklist": json.dumps({"scaffolding": "fail"}),
            "finding_description": "脚手架缺防护网",
            "severity": "major",
            "checklist_item": "scaffolding",
            "lon": "120.16",
            "lat": "30.24",
            "order_party_id": orgs["builder"].pk,
            "photo": png(),
        },
    )
    assert r.status_code == 201, r.content
    order_id = r.json()["findings"][0]["order"]
    # the contractor sees its order and replies with evidence
    builder = client_for(accounts["builder"])
    assert [o["id"] for o in builder.get(f"{API}/orders").json()] == [order_id]
    r = builder.post(f"{API}/orders/{order_id}/reply", {"body": "已加设防护网", "evidence": png("after.png")})
    assert r.status_code == 200 and r.json()["state"] == "replied"
    # completion, then acceptance refused while the order is open
    _json(officer, f"{API}/deliveries/{did}/move", {"to": "completed"})
    acceptance = {
        "held_on": today.isoformat(),
        "conclusion": "工程质量合格，同意验收",
        "items": [{"item_id": i["item_id"], "delivered": i["quantity"]} for i in PLAN_ITEMS],
        "signatories": SIGNATORIES,
    }
    r = _json(officer, f"{API}/deliveries/{did}/acceptance", acceptance)
    assert r.status_code == 400 and r.json()["code"] == "guard" and "orders" in r.json()["message"]
    r = _json(street, f"{API}/orders/{order_id}/review", {"accept": True, "note": "复查合格"})
    assert r.status_code == 200 and r.json()["state"] == "closed"
    r = _json(officer, f"{API}/deliveries/{did}/acceptance", acceptance)
    assert r.status_code == 201, r.content
    assert {s["name"] for s in r.json()["signatories"]} >= {"孙居民"}  # a district officer sees names
    # the Word record masks residents for a supervisor
    r = client_for(accounts["watcher"]).get(f"{API}/deliveries/{did}/acceptance.docx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    from docx import Document

    text = "\n".join(
        c.text for t in Document(io.BytesIO(r.content)).tables for row in t.rows for c in row.cells
    )
    assert "孙*" in text and "孙居民" not in text and "1200" in text
    # handover, then the final stage
    r = _json(
        officer,
        f"{API}/deliveries/{did}/handovers",
        {
            "kind": "facility",
            "facility": "小区道路与照明",
            "keeper_kind": "property_service",
            "keeper_name": "清波物业",
            "property_rights_note": "产权归全体业主，委托物业管理",
            "handed_on": today.isoformat(),
        },
    )
    assert r.status_code == 201, r.content
    r = _json(officer, f"{API}/deliveries/{did}/move", {"to": "handed_over"})
    assert r.status_code == 200 and r.json()["stage"] == "handed_over"
    # the city dashboard counts one 开工 and one 完工 in 上城区 this year, from the audited events
    dash = client_for(accounts["city"]).get(f"{API}/dashboard").json()
    row = next(r for r in dash["started_completed"] if r["district"] == "上城区")
    assert row["year"] == today.year and row["started_projects"] == 1 and row["completed_communities"] == 1
    assert dash["stages"]["handed_over"] == 1
    # the register exports
    r = officer.get(f"{API}/export.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_photo_that_is_not_an_image_writes_nothing(started, accounts, orgs):
    street = client_for(accounts["qingbo"])
    r = street.post(
        f"{API}/deliveries/{started.pk}/inspections",
        {"kind": "safety", "finding_description": "x", "severity": "minor", "photo": pdf("fake.jpg")},
    )
    assert r.status_code == 400 and "photo" in r.json()["message"]
    assert not Inspection.objects.exists()


def test_guarded_move_answers_with_the_reason(delivery, accounts):
    r = _json(client_for(accounts["shangcheng"]), f"{API}/deliveries/{delivery.pk}/move", {"to": "started"})
    assert r.status_code == 400 and "approvals" in r.json()["message"]
    r = _json(
        client_for(accounts["shangcheng"]), f"{API}/deliveries/{delivery.pk}/move", {"to": "handed_over"}
    )
    assert r.status_code == 409


def test_organisation_credit_code_via_api(accounts):
    officer = client_for(accounts["shangcheng"])
    r = _json(
        officer,
        f"{API}/organisations",
        {"name": "某公司", "credit_code": "911100006000373410", "kind": "epc"},
    )
    assert r.status_code == 400 and "credit_code" in r.json()["message"]
    r = _json(
        officer,
        f"{API}/organisations",
        {"name": "某公司", "credit_code": code("91330100MA28A0077"), "kind": "epc"},
    )
    assert r.status_code == 201


def test_contract_parties_see_only_their_contracts_projects(divs, delivery, accounts, orgs):
    from tests.delivery.conftest import make_project
    from tests.programme.conftest import make_community

    add_contracts(delivery, accounts["shangcheng"], orgs)
    other_project = make_project(divs, make_community("XH-9", "北山小区", divs["330106002"]), code_="P-XH-9")
    from gaizao.delivery import services

    other = services.delivery_open(actor=accounts["xihu"], project=other_project)
    today = timezone.localdate()
    services.contract_create(
        actor=accounts["xihu"],
        delivery=other,
        kind="construction",
        number="XH-SG-1",
        party=orgs["other"],
        amount="10",
        signed_on=today,
        starts_on=today,
        ends_on=today,
    )
    builder, outsider = client_for(accounts["builder"]), client_for(accounts["outsider"])
    assert [d["id"] for d in builder.get(f"{API}/deliveries").json()] == [delivery.pk]
    assert builder.get(f"{API}/deliveries/{other.pk}").status_code == 404
    assert outsider.get(f"{API}/deliveries/{delivery.pk}").status_code == 404
    assert [d["id"] for d in outsider.get(f"{API}/deliveries").json()] == [other.pk]
    # a contractor sees only its own contract on the shared project, never the supervisor's
    numbers = [c["number"] for c in builder.get(f"{API}/deliveries/{delivery.pk}").json()["contracts"]]
    assert numbers == [Contract.objects.get(party=orgs["builder"]).number]
    # an officer of another district sees nothing of it; an unlinked contractor sees nothing at all
    assert client_for(accounts["xihu"]).get(f"{API}/deliveries/{delivery.pk}").status_code == 404
    from gaizao.accounts.models import Role, User

    loose = User.objects.create_user(username="loose", password="x-loose-1", role=Role.CONTRACTOR)
    assert client_for(loose).get(f"{API}/deliveries").json() == []
    assert Client().get(f"{API}/deliveries").status_code == 401
    # contractors cannot move stages
    r = _json(builder, f"{API}/deliveries/{delivery.pk}/move", {"to": "suspended", "reason": "x"})
    assert r.status_code == 403
    assert Delivery.objects.get(pk=delivery.pk).stage == "preliminary"


def test_map_and_gantt(started, accounts):
    officer = client_for(accounts["shangcheng"])
    features = officer.get(f"{API}/map").json()["features"]
    assert features[0]["properties"]["stage"] == "construction"
    assert features[0]["geometry"]["coordinates"] == [120.16, 30.24]
    today = timezone.localdate()
    r = _json(
        officer,
        f"{API}/deliveries/{started.pk}/milestones",
        {
            "name": "雨污分流",
            "planned_start": (today - dt.timedelta(10)).isoformat(),
            "planned_end": today.isoformat(),
        },
    )
    assert r.status_code == 201
    gantt = officer.get(f"{API}/deliveries/{started.pk}/gantt").json()
    assert gantt["rows"][0]["name"] == "雨污分流" and gantt["rows"][0]["late"] is False


def test_openapi_documents_the_delivery_endpoints(accounts):
    r = client_for(accounts["city"]).get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    record = paths["/api/v1/delivery/approvals/{approval_id}/record"]["post"]
    assert "multipart/form-data" in record["requestBody"]["content"]
    assert "file" in record["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert sum(1 for p in paths if p.startswith("/api/v1/delivery/")) >= 20
