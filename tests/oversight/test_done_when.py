"""Issue 14's "Done when", tried as a new user would, through the pages (Django test client, no service calls):
the city coordinator sets 2027 targets, computes the assessment and sees each district's score with the records
behind one indicator; generates the quarterly statistical return for the city as Excel whose totals equal the sum
of the district returns; downloads a district's performance evaluation report (Word, with charts); the public
portal shows progress on a map and offers the open-data download."""

from __future__ import annotations

import csv
import io
import re

from django.test import Client
from django.utils import timezone

from gaizao.oversight.models import DistrictTarget

YEAR = 2027


def test_done_when(world, accounts):
    from docx import Document
    from openpyxl import load_workbook

    city = Client()
    city.force_login(accounts["city"])

    # 1. the city coordinator sets 2027 targets for every district, from the targets page
    page = city.get("/oversight/targets/", {"year": YEAR}).content.decode()
    codes = re.findall(r'name="district" value="(\d+)"', page)
    assert codes == ["330102", "330106"]
    for code in codes:
        r = city.post(
            "/oversight/targets/",
            {"year": YEAR, "district": code, "communities_started": "2", "communities_completed": "1"},
        )
        assert r.status_code == 302
    assert DistrictTarget.objects.filter(year=YEAR).count() == 2

    # 2. the assessment page: compute, each district's score, the records behind one indicator
    assert city.post("/oversight/assessment/compute/", {"year": YEAR}).status_code == 302
    html = city.get("/oversight/assessment/", {"year": YEAR}).content.decode()
    for code in codes:
        assert f"/oversight/assessment/{YEAR}/{code}/" in html
    one = city.get(f"/oversight/assessment/{YEAR}/330102/").content.decode()
    assert 'data-indicator="fund_execution"' in one
    section = one[one.index('data-indicator="fund_execution"') :]
    assert f"projects（1）：{world['east'].project_id}" in section[: section.index("</section>")]

    # 3. this quarter's statistical return for the city as Excel; its totals equal the sum of the district returns
    today = timezone.localdate()
    period = f"{today.year}Q{(today.month - 1) // 3 + 1}"

    def sheet(division: str) -> dict[str, tuple]:
        r = city.get("/oversight/returns/export.xlsx", {"period": period, "division": division})
        assert r.status_code == 200
        rows = load_workbook(io.BytesIO(r.content))["进度表"].iter_rows(min_row=6, values_only=True)
        return {row[0]: row for row in rows}

    whole = sheet("330100")["330100"]
    parts = [sheet(code)[code] for code in codes]
    assert whole[3:] == tuple(sum(p[i] for p in parts) for i in range(3, len(whole)))
    assert whole[3] == 2 and whole[9] == 450000  # 2 communities started; payments 400 000 + 50 000 yuan

    # 4. a district's performance evaluation report (Word) from the progress page
    home = city.get("/oversight/", {"year": today.year}).content.decode()
    link = f"/oversight/evaluation/{today.year}/330102/report.docx"
    assert link in home
    report = city.get(link)
    assert report.status_code == 200
    doc = Document(io.BytesIO(report.content))
    assert doc.paragraphs[0].text == f"上城区{today.year}年城镇老旧小区改造绩效评价报告"
    assert any("image" in rel.reltype for rel in doc.part.rels.values())

    # 5. the public portal: the map and the open-data download, without login
    anonymous = Client()
    portal = anonymous.get("/public/").content.decode()
    assert 'id="portal-map"' in portal and "vendor/leaflet/leaflet.js" in portal
    download = re.search(r'id="open-data" href="([^"]+)"', portal)
    assert download is not None
    rows = list(csv.DictReader(io.StringIO(anonymous.get(download[1]).content.decode("utf-8-sig"))))
    assert {r["project_code"] for r in rows} == {"P-SC-001", "P-XH-001"}
    assert anonymous.get("/public/map.json").json()["districts"]
