"""Reports of the money app (Excel, openpyxl): the ledger with its balances and roll-up, the settlement table the
finance bureau signs (one row per community), and a project's funding statement. Built in memory, returned as
bytes. Amounts are written as numbers (``Decimal``) with a 0.00 format; each total row is the exact sum of the rows
above it, so the sheets reconcile in Excel."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gaizao.money import selectors
from gaizao.money.models import EntryKind, FinalAccounts, Settlement
from gaizao.programme.models import Project

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZERO = Decimal("0.00")
MONEY_FORMAT = "#,##0.00"
_KIND_ZH = {k.value: str(k.label).split(" / ")[0] for k in EntryKind}
_PAYER_ZH = {"municipal": "市级财政", "original_developer": "原建设单位"}


def settlement_rows(settlement: Settlement) -> list[dict[str, Any]]:
    """The settlement table: one row per community (plain strings for JSON)."""
    rows = []
    for line in settlement.lines.select_related("community"):
        rows.append(
            {
                "community": line.community.name,
                "community_id": line.community_id,
                "building_area_m2": str(line.building_area_m2),
                "final_accounts": str(line.final_accounts),
                "elevator": str(line.elevator),
                "secondary_water": str(line.secondary_water),
                "exclusions": str(line.exclusions),
                "base": str(line.base.quantize(Decimal("0.01"))),
                "cap": str(line.cap.quantize(Decimal("0.01"))),
                "share": str(line.share),
                "subsidy": str(line.subsidy),
                "payer": line.payer,
                "developer_charge": str(line.developer_charge),
                "estimate": str(line.estimate),
                "difference": str(line.difference),
                "reasons": line.reasons,
            }
        )
    return rows


def _sheet(
    wb: Any,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    money_cols: Sequence[int],
    total_label: str | None = None,
) -> Any:
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    totals = [ZERO for _ in header]
    count = 0
    for row in rows:
        ws.append(list(row))
        count += 1
        for c in money_cols:
            if isinstance(row[c], Decimal):
                totals[c] += row[c]
    if total_label is not None:
        total_row: list[Any] = ["" for _ in header]
        total_row[0] = total_label
        for c in money_cols:
            total_row[c] = totals[c]
        ws.append(total_row)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    for c in money_cols:
        for r in range(2, ws.max_row + 1):
            ws.cell(row=r, column=c + 1).number_format = MONEY_FORMAT
    for i, _ in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = 16
    return ws


def _book() -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _bytes(wb: Any) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


BALANCE_HEADER = [
    "项目/区域 / name",
    "资金来源 / source",
    "预算 / budgeted",
    "到位 / received",
    "承诺 / committed",
    "支付 / paid",
    "预算余额 / remaining",
    "可用资金 / available",
]
BALANCE_KEYS = ["budgeted", "received", "committed", "paid", "remaining", "available"]


def ledger_xlsx(user: Any, project: Project | None = None) -> bytes:
    """The ledger of one project (or of everything ``user`` may read), its balances by project × source and the
    roll-up project → street → district → city."""
    entries = selectors.entries_for(user).select_related(
        "project", "street", "district", "community", "contract"
    )
    if project is not None:
        entries = entries.filter(project=project)
    labels = selectors.source_labels()
    wb = _book()
    _sheet(
        wb,
        "台账 Ledger",
        [
            "日期 / date",
            "项目编号 / project",
            "项目 / name",
            "街道 / street",
            "区县 / district",
            "小区 / community",
            "资金来源 / source",
            "类型 / kind",
            "金额 / amount",
            "凭证号 / document",
            "合同 / contract",
            "冲销 / reverses",
            "原因 / reason",
        ],
        (
            [
                e.date.isoformat(),
                e.project.code,
                e.project.name,
                e.street.name if e.street else "",
                e.district.name,
                e.community.name if e.community else "",
                labels.get(e.source, e.source),
                _KIND_ZH[e.kind],
                e.amount,
                e.document_number,
                e.contract.number if e.contract else "",
                e.reverses_id or "",
                e.reason,
            ]
            for e in entries.order_by("project__code", "date", "id")
        ),
        money_cols=[8],
    )
    rows = selectors.balances(entries, "project__code", "project__name", "source")
    _sheet(
        wb,
        "余额 Balances",
        BALANCE_HEADER,
        (
            [
                f"{r['project__code']} {r['project__name']}",
                labels.get(r["source"], r["source"]),
                *[r[k] for k in BALANCE_KEYS],
            ]
            for r in rows
        ),
        money_cols=list(range(2, 8)),
        total_label="合计 / total",
    )
    levels = [("project", "项目"), ("street", "街道"), ("district", "区县"), ("city", "全市")]
    ws = _sheet(
        wb, "汇总 Roll-up", ["层级 / level", *BALANCE_HEADER[:1], *BALANCE_HEADER[2:]], [], money_cols=[]
    )
    for level, label in levels:
        data = selectors.rollup(user, level) if project is None else _project_rollup(entries, level)
        for r in data:
            ws.append([label, r["name"] or "—", *[r[k] for k in BALANCE_KEYS]])
    for row in range(2, ws.max_row + 1):
        for c in range(3, 9):
            ws.cell(row=row, column=c).number_format = MONEY_FORMAT
    return _bytes(wb)


def _project_rollup(entries: Any, level: str) -> list[dict[str, Any]]:
    if level == "city":
        return [{"name": "全市 / city", **selectors.balances(entries)[0]}]
    key, name = selectors.ROLLUP_LEVELS[level]
    return [{"name": r[name], **r} for r in selectors.balances(entries, key, name)]


SETTLEMENT_HEADER = [
    "小区 / community",
    "建筑面积(m²) / area",
    "核定决算 / final accounts",
    "加装电梯 / elevator",
    "二次供水 / secondary water",
    "扣除合计 / exclusions",
    "补助基数 / base",
    "上限 400元/m² / cap",
    "市级比例 / share",
    "市级补助 / subsidy",
    "承担方 / payer",
    "原建设单位承担 / developer charge",
    "方案预计 / plan estimate",
    "差额 / difference",
]


def settlement_xlsx(settlement: Settlement) -> bytes:
    """The settlement table the finance bureau signs: one row per community, totals that add up to the project."""
    project = settlement.project
    wb = _book()
    rows = []
    for line in settlement.lines.select_related("community"):
        rows.append(
            [
                line.community.name,
                line.building_area_m2,
                line.final_accounts,
                line.elevator,
                line.secondary_water,
                line.exclusions,
                line.base.quantize(Decimal("0.01")),
                line.cap.quantize(Decimal("0.01")),
                line.share,
                line.subsidy,
                _PAYER_ZH.get(line.payer, line.payer),
                line.developer_charge,
                line.estimate,
                line.difference,
            ]
        )
    ws = _sheet(
        wb,
        "补助清算 Settlement",
        SETTLEMENT_HEADER,
        rows,
        money_cols=[2, 3, 4, 5, 6, 7, 9, 11, 12, 13],
        total_label="合计 / total",
    )
    ws.insert_rows(1, amount=3)
    ws["A1"] = f"{project.name}（{project.code}）市级财政补助清算表"
    ws["A2"] = (
        f"区县：{project.district.name}    依据：杭政办函〔2022〕10号 三(三)2    规则集：{settlement.ruleset_id}"
        f"（{settlement.rule_date.isoformat()}）    状态：{settlement.get_state_display()}"
    )
    ws["A3"] = f"制表：{timezone.localdate().isoformat()}"
    ws.append([])
    ws.append(["市财政局审核意见：", "", "", "签章：", "", "", "日期："])
    return _bytes(wb)


def funding_statement_xlsx(project: Project) -> bytes:
    """A project's funding statement: balances by source, final accounts and audit, settlement, entries."""
    labels = selectors.source_labels()
    wb = _book()
    balances = selectors.project_balances(project)
    ws = _sheet(
        wb,
        "资金来源 Sources",
        [*BALANCE_HEADER, "方案计划 / planned"],
        (
            [project.name, labels.get(r["source"], r["source"]), *[r[k] for k in BALANCE_KEYS], r["planned"]]
            for r in balances["sources"]
        ),
        money_cols=list(range(2, 9)),
        total_label="合计 / total",
    )
    ws.insert_rows(1, amount=2)
    ws["A1"] = f"{project.name}（{project.code}）资金情况表 / funding statement"
    ws["A2"] = f"区县：{project.district.name}    制表：{timezone.localdate().isoformat()}"
    fa = FinalAccounts.objects.filter(project=project).first()
    summary = wb.create_sheet("决算与清算 Accounts")
    summary.append(["项目 / item", "金额 / amount"])
    if fa is not None:
        figures = fa.submitted_figures()
        summary.append(["送审决算 / submitted final accounts", figures["total"]])
        summary.append(["其中加装电梯 / of which elevator", figures["elevator"]])
        summary.append(["其中二次供水 / of which secondary water", figures["secondary_water"]])
        summary.append(["审定决算 / audited", fa.audited_total])
        summary.append(["状态 / state", fa.get_state_display()])
    settlement = Settlement.objects.filter(project=project).first()
    if settlement is not None:
        summary.append(["市级补助（规则） / municipal subsidy", settlement.subsidy_total])
        summary.append(["方案预计 / plan-time estimate", settlement.estimate_total])
        summary.append(["差额 / difference", settlement.difference])
    for r in range(2, summary.max_row + 1):
        summary.cell(row=r, column=2).number_format = MONEY_FORMAT
    _sheet(
        wb,
        "分录 Entries",
        [
            "日期 / date",
            "资金来源 / source",
            "类型 / kind",
            "金额 / amount",
            "凭证号 / document",
            "摘要 / note",
        ],
        (
            [
                e.date.isoformat(),
                labels.get(e.source, e.source),
                _KIND_ZH[e.kind],
                e.amount,
                e.document_number,
                e.note,
            ]
            for e in selectors.project_entries(project)
        ),
        money_cols=[3],
    )
    return _bytes(wb)
