"""Documents of long-term management: the property-service coverage table (Excel, openpyxl), built in memory."""

from __future__ import annotations

import io
from typing import Any

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def coverage_xlsx(current: dict[str, Any], series: list[dict[str, Any]]) -> bytes:
    """Sheets: coverage per street on the day, per district on the day, and over time (quarter ends)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "按街道"
    sheet.append([f"专业物业服务覆盖（有长效管理） {current['on']}"])
    sheet.append(["区县", "街道", "街道代码", "已改造移交小区", "专业物业覆盖小区", "覆盖率"])
    for row in current["streets"]:
        sheet.append(
            [
                row["district"],
                row["street"],
                row["street_code"],
                row["communities"],
                row["covered"],
                row["share"],
            ]
        )
    sheet.append(["合计", "", "", current["communities"], current["covered"], current["share"]])
    districts = book.create_sheet("按区县")
    districts.append(["区县", "已改造移交小区", "专业物业覆盖小区", "覆盖率"])
    for row in current["districts"]:
        districts.append([row["district"], row["communities"], row["covered"], row["share"]])
    trend = book.create_sheet("历年变化")
    trend.append(["日期", "已改造移交小区", "专业物业覆盖小区", "覆盖率"])
    for point in series:
        trend.append([point["on"], point["communities"], point["covered"], point["share"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
