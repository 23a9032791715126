"""Validate every row of a table against its kind's column spec before anything is written.

Checks, in order: headers (missing required columns are named), then per cell the type, required, choices and
ranges; per row the district / street / 社区 (by code or name), the importing account's scope, coordinates
(converted to WGS84, then inside Hangzhou), references to communities and buildings, and duplicate keys within
the file. Each problem becomes a :class:`RowError` with the row as Excel shows it and the Chinese header.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from gaizao.divisions.models import Division, DivisionLevel
from gaizao.registry.importing.columns import (
    BOOL_FALSE,
    BOOL_TRUE,
    CRS_ALIASES,
    Column,
    KindSpec,
    normalise_header,
)
from gaizao.registry.importing.geo import (
    convert_to_wgs84,
    inside_hangzhou,
    outside_message,
    reproject_to_wgs84,
)
from gaizao.registry.importing.report import ImportReport
from gaizao.registry.readers import ImportFileError, Table

Progress = Callable[[int, int, str], None]


class CellError(Exception):
    pass


@dataclass(slots=True)
class Record:
    row: int
    values: dict[str, Any]
    division: Division | None = None
    key: tuple[Any, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Validated:
    spec: KindSpec
    records: list[Record]
    #: the model fields present in the file (only these are changed when updating)
    fields: list[str]
    #: existing objects by key, fetched once during validation
    existing: dict[Any, Any]
    refs: dict[str, Any] = field(default_factory=dict)


# --- cells ----------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError("应填数字，不能填是/否。/ Expected a number, not yes/no.")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellError("应填数字。/ Expected a number.")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{text}”不是数字。/ {text!r} is not a number.") from None


def _range(col: Column, number: Decimal) -> None:
    if col.min_value is not None and number < col.min_value:
        raise CellError(
            f"不能小于 {col.min_value}，实际为 {number}。/ Must be at least {col.min_value}, got {number}."
        )
    if col.max_value is not None and number > col.max_value:
        raise CellError(
            f"不能大于 {col.max_value}，实际为 {number}。/ Must be at most {col.max_value}, got {number}."
        )


def parse_str(col: Column, value: Any) -> str:
    text = _text(value)
    if col.max_length and len(text) > col.max_length:
        raise CellError(
            f"超过 {col.max_length} 个字符（{len(text)} 个）。/ Longer than {col.max_length} characters ({len(text)})."
        )
    return text


def parse_int(col: Column, value: Any) -> int:
    number = _number(value)
    if number != number.to_integral_value():
        raise CellError(f"应填整数，实际为“{_text(value)}”。/ Expected a whole number, got {_text(value)!r}.")
    _range(col, number)
    return int(number)


def parse_year(col: Column, value: Any) -> int:
    try:
        number = _number(value)
    except CellError:
        raise CellError(
            f"应填四位年份，如 1995，实际为“{_text(value)}”。/ Expected a year such as 1995, got {_text(value)!r}."
        ) from None
    if number != number.to_integral_value() or not (Decimal(1900) <= number <= Decimal(2100)):
        raise CellError(
            f"应填 1900–2100 之间的四位年份，实际为“{_text(value)}”。/ Expected a year between 1900 and 2100, "
            f"got {_text(value)!r}."
        )
    return int(number)


def parse_decimal(col: Column, value: Any) -> Decimal:
    number = _number(value)
    _range(col, number)
    places = col.decimal_places or 0
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum)
    if col.max_digits and len(rounded.as_tuple().digits) > col.max_digits:
        raise CellError(f"数值过大：{number}。/ The number {number} is too large.")
    return rounded


def parse_share(col: Column, value: Any) -> Decimal:
    text = _text(value)
    if text.endswith("%"):
        number = _number(text[:-1]) / 100
    else:
        number = _number(value)
    if not Decimal(0) <= number <= Decimal(1):
        raise CellError(
            f"应填 0 到 1 之间的比例或百分数，实际为“{text}”。/ Expected a share between 0 and 1 or a percentage, got {text!r}."
        )
    return number.quantize(Decimal("0.0001"))


def parse_float(col: Column, value: Any) -> float:
    return float(_number(value))


def parse_bool(col: Column, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in BOOL_TRUE:
        return True
    if text in BOOL_FALSE:
        return False
    raise CellError(
        f"应填“是”或“否”，实际为“{_text(value)}”。/ Expected 是 (yes) or 否 (no), got {_text(value)!r}."
    )


def _choice_lookup(col: Column) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in col.choices:
        for spelling in (value, label, f"{label} / {value}"):
            table[spelling.strip().lower()] = value
    return table


def parse_crs(col: Column, value: Any) -> str:
    text = _text(value).lower().replace(" ", "")
    crs = CRS_ALIASES.get(text)
    if crs is None:
        raise CellError(
            f"未知坐标系“{_text(value)}”，可选 WGS84、GCJ-02、BD-09。/ Unknown coordinate system {_text(value)!r}; "
            "use WGS84, GCJ-02 or BD-09."
        )
    return crs


def parse_points(col: Column, value: Any) -> list[list[float]]:
    text = _text(value).replace("；", ";").replace("，", ",")
    points = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        bits = [b.strip() for b in part.split(",")]
        if len(bits) != 2:
            raise CellError(
                f"出入口应写成“经度,纬度”，多个用分号分隔，实际为“{part}”。/ Write entrances as lon,lat separated by ';', got {part!r}."
            )
        points.append([float(_number(bits[0])), float(_number(bits[1]))])
    return points


PARSERS: dict[str, Callable[[Column, Any], Any]] = {
    "str": parse_str,
    "ref": parse_str,
    "division": parse_str,
    "int": parse_int,
    "year": parse_year,
    "decimal": parse_decimal,
    "share": parse_share,
    "lon": parse_float,
    "lat": parse_float,
    "float": parse_float,
    "bool": parse_bool,
    "crs": parse_crs,
    "points": parse_points,
}


def blank_value(col: Column) -> Any:
    if col.type == "bool":
        return False
    if col.type in {"str", "choice", "ref", "division"}:
        return ""
    if col.type == "points":
        return []
    return None


# --- headers --------------------------------------------------------------------------------------------------


def match_headers(table: Table, spec: KindSpec) -> dict[str, int]:
    """Map column keys to the table's column indexes; raise :class:`ImportFileError` for missing required ones."""
    lookup: dict[str, Column] = {}
    for col in spec.columns:
        for spelling in (col.zh, col.en, col.key, col.zh.split("(")[0], col.en.split("(")[0]):
            lookup.setdefault(normalise_header(spelling), col)
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        matched = lookup.get(normalise_header(header))
        if matched is not None and matched.key not in found:
            found[matched.key] = index
    has_geometry = table.geometries is not None
    missing = [
        c for c in spec.required if c.key not in found and not (has_geometry and c.type in {"lon", "lat"})
    ]
    if missing:
        zh = "、".join(c.zh for c in missing)
        en = ", ".join(c.en for c in missing)
        raise ImportFileError(
            f"缺少必填列：{zh}。请使用导入模板的表头（第 1 行）。/ Missing required columns: {en}. "
            "Use the template's header row (row 1).",
            field="columns",
        )
    # Templates carry a second header row in English: skip it when it is there.
    if table.rows and found:
        first = table.rows[0]
        english = {normalise_header(c.en) for c in spec.columns}
        filled = [idx for idx in found.values() if idx < len(first) and not _is_blank(first[idx])]
        hits = sum(1 for idx in filled if normalise_header(first[idx]) in english)
        if hits >= 2 and hits * 2 >= len(filled):
            del table.rows[0]
            del table.row_numbers[0]
            if table.geometries is not None:
                del table.geometries[0]
    if not table.rows:
        raise ImportFileError(
            "文件只有表头，没有数据行：请从表头下一行起填写。/ The file has a header but no data rows.",
            field="rows",
        )
    return found


# --- divisions ------------------------------------------------------------------------------------------------


class DivisionIndex:
    """All divisions in memory, looked up by code or by name under their parent."""

    def __init__(self) -> None:
        self.by_id: dict[int, Division] = {}
        self.by_code: dict[str, Division] = {}
        self.by_parent_name: dict[tuple[int | None, str], Division] = {}
        self.districts_by_name: dict[str, Division] = {}
        for d in Division.objects.only("id", "code", "name", "level", "parent_id", "path"):
            self.by_id[d.pk] = d
            self.by_code[d.code] = d
            self.by_parent_name.setdefault((d.parent_id, d.name), d)
            if d.level == DivisionLevel.DISTRICT:
                self.districts_by_name[d.name] = d

    def district(self, value: str) -> Division | None:
        d = self.by_code.get(value)
        if d is not None and d.level == DivisionLevel.DISTRICT:
            return d
        return self.districts_by_name.get(value)

    def child(self, parent: Division, value: str, level: str) -> Division | None:
        d = self.by_code.get(value)
        if d is not None and d.parent_id == parent.pk and d.level == level:
            return d
        d = self.by_parent_name.get((parent.pk, value))
        if d is not None and d.level == level:
            return d
        return None

    def district_code(self, division: Division) -> str:
        parts = division.path.split("/")
        return parts[1] if len(parts) > 1 else ""


def resolve_division(
    values: dict[str, Any], index: DivisionIndex, spec: KindSpec, report: ImportReport, row: int
) -> Division | None:
    district_col, street_col, comm_col = (
        spec.column(k) for k in ("district", "street", "community_division")
    )
    district_value, street_value = values.get("district", ""), values.get("street", "")
    comm_value = values.get("community_division", "")
    if not district_value:
        return None
    district = index.district(district_value)
    if district is None:
        report.add(
            row,
            district_col.zh,
            f"区县“{district_value}”不存在，请填写杭州市的区县名称或代码，如 上城区 或 330102。/ Unknown district "
            f"{district_value!r}; give a Hangzhou district name or code, e.g. 上城区 or 330102.",
            district_value,
        )
        return None
    if not street_value:
        return None
    street = index.child(district, street_value, DivisionLevel.STREET)
    if street is None:
        report.add(
            row,
            street_col.zh,
            f"街道“{street_value}”不在{district.name}，请检查街道名称或代码。/ Unknown street {street_value!r} in "
            f"{district.name_en or district.name}; check the street name or code.",
            street_value,
        )
        return None
    if not comm_value:
        return street
    community = index.child(street, comm_value, DivisionLevel.COMMUNITY)
    if community is None:
        report.add(
            row,
            comm_col.zh,
            f"社区“{comm_value}”不在{street.name}，请检查社区名称或代码。/ Unknown 社区 {comm_value!r} in "
            f"{street.name}; check the name or code.",
            comm_value,
        )
        return None
    return community


def scope_message(actor: Any, division: Division) -> str:
    scope = getattr(getattr(actor, "division", None), "name", "") or "无"
    return (
        f"{division.name}不在您的管辖范围（{scope}）内，不能导入。/ {division.name} is outside your scope ({scope}); "
        "you may not import rows for it."
    )


def may_write(actor: Any, division: Division) -> bool:
    if actor is None:  # the command line without --user runs as the system
        return True
    from gaizao.accounts.access import can_write

    return can_write(actor, division)


# --- owners' ID numbers ---------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def check_id_number(text: str) -> str:
    """Validate a resident ID number (GB 11643: 18 characters with its check digit); return it upper-cased."""
    value = text.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise CellError(
            "身份证号应为 18 位（末位可为 X）。/ An ID number has 18 characters (the last may be X)."
        )
    total = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        raise CellError("身份证号校验位不正确，请核对。/ The ID number's check digit is wrong; check it.")
    return value


def check_phone(text: str) -> str:
    value = re.sub(r"[\s-]", "", text)
    if re.fullmatch(
        r"\d{3}\*+\d{4}", value
    ):  # masked, as exported to a role without personal data: kept as is
        return value
    if not re.fullmatch(r"\+?\d{7,15}", value):
        raise CellError(f"手机号“{text}”格式不正确。/ The phone number {text!r} is not valid.")
    return value


# --- the rows -------------------------------------------------------------------------------------------------


#: Distinct texts a column may have and still be pooled while validating (``validate``).
_POOL_LIMIT = 2000


def validate(
    table: Table,
    spec: KindSpec,
    *,
    actor: Any,
    crs: str,
    report: ImportReport,
    progress: Progress | None = None,
) -> Validated:
    """Check every row; the problems go into ``report``; returns the records that passed."""
    positions = match_headers(table, spec)
    cols = [(spec.column(k), i, PARSERS.get(spec.column(k).type)) for k, i in positions.items()]
    choice_tables = {c.key: _choice_lookup(c) for c, _, _ in cols if c.type == "choice"}
    index = DivisionIndex() if "district" in positions else None
    total = len(table.rows)
    report.total = total
    report.format = table.format
    records: list[Record] = []
    bad_rows: set[int] = set()
    seen: dict[tuple[Any, ...], int] = {}
    key_cols = spec.key
    step = max(1, total // 100)

    def fail(row: int, col: Column | None, message: str, value: Any = "") -> None:
        bad_rows.add(row)
        report.add(row, col.zh if col else "", message, value)

    geoms = table.geometries
    if geoms is not None:
        geoms = reproject_to_wgs84(geoms, table.declared_crs)

    pools: dict[str, dict[str, str]] = {c.key: {} for c, _, _ in cols if c.key not in key_cols}
    divisions: dict[tuple[Any, Any, Any], tuple[Division, bool]] = {}
    raw_rows: list[Any] = table.rows
    for n, raw in enumerate(raw_rows):
        raw_rows[n] = None  # the record replaces the raw cells: let them go as we go
        row = table.row_numbers[n]
        values: dict[str, Any] = {}
        row_ok = True
        for col, i, parser in cols:
            cell = raw[i] if i < len(raw) else ""
            if _is_blank(cell):
                if col.required:
                    fail(row, col, f"“{col.zh}”为必填项，不能为空。/ {col.en} is required.")
                    row_ok = False
                values[col.key] = blank_value(col)
                continue
            try:
                if col.type == "choice":
                    text = _text(cell)
                    value = choice_tables[col.key].get(text.lower())
                    if value is None:
                        options = "、".join(col.choice_labels())
                        raise CellError(
                            f"“{text}”不是可选值（{options}）。/ {text!r} is not one of the choices ({options})."
                        )
                    values[col.key] = value
                else:
                    value = parser(col, cell)  # type: ignore[misc]
                    if type(value) is str and col.key in pools:
                        # one object per distinct text of a column that repeats (district, street, ...), not one
                        # per row; a column with too many distinct texts stops being pooled
                        pool = pools[col.key]
                        value = pool.setdefault(value, value)
                        if len(pool) > _POOL_LIMIT:
                            del pools[col.key]
                    values[col.key] = value
            except CellError as exc:
                fail(row, col, str(exc), _text(cell))
                row_ok = False
        record = Record(row=row, values=values)
        if geoms is not None:
            record.extra["geometry"] = geoms[n]
        # Division, scope
        if index is not None and "district" in values:
            # a file names a few hundred divisions on 100,000 rows: each resolved (and its scope checked) once;
            # a name that does not resolve is looked up, and reported, on each of its rows
            named = (
                values.get("district", ""),
                values.get("street", ""),
                values.get("community_division", ""),
            )
            known = divisions.get(named)
            if known is None:
                division = resolve_division(values, index, spec, report, row)
                if division is not None:
                    known = divisions[named] = (division, may_write(actor, division))
            else:
                division = known[0]
            if division is None:
                row_ok = False
                bad_rows.add(row)
            elif known is not None and not known[1]:
                fail(row, spec.column("district"), scope_message(actor, division), values.get("district"))
                row_ok = False
            record.division = division
            if division is not None:
                record.values["division_id"] = division.pk
        # Owners' personal data
        if spec.kind == "units":
            for personal, check in (("owner_id_number", check_id_number), ("owner_phone", check_phone)):
                if values.get(personal):
                    try:
                        values[personal] = check(values[personal])
                    except CellError as exc:
                        fail(row, spec.column(personal), str(exc))
                        row_ok = False
        # Duplicate keys within the file
        key = tuple(values.get(k, "") for k in key_cols)
        if key[0] not in ("", None) and key[-1] not in ("", None):
            first = seen.get(key)
            if first is not None:
                label = " ".join(str(k) for k in key if k)
                fail(
                    row,
                    spec.column(key_cols[-1]),
                    f"编码“{label}”与第 {first} 行重复；同一文件中每个编码只能出现一次。/ The key {label!r} repeats "
                    f"row {first}; each code may appear only once in a file.",
                    label,
                )
                row_ok = False
            else:
                seen[key] = row
        record.key = key
        if row_ok:
            records.append(record)
        if progress and n % step == 0:
            progress(n, total, "校验中 / validating")

    records = _check_coordinates(records, spec, crs=crs, report=report, bad_rows=bad_rows)
    existing, refs, records = _check_existing(records, spec, actor=actor, report=report, bad_rows=bad_rows)
    records = [r for r in records if r.row not in bad_rows]
    report.valid = len(records)
    report.error_row_count = len(bad_rows)
    present = [spec.column(k).field for k in positions if spec.column(k).field]
    fields = [f for f in present if f]
    if "district" in positions:
        fields.append("division_id")
    if table.geometries is not None:
        for extra in ("lon", "lat") + (("boundary",) if spec.kind == "communities" else ()):
            if extra not in fields:
                fields.append(extra)
    return Validated(spec=spec, records=records, fields=fields, existing=existing, refs=refs)


def _check_coordinates(
    records: list[Record], spec: KindSpec, *, crs: str, report: ImportReport, bad_rows: set[int]
) -> list[Record]:
    """Take points (and polygons) from GIS geometry, convert to WGS84, reject those outside Hangzhou."""
    import shapely

    has_point = any(c.key == "lon" for c in spec.columns)
    if not has_point:
        return records
    lon_col, lat_col = spec.column("lon"), spec.column("lat")
    groups: dict[str, list[Record]] = {}
    for rec in records:
        v = rec.values
        geom = rec.extra.get("geometry")
        if geom is not None and not geom.is_empty:
            if spec.kind == "communities" and geom.geom_type in {"Polygon", "MultiPolygon"}:
                rec.extra["polygon"] = geom
            if v.get("lon") is None and v.get("lat") is None:
                point = geom if geom.geom_type == "Point" else geom.centroid
                v["lon"], v["lat"] = point.x, point.y
        if (v.get("lon") is None) != (v.get("lat") is None):
            missing = lat_col if v.get("lat") is None else lon_col
            bad_rows.add(rec.row)
            report.add(
                rec.row,
                missing.zh,
                f"经度和纬度须同时填写。/ Give both longitude and latitude ({missing.en} is empty).",
            )
            continue
        if lon_col.required and v.get("lon") is None:
            continue  # already reported as required
        row_crs = v.get("crs") or crs
        if v.get("lon") is not None or v.get("entrances") or "polygon" in rec.extra:
            groups.setdefault(row_crs, []).append(rec)
    for row_crs, recs in groups.items():
        pts = [r for r in recs if r.values.get("lon") is not None]
        if pts:
            lons, lats = convert_to_wgs84(
                [r.values["lon"] for r in pts], [r.values["lat"] for r in pts], row_crs
            )
            raw_lons = np.array([r.values["lon"] for r in pts], dtype=float)
            raw_lats = np.array([r.values["lat"] for r in pts], dtype=float)
            inside = inside_hangzhou(lons, lats)
            if not inside.all():
                swapped = inside_hangzhou(*convert_to_wgs84(raw_lats[~inside], raw_lons[~inside], row_crs))
            else:
                swapped = np.zeros(0, dtype=bool)
            k = 0
            for i, rec in enumerate(pts):
                if inside[i]:
                    rec.values["lon"], rec.values["lat"] = round(float(lons[i]), 7), round(float(lats[i]), 7)
                else:
                    bad_rows.add(rec.row)
                    report.add(
                        rec.row,
                        lon_col.zh,
                        outside_message(raw_lons[i], raw_lats[i], row_crs, swapped_inside=bool(swapped[k])),
                        f"{raw_lons[i]:g}, {raw_lats[i]:g}",
                    )
                    k += 1
        for rec in recs:
            if rec.values.get("entrances"):
                arr = np.array(rec.values["entrances"], dtype=float)
                ex, ey = convert_to_wgs84(arr[:, 0], arr[:, 1], row_crs)
                if not inside_hangzhou(ex, ey).all():
                    bad_rows.add(rec.row)
                    report.add(
                        rec.row,
                        spec.column("entrances").zh,
                        outside_message(float(arr[0, 0]), float(arr[0, 1]), row_crs, swapped_inside=False),
                    )
                    continue
                rec.values["entrances"] = [
                    [round(float(a), 7), round(float(b), 7)] for a, b in zip(ex, ey, strict=True)
                ]
            polygon = rec.extra.get("polygon")
            if polygon is not None:
                if row_crs != "wgs84":
                    polygon = shapely.transform(
                        polygon,
                        lambda xy, c=row_crs: np.column_stack(convert_to_wgs84(xy[:, 0], xy[:, 1], c)),
                    )
                rec.values["boundary"] = json.loads(shapely.to_geojson(polygon))
    for rec in records:
        if (
            rec.extra.get("geometry") is not None
            and "boundary" not in rec.values
            and spec.kind == "communities"
        ):
            rec.values["boundary"] = None
        rec.values.pop("crs", None)
    return records


def _check_existing(
    records: list[Record], spec: KindSpec, *, actor: Any, report: ImportReport, bad_rows: set[int]
) -> tuple[dict[Any, Any], dict[str, Any], list[Record]]:
    """Fetch the objects the file updates or refers to, and refuse rows that touch objects outside the scope."""
    from gaizao.registry.models import Building, Community, Unit

    refs: dict[str, Any] = {}
    existing: dict[Any, Any] = {}
    model: Any = spec.model

    def chunks(seq: list[Any], size: int = 2000) -> Any:
        for i in range(0, len(seq), size):
            yield seq[i : i + size]

    if spec.kind in {"communities", "facilities", "stock_sites"}:
        codes = [r.values["code"] for r in records]
        for chunk in chunks(codes):
            for obj in model.objects.filter(code__in=chunk).select_related("division"):
                existing[obj.code] = obj
        for rec in records:
            obj = existing.get(rec.values["code"])
            if obj is not None and not may_write(actor, obj.division):
                bad_rows.add(rec.row)
                report.add(
                    rec.row,
                    spec.column("code").zh,
                    f"编码“{obj.code}”已属于{obj.division.name}的{spec.zh}，不在您的管辖范围内。/ The code "
                    f"{obj.code!r} already belongs to a record of {obj.division.name}, outside your scope.",
                    obj.code,
                )
    ref_codes = sorted({r.values["community_code"] for r in records if r.values.get("community_code")})
    if ref_codes:
        communities: dict[str, Community] = {}
        for chunk in chunks(ref_codes):
            for c in Community.objects.filter(code__in=chunk).select_related("division"):
                communities[c.code] = c
        refs["communities"] = communities
        col = spec.column("community_code")
        for rec in records:
            code = rec.values.get("community_code")
            if not code:
                continue
            community = communities.get(code)
            if community is None:
                bad_rows.add(rec.row)
                report.add(
                    rec.row,
                    col.zh,
                    f"小区编码“{code}”不存在，请先导入该小区。/ No community has the code {code!r}; import it first.",
                    code,
                )
            elif not may_write(actor, community.division):
                bad_rows.add(rec.row)
                report.add(rec.row, col.zh, scope_message(actor, community.division), code)
            elif (
                spec.kind == "stock_sites"
                and rec.division is not None
                and not (
                    community.division.path == rec.division.path
                    or community.division.path.startswith(rec.division.path + "/")
                    or rec.division.path.startswith(community.division.path + "/")
                )
            ):
                bad_rows.add(rec.row)
                report.add(
                    rec.row,
                    col.zh,
                    f"小区“{community.name}”不在所填的{rec.division.name}。/ The community {community.name} is not in "
                    f"{rec.division.name}.",
                    code,
                )
    if spec.kind == "buildings":
        ids = [c.pk for c in refs.get("communities", {}).values()]
        for chunk in chunks(ids, 500):
            for b in Building.objects.filter(community_id__in=chunk):
                existing[(b.community_id, b.code)] = b
    if spec.kind == "units":
        communities = refs.get("communities", {})
        buildings: dict[tuple[int, str], Building] = {}
        ids = [c.pk for c in communities.values()]
        for chunk in chunks(ids, 500):
            for b in Building.objects.filter(community_id__in=chunk):
                buildings[(b.community_id, b.code)] = b
        refs["buildings"] = buildings
        col = spec.column("building_code")
        for rec in records:
            community = communities.get(rec.values.get("community_code", ""))
            if community is None:
                continue
            building = buildings.get((community.pk, rec.values["building_code"]))
            if building is None:
                bad_rows.add(rec.row)
                report.add(
                    rec.row,
                    col.zh,
                    f"小区“{community.name}”中没有楼栋“{rec.values['building_code']}”，请先导入楼栋。/ The community has "
                    f"no building {rec.values['building_code']!r}; import the buildings first.",
                    rec.values["building_code"],
                )
            else:
                building.community = community
                rec.extra["building"] = building
        bids = sorted({r.extra["building"].pk for r in records if "building" in r.extra})
        for chunk in chunks(bids, 500):
            for u in Unit.objects.filter(building_id__in=chunk).select_related("owner"):
                existing[(u.building_id, u.stairwell, u.number)] = u
        _resolve_owners(records, actor=actor, report=report, bad_rows=bad_rows, existing=existing, refs=refs)
    return existing, refs, records


#: Owner fields an import may set, with the Chinese header of the column that carries each.
_OWNER_COLUMNS = {"name": "业主姓名", "phone": "业主手机号", "id_number_digest": "业主身份证号"}


def _resolve_owners(
    records: list[Record],
    *,
    actor: Any,
    report: ImportReport,
    bad_rows: set[int],
    existing: dict[Any, Any],
    refs: dict[str, Any],
) -> None:
    """Decide which owner each unit row names, before anything is written.

    - An ID number matches an existing owner only inside the importing account's scope: a number that belongs to
      an owner elsewhere makes a new owner here and leaves the other untouched (the number's existence elsewhere
      is not revealed either).
    - An owner whose record is linked to a login account is never changed by an import (name, phone, ID number):
      the row is refused, since a changed phone would hand the account's one-time-code login to someone else.
    - Every change of an existing owner is collected for the audit trail (masked, see ``writing``).

    Sets ``rec.extra["owner"]`` (an Owner, possibly new and unsaved, or None) on each row that names an owner,
    ``refs["new_owners"]`` and ``refs["owner_changes"]`` (``{id(owner): (owner, {field: [old, new]})}``).
    """
    from gaizao.accounts.access import mask_name, mask_phone
    from gaizao.registry.models import Owner
    from gaizao.registry.services import id_number_digest

    live = [r for r in records if r.row not in bad_rows and "building" in r.extra]
    digests = {
        r.row: id_number_digest(r.values["owner_id_number"]) for r in live if r.values.get("owner_id_number")
    }
    by_digest: dict[str, Owner] = {}
    digest_list = sorted(set(digests.values()))
    for i in range(0, len(digest_list), 2000):
        chunk = digest_list[i : i + 2000]
        for o in Owner.objects.filter(id_number_digest__in=chunk).select_related("division").order_by("pk"):
            if may_write(actor, o.division):  # never an owner outside the importer's scope
                by_digest.setdefault(o.id_number_digest, o)
    names = sorted({r.values["owner_name"] for r in live if r.values.get("owner_name")})
    by_name: dict[tuple[int, str, str], Owner] = {}
    for i in range(0, len(names), 2000):
        for o in Owner.objects.filter(name__in=names[i : i + 2000]).order_by("pk"):
            by_name.setdefault((o.division_id, o.name, o.phone), o)
    new_owners: list[Owner] = []
    changes: dict[int, tuple[Owner, dict[str, list[Any]]]] = {}
    for rec in live:
        v = rec.values
        building = rec.extra["building"]
        division = building.community.division
        unit = existing.get((building.pk, v.get("stairwell", ""), v["number"]))
        current: Owner | None = unit.owner if unit is not None else None
        name, phone = v.get("owner_name", ""), v.get("owner_phone", "")
        digest = digests.get(rec.row, "")
        if "owner_name" not in v and "owner_id_number" not in v:
            rec.extra["owner"] = current
            continue
        if not name and not digest:
            rec.extra["owner"] = None if "owner_name" in v else current
            continue
        owner = by_digest.get(digest) if digest else None
        if owner is None and current is not None:
            same_name = name in {current.name, mask_name(current.name)}
            if (digest and current.id_number_digest == digest) or (not digest and same_name):
                owner = current
        if owner is None and name:
            owner = by_name.get((division.pk, name, phone))
        if owner is None:
            owner = Owner(division=division, name=name, phone=phone)
            new_owners.append(owner)
            by_name[(division.pk, name, phone)] = owner
        wanted: dict[str, str] = {}
        if digest:
            wanted["id_number_digest"] = digest
        if name and "*" not in name:
            wanted["name"] = name
        if phone and "*" not in phone:
            wanted["phone"] = phone
        differing = [f for f, value in wanted.items() if getattr(owner, f) != value]
        if owner.pk and owner.user_id and differing:
            bad_rows.add(rec.row)
            headers = "、".join(_OWNER_COLUMNS[f] for f in differing)
            report.add(
                rec.row,
                _OWNER_COLUMNS[differing[0]],
                f"该业主已绑定登录账号，{headers}不能通过导入修改，请由社区核实后在业主资料中变更。/ This owner has a "
                "login account; their name, phone or ID number cannot be changed by an import — have the "
                "community verify and change it in the owner's record.",
                "",
            )
            continue
        if owner.pk and differing:
            _, diff = changes.setdefault(id(owner), (owner, {}))
            for f in differing:
                old, new = getattr(owner, f), wanted[f]
                if f == "name":
                    old, new = mask_name(old), mask_name(new)
                elif f == "phone":
                    old, new = mask_phone(old), mask_phone(new)
                else:
                    f, old, new = "id_number_last4", owner.id_number_last4, v["owner_id_number"][-4:]
                diff.setdefault(f, [old, new])[1] = new
        for f, value in wanted.items():
            setattr(owner, f, value)
        if digest:
            owner.id_number_last4 = v["owner_id_number"][-4:]
            by_digest[digest] = owner
        rec.extra["owner"] = owner
    refs["new_owners"] = new_owners
    refs["owner_changes"] = changes
