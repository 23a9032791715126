"""The validation report of an import: one line per problem with the row as Excel shows it, the Chinese column
header and a bilingual message. It travels as a dict (stored in the import's Job) and downloads as Excel."""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from typing import Any

#: At most this many problems are kept in a report (a 100,000-row file with one error per row stays readable).
MAX_ERRORS = 20_000


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    message: str
    value: str = ""


@dataclass
class ImportReport:
    kind: str
    filename: str
    format: str = ""
    crs: str = "wgs84"
    only_valid: bool = False
    total: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)
    truncated: bool = False
    #: rows that carry at least one error
    error_row_count: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def file_errors(self) -> list[RowError]:
        return [e for e in self.errors if e.row is None]

    def add(self, row: int | None, column: str, message: str, value: Any = "") -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.truncated = True
            return
        text = "" if value is None else str(value)
        self.errors.append(RowError(row, column, message, text[:200]))

    def summary(self) -> str:
        if self.file_errors:
            return self.file_errors[0].message
        if self.errors and not self.written:
            return (
                f"共 {self.total} 行，{self.error_row_count} 行有错误，未写入任何数据。请修改后重新导入，"
                f"或选择“只导入无误的行”。/ {self.total} rows, {self.error_row_count} with errors: nothing was "
                "written. Fix them and import again, or choose to import only the valid rows."
            )
        skipped = f"，跳过有错误的 {self.error_row_count} 行" if self.error_row_count else ""
        skipped_en = f", skipped {self.error_row_count} rows with errors" if self.error_row_count else ""
        return (
            f"导入完成：共 {self.total} 行，新建 {self.created}，更新 {self.updated}，未变 {self.unchanged}{skipped}。/ "
            f"Imported: {self.total} rows, {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged{skipped_en}."
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = [[e.row, e.column, e.message, e.value] for e in self.errors]
        data["ok"] = self.ok
        data["summary"] = self.summary()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        names = {f for f in cls.__dataclass_fields__}
        kwargs = {k: v for k, v in data.items() if k in names and k != "errors"}
        report = cls(**kwargs)
        report.errors = [RowError(*e) for e in data.get("errors", [])]
        return report

    def to_xlsx(self) -> bytes:
        """The report as an Excel workbook: a summary sheet and the problems, one per line."""
        import openpyxl
        from openpyxl.styles import Font, PatternFill

        wb = openpyxl.Workbook(write_only=False)
        ws = wb.active
        ws.title = "错误报告"
        ws.append(["行号 / Row", "列 / Column", "填写的值 / Value", "问题 / Problem"])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="FDE2E1")
        for e in self.errors:
            ws.append([e.row if e.row is not None else "文件 / file", e.column, e.value, e.message])
        ws.column_dimensions["A"].width = 12
        ws.column_dimensions["B"].width = 22
        ws.column_dimensions["C"].width = 24
        ws.column_dimensions["D"].width = 100
        ws.freeze_panes = "A2"
        info = wb.create_sheet("概况")
        for label, value in (
            ("文件 / file", self.filename),
            ("类型 / kind", self.kind),
            ("总行数 / rows", self.total),
            ("无误行数 / valid rows", self.valid),
            ("有错误的行 / rows with errors", self.error_row_count),
            ("新建 / created", self.created),
            ("更新 / updated", self.updated),
            ("未变 / unchanged", self.unchanged),
            ("已写入 / written", "是" if self.written else "否"),
            ("结果 / result", self.summary()),
        ):
            info.append([label, value])
        if self.truncated:
            info.append(
                [
                    "注意 / note",
                    f"仅列出前 {MAX_ERRORS} 个问题。/ Only the first {MAX_ERRORS} problems are listed.",
                ]
            )
        info.column_dimensions["A"].width = 28
        info.column_dimensions["B"].width = 100
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
