"""Documents of oversight, built in memory: the statistical progress return (Excel, openpyxl) in the layout of the
form, and a district's performance evaluation report (Word, python-docx)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

SHEETS = {"plan": "计划表", "progress": "进度表", "effects": "成效表"}
PLAN_STATES = {
    "": "未编制",
    "draft": "草稿",
    "submitted": "已报送",
    "returned": "已退回",
    "reviewed": "已审查",
    "approved": "已批准",
}
LEVELS = {"city": "市", "district": "区县", "street": "街道", "community": "社区"}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def return_xlsx(ret: dict[str, Any]) -> bytes:
    """Sheet 1 the form (title, header rows grouped as on the form, one row per division, city/district/street);
    sheet 2 the reconciliation checks; sheet 3 the form's notes (units, sources)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    columns = ret["columns"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEETS[ret["form"]]
    width = 3 + len(columns)
    sheet.append([ret["title"]])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(
        [
            f"填报单位：{ret['root'].name}",
            "",
            f"统计期：{ret['period'].label}（{ret['period'].start} 至 {ret['period'].end}）",
        ]
    )
    groups = ["区划代码", "单位名称", "层级"] + [c.group_zh for c in columns]
    sheet.append(groups)
    sheet.append(["", "", ""] + [f"{c.label_zh}({c.unit})" for c in columns])
    sheet.append(["甲", "乙", "丙"] + [str(i) for i in range(1, len(columns) + 1)])
    # merge the group headers over their columns, as on the printed form
    start = 4
    while start <= width:
        end = start
        while end + 1 <= width and groups[end] == groups[start - 1]:
            end += 1
        if end > start:
            sheet.merge_cells(start_row=3, start_column=start, end_row=3, end_column=end)
        start = end + 1
    for col in (1, 2, 3):
        sheet.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    for row in ret["rows"]:
        sheet.append(
            [row.code, row.name, LEVELS.get(row.level, row.level)]
            + [_number(row.cells[c.key]) for c in columns]
        )
    sheet.freeze_panes = "D6"
    checks = book.create_sheet("核对")
    checks.append(["核对项", "结果", "不平的栏目"])
    for check in ret["checks"]:
        checks.append([check["label"], "平" if check["ok"] else "不平", "、".join(check["columns"])])
    checks.append(["全部", "平" if ret["reconciled"] else "不平", ""])
    if ret["form"] == "plan":
        checks.append([])
        checks.append(["区县", "年度计划状态", "计划编号"])
        for s in ret["plan_status"]:
            checks.append(
                [s["district"].name, PLAN_STATES.get(s["state"], s["state"]), s["annual_plan"] or ""]
            )
    notes = book.create_sheet("说明")
    notes.append(["栏目", "单位", "口径"])
    for c in columns:
        if c.key.startswith("plan_"):
            source = "市政府批准的区县年度改造计划（批准时冻结的计划表，每行一个项目）"
        elif c.key.startswith("investment"):
            source = "资金台账中本期记账日期的支付（含冲销）"
        elif c.key.startswith("effect_") and c.key != "effect_communities":
            source = "本期完工项目的竣工验收实际完成量（未验收的取改造方案计划量）"
        else:
            source = "实施阶段审计记录中首次“开工/完工”的日期落在本期的项目"
        notes.append([f"{c.group_zh}·{c.label_zh}", c.unit, source])
    notes.append(["生成时间", "", ret["generated_at"].isoformat()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _table(doc: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = "" if value is None else str(value)


def _bar(ratio: Any) -> str:
    """A text bar for the report's progress chart (10 blocks = 100%)."""
    if ratio is None:
        return ""
    n = max(0, min(10, int(Decimal(ratio) * 10)))
    return "█" * n + "░" * (10 - n)


def evaluation_docx(ev: dict[str, Any]) -> bytes:
    """The district's performance evaluation report: outputs vs plan, budget execution, rectification, scorecards."""
    from docx import Document

    doc = Document()
    district, year = ev["district"], ev["year"]
    doc.add_heading(f"{district.name}{year}年城镇老旧小区改造绩效评价报告", level=0)
    doc.add_paragraph(
        "依据：杭政办函〔2022〕10号 五、三(三)3。本报告各项数据均由平台记录自动生成（实施阶段审计记录、资金台账、长效管理记录）。"
    )
    doc.add_heading("一、产出与计划", level=1)
    rows = []
    for item in ev["progress"]["items"]:
        ratio = item["ratio"]
        rows.append(
            [
                item["label_zh"],
                item["target"],
                item["actual"],
                f"{ratio:.1%}" if ratio is not None else "",
                _bar(ratio),
                "滞后" if item["behind"] else "",
            ]
        )
    _table(doc, ["指标", "目标", "实际", "完成率", "进度", "是否滞后"], rows)
    doc.add_heading("二、预算执行", level=1)
    total = ev["budget_total"]
    _table(
        doc,
        ["项目编号", "项目名称", "预算(元)", "到位(元)", "支付(元)", "执行率"],
        [
            [
                r["project__code"],
                r["project__name"],
                r["budgeted"],
                r["received"],
                r["paid"],
                f"{r['execution_rate']:.1%}" if r["execution_rate"] is not None else "",
            ]
            for r in ev["budget_rows"]
        ]
        + [
            [
                "合计",
                "",
                total["budgeted"],
                total["received"],
                total["paid"],
                f"{total['execution_rate']:.1%}" if total["execution_rate"] is not None else "",
            ]
        ],
    )
    doc.add_heading("三、质量与整改", level=1)
    r = ev["rectification"]
    _table(
        doc,
        ["下发整改单", "已销号", "未销号", "逾期未销号"],
        [[r["issued"], r["closed"], r["open"], r["overdue"]]],
    )
    doc.add_heading("四、效果（六有评价）", level=1)
    _table(
        doc,
        ["小区", "综合得分"]
        + [g["name_zh"] for g in (ev["scorecards"][0]["goals"] if ev["scorecards"] else [])],
        [[c["community_name"], c["overall"]] + [g["score"] for g in c["goals"]] for c in ev["scorecards"]],
    )
    doc.add_heading("五、考核结果", level=1)
    score = ev["score"]
    if score is None:
        doc.add_paragraph(f"{year}年考核尚未发布。")
    else:
        doc.add_paragraph(
            f"总分 {score.total}，排名第 {score.rank}，绩效奖补 {score.award} 元。{score.award_reason}"
        )
        _table(
            doc,
            ["指标", "权重", "比率", "得分", "计分", "数据来源"],
            [
                [i["name_zh"], i["weight"], i["ratio"], i["score"], i["points"], i["source"]]
                for i in score.indicators
            ],
        )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
