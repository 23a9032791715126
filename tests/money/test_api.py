"""Every money endpoint through real HTTP (Django test client): multipart for attachments, JSON otherwise."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gaizao.money.models import LedgerEntry

from .conftest import approved_final_accounts, make_contract, record

D = Decimal
API = "/api/v1/money"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _json(client, url, payload):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


@pytest.fixture
def officer(accounts):
    return _client(accounts["shangcheng"])


def test_entries_multipart_with_attachment_balances_and_reversal(officer, accounts, project):
    url = f"{API}/projects/{project.pk}/entries"
    r = officer.post(
        url,
        {
            "kind": "budget",
            "source": "district_funds",
            "amount": "1000.00",
            "date": "2026-06-01",
            "document_number": "YS-1",
        },
    )
    assert r.status_code == 201, r.content
    r = officer.post(
        url,
        {
            "kind": "received",
            "source": "district_funds",
            "amount": "800.00",
            "date": "2026-06-02",
            "document_number": "DW-1",
            "attachment": SimpleUploadedFile("dw.pdf", b"%PDF-1.4", content_type="application/pdf"),
        },
    )
    assert r.status_code == 201 and r.json()["attachment"].endswith(".pdf")
    r = officer.post(
        url,
        {
            "kind": "payment",
            "source": "district_funds",
            "amount": "800.01",
            "date": "2026-06-03",
            "document_number": "ZF-1",
        },
    )
    assert r.status_code == 400
    assert r.json()["code"] == "above_received" and "amount" in r.json()["message"]
    r = officer.post(
        url,
        {
            "kind": "payment",
            "source": "district_funds",
            "amount": "300.00",
            "date": "2026-06-03",
            "document_number": "ZF-1",
        },
    )
    payment = r.json()["id"]
    r = _json(officer, f"{API}/entries/{payment}/reverse", {"reason": "录错"})
    assert r.status_code == 201 and r.json()["amount"] == "-300.00"
    balances = officer.get(f"{API}/projects/{project.pk}/balances").json()
    assert balances["total"]["paid"] == "0.00" and balances["total"]["received"] == "800.00"
    assert len(officer.get(f"{API}/projects/{project.pk}/entries").json()) == 4


def test_precision_and_forbidden_and_out_of_scope(officer, accounts, project):
    url = f"{API}/projects/{project.pk}/entries"
    r = officer.post(
        url,
        {
            "kind": "budget",
            "source": "district_funds",
            "amount": "1.001",
            "date": "2026-06-01",
            "document_number": "X",
        },
    )
    assert r.status_code == 400 and r.json()["code"] == "precision"
    r = _client(accounts["qingbomen"]).post(
        url,
        {
            "kind": "budget",
            "source": "district_funds",
            "amount": "1.00",
            "date": "2026-06-01",
            "document_number": "X",
        },
    )
    assert r.status_code == 403
    assert _client(accounts["xihu"]).get(f"{API}/projects/{project.pk}/balances").status_code == 404
    assert Client().get(f"{API}/projects/{project.pk}/balances").status_code == 401
    assert not LedgerEntry.objects.exists()


def test_contract_payment_above_contract_through_http(officer, accounts, funded):
    contract = make_contract(funded, amount="100.00")
    url = f"{API}/projects/{funded.pk}/entries"
    base = {"kind": "payment", "source": "district_funds", "date": "2026-06-03", "contract": str(contract.pk)}
    assert officer.post(url, {**base, "amount": "100.00", "document_number": "Z1"}).status_code == 201
    r = officer.post(url, {**base, "amount": "0.01", "document_number": "Z2"})
    assert r.status_code == 400 and r.json()["code"] == "above_contract"
    assert officer.get(f"{API}/contracts/{contract.pk}").json()["paid"] == "100.00"
    assert _client(accounts["xihu"]).get(f"{API}/contracts/{contract.pk}").status_code == 404


def test_rollup_and_close(officer, accounts, project, xihu_project):
    record(accounts["shangcheng"], project, "budget", "district_funds", "10.00")
    record(accounts["xihu"], xihu_project, "budget", "district_funds", "5.00")
    city = _client(accounts["city"])
    assert city.get(f"{API}/rollup?level=city").json()[0]["budgeted"] == "15.00"
    assert {r["name"] for r in city.get(f"{API}/rollup?level=district").json()} == {"上城区", "西湖区"}
    assert city.get(f"{API}/rollup?level=galaxy").status_code == 404
    assert _json(officer, f"{API}/projects/{project.pk}/close", {"reason": " "}).status_code == 400
    assert (
        _json(officer, f"{API}/projects/{project.pk}/close", {"reason": "决算完毕"}).json()["state"]
        == "closed"
    )
    r = officer.post(
        f"{API}/projects/{project.pk}/entries",
        {
            "kind": "budget",
            "source": "district_funds",
            "amount": "1.00",
            "date": "2026-06-01",
            "document_number": "X",
        },
    )
    assert r.status_code == 400 and r.json()["code"] == "account_closed"


def test_applications(officer, project):
    r = _json(
        officer,
        f"{API}/projects/{project.pk}/applications",
        {"source": "special_bonds", "requested": "500000.00", "submitted_on": "2026-03-01"},
    )
    assert r.status_code == 201
    app = r.json()["id"]
    r = _json(
        officer, f"{API}/applications/{app}/decision", {"granted": "400000.00", "decided_on": "2026-04-01"}
    )
    assert r.json()["state"] == "granted"
    r = officer.post(
        f"{API}/applications/{app}/receipts",
        {
            "amount": "400000.00",
            "date": "2026-05-01",
            "document_number": "ZXZ-1",
            "attachment": SimpleUploadedFile("bond.pdf", b"%PDF", content_type="application/pdf"),
        },
    )
    assert r.status_code == 201 and r.json()["source"] == "special_bonds"
    assert officer.get(f"{API}/projects/{project.pk}/applications").json()[0]["received"] == "400000.00"


def test_final_accounts_audit_settlement_disbursement(officer, accounts, project):
    assert officer.get(f"{API}/projects/{project.pk}/final-accounts").status_code == 404
    fa = _json(
        officer, f"{API}/projects/{project.pk}/final-accounts", {"prepared_by_org": "清波街道"}
    ).json()["id"]
    for line in [
        {"heading": "construction", "description": "土建", "amount": "2000000.00"},
        {"heading": "equipment", "description": "电梯", "amount": "500000.00", "exclusion": "elevator"},
    ]:
        assert _json(officer, f"{API}/final-accounts/{fa}/lines", line).status_code == 201
    r = officer.post(f"{API}/projects/{project.pk}/settlement")
    assert r.status_code == 400 and r.json()["code"] == "not_audited"
    assert officer.post(f"{API}/final-accounts/{fa}/submit").json()["state"] == "submitted"
    r = officer.post(
        f"{API}/final-accounts/{fa}/audit",
        {"auditor": "某所", "report_number": "审-9", "adjustments": "not json"},
    )
    assert r.status_code == 400
    r = officer.post(
        f"{API}/final-accounts/{fa}/audit",
        {
            "auditor": "某所",
            "report_number": "审-9",
            "adjustments": json.dumps(
                [{"heading": "construction", "amount": "-100000.00", "reason": "核减"}]
            ),
            "report": SimpleUploadedFile("audit.pdf", b"%PDF", content_type="application/pdf"),
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["audit"]["total"] == "2400000.00" and r.json()["audit"]["report"].endswith(".pdf")
    assert officer.post(f"{API}/final-accounts/{fa}/approve").json()["state"] == "approved"
    r = officer.post(f"{API}/projects/{project.pk}/settlement")
    assert r.status_code == 201
    s = r.json()
    assert s["subsidy_total"] == "950000.00"  # 50% × (2,400,000 − 500,000)
    assert s["rows"][0]["exclusions"] == "500000.00"
    assert officer.post(f"{API}/settlements/{s['id']}/approve").status_code == 403
    finance = _client(accounts["finance"])
    assert finance.post(f"{API}/settlements/{s['id']}/approve").json()["state"] == "approved"
    r = _json(
        finance,
        f"{API}/settlements/{s['id']}/disbursements",
        {"amount": "950000.01", "date": "2026-09-01", "document_number": "BF-1"},
    )
    assert r.status_code == 400 and r.json()["code"] == "above_rule"
    r = _json(
        finance,
        f"{API}/settlements/{s['id']}/disbursements",
        {"amount": "950000.00", "date": "2026-09-01", "document_number": "BF-1"},
    )
    assert r.json()["state"] == "disbursed" and r.json()["disbursed"] == "950000.00"
    assert officer.get(f"{API}/settlements/{s['id']}").json()["rows"][0]["subsidy"] == "950000.00"


def test_contributions_and_household_payments(accounts, project, communities):
    organiser = _client(accounts["qingbomen"])
    r = _json(
        organiser,
        f"{API}/projects/{project.pk}/contributions",
        {"community": communities["qingbo"].pk, "total": "10000.00"},
    )
    assert r.status_code == 201
    body = r.json()
    assert sum(D(h["amount"]) for h in body["households"]) == D("10000.00")
    share = body["households"][0]
    r = _json(
        organiser,
        f"{API}/shares/{share['id']}/payments",
        {"channel": "maintenance_fund", "amount": share["amount"], "date": "2026-07-01"},
    )
    assert r.status_code == 201
    r = _json(
        organiser,
        f"{API}/shares/{share['id']}/payments",
        {"channel": "maintenance_fund", "amount": "0.01", "date": "2026-07-01"},
    )
    assert r.status_code == 400
    detail = organiser.get(f"{API}/contributions/{body['id']}").json()
    assert detail["households"][0]["settled"] is True and detail["households"][0]["owner"] == "王1明"
    city_view = _client(accounts["city"]).get(f"{API}/contributions/{body['id']}").json()
    assert city_view["households"][0]["owner"] == "王**"
    assert _client(accounts["xihu"]).get(f"{API}/contributions/{body['id']}").status_code == 404


def test_performance_and_permissions(officer, accounts, funded):
    record(accounts["shangcheng"], funded, "payment", "district_funds", "400000.00")
    rows = officer.get(f"{API}/performance").json()
    row = next(r for r in rows if r["project"] == funded.pk)
    assert row["paid"] == "400000.00" and row["per_m2"] == "20.00"
    assert row["execution_rate"].startswith("0.0888")
    assert officer.get(f"{API}/me/can?project={funded.pk}").json() == {
        "keep_ledger": True,
        "audit": True,
        "approve_settlement": False,
    }
    assert _client(accounts["finance"]).get(f"{API}/me/can?project={funded.pk}").json()["approve_settlement"]


def test_settlement_json_rows_carry_the_reasons(officer, accounts, project):
    approved_final_accounts(accounts["shangcheng"], project, lines=[("construction", "土建", "100.00", "")])
    s = officer.post(f"{API}/projects/{project.pk}/settlement").json()
    assert [r["community"] for r in s["rows"]] == ["清波小区"]
    assert {"subsidy.district_share", "subsidy.amount"} <= {x["code"] for x in s["rows"][0]["reasons"]}
    assert officer.get(f"{API}/settlements/{s['id']}").json()["subsidy_total"] == "50.00"
