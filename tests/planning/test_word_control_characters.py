"""A control character pasted into a unit's name still gives a valid Word document of the special plan."""

from __future__ import annotations

import io

from gaizao.planning.models import SpecialPlan
from tests.planning.conftest import client_for


def test_control_characters_do_not_break_the_plan_document(accounts, divs, proposals, world):
    from docx import Document

    officer = client_for(accounts["shangcheng"])
    officer.post("/planning/plans/new/", {"district": "330102", "title": "上城区\x01专项规划"})
    plan = SpecialPlan.objects.get()
    unit = plan.units.first()
    r = officer.post(
        f"/planning/units/{unit.pk}/",
        {
            "name": "清波\x0b片区",
            "mode": "comprehensive_improvement",
            "positioning": "宜\x1f居",
            "phase_year": "2027",
        },
    )
    assert r.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "清波\x0b片区"  # stored as typed; only the document drops what XML cannot hold
    r = officer.get(f"/planning/plans/{plan.pk}/document.docx")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    texts = [p.text for p in doc.paragraphs] + [
        cell.text for table in doc.tables for row in table.rows for cell in row.cells
    ]
    assert "上城区专项规划" in texts and f"{unit.code} 清波片区" in texts and "功能定位：宜居" in texts
    assert not any(ch in t for t in texts for ch in "\x01\x0b\x1f")
