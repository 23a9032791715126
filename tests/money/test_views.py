"""Pages render, their forms write through the services, refusals come back as messages, exports open in Excel."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from gaizao.money import services
from gaizao.money.models import FinalAccounts, LedgerEntry, Settlement

from .conftest import TODAY, approved_final_accounts, make_contract, record

D = Decimal


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_overview_renders_rollup_chart_and_performance(accounts, funded, xihu_project):
    record(accounts["xihu"], xihu_project, "budget", "district_funds", "10.00")
    page = _client(accounts["city"]).get("/money/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="money-sources-chart"' in html and "echarts.min.js" in html
    assert "4500010.00" in html  # the city total of budgets
    assert _client(accounts["resident"]).get("/money/").status_code == 404


def test_project_page_records_an_entry_with_attachment_and_shows_refusals(accounts, funded):
    client = _client(accounts["shangcheng"])
    page = client.get(f"/money/projects/{funded.pk}/")
    assert page.status_code == 200 and 'id="entry-form"' in page.content.decode()
    upload = SimpleUploadedFile("fp.pdf", b"%PDF-1.4", content_type="application/pdf")
    r = client.post(
        f"/money/projects/{funded.pk}/entries/",
        {
            "kind": "payment",
            "source": "utilities",
            "amount": "100.00",
            "date": "2026-06-05",
            "document_number": "ZF-7",
            "attachment": upload,
        },
    )
    assert r.status_code == 302
    entry = LedgerEntry.objects.get(document_number="ZF-7")
    assert entry.attachment.name.endswith(".pdf")
    r = client.post(
        f"/money/projects/{funded.pk}/entries/",
        {
            "kind": "payment",
            "source": "utilities",
            "amount": "999999.00",
            "date": "2026-06-05",
            "document_number": "ZF-8",
        },
        follow=True,
    )
    assert "超过该来源已到位未支付资金" in r.content.decode()
    r = client.post(f"/money/entries/{entry.pk}/reverse/", {"reason": "录错"}, follow=True)
    assert LedgerEntry.objects.filter(reverses=entry).exists()
    assert 'class="reversed"' in r.content.decode()
    # a street may keep the ledger; the community organiser only reads, without the form
    assert (
        'id="entry-form"'
        not in _client(accounts["qingbomen"]).get(f"/money/projects/{funded.pk}/").content.decode()
    )
    assert _client(accounts["xihu"]).get(f"/money/projects/{funded.pk}/").status_code == 404
    r = _client(accounts["qingbomen"]).post(
        f"/money/projects/{funded.pk}/entries/",
        {
            "kind": "budget",
            "source": "utilities",
            "amount": "1.00",
            "date": "2026-06-05",
            "document_number": "Z",
        },
    )
    assert r.status_code == 403


def test_application_forms(accounts, project):
    client = _client(accounts["shangcheng"])
    client.post(
        f"/money/projects/{project.pk}/applications/",
        {"source": "central_provincial", "requested": "100.00", "submitted_on": "2026-03-01"},
    )
    app = project.funding_applications.get()
    client.post(f"/money/applications/{app.pk}/decision/", {"granted": "80.00", "decided_on": "2026-04-01"})
    client.post(
        f"/money/applications/{app.pk}/receipts/",
        {"amount": "80.00", "date": "2026-05-01", "document_number": "D-1"},
    )
    assert LedgerEntry.objects.get(application=app).amount == D("80.00")


def test_final_accounts_audit_and_settlement_pages(accounts, project):
    client = _client(accounts["shangcheng"])
    url = f"/money/projects/{project.pk}/final-accounts/"
    assert 'id="fa-start"' in client.get(url).content.decode()
    client.post(url, {"action": "start", "prepared_by_org": "清波街道"})
    client.post(
        url, {"action": "line", "heading": "construction", "description": "土建", "amount": "3000000.00"}
    )
    client.post(
        url,
        {
            "action": "line",
            "heading": "equipment",
            "description": "电梯",
            "amount": "400000.00",
            "exclusion": "elevator",
        },
    )
    client.post(url, {"action": "submit"})
    r = client.post(
        url,
        {
            "action": "audit",
            "auditor": "某所",
            "report_number": "审-1",
            "adj_heading_0": "construction",
            "adj_exclusion_0": "",
            "adj_amount_0": "-200000.10",
            "adj_reason_0": "核减",
            "report": SimpleUploadedFile("a.pdf", b"%PDF"),
        },
        follow=True,
    )
    assert "3199999.90" in r.content.decode()
    fa = FinalAccounts.objects.get(project=project)
    assert fa.audited_total == D("3199999.90") and fa.audit_report.name.endswith(".pdf")
    client.post(url, {"action": "approve"})
    client.post(url, {"action": "settle"})
    s = Settlement.objects.get(project=project)
    assert s.subsidy_total == D("1399999.95")
    page = _client(accounts["finance"]).get(f"/money/settlements/{s.pk}/")
    assert 'id="settlement-approve"' in page.content.decode()
    assert 'id="settlement-approve"' not in client.get(f"/money/settlements/{s.pk}/").content.decode()
    finance = _client(accounts["finance"])
    assert 'id="settle"' in client.get(url).content.decode()  # recompute while not yet approved
    finance.post(f"/money/settlements/{s.pk}/", {"action": "approve"})
    assert 'id="settle"' not in client.get(url).content.decode()
    r = finance.post(
        f"/money/settlements/{s.pk}/",
        {"action": "disburse", "amount": "1400000.00", "date": "2026-09-01", "document_number": "BF"},
        follow=True,
    )
    assert "超过按规则核定的补助未拨余额" in r.content.decode()
    finance.post(
        f"/money/settlements/{s.pk}/",
        {"action": "disburse", "amount": "1399999.95", "date": "2026-09-01", "document_number": "BF"},
    )
    s.refresh_from_db()
    assert s.state == "disbursed"


def test_shares_page_allocates_and_records_payments_masked_by_role(accounts, project, communities):
    client = _client(accounts["qingbomen"])
    url = f"/money/projects/{project.pk}/shares/"
    client.post(
        url,
        {
            "action": "allocate",
            "community": communities["qingbo"].pk,
            "total": "10000.00",
            "basis": "exclusive_area",
        },
    )
    contribution = project.resident_contributions.get()
    shares = list(contribution.shares.order_by("unit_label"))
    for share in shares[:2]:
        client.post(
            url,
            {
                "action": "pay",
                "share": share.pk,
                "channel": "resident_payment",
                "amount": str(share.amount),
                "date": "2026-07-01",
            },
        )
    html = client.get(url).content.decode()
    assert html.count('class="settled"') == 2 and "王1明" in html
    city_html = _client(accounts["city"]).get(url).content.decode()
    assert "王1明" not in city_html and "王**" in city_html
    assert 'class="form inline pay-form"' not in city_html


def test_exports_open_and_totals_reconcile(accounts, funded, xihu_project):
    officer = accounts["shangcheng"]
    contract = make_contract(funded)
    record(officer, funded, "payment", "district_funds", "123456.78", contract_id=contract.pk)
    record(accounts["xihu"], xihu_project, "budget", "district_funds", "99.99")
    approved_final_accounts(
        officer,
        funded,
        lines=[
            ("construction", "土建", "5000000.00", ""),
            ("other", "二次供水", "250000.00", "secondary_water"),
        ],
    )
    s = services.settlement_compute(actor=officer, project=funded)
    city = _client(accounts["city"])

    r = city.get("/money/ledger.xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    ledger = wb["台账 Ledger"]
    assert ledger.max_row == 1 + LedgerEntry.objects.count()
    balances = wb["余额 Balances"]
    rows = list(balances.iter_rows(min_row=2, values_only=True))
    *body, total = rows
    assert total[0] == "合计 / total"
    for col in range(2, 8):
        assert sum(D(str(r[col])) for r in body) == D(str(total[col]))
    rollup = list(wb["汇总 Roll-up"].iter_rows(min_row=2, values_only=True))
    by_level = {}
    for level, _name, budgeted, *_ in rollup:
        by_level[level] = by_level.get(level, D(0)) + D(str(budgeted))
    assert len(set(by_level.values())) == 1 and by_level["全市"] == D(str(total[2]))

    r = _client(officer).get(f"/money/settlements/{s.pk}/settlement.xlsx")
    sheet = load_workbook(io.BytesIO(r.content))["补助清算 Settlement"]
    values = list(sheet.iter_rows(values_only=True))
    header = values[3]
    assert header[0].startswith("小区") and header[9].startswith("市级补助")
    community_row, total_row = values[4], values[5]
    assert community_row[0] == "清波小区" and D(str(community_row[9])) == s.subsidy_total == D("2500000.00")
    assert D(str(total_row[9])) == s.subsidy_total

    r = _client(officer).get(f"/money/projects/{funded.pk}/statement.xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    assert {"资金来源 Sources", "决算与清算 Accounts", "分录 Entries"} <= set(wb.sheetnames)
    r = _client(officer).get(f"/money/projects/{funded.pk}/ledger.xlsx")
    assert (
        load_workbook(io.BytesIO(r.content))["台账 Ledger"].max_row
        == 1 + LedgerEntry.objects.filter(project=funded).count()
    )
    assert _client(accounts["xihu"]).get(f"/money/projects/{funded.pk}/statement.xlsx").status_code == 404


def test_performance_flags_payments_ahead_of_milestones_and_cost_outliers(accounts, funded, communities):
    import datetime as dt

    from gaizao.delivery.models import Delivery, Milestone
    from gaizao.money import selectors
    from gaizao.programme import services as programme_services

    officer = accounts["shangcheng"]
    make_contract(funded, amount="1000000.00")
    record(officer, funded, "payment", "district_funds", "600000.00")
    delivery = Delivery.objects.create(project=funded)
    for i, done in enumerate([True, False, False, False]):
        Milestone.objects.create(
            delivery=delivery,
            name=f"节点{i}",
            planned_start=TODAY,
            planned_end=TODAY,
            actual_end=TODAY if done else None,
            order=i,
        )
    cheap = programme_services.project_create(actor=officer, community_ids=[communities["laodong"].pk])
    also = programme_services.project_create(actor=officer, community_ids=[communities["yanan"].pk])
    record(officer, cheap, "budget", "district_funds", "10000.00")
    record(officer, cheap, "received", "district_funds", "10000.00")
    record(officer, cheap, "payment", "district_funds", "10000.00", date=dt.date(2026, 6, 2))
    record(officer, also, "budget", "district_funds", "10000.00")
    record(officer, also, "received", "district_funds", "10000.00")
    record(officer, also, "payment", "district_funds", "5000.00")
    rows = {r["project"].pk: r for r in selectors.performance(officer)}
    row = rows[funded.pk]
    assert (row["payment_progress"], row["milestone_progress"], row["paying_ahead"]) == (
        D("0.6000"),
        D("0.2500"),
        True,
    )
    assert row["per_m2"] == D("30.00") and row["outlier"]  # 30 vs a district median of 1 yuan/m²
    assert not rows[cheap.pk]["paying_ahead"]
    html = _client(officer).get("/money/").content.decode()
    assert "支付快于进度" in html
    # the page's table: the first projects by code, each row as in the whole table (medians over the whole scope)
    whole = {r["project"].pk: r for r in selectors.performance(officer)}
    first = selectors.performance(officer, limit=2)
    codes = sorted(r["project"].code for r in whole.values())
    assert [r["project"].code for r in first] == codes[:2]
    assert all(r == whole[r["project"].pk] for r in first)
    assert any(r["per_m2"] is not None for r in whole.values() if r not in first)
