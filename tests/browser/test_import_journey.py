"""A district officer, as a new user would: download the template, fill three rows, upload a bad version, read
the row errors, fix the file, upload it again and see the communities imported and screened."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def fill_template(template: Path, out: Path, rows: list[dict[str, object]]) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(template)
    ws = wb["小区"]
    headers = [str(c.value).rstrip("*") for c in ws[1]]
    for i, row in enumerate(rows, start=3):  # row 1: Chinese headers, row 2: English headers
        for key, value in row.items():
            ws.cell(row=i, column=headers.index(key) + 1, value=value)
    wb.save(out)


ROWS = [
    {
        "小区编码": "JOURNEY-1",
        "小区名称": "旅程一号小区",
        "区县": "上城区",
        "街道": "清波街道",
        "社区": "清波门社区",
        "建成年份": 1992,
        "建筑面积(m²)": 23000,
        "户数": 310,
        "供水": "较差",
        "经度": 120.1660,
        "纬度": 30.2395,
    },
    {
        "小区编码": "JOURNEY-2",
        "小区名称": "旅程二号小区",
        "区县": "上城区",
        "街道": "清波街道",
        "建成年份": "一九九八",
        "户数": 120,
        "保障性安居工程": "是",
        "经度": 120.1672,
        "纬度": 30.2401,
    },
    {
        "小区编码": "JOURNEY-3",
        "小区名称": "旅程三号小区",
        "区县": "西湖区",
        "街道": "西溪街道",
        "建成年份": 2001,
        "户数": 88,
    },
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_district_officer_imports_from_the_template(live_server, browser, tmp_path):
    from gaizao.accounts.demo import DEMO_PASSWORD, demo_accounts_load
    from gaizao.divisions.services import divisions_load_hangzhou
    from gaizao.registry.models import Community, ScopeStatus

    divisions_load_hangzhou()
    demo_accounts_load()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/registry/import/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", "shangcheng")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/registry/import/")

    # 1. Download the template.
    with page.expect_download() as download:
        page.click("a[data-template=communities]")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    # 2. Fill three rows, two of them wrong, and upload.
    bad = tmp_path / "小区-有错.xlsx"
    fill_template(template, bad, ROWS)
    page.select_option("#import-kind", "communities")
    page.set_input_files("#import-file", str(bad))
    page.click("#import-submit")
    page.wait_for_selector("#import-errors")
    table = page.inner_text("#import-errors")
    assert "建成年份" in table and "一九九八" in table  # row 4: a year written in words
    assert "不在您的管辖范围" in table  # row 5: a 西湖区 community
    assert page.locator("#import-errors tr[data-row='4']").count() == 1
    assert page.locator("#import-errors tr[data-row='5']").count() == 1
    assert page.get_attribute("#import-summary", "data-written") == "false"
    assert Community.objects.count() == 0
    with page.expect_download() as report:
        page.click("#report-download")
    assert report.value.suggested_filename.endswith(".xlsx")

    # 3. Fix the file and upload it again.
    fixed_rows = [
        dict(ROWS[0]),
        {**ROWS[1], "建成年份": 1998},
        {**ROWS[2], "区县": "上城区", "街道": "湖滨街道"},
    ]
    fixed = tmp_path / "小区-已改.xlsx"
    fill_template(template, fixed, fixed_rows)
    page.goto(f"{live_server.url}/registry/import/")
    page.set_input_files("#import-file", str(fixed))
    page.click("#import-submit")
    page.wait_for_selector("#import-summary[data-written='true']")
    assert page.inner_text("#created") == "3"
    assert page.locator("#import-errors").count() == 0

    assert Community.objects.count() == 3
    assert Community.objects.exclude(scope_status=ScopeStatus.UNSCREENED).count() == 3
    page.goto(f"{live_server.url}/registry/?q=旅程")
    assert "旅程一号小区" in page.content()

    # 4. The imported communities on the map, coloured by their scope status.
    page.goto(f"{live_server.url}/registry/map/?q=旅程")
    page.wait_for_selector("#registry-map[data-loaded]", state="attached", timeout=20000)
    # the third row gave no coordinates, so two of the three can be placed
    located = Community.objects.filter(code__startswith="JOURNEY", lon__isnull=False).count()
    assert located == 2 and page.get_attribute("#registry-map", "data-loaded") == str(located)
    page.wait_for_selector(".marker-cluster, path.leaflet-interactive", timeout=10000)
    assert page.locator(".marker-cluster").count() + page.locator("path.leaflet-interactive").count() > 0
    assert not errors, errors
    context.close()
