"""The special plan's text as a Word document (python-docx), built in memory: the units with their members, mode,
positioning, indicator controls, required facilities and phasing, and the state of review."""

from __future__ import annotations

import io

from django.utils import timezone

from gaizao.office_text import clean_text
from gaizao.planning import selectors
from gaizao.planning.models import INDICATORS, SpecialPlan

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _mode_name(mode: str) -> str:
    from gaizao.policy import renovation_modes

    return next((m.name_zh for m in renovation_modes(timezone.localdate()) if m.id == mode), mode)


def special_plan_docx(plan: SpecialPlan) -> bytes:
    from docx import Document

    from gaizao.policy.planning import planning_rules

    rules = planning_rules(timezone.localdate())
    units = selectors.plan_units(plan)
    doc = Document()
    doc.add_heading(clean_text(plan.title), level=1)
    doc.add_paragraph(
        clean_text(
            f"区县：{plan.district.name}    版本：第{plan.version}版    状态：{plan.get_state_display().split(' / ')[0]}"
            + (f"    批准：{timezone.localtime(plan.approved_at):%Y-%m-%d}" if plan.approved_at else "")
        )
    )
    doc.add_paragraph(
        clean_text(
            f"编制依据：{rules.clause}。改造单元规模上限：{rules.unit_max_communities.value} 个小区、"
            f"{rules.unit_max_residents.value} 人、半径 {rules.unit_max_radius_m.value} 米。"
        )
    )
    total_communities = sum(u.communities.count() for u in units)
    total_households = sum(sum(c.households or 0 for c in u.communities.all()) for u in units)
    doc.add_paragraph(
        clean_text(
            f"共划定改造单元 {len(units)} 个，涉及小区 {total_communities} 个、{total_households} 户。"
        )
    )
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("单元", "小区", "改造模式", "实施年度", "户数", "需补齐设施"), strict=True
    ):
        cell.text = clean_text(text)
    for unit in units:
        members = list(unit.communities.order_by("code"))
        row = table.add_row().cells
        row[0].text = clean_text(f"{unit.code} {unit.name}")
        row[1].text = clean_text("、".join(c.name for c in members))
        row[2].text = clean_text(_mode_name(unit.mode))
        row[3].text = clean_text(str(unit.phase_year or "—"))
        row[4].text = clean_text(str(sum(c.households or 0 for c in members)))
        row[5].text = clean_text("、".join(f["name_zh"] for f in unit.required_facilities) or "—")
    for unit in units:
        doc.add_heading(clean_text(f"{unit.code} {unit.name}"), level=2)
        doc.add_paragraph(
            clean_text(f"改造模式：{_mode_name(unit.mode)}    实施年度：{unit.phase_year or '—'}")
        )
        doc.add_paragraph(clean_text(f"功能定位：{unit.positioning or '—'}"))
        controls = [
            f"{zh} {unit.indicators[key]} {unit_label}"
            for key, zh, _en, unit_label in INDICATORS
            if key in unit.indicators
        ]
        doc.add_paragraph(clean_text("指标控制：" + ("；".join(controls) if controls else "—")))
        doc.add_paragraph(
            clean_text(
                "需补齐设施（生活圈缺口）："
                + (
                    "、".join(f"{f['name_zh']}（{f['communities']}个小区）" for f in unit.required_facilities)
                    or "无"
                )
            )
        )
    if plan.review_note:
        doc.add_paragraph(clean_text(f"协调小组意见：{plan.review_note}"))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
