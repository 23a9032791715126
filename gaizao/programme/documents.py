"""Documents of the workflow: the consolidated consultation opinion (Word, python-docx) and the official annual
plan table (Excel, openpyxl). Both are built in memory and returned as bytes."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gaizao.office_text import clean_text
from gaizao.programme import rules
from gaizao.programme.models import AnnualPlan, AnnualPlanVersion, Consultation, OpinionDecision

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_DECISION_ZH: dict[str, str] = {
    OpinionDecision.PENDING: "未答复",
    OpinionDecision.AGREE: "同意",
    OpinionDecision.AGREE_CONDITIONS: "有条件同意",
    OpinionDecision.DISAGREE: "不同意",
}


def consultation_docx(consultation: Consultation) -> bytes:
    """The consolidated opinion of a joint consultation (联合会商意见), one row per department."""
    from docx import Document

    project = consultation.project
    names = rules.department_names()
    version = consultation.plan_version
    doc = Document()
    doc.add_heading(f"{project.name}联合会商意见", level=1)
    doc.add_paragraph(f"项目编号：{project.code}    区县：{project.district.name}")
    doc.add_paragraph(
        "小区："
        + "、".join(c.name for c in project.communities.order_by("code"))
        + (f"    方案版本：第{version.number}版    估算总投资：{version.estimate} 元" if version else "")
    )
    doc.add_paragraph(
        f"会商时间：{timezone.localtime(consultation.started_at):%Y-%m-%d}"
        + (
            f" 至 {timezone.localtime(consultation.completed_at):%Y-%m-%d}"
            if consultation.completed_at
            else ""
        )
        + f"    依据：{rules.consultation_clause()}"
    )
    opinions = list(consultation.opinions.all())
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("部门", "意见", "条件或理由", "简化审批事项"), strict=True):
        cell.text = text
    for opinion in opinions:
        row = table.add_row().cells
        row[0].text = names.get(opinion.department, opinion.department)
        row[1].text = _DECISION_ZH.get(opinion.decision, opinion.decision)
        row[2].text = clean_text(opinion.conditions) or "—"
        row[3].text = clean_text(opinion.simplified_approvals) or "—"
    doc.add_heading("综合意见", level=2)
    disagree = [
        names.get(o.department, o.department) for o in opinions if o.decision == OpinionDecision.DISAGREE
    ]
    conditional = [
        names.get(o.department, o.department)
        for o in opinions
        if o.decision == OpinionDecision.AGREE_CONDITIONS
    ]
    pending = [
        names.get(o.department, o.department) for o in opinions if o.decision == OpinionDecision.PENDING
    ]
    if pending:
        doc.add_paragraph("尚未答复的部门：" + "、".join(pending) + "。")
    if disagree:
        doc.add_paragraph("不同意的部门：" + "、".join(disagree) + "。方案须修改后重新会商。")
    else:
        text = "参加会商的部门和单位原则同意改造方案"
        if conditional:
            text += "，其中" + "、".join(conditional) + "提出的条件须在实施中落实"
        doc.add_paragraph(text + "。")
    simplified = [clean_text(o.simplified_approvals) for o in opinions if o.simplified_approvals]
    if simplified:
        doc.add_paragraph("简化审批事项：" + "；".join(simplified) + "。本意见作为事中事后监管的依据。")
    if consultation.summary:
        doc.add_paragraph(clean_text(consultation.summary))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def conditions_docx(project: Any, *, now: Any = None) -> bytes:
    """The conditions of the move to 实施 (the same list as the page and the API), one row each with code and clause."""
    from docx import Document

    from gaizao.programme.services import implementation_conditions

    conditions = implementation_conditions(project, now=now)
    doc = Document()
    doc.add_heading(f"{project.name}转入实施一批条件核查", level=1)
    doc.add_paragraph(
        f"项目编号：{project.code}    区县：{project.district.name}    核查时间：{timezone.localtime():%Y-%m-%d %H:%M}"
    )
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("条件代码", "是否满足", "说明", "依据"), strict=True):
        cell.text = text
    for c in conditions:
        row = table.add_row().cells
        row[0].text = c.code
        row[1].text = "满足" if c.met else "不满足"
        row[2].text = c.message_zh
        row[3].text = c.clause
    missing = [c for c in conditions if not c.met]
    doc.add_paragraph(
        "全部条件已满足，可转入实施一批。"
        if not missing
        else f"尚有 {len(missing)} 项条件不满足，不能转入实施一批。"
    )
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _conditions_sheet(wb: Any, rows: list[dict[str, Any]]) -> None:
    """A second sheet with every project's conditions (code, met, message, clause) as the page and API show them."""
    from openpyxl.styles import Font

    ws = wb.create_sheet("实施条件")
    ws.append(["项目编号", "小区", "条件代码", "是否满足", "说明", "依据"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        for c in row.get("conditions", []):
            ws.append(
                [
                    row["project_code"],
                    c.get("community", ""),
                    c["code"],
                    "满足" if c["met"] else "不满足",
                    c["message"].split("/ ", 1)[0].strip(),
                    c["clause"],
                ]
            )
    ws.column_dimensions["E"].width = 60
    ws.column_dimensions["F"].width = 40


EXCEL_HEADERS = [
    "序号",
    "区县",
    "街道",
    "小区名称",
    "建成年份",
    "楼栋数",
    "户数",
    "建筑面积",
    "改造内容",
    "总投资",
]


def annual_plan_xlsx(annual_plan: AnnualPlan) -> bytes:
    """The official annual plan table: the approved version when there is one, else the latest submission or the
    live draft (marked in the title)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from gaizao.programme.services import annual_plan_rows

    approved = annual_plan.versions.filter(kind=AnnualPlanVersion.Kind.APPROVED).order_by("-number").first()
    submitted = (
        annual_plan.versions.filter(kind=AnnualPlanVersion.Kind.SUBMISSION).order_by("-number").first()
    )
    if approved is not None:
        rows, status = approved.rows, "（已批准）"
    elif submitted is not None:
        rows, status = submitted.rows, f"（报送第{submitted.number}版，待批准）"
    else:
        rows, status = annual_plan_rows(annual_plan), "（草稿）"
    sources = rules.funding_sources()
    headers = EXCEL_HEADERS + [f"资金来源：{s.name_zh}" for s in sources] + ["市级补助"]
    wb = Workbook()
    ws = wb.active
    ws.title = f"{annual_plan.plan_year}年度计划"
    ws.append(
        [
            f"{annual_plan.district.name}{annual_plan.plan_year}年度城镇老旧小区改造计划{status}"
            "（面积单位：平方米；金额单位：元）"
        ]
    )
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    totals: dict[str, Decimal] = {"area": Decimal(0), "estimate": Decimal(0), "subsidy": Decimal(0)}
    source_totals = {s.id: Decimal(0) for s in sources}
    buildings = households = 0
    for n, row in enumerate(rows, start=1):
        funding: dict[str, Any] = row.get("funding", {})
        area, estimate, subsidy = (
            Decimal(row["building_area_m2"]),
            Decimal(row["estimate"]),
            Decimal(row["subsidy"]),
        )
        totals["area"] += area
        totals["estimate"] += estimate
        totals["subsidy"] += subsidy
        buildings += int(row.get("buildings") or 0)
        households += int(row.get("households") or 0)
        amounts = []
        for s in sources:
            value = Decimal(funding.get(s.id, "0"))
            source_totals[s.id] += value
            amounts.append(value)
        ws.append(
            [
                n,
                row["district"],
                row["street"],
                row["communities"],
                row["built_year"],
                row["buildings"],
                row["households"],
                area,
                row["content"],
                estimate,
                *amounts,
                subsidy,
            ]
        )
    ws.append(
        [
            "合计",
            "",
            "",
            f"{len(rows)}个项目",
            "",
            buildings,
            households,
            totals["area"],
            "",
            totals["estimate"],
            *[source_totals[s.id] for s in sources],
            totals["subsidy"],
        ]
    )
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for col in range(8, len(headers) + 1):
        for (cell,) in ws.iter_rows(min_row=3, min_col=col, max_col=col):
            if col != 9:
                cell.number_format = "#,##0.00"
    ws.column_dimensions["D"].width = 28
    ws.column_dimensions["I"].width = 48
    ws.freeze_panes = "A3"
    _conditions_sheet(wb, rows)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
