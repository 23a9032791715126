"""Read an uploaded file into a plain table: headers, raw rows with their row numbers as the user sees them, and
geometries for GIS files.

The format is decided from the file's content, not its name: an ``.xlsx`` that is really a text file is read as
CSV, and a file that is neither a spreadsheet, CSV nor a GIS format is refused with a clear message.
Excel is read with python-calamine (fast, Rust) and falls back to openpyxl; CSV is decoded as UTF-8 (with or
without BOM) or, failing that, with the encoding charset-normalizer detects (GBK / GB18030 as many offices save);
GeoJSON, GeoPackage and Shapefile are read with pyogrio.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gaizao.errors import ApplicationError

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".tsv"}
GEO_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip"}


class ImportFileError(ApplicationError):
    """The file as a whole cannot be read (empty, not a spreadsheet, wrong sheet, missing columns)."""

    code = "import_file_invalid"


@dataclass
class Table:
    headers: list[str]
    #: raw cell values of each data row, aligned with ``headers``
    rows: list[list[Any]]
    #: the row number (as Excel shows it, header = 1) of each entry of ``rows``
    row_numbers: list[int]
    format: str
    #: shapely geometries of GIS files, one per row (None for spreadsheets)
    geometries: list[Any] | None = None
    #: the CRS a GIS file declares (e.g. "EPSG:4326"), when it declares one
    declared_crs: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def inspect_zip(zf: zipfile.ZipFile, *, name: str, size: int) -> None:
    """Refuse an archive before anything is extracted (xlsx files are zip archives too): too many entries, too
    much once unpacked, or packed so tightly it can only be a zip bomb (``settings.ZIP_MAX_*``)."""
    from django.conf import settings

    infos = zf.infolist()
    if len(infos) > settings.ZIP_MAX_ENTRIES:
        raise ImportFileError(
            f"压缩文件“{name}”包含 {len(infos)} 个文件，超过上限 {settings.ZIP_MAX_ENTRIES}。/ The archive {name!r} "
            f"holds {len(infos)} files, more than {settings.ZIP_MAX_ENTRIES}.",
            field="file",
        )
    total = sum(max(0, i.file_size) for i in infos)
    if total > settings.ZIP_MAX_TOTAL_BYTES:
        raise ImportFileError(
            f"压缩文件“{name}”解压后为 {total // 1_000_000} MB，超过上限 {settings.ZIP_MAX_TOTAL_BYTES // 1_000_000} MB。"
            f"/ The archive {name!r} unpacks to {total // 1_000_000} MB, more than "
            f"{settings.ZIP_MAX_TOTAL_BYTES // 1_000_000} MB.",
            field="file",
        )
    packed = max(1, sum(i.compress_size for i in infos), size // 2)
    if total > 10_000_000 and total / packed > settings.ZIP_MAX_RATIO:
        raise ImportFileError(
            f"压缩文件“{name}”的压缩比异常（{total // packed} 倍），不予解压。/ The archive {name!r} is compressed "
            f"{total // packed} times, too tightly to be a data file; it is not unpacked.",
            field="file",
        )


def sniff_format(data: bytes, filename: str) -> str:
    """``xlsx``, ``xls``, ``csv``, ``geojson``, ``gpkg``, ``shp-zip`` — or an :class:`ImportFileError`."""
    name = filename or "file"
    suffix = Path(name).suffix.lower()
    if not data:
        raise ImportFileError(
            f"文件“{name}”是空的（0 字节）。/ The file {name!r} is empty (0 bytes).", field="file"
        )
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
                inspect_zip(zf, name=name, size=len(data))
        except zipfile.BadZipFile as exc:
            raise _not_a_spreadsheet(name) from exc
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.lower().endswith(".shp") for n in names):
            return "shp-zip"
        raise _not_a_spreadsheet(name)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data[:16] == b"SQLite format 3\x00":
        return "gpkg"
    if data[:4] == b"\x00\x00\x27\x0a":
        raise ImportFileError(
            f"Shapefile“{name}”须与 .shx、.dbf、.prj 一起压缩为 zip 上传。/ "
            "Upload a Shapefile as a zip holding its .shp, .shx, .dbf and .prj files.",
            field="file",
        )
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"{" and b'"type"' in data[:100_000]:
        return "geojson"
    if b"\x00" in data[:8192]:
        raise _not_a_spreadsheet(name)
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        # Text saved with an Excel name: read it as CSV, but only when it looks like one.
        if not _looks_like_csv(data):
            raise _not_a_spreadsheet(name)
    elif not _looks_like_csv(data):
        raise _not_a_spreadsheet(name)
    return "csv"


def _looks_like_csv(data: bytes) -> bool:
    sample = data[:8192]
    first = sample.split(b"\n", 1)[0]
    return any(sep in first for sep in (b",", b"\t", b";")) or b"\n" in sample


def _not_a_spreadsheet(name: str) -> ImportFileError:
    return ImportFileError(
        f"文件“{name}”不是可识别的电子表格或地理数据文件（支持 xlsx、xls、CSV、GeoJSON、GeoPackage、Shapefile）。/ "
        f"The file {name!r} is not a spreadsheet or GIS file Gaizao can read (xlsx, xls, CSV, GeoJSON, GeoPackage, "
        "zipped Shapefile).",
        field="file",
    )


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (BOM or not) first, else the encoding charset-normalizer finds. Returns the text
    and the encoding used."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    encoding = (best.encoding if best else "gb18030").lower()
    # GB2312 and GBK are subsets of GB18030; decode with the superset so rare characters survive.
    if encoding.replace("-", "").replace("_", "") in {"gb2312", "gbk", "gb18030", "hz", "cp936"}:
        encoding = "gb18030"
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                "无法识别 CSV 文件的字符编码，请另存为 UTF-8 或 GBK 编码。/ "
                "The CSV file's text encoding is not recognised; save it as UTF-8 or GBK.",
                field="file",
            ) from exc


def _cell_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table_from_grid(grid: list[list[Any]], fmt: str, *, sheet: str | None = None) -> Table:
    """Header = first non-empty row; data rows numbered as the spreadsheet shows them."""
    header_index = None
    for i, row in enumerate(grid):
        if any(_cell_str(v) for v in row):
            header_index = i
            break
    if header_index is None:
        raise ImportFileError(
            "文件中没有数据：找不到表头行。/ The file holds no data: no header row was found.", field="file"
        )
    headers = [_cell_str(v) for v in grid[header_index]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    rows: list[list[Any]] = []
    numbers: list[int] = []
    for i in range(header_index + 1, len(grid)):
        raw = grid[i]
        if not any(v not in ("", None) for v in raw):
            continue
        row = list(raw[:width])
        if len(row) < width:
            row.extend([""] * (width - len(row)))
        rows.append(row)
        numbers.append(i + 1)
    return Table(headers=headers, rows=rows, row_numbers=numbers, format=fmt, sheet=sheet)


def read_excel(data: bytes, *, sheet: str, filename: str, fmt: str = "xlsx") -> Table:
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
        if sheet not in names:
            raise _wrong_sheet(sheet, names, filename)
        grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except ImportFileError:
        raise
    except Exception:  # calamine refused the workbook: try openpyxl before giving up
        grid = _read_openpyxl(data, sheet=sheet, filename=filename)
    return _table_from_grid(grid, fmt, sheet=sheet)


def _read_openpyxl(data: bytes, *, sheet: str, filename: str) -> list[list[Any]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise _not_a_spreadsheet(filename) from exc
    try:
        if sheet not in wb.sheetnames:
            raise _wrong_sheet(sheet, wb.sheetnames, filename)
        return [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def _wrong_sheet(expected: str, found: list[str], filename: str) -> ImportFileError:
    listed = "、".join(found) or "无"
    return ImportFileError(
        f"工作簿“{filename}”中没有名为“{expected}”的工作表（现有：{listed}）。请使用本类型的导入模板，"
        f"或把数据所在工作表改名为“{expected}”。/ The workbook has no sheet named {expected!r} "
        f"(found: {', '.join(found) or 'none'}). Use this kind's template or rename the data sheet to {expected!r}.",
        field="sheet",
    )


def read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    table = _table_from_grid(grid, "csv")
    table.notes.append(f"encoding={encoding}")
    return table


def read_geo(path: Path, fmt: str, filename: str) -> Table:
    import pyogrio
    import pyogrio.raw
    import shapely

    target = str(path)
    if fmt == "shp-zip":
        target = f"/vsizip/{path}"
    try:
        meta, _fids, geometry, field_data = pyogrio.raw.read(target)
    except Exception as exc:
        raise ImportFileError(
            f"无法读取地理数据文件“{filename}”：{exc}。/ The GIS file {filename!r} could not be read: {exc}.",
            field="file",
        ) from exc
    headers = [str(h) for h in meta["fields"]]
    count = len(geometry) if geometry is not None else (len(field_data[0]) if field_data else 0)
    columns = [list(col) for col in field_data]
    rows = [[_plain(columns[j][i]) for j in range(len(headers))] for i in range(count)]
    geoms = list(shapely.from_wkb(geometry)) if geometry is not None else [None] * count
    crs = meta.get("crs")
    _ = pyogrio
    return Table(
        headers=headers,
        rows=rows,
        row_numbers=[i + 2 for i in range(count)],
        format=fmt,
        geometries=geoms,
        declared_crs=str(crs) if crs else None,
    )


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return ""
    return value


def read_table(data: bytes, *, filename: str, sheet: str, workdir: Path | None = None) -> Table:
    """Read ``data`` (the file's bytes) into a :class:`Table`."""
    fmt = sniff_format(data, filename)
    if fmt in {"xlsx", "xls"}:
        return read_excel(data, sheet=sheet, filename=filename, fmt=fmt)
    if fmt == "csv":
        return read_csv(data)
    import tempfile

    suffix = {"geojson": ".geojson", "gpkg": ".gpkg", "shp-zip": ".zip"}[fmt]
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        return read_geo(path, fmt, filename)


def estimate_rows(data: bytes, *, filename: str) -> int:
    """A quick estimate of the number of data rows, to decide whether the import runs in the background."""
    fmt = sniff_format(data, filename)
    if fmt == "csv":
        return max(0, data.count(b"\n") - 1)
    if fmt in {"xlsx", "xls"}:
        try:
            from python_calamine import CalamineWorkbook

            wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return (
                max(
                    (m.total_height if hasattr(m, "total_height") else 0)
                    for m in [wb.get_sheet_by_index(i) for i in range(len(wb.sheet_names))]
                )
                - 1
            )
        except Exception:
            return len(data) // 200
    return len(data) // 500
