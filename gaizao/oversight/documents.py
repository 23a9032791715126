"""Documents of oversight, built in memory: the statistical returns (Excel, openpyxl) in the layout of the forms,
and the performance evaluation reports of a district and of a project (Word, python-docx) with tables and charts
(PNG images drawn by :mod:`gaizao.oversight.charts`). Every text passes through
:func:`gaizao.office_text.clean_text` (Word) or :func:`~gaizao.office_text.spreadsheet_cell` (Excel)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from gaizao.office_text import clean_text, spreadsheet_cell
from gaizao.oversight import charts

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
            spreadsheet_cell(f"填报单位：{ret['root'].name}"),
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
            [spreadsheet_cell(row.code), spreadsheet_cell(row.name), LEVELS.get(row.level, row.level)]
            + [_number(row.cells[c.key]) for c in columns]
        )
    sheet.freeze_panes = "D6"
    checks = book.create_sheet("核对")
    checks.append(["核对项", "结果", "不平的栏目"])
    for check in ret["checks"]:
        checks.append(
            [spreadsheet_cell(check["label"]), "平" if check["ok"] else "不平", "、".join(check["columns"])]
        )
    checks.append(["全部", "平" if ret["reconciled"] else "不平", ""])
    if ret["form"] == "plan":
        checks.append([])
        checks.append(["区县", "年度计划状态", "计划编号"])
        for s in ret["plan_status"]:
            checks.append(
                [
                    spreadsheet_cell(s["district"].name),
                    PLAN_STATES.get(s["state"], s["state"]),
                    s["annual_plan"] or "",
                ]
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
        notes.append([spreadsheet_cell(f"{c.group_zh}·{c.label_zh}"), c.unit, source])
    notes.append(["生成时间", "", ret["generated_at"].isoformat()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    return "" if value is None else clean_text(str(value))


def _table(doc: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = _text(text)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = _text(value)


def _paragraph(doc: Any, text: str) -> None:
    doc.add_paragraph(clean_text(text))


def _heading(doc: Any, text: str, level: int) -> None:
    doc.add_heading(clean_text(text), level=level)


def _picture(doc: Any, png: bytes, caption: str) -> None:
    from docx.shared import Cm

    doc.add_picture(io.BytesIO(png), width=Cm(15))
    _paragraph(doc, caption)


def _percent(ratio: Any) -> str:
    return f"{Decimal(ratio):.1%}" if ratio is not None else ""


def _docx(doc: Any) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def evaluation_docx(ev: dict[str, Any]) -> bytes:
    """The district's performance evaluation report: outputs vs plan, budget execution, rectification, scorecards,
    with charts of the targets against the actual figures and of the budget execution per project."""
    from docx import Document

    doc = Document()
    district, year = ev["district"], ev["year"]
    _heading(doc, f"{district.name}{year}年城镇老旧小区改造绩效评价报告", 0)
    _paragraph(
        doc,
        "依据：杭政办函〔2022〕10号 五、三(三)3。本报告各项数据均由平台记录自动生成（实施阶段审计记录、资金台账、长效管理记录）。",
    )
    _heading(doc, "一、产出与计划", 1)
    items = ev["progress"]["items"]
    _table(
        doc,
        ["指标", "目标", "实际", "完成率", "是否滞后"],
        [
            [i["label_zh"], i["target"], i["actual"], _percent(i["ratio"]), "滞后" if i["behind"] else ""]
            for i in items
        ],
    )
    _picture(
        doc,
        charts.ratio_bars("年度目标完成率", [i["label_zh"] for i in items], [i["ratio"] for i in items]),
        "图1 年度目标完成率（实际 ÷ 目标，虚线为100%）",
    )
    _heading(doc, "二、预算执行", 1)
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
                _percent(r["execution_rate"]),
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
                _percent(total["execution_rate"]),
            ]
        ],
    )
    if ev["budget_rows"]:
        _picture(
            doc,
            charts.ratio_bars(
                "各项目预算执行率",
                [r["project__code"] for r in ev["budget_rows"]],
                [r["execution_rate"] for r in ev["budget_rows"]],
            ),
            "图2 各项目预算执行率（支付 ÷ 预算，虚线为100%）",
        )
    _heading(doc, "三、质量与整改", 1)
    r = ev["rectification"]
    _table(
        doc,
        ["下发整改单", "已销号", "未销号", "逾期未销号"],
        [[r["issued"], r["closed"], r["open"], r["overdue"]]],
    )
    _heading(doc, "四、效果（六有评价）", 1)
    _table(
        doc,
        ["小区", "综合得分"]
        + [g["name_zh"] for g in (ev["scorecards"][0]["goals"] if ev["scorecards"] else [])],
        [[c["community_name"], c["overall"]] + [g["score"] for g in c["goals"]] for c in ev["scorecards"]],
    )
    _heading(doc, "五、考核结果", 1)
    score = ev["score"]
    if score is None:
        _paragraph(doc, f"{year}年考核尚未发布。")
    else:
        _paragraph(
            doc, f"总分 {score.total}，排名第 {score.rank}，绩效奖补 {score.award} 元。{score.award_reason}"
        )
        _table(
            doc,
            ["指标", "权重", "比率", "得分", "计分", "数据来源"],
            [
                [i["name_zh"], i["weight"], i["ratio"], i["score"], i["points"], i["source"]]
                for i in score.indicators
            ],
        )
    return _docx(doc)


def project_evaluation_docx(ev: dict[str, Any]) -> bytes:
    """One project's performance evaluation report (see :func:`gaizao.oversight.selectors.project_evaluation`):
    outputs, cost, timeliness, quality, effects and satisfaction, with charts of the outputs delivered against the
    plan, the funding plan against payments per source and the life circle before and after the works."""
    from docx import Document

    f = ev["facts"]
    doc = Document()
    _heading(doc, f"{f.name}绩效评价报告", 0)
    _paragraph(
        doc,
        f"项目编号 {f.code}；{f.district_name} {f.street_name if f.street_code else ''}；"
        f"{f.communities} 个小区，{f.households} 户，{f.buildings} 栋。依据：杭政办函〔2022〕10号 五、三(三)3。"
        f"数据截至 {ev['on']}，均由平台记录自动生成。",
    )
    _heading(doc, "一、产出（计划与实际）", 1)
    accepted = ev["accepted_on"]
    _paragraph(doc, f"竣工验收：{accepted}" if accepted else "尚未竣工验收，实际完成量待验收记录。")
    _table(
        doc,
        ["改造内容", "单位", "计划量", "验收完成量", "完成率", "验收结论"],
        [
            [
                o["name"],
                o["unit"],
                o["planned"],
                o["delivered"],
                _percent(o["ratio"]),
                {True: "合格", False: "不合格", None: ""}[o["passed"]],
            ]
            for o in ev["outputs"]
        ],
    )
    if ev["outputs"]:
        _picture(
            doc,
            charts.ratio_bars(
                "各改造内容完成率", [o["name"] for o in ev["outputs"]], [o["ratio"] for o in ev["outputs"]]
            ),
            "图1 验收完成量 ÷ 计划量（未验收为0，虚线为100%）",
        )
    _heading(doc, "二、成本与预算执行", 1)
    cost = ev["cost"]
    total = cost["total"]
    _paragraph(
        doc,
        f"估算总投资 {cost['estimate']} 元；预算 {total['budgeted']} 元，到位 {total['received']} 元，"
        f"支付 {total['paid']} 元；预算执行率 {_percent(total['execution_rate']) or '—'}，"
        f"支付占估算 {_percent(cost['cost_ratio']) or '—'}。",
    )
    sources = cost["sources"]
    _table(
        doc,
        ["资金来源", "计划(元)", "预算(元)", "到位(元)", "支付(元)"],
        [[s["label"], s["planned"], s["budgeted"], s["received"], s["paid"]] for s in sources],
    )
    if sources:
        _picture(
            doc,
            charts.grouped_bars(
                "资金计划与支付（万元）",
                [s["label"] for s in sources],
                [
                    ("计划", [float(s["planned"]) / 10000 for s in sources]),
                    ("支付", [float(s["paid"]) / 10000 for s in sources]),
                ],
                ylabel="万元",
            ),
            "图2 各资金来源的计划与支付",
        )
    _heading(doc, "三、时效", 1)
    t = ev["timeliness"]
    _table(
        doc,
        ["", "计划", "实际", "延误(天)"],
        [
            ["开工", t["planned_start"], t["started_on"], t["start_delay_days"]],
            ["完工", t["planned_end"], t["completed_on"], t["end_delay_days"]],
        ],
    )
    if t["milestones"]:
        _table(
            doc,
            ["节点", "计划开始", "计划完成", "实际开始", "实际完成", "延误(天)"],
            [
                [
                    m["name"],
                    m["planned_start"],
                    m["planned_end"],
                    m["actual_start"],
                    m["actual_end"],
                    m["days_late"],
                ]
                for m in t["milestones"]
            ],
        )
    _heading(doc, "四、质量与整改", 1)
    q = ev["quality"]
    _table(
        doc,
        ["检查次数", "发现问题", "整改单", "已销号", "未销号", "逾期未销号"],
        [[q["inspections"], q["findings"], q["orders"], q["closed"], q["open"], q["overdue"]]],
    )
    _heading(doc, "五、效果", 1)
    _paragraph(doc, "（一）“六有”评价（长效管理）")
    cards = ev["scorecards"]
    if cards:
        _table(
            doc,
            ["小区", "综合得分"] + [g["name_zh"] for g in cards[0]["goals"]],
            [[c["community_name"], c["overall"]] + [g["score"] for g in c["goals"]] for c in cards],
        )
    else:
        _paragraph(doc, "小区尚未移交长效管理，暂无“六有”评价。")
    _paragraph(doc, "（二）生活圈设施（改造前后）")
    life = ev["life_circle"]
    _table(
        doc,
        ["小区", "改造前得分", "改造后得分", "改造前缺口", "改造后缺口", "补齐的设施", "新增缺口"],
        [
            [
                x["community"],
                x["before_score"] if x["before_score"] is not None else "无改造前分析",
                x["after_score"] if x["after_score"] is not None else "无改造后分析",
                x["gaps_before"],
                x["gaps_after"],
                "、".join(x["closed"]),
                "、".join(x["opened"]),
            ]
            for x in life
        ],
    )
    compared = [x for x in life if x["reachable_before"] is not None and x["reachable_after"] is not None]
    if compared:
        _picture(
            doc,
            charts.grouped_bars(
                "生活圈达标设施项（改造前后）",
                [x["community"] for x in compared],
                [
                    ("改造前", [x["reachable_before"] for x in compared]),
                    ("改造后", [x["reachable_after"] for x in compared]),
                ],
                ylabel="项",
            ),
            "图3 各小区生活圈可达的配建要求项数，改造前后",
        )
    _heading(doc, "六、居民满意度", 1)
    sat = ev["satisfaction"]
    if sat["mean"] is None:
        _paragraph(doc, "尚无已结束的居民“六有”评价。")
    else:
        _paragraph(
            doc,
            f"居民“六有”评价均分 {sat['mean']}（1–5 分，{sat['answers']} 项），折合满意度 {_percent(sat['ratio'])}。",
        )
    return _docx(doc)
