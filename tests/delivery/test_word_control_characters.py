"""A control character pasted into a name or a conclusion still gives a valid Word acceptance record."""

from __future__ import annotations

import io

from django.test import Client
from django.utils import timezone

from tests.delivery.conftest import PLAN_ITEMS


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_control_characters_do_not_break_the_acceptance_record(started, accounts):
    from docx import Document

    c = client_for(accounts["shangcheng"])
    c.post(f"/delivery/{started.pk}/move/", {"to": "completed"})
    data = {"held_on": timezone.localdate().isoformat(), "conclusion": "合格\x07通过"}
    roles = ["implementing", "contractor", "supervisor", "street", "resident", "building_lead"]
    for i, role in enumerate(roles):
        data[f"sig_role_{i}"] = role
        data[f"sig_name_{i}"] = f"{role}\x0b人"
    for item in PLAN_ITEMS:
        data[f"delivered_{item['item_id']}"] = item["quantity"]
        data[f"passed_{item['item_id']}"] = "on"
    c.post(f"/delivery/{started.pk}/acceptance/", data)
    r = c.get(f"/delivery/{started.pk}/acceptance.docx")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    texts = [p.text for p in doc.paragraphs] + [
        cell.text for table in doc.tables for row in table.rows for cell in row.cells
    ]
    assert "合格通过" in texts and "implementing人" in texts
    assert not any(ch in t for t in texts for ch in "\x07\x0b")
