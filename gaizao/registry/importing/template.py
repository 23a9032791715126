"""The import template of a kind, written with openpyxl from the same column spec the importer reads.

Row 1 holds the Chinese headers (required ones marked ``*``), row 2 the English headers with units; each header
cell carries a comment explaining the column; choices and 是/否 columns get dropdown lists; a 说明 sheet lists
every column with its type, whether it is required, its choices and notes.
"""

from __future__ import annotations

import io
import re

from django.db import DatabaseError

from gaizao.registry.importing.columns import Column, KindSpec, get_kind

TYPE_LABELS = {
    "str": "文本 / text",
    "ref": "编码 / code",
    "division": "名称或代码 / name or code",
    "int": "整数 / whole number",
    "year": "年份 / year",
    "decimal": "数字 / number",
    "share": "比例 0–1 或百分数 / share",
    "lon": "经度 / longitude",
    "lat": "纬度 / latitude",
    "float": "数字 / number",
    "bool": "是/否 / yes/no",
    "choice": "下拉选择 / choice",
    "crs": "坐标系 / CRS",
    "points": "经度,纬度;… / lon,lat;…",
}

DATA_ROWS = 5000


def english_header(col: Column) -> str:
    unit = re.search(r"\(([^)]*)\)$", col.zh)
    en = col.en[:1].upper() + col.en[1:]
    if unit and unit.group(0) not in en:
        en = f"{en} ({unit.group(1)})"
    return en


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def template_workbook(spec: KindSpec) -> bytes:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from gaizao.divisions.selectors import districts

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = spec.sheet
    required_fill = PatternFill("solid", fgColor="FFE9C7")
    header_fill = PatternFill("solid", fgColor="E8F0FB")
    try:
        district_names = [d.name for d in districts()]
    except DatabaseError:  # a template written before the database is set up has no district list
        district_names = []
    for i, col in enumerate(spec.columns, start=1):
        zh = ws.cell(row=1, column=i, value=col.zh + ("*" if col.required else ""))
        zh.font = Font(bold=True)
        zh.fill = required_fill if col.required else header_fill
        zh.alignment = Alignment(horizontal="center")
        note = col.help or TYPE_LABELS.get(col.type, "")
        zh.comment = Comment(
            f"{col.zh} / {english_header(col)}\n{'必填 / required' if col.required else '选填 / optional'}\n{note}",
            "Gaizao",
        )
        en = ws.cell(row=2, column=i, value=english_header(col))
        en.font = Font(italic=True, color="666666")
        ws.column_dimensions[_column_letter(i)].width = max(10, min(30, len(col.zh) * 2 + 4))
        letter = _column_letter(i)
        options: list[str] = []
        if col.type in {"choice", "bool", "crs"}:
            options = col.choice_labels()
        elif col.key == "district" and district_names and len(",".join(district_names)) < 250:
            options = district_names
        if options:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(options) + '"',
                allow_blank=not col.required,
                showErrorMessage=col.type != "division",
                errorTitle="请从下拉列表中选择 / choose from the list",
                error="可选：" + "、".join(options),
            )
            dv.add(f"{letter}3:{letter}{DATA_ROWS + 2}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A3"

    info = wb.create_sheet("说明")
    info.append([f"{spec.zh}导入模板 / {spec.en} import template"])
    info["A1"].font = Font(bold=True, size=14)
    info.append(
        [
            f"在“{spec.sheet}”工作表第 3 行起逐行填写；第 1 行中文表头不可修改，第 2 行为英文表头和单位。"
            "带 * 的列为必填。可保存为 xlsx，或另存为 CSV（UTF-8 或 GBK 均可）。"
        ]
    )
    info.append(
        [
            f"Fill the {spec.sheet!r} sheet from row 3; keep the Chinese headers of row 1 (row 2 is English with units). "
            "Columns marked * are required. Save as xlsx, or as CSV in UTF-8 or GBK."
        ]
    )
    for note in spec.notes:
        info.append([note])
    info.append([])
    head = [
        "列 / Column",
        "英文 / English",
        "必填 / Required",
        "类型 / Type",
        "可选值 / Choices",
        "说明 / Notes",
    ]
    info.append(head)
    for cell in info[info.max_row]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    for col in spec.columns:
        info.append(
            [
                col.zh,
                english_header(col),
                "是" if col.required else "否",
                TYPE_LABELS.get(col.type, col.type),
                "、".join(col.choice_labels()),
                col.help,
            ]
        )
    for letter, width in zip("ABCDEF", (24, 30, 10, 22, 36, 70), strict=True):
        info.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_bytes(kind: str) -> bytes:
    return template_workbook(get_kind(kind))


def template_filename(kind: str) -> str:
    spec = get_kind(kind)
    return f"gaizao-{spec.kind}-template.xlsx"
