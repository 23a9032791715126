"""Issue 12, "Done when": the money of a completed project in a real browser, as new users would run it.

The district officer records receipts, a commitment under the EPC contract and payments from three sources; the
street records the final accounts with an elevator exclusion; the district records an audit that trims the amount
and approves it; the settlement equals ``municipal_subsidy`` on the audited figure to the fen; 市财政局 approves and
disburses it; the community shares the residents' contribution out by area and marks two households paid; the
finance export opens in Excel with totals that reconcile.

Set up outside the UI: divisions, demo accounts, the community with its households, the project (programme
services), its budgets, and the delivery contract (the delivery app owns contracts).
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "gaizao-demo"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
D = Decimal


def _world():
    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.accounts.models import User
    from gaizao.money import services
    from gaizao.programme import services as programme
    from tests.money.conftest import add_households, make_contract
    from tests.programme.conftest import make_community, make_divisions

    divs = make_divisions()
    demo_accounts_load()
    community = make_community("SC-200", "清波小区", divs["330102001051"], built_year=1992, area="18000")
    add_households(community, ["60.50", "75.25", "88.00", "102.10", "55.55"])
    officer = User.objects.get(username="shangcheng")
    project = programme.project_create(actor=officer, community_ids=[community.pk])
    for source, amount in (
        ("district_funds", "4000000.00"),
        ("central_provincial", "1500000.00"),
        ("utilities", "300000.00"),
    ):
        services.entry_record(
            actor=officer,
            project=project,
            kind="budget",
            source=source,
            amount=amount,
            date=dt.date(2026, 1, 5),
            document_number=f"YS-{source}",
        )
    contract = make_contract(project, number="HT-EPC-1", amount="5600000.00", kind="epc")
    return project, contract


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_money_journey(live_server, settings, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    from gaizao.money.models import FinalAccounts, HouseholdShare, Settlement
    from gaizao.policy import municipal_subsidy

    settings.MEDIA_ROOT = tmp_path / "media"
    project, contract = _world()
    base = live_server.url

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)

        def login(username: str):
            context = browser.new_context(accept_downloads=True, locale="zh-CN")
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(f"{base}/")
            return page

        def no_error(page) -> None:
            assert page.locator(".msg-error").count() == 0, page.locator(".msg-error").all_inner_texts()

        def entry(page, kind, source, amount, doc, *, contract_id="", commitment="", attach=False):
            page.select_option("#entry-kind", kind)
            page.select_option("#entry-source", source)
            page.fill("#entry-amount", amount)
            page.fill("#entry-date", "2026-03-01")
            page.fill("#entry-document", doc)
            page.select_option("#entry-contract", contract_id)
            page.select_option("#entry-commitment", commitment)
            if attach:
                page.set_input_files(
                    "#entry-attachment",
                    {"name": f"{doc}.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 voucher"},
                )
            page.click("#entry-submit")
            no_error(page)

        # 1. the district officer: receipts, a commitment under the contract, payments from three sources
        officer = login("shangcheng")
        officer.click("nav.mainnav >> text=资金台账")
        officer.click(f"text={project.code} {project.name}")
        for source, amount in (
            ("district_funds", "3800000.00"),
            ("central_provincial", "1500000.00"),
            ("utilities", "300000.00"),
        ):
            entry(officer, "received", source, amount, f"DW-{source}", attach=True)
        entry(officer, "commitment", "district_funds", "5600000.00", "HT-EPC-1", contract_id=str(contract.pk))
        commitment_id = officer.locator("#entry-commitment option").nth(1).get_attribute("value")
        for source, amount in (
            ("district_funds", "3800000.00"),
            ("central_provincial", "1500000.00"),
            ("utilities", "300000.00"),
        ):
            entry(officer, "payment", source, amount, f"ZF-{source}", commitment=commitment_id)
        # a payment above the contract is refused with its rule, nothing written
        entry_count = officer.locator("#ledger tbody tr").count()
        officer.select_option("#entry-kind", "payment")
        officer.fill("#entry-amount", "0.01")
        officer.fill("#entry-date", "2026-03-02")
        officer.fill("#entry-document", "ZF-X")
        officer.select_option("#entry-contract", str(contract.pk))
        officer.click("#entry-submit")
        expect(officer.locator(".msg-error")).to_contain_text("HT-EPC-1")
        assert officer.locator("#ledger tbody tr").count() == entry_count
        expect(officer.locator("#balance-total [data-col=paid]")).to_have_text("5600000.00")

        # 2. the street records the final accounts with the elevator separated and submits them
        street = login("qingbo")
        street.goto(f"{base}/money/projects/{project.pk}/final-accounts/")
        street.click("#fa-start")
        for heading, description, amount, exclusion in (
            ("construction", "雨污分流、立面整治", "4300000.00", ""),
            ("equipment", "加装电梯 2 台", "1000000.00", "elevator"),
            ("other", "设计监理", "300000.00", ""),
        ):
            street.select_option("#line-heading", heading)
            street.fill("#line-description", description)
            street.select_option("#line-exclusion", exclusion)
            street.fill("#line-amount", amount)
            street.click("#line-add")
            no_error(street)
        expect(street.locator("#fa-total")).to_have_text("5600000.00")
        street.click("#fa-submit")
        expect(street.locator("#fa-state")).to_have_attribute("data-state", "submitted")

        # 3. the district records the audit that trims the amount, approves it and computes the settlement
        officer.goto(f"{base}/money/projects/{project.pk}/final-accounts/")
        officer.fill("#audit-auditor", "杭州某会计师事务所")
        officer.fill("#audit-number", "杭审〔2026〕12号")
        officer.fill("#adj-amount-0", "-86420.37")
        officer.fill("#adj-reason-0", "立面整治工程量核减")
        officer.click("#audit-submit")
        no_error(officer)
        expect(officer.locator("#audited-total")).to_have_text("5513579.63")
        officer.click("#fa-approve")
        expect(officer.locator("#fa-state")).to_have_attribute("data-state", "approved")
        officer.click("#settle")
        no_error(officer)
        officer.click("#settlement-link")
        expected = municipal_subsidy(
            district="上城区",
            built_year=1992,
            affordable_housing=False,
            final_accounts=D("5513579.63"),
            elevator_cost=D("1000000.00"),
            secondary_water_cost=D("0.00"),
            building_area_m2=D("18000"),
            on=dt.date.today(),
        )
        expect(officer.locator("#subsidy-total")).to_have_text(str(expected.amount))
        assert officer.locator("#settlement-approve").count() == 0

        # 4. 市财政局 approves the settlement and disburses it
        finance = login("finance")
        settlement = Settlement.objects.get(project=project)
        finance.goto(f"{base}/money/settlements/{settlement.pk}/")
        finance.click("#settlement-approve")
        expect(finance.locator("#settlement-state")).to_have_attribute("data-state", "approved")
        finance.fill("#disburse-date", "2026-09-01")
        finance.fill("#disburse-document", "BF-2026-01")
        finance.click("#disburse-submit")
        no_error(finance)
        expect(finance.locator("#settlement-state")).to_have_attribute("data-state", "disbursed")
        expect(finance.locator("#disbursed")).to_have_text(str(expected.amount))

        # 5. the community shares the residents' contribution out by area; two households pay
        organiser = login("qingbomen")
        organiser.goto(f"{base}/money/projects/{project.pk}/shares/")
        organiser.fill("#allocate-total", "120000.00")
        organiser.click("#allocate-submit")
        no_error(organiser)
        shares = list(HouseholdShare.objects.filter(contribution__project=project))
        assert sum(s.amount for s in shares) == D("120000.00")
        for row in range(2):
            form = organiser.locator(".households tbody tr").nth(row).locator(".pay-form")
            form.locator("input[type=date]").fill("2026-05-01")
            form.locator("button").click()
            no_error(organiser)
        expect(organiser.locator(".households tr.settled")).to_have_count(2)

        # 6. the finance export opens in Excel and its totals reconcile
        finance.goto(f"{base}/money/")
        with finance.expect_download() as download:
            finance.click("#ledger-export")
        path = tmp_path / "ledger.xlsx"
        download.value.save_as(path)
        wb = load_workbook(path)
        *rows, total = list(wb["余额 Balances"].iter_rows(min_row=2, values_only=True))
        for col in range(2, 8):
            assert sum(D(str(r[col])) for r in rows) == D(str(total[col]))
        paid = sum(D(str(r[5])) for r in rows)
        assert paid == D("5600000.00")
        levels: dict[str, Decimal] = {}
        for level, _name, _budgeted, received, *_ in wb["汇总 Roll-up"].iter_rows(
            min_row=2, values_only=True
        ):
            levels[level] = levels.get(level, D(0)) + D(str(received))
        assert len(set(levels.values())) == 1
        finance.goto(f"{base}/money/settlements/{settlement.pk}/")
        with finance.expect_download() as download:
            finance.click("#settlement-export")
        path = tmp_path / "settlement.xlsx"
        download.value.save_as(path)
        sheet = list(load_workbook(path)["补助清算 Settlement"].iter_rows(values_only=True))
        assert D(str(sheet[4][9])) == expected.amount and D(str(sheet[5][9])) == expected.amount
        browser.close()
    assert FinalAccounts.objects.get(project=project).audited_total == D("5513579.63")
