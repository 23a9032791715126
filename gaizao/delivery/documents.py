"""Documents of delivery: the completion acceptance record (Word, python-docx) and the delivery register (Excel,
openpyxl). Built in memory, returned as bytes. Resident representatives' names are masked unless ``unmasked``."""

from __future__ import annotations

import io
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from gaizao.accounts.access import mask_name
from gaizao.delivery import selectors
from gaizao.delivery.models import Acceptance, AcceptanceRole, Delivery, Stage
from gaizao.office_text import clean_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

RESIDENT_ROLES = {AcceptanceRole.RESIDENT, AcceptanceRole.BUILDING_LEAD}


def signatory_name(role: str, name: str, *, unmasked: bool) -> str:
    """Residents' representatives are named in full only for those who see personal data."""
    return name if unmasked or role not in RESIDENT_ROLES else mask_name(name)


def acceptance_docx(acceptance: Acceptance, *, unmasked: bool) -> bytes:
    """竣工验收记录: the project, the plan version, item by item planned vs delivered, the signatories."""
    from docx import Document

    delivery = acceptance.delivery
    project = delivery.project
    doc = Document()
    doc.add_heading(clean_text(f"{project.name}竣工验收记录"), level=1)
    doc.add_paragraph(clean_text(f"项目编号：{project.code}    区县：{project.district.name}"))
    doc.add_paragraph(clean_text("小区：" + "、".join(c.name for c in project.communities.order_by("code"))))
    doc.add_paragraph(
        clean_text(
            f"验收日期：{acceptance.held_on:%Y-%m-%d}    依据方案：第{acceptance.plan_version.number}版"
            f"（估算总投资 {acceptance.plan_version.estimate} 元）"
        )
    )
    if delivery.implementing_body:
        doc.add_paragraph(clean_text(f"实施主体：{delivery.implementing_body.name}"))
    doc.add_heading(clean_text("验收内容 / Items"), level=2)
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("改造内容", "单位", "计划数量", "完成数量", "结论", "说明"), strict=True
    ):
        cell.text = clean_text(text)
    for item in acceptance.items:
        row = table.add_row().cells
        row[0].text = clean_text(str(item.get("name", item.get("item_id"))))
        row[1].text = clean_text(str(item.get("unit", "")))
        row[2].text = clean_text(str(item.get("planned", "")))
        row[3].text = clean_text(str(item.get("delivered", "")))
        row[4].text = clean_text("合格" if item.get("passed") else "不合格")
        row[5].text = clean_text(str(item.get("note") or "—"))
    doc.add_heading(clean_text("验收结论 / Conclusion"), level=2)
    doc.add_paragraph(clean_text(acceptance.conclusion))
    doc.add_heading(clean_text("参加验收单位及人员 / Signatories"), level=2)
    people = doc.add_table(rows=1, cols=3)
    people.style = "Table Grid"
    for cell, text in zip(people.rows[0].cells, ("参加方", "单位", "姓名"), strict=True):
        cell.text = clean_text(text)
    for person in acceptance.signatories.all():
        row = people.add_row().cells
        row[0].text = clean_text(str(AcceptanceRole(person.role).label).split(" / ")[0])
        row[1].text = clean_text(person.organisation or "—")
        row[2].text = clean_text(signatory_name(person.role, person.name, unmasked=unmasked))
    doc.add_paragraph(clean_text(f"生成时间：{timezone.localtime():%Y-%m-%d %H:%M}"))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label).split(" / ")[0]


def deliveries_xlsx(deliveries: QuerySet[Delivery], user: Any) -> bytes:
    """The delivery register: one sheet of projects with stage and counts, one of contracts, one of orders."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "项目实施"
    ws.append(
        [
            "项目编号",
            "项目名称",
            "区县",
            "阶段",
            "开工审批已办/应办",
            "合同数",
            "未销号整改",
            "逾期整改",
            "延误节点",
        ]
    )
    today = timezone.localdate()
    for d in deliveries.order_by("project__code"):
        approvals = list(d.approvals.all())
        done = sum(1 for a in approvals if a.status != "pending")
        open_orders = list(selectors.open_orders(d))
        ws.append(
            [
                d.project.code,
                d.project.name,
                d.project.district.name,
                _stage_label(d.stage),
                f"{done}/{len(approvals)}",
                d.project.contracts.count(),
                len(open_orders),
                sum(1 for o in open_orders if selectors.is_overdue(o, today)),
                sum(1 for m in d.milestones.all() if selectors.is_late(m, today)),
            ]
        )
    contracts = wb.create_sheet("合同")
    contracts.append(
        ["项目编号", "合同编号", "类型", "承接单位", "统一社会信用代码", "金额(元)", "签订", "开始", "结束"]
    )
    for c in (
        selectors.contracts_for(user)
        .filter(project__delivery__in=deliveries)
        .order_by("project__code", "number")
    ):
        contracts.append(
            [
                c.project.code,
                c.number,
                c.get_kind_display(),
                c.party.name,
                c.party.credit_code,
                c.amount,
                c.signed_on,
                c.starts_on,
                c.ends_on,
            ]
        )
        contracts.cell(row=contracts.max_row, column=6).number_format = "#,##0.00"
    orders = wb.create_sheet("整改")
    orders.append(["项目编号", "问题", "严重程度", "责任单位", "期限", "状态", "逾期", "已上报区县"])
    for o in selectors.orders_for(user).filter(delivery__in=deliveries).order_by("deadline"):
        orders.append(
            [
                o.delivery.project.code,
                o.finding.description,
                o.finding.get_severity_display(),
                o.party.name,
                o.deadline,
                o.get_state_display(),
                "是" if selectors.is_overdue(o, today) else "否",
                "是" if o.escalated_at else "否",
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
