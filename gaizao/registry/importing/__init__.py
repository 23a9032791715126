"""Import registry files — the one code path behind the web page, the API and ``gaizao import KIND FILE``.

>>> report = import_file(kind="communities", data=path.read_bytes(), filename=path.name, actor=user)
>>> report.ok, report.created, report.errors[:3]

The file is read in a memory-capped child process (``isolate``); every row is validated (``validation``); nothing
is written when any row fails unless ``only_valid`` is set; then ``writing`` stores the rows in one transaction,
audits each object and re-screens the communities. On the web and the API every upload is only stored by the
request and imported by a background job (``jobs.py``); the command line runs ``import_file`` directly.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from gaizao.registry.importing.columns import CRS_ALIASES, KINDS, Column, KindSpec, get_kind
from gaizao.registry.importing.report import ImportReport, RowError
from gaizao.registry.readers import ImportFileError, estimate_rows

Progress = Callable[[int, int, str], None]

__all__ = [
    "KINDS",
    "Column",
    "ImportFileError",
    "ImportReport",
    "KindSpec",
    "RowError",
    "estimate_rows",
    "get_kind",
    "import_file",
    "normalise_crs",
]


def normalise_crs(value: str | None) -> str:
    from gaizao.errors import ApplicationError

    if not value:
        return "wgs84"
    crs = CRS_ALIASES.get(value.strip().lower().replace(" ", ""))
    if crs is None:
        raise ApplicationError(
            f"未知坐标系“{value}”，可选 WGS84、GCJ-02、BD-09。/ Unknown coordinate system {value!r}; use wgs84, gcj02 or bd09.",
            field="crs",
        )
    return crs


def import_file(
    *,
    kind: str,
    data: bytes,
    filename: str,
    actor: Any = None,
    crs: str = "wgs84",
    only_valid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate and (when valid, or ``only_valid``) write the rows of ``data``. Never raises for bad input:
    file-level problems (empty file, not a spreadsheet, wrong sheet, missing columns) are in the report too."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # 100,000 rows make millions of small objects; collections mid-import cost more than they free
    try:
        return _import(
            kind=kind,
            data=data,
            filename=filename,
            actor=actor,
            crs=crs,
            only_valid=only_valid,
            dry_run=dry_run,
            progress=progress,
        )
    finally:
        if gc_was_enabled:
            gc.enable()


def _import(
    *,
    kind: str,
    data: bytes,
    filename: str,
    actor: Any,
    crs: str,
    only_valid: bool,
    dry_run: bool,
    progress: Progress | None,
) -> ImportReport:
    from django.conf import settings
    from django.db import IntegrityError

    from gaizao.registry.importing.validation import validate
    from gaizao.registry.importing.writing import write
    from gaizao.registry.parsing import read_table_isolated

    started = time.perf_counter()
    spec = get_kind(kind)
    crs = normalise_crs(crs)
    report = ImportReport(kind=kind, filename=filename, crs=crs, only_valid=only_valid)
    limit = settings.UPLOAD_LIMITS["import_table"]
    if len(data) > limit:
        report.add(
            None,
            "file",
            f"文件超过 {limit // 1_000_000} MB 的上限。/ The file is larger than the limit of {limit // 1_000_000} MB.",
        )
        report.seconds = time.perf_counter() - started
        return report
    try:
        table = read_table_isolated(data, filename=filename, sheet=spec.sheet)
        rows = len(table)
        # The bar covers validation in its first half and writing in its second, so it moves during both.
        halved: Progress | None = None
        if progress is not None:
            report_progress = progress

            def halved(done: int, total: int, message: str) -> None:
                report_progress(done // 2, total, message)

            progress(0, rows, "校验中 / validating")
        validated = validate(table, spec, actor=actor, crs=crs, report=report, progress=halved)
        del table, data  # the raw cells are no longer needed: free them before writing
    except ImportFileError as exc:
        report.add(None, exc.field or "", exc.message)
        report.seconds = time.perf_counter() - started
        return report
    if report.errors and not only_valid:
        report.seconds = time.perf_counter() - started
        return report
    if not dry_run and validated.records:
        on_write = None
        if progress is not None:
            report_progress, total = progress, report.total

            def on_write(done: int, units: int) -> None:
                share = done / units if units else 1.0
                report_progress(
                    total // 2 + int(share * (total - total // 2)),
                    total,
                    f"写入中 / writing {round(100 * share)}%",
                )

            progress(report.total // 2, report.total, "写入中 / writing")
        try:
            report.created, report.updated, report.unchanged = write(
                validated, actor=actor, filename=filename, progress=on_write
            )
        except IntegrityError:
            # Another import wrote the same new rows at the same moment (two identical uploads at once): this one
            # is rolled back whole and says so, instead of failing with a server error.
            report.add(
                None,
                "file",
                "另一个导入刚刚写入了相同的记录，本次导入未写入任何数据，请重新导入（将按编码更新）。/ Another import "
                "wrote the same records at the same moment; nothing of this one was written — import it again "
                "(it will update by code).",
            )
        else:
            report.written = True
    report.seconds = time.perf_counter() - started
    return report
