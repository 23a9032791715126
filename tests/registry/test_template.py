"""The import templates: Chinese headers with English and units, dropdowns, comments, the 说明 sheet."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command

from gaizao.registry.importing import KINDS
from gaizao.registry.importing.template import template_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_template_headers_dropdowns_and_notes(divisions, kind):
    spec = KINDS[kind]
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes(kind)))
    assert wb.sheetnames == [spec.sheet, "说明"]
    ws = wb[spec.sheet]
    zh = [c.value for c in ws[1]]
    assert zh == [c.zh + ("*" if c.required else "") for c in spec.columns]
    assert all(c.comment is not None for c in ws[1])
    assert all(v for v in (c.value for c in ws[2]))  # English headers
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    if any(c.type == "bool" for c in spec.columns):
        assert '"是,否"' in lists
    info = [r[0] for r in wb["说明"].iter_rows(values_only=True)]
    assert all(c.zh in info for c in spec.columns)


def test_community_template_units_and_choices(divisions):
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes("communities")))
    ws = wb["小区"]
    zh = [c.value for c in ws[1]]
    en = [c.value for c in ws[2]]
    assert "建成年份" in zh and "建筑面积(m²)" in zh
    assert en[zh.index("建筑面积(m²)")] == "Building area (m²)"
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert '"良好,一般,较差,缺失"' in lists and '"WGS84,GCJ-02,BD-09"' in lists
    assert any("上城区" in f for f in lists)


def test_template_command(divisions, tmp_path):
    out = tmp_path / "units.xlsx"
    call_command("template", "units", str(out))
    assert openpyxl.load_workbook(out).sheetnames == ["房屋", "说明"]
