"""Helpers shared by the import, export and template tests: files generated in tmp_path (no fixtures on disk)."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from gaizao.audit.models import AuditEvent
from gaizao.registry.models import Building, Community, Facility, Owner, StockSite, Unit

HEADERS = [
    "小区编码",
    "小区名称",
    "区县",
    "街道",
    "社区",
    "建成年份",
    "建筑面积(m²)",
    "户数",
    "供水",
    "保障性安居工程",
    "经度",
    "纬度",
]


def community_row(i: int, **over: Any) -> dict[str, Any]:
    row = {
        "小区编码": f"SC{i:05d}",
        "小区名称": f"测试小区{i}",
        "区县": "上城区",
        "街道": "清波街道",
        "社区": "清波门社区",
        "建成年份": 1990 + i % 10,
        "建筑面积(m²)": 10000 + i,
        "户数": 100 + i,
        "供水": "一般",
        "保障性安居工程": "否",
        "经度": 120.1655,
        "纬度": 30.2390,
    }
    row.update(over)
    return row


def xlsx_bytes(
    headers: list[str], rows: list[dict[str, Any]], *, sheet: str = "小区", english: list[str] | None = None
) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers)
    if english:
        ws.append(english)
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(headers: list[str], rows: list[dict[str, Any]], *, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    # GBK has no "²": offices write "(m2)", which the importer accepts as "(m²)".
    gbk = encoding.lower().startswith("gb")
    writer.writerow([h.replace("²", "2") if gbk else h for h in headers])
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buf.getvalue().encode(encoding)


def db_state() -> dict[str, int]:
    """Row counts of everything an import may write."""
    return {
        "communities": Community.objects.count(),
        "buildings": Building.objects.count(),
        "units": Unit.objects.count(),
        "owners": Owner.objects.count(),
        "facilities": Facility.objects.count(),
        "stock_sites": StockSite.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def messages_of(report: Any) -> list[tuple[int | None, str, str]]:
    return [(e.row, e.column, e.message) for e in report.errors]
