"""Export registry lists as xlsx, CSV or GeoJSON with the import columns, so an exported file imports back
unchanged (the same headers, choices as their Chinese labels, booleans as 是/否, coordinates in WGS84).

Rows come from the viewer's scope (``gaizao.accounts.access.scoped``) with the list page's filters
(q, district, street, status, sample); the command line exports everything, or one district. Owners' ID numbers
never leave the database; names and phones are masked unless the viewer may see personal data.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db.models import Q, QuerySet

from gaizao.errors import ApplicationError
from gaizao.office_text import spreadsheet_cell
from gaizao.registry.importing.columns import Column, KindSpec, get_kind
from gaizao.registry.importing.template import english_header

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
}

#: The path of the division each kind's rows hang from (for scoping and the district / street filters).
DIVISION_PATH = {
    "communities": "division__path",
    "buildings": "community__division__path",
    "units": "building__community__division__path",
    "facilities": "division__path",
    "stock_sites": "division__path",
}


@dataclass(frozen=True)
class ExportFilters:
    q: str = ""
    district: str = ""
    street: str = ""
    status: str = ""
    sample: str = ""

    #: extra list-page parameters passed through to the registry's own filters (built_from, built_to)
    extra: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_params(cls, params: Any) -> ExportFilters:
        names = ("q", "district", "street", "status", "sample")
        extra = tuple((k, str(params.get(k) or "")) for k in ("built_from", "built_to") if params.get(k))
        return cls(**{k: (params.get(k) or "").strip() for k in names}, extra=extra)

    def as_params(self) -> dict[str, str]:
        params = {k: getattr(self, k) for k in ("q", "district", "street", "status", "sample")}
        params.update(dict(self.extra))
        return params


def export_format(value: str | None, *, filename: str | None = None) -> str:
    fmt = (value or "").lower().lstrip(".")
    if not fmt and filename:
        fmt = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    fmt = {"json": "geojson", "xls": "xlsx"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ApplicationError(
            f"不支持的导出格式“{fmt or value}”，可选 xlsx、csv、geojson。/ Unsupported export format {fmt or value!r}; "
            "use xlsx, csv or geojson.",
            field="format",
        )
    return fmt


def base_queryset(kind: str) -> QuerySet[Any]:
    spec = get_kind(kind)
    qs = spec.model._default_manager.all()
    if kind == "communities":
        qs = qs.select_related("division").filter(archived_at__isnull=True).defer("division__boundary")
    elif kind == "buildings":
        qs = (
            qs.select_related("community", "community__division")
            .filter(archived_at__isnull=True)
            .defer("community__boundary", "community__division__boundary")
        )
    elif kind == "units":
        qs = qs.select_related(
            "building", "building__community", "building__community__division", "owner"
        ).defer("building__community__boundary", "building__community__division__boundary")
    elif kind == "stock_sites":
        qs = (
            qs.select_related("division", "community")
            .filter(archived_at__isnull=True)
            .defer("division__boundary", "community__boundary")
        )
    else:
        qs = qs.select_related("division").filter(archived_at__isnull=True).defer("division__boundary")
    return qs


def _division_filter(kind: str, code: str) -> Q:
    from gaizao.divisions.models import Division
    from gaizao.divisions.selectors import division_scope_q

    division = Division.objects.filter(Q(code=code) | Q(name=code)).order_by("path").first()
    if division is None:
        return Q(pk__in=[])
    return division_scope_q(division.path, DIVISION_PATH[kind])


def export_queryset(kind: str, *, user: Any = None, filters: ExportFilters | None = None) -> QuerySet[Any]:
    """The rows to export: the viewer's scope (everything when ``user`` is None, for the command line) and filters."""
    from gaizao.accounts.access import scoped

    f = filters or ExportFilters()
    if kind == "communities" and user is not None:
        # the list page's own selector and filters, so the export is exactly the filtered list
        from gaizao.registry.selectors import CommunityFilters, community_list

        return (
            community_list(user, CommunityFilters.from_params(f.as_params()))
            .select_related("division")
            .defer(None)  # the list defers the community's boundary; a GeoJSON export writes it
            .defer("division__boundary")
        )
    qs = base_queryset(kind)
    if user is not None:
        qs = scoped(qs, user, field=DIVISION_PATH[kind])
    if f.district:
        qs = qs.filter(_division_filter(kind, f.district))
    if f.street:
        qs = qs.filter(_division_filter(kind, f.street))
    if kind == "communities":
        if f.q:
            qs = qs.filter(Q(name__icontains=f.q) | Q(code__icontains=f.q) | Q(address__icontains=f.q))
        if f.status:
            qs = qs.filter(scope_status=f.status)
    elif f.q and kind in {"facilities", "stock_sites"}:
        qs = qs.filter(Q(name__icontains=f.q) | Q(code__icontains=f.q))
    if f.sample in {"1", "true", "yes", "sample"} and kind != "units":
        qs = qs.filter(is_sample=True)
    elif f.sample in {"0", "false", "no", "real"} and kind != "units":
        qs = qs.filter(is_sample=False)
    return qs


class _Divisions:
    def __init__(self) -> None:
        from gaizao.divisions.models import Division

        self.by_id = {
            d.pk: d for d in Division.objects.only("id", "code", "name", "level", "parent_id", "path")
        }

    def names(self, division_id: int | None) -> tuple[str, str, str]:
        """(district, street, 社区) names of a division (社区 empty when it is a street)."""
        node = self.by_id.get(division_id) if division_id else None
        chain: dict[str, str] = {}
        while node is not None:
            chain[node.level] = node.name
            node = self.by_id.get(node.parent_id) if node.parent_id else None
        return chain.get("district", ""), chain.get("street", ""), chain.get("community", "")


def _cell(col: Column, value: Any) -> Any:
    if col.type == "bool":
        return "是" if value else "否"
    if col.type == "choice":
        return dict(col.choices).get(value, value or "")
    if col.type == "points":
        return ";".join(f"{p[0]},{p[1]}" for p in (value or []))
    if value is None:
        return ""
    return value


def iter_rows(spec: KindSpec, qs: QuerySet[Any], *, personal: bool) -> Iterator[tuple[list[Any], Any]]:
    """Each object as a list of cell values in column order, with the object."""
    from gaizao.accounts.access import mask_name, mask_phone

    divisions = _Divisions()
    for obj in qs.iterator(chunk_size=2000):
        district = street = comm = ""
        if any(c.type == "division" for c in spec.columns):
            district, street, comm = divisions.names(obj.division_id)
        row: list[Any] = []
        for col in spec.columns:
            if col.key == "district":
                row.append(district)
            elif col.key == "street":
                row.append(street)
            elif col.key == "community_division":
                row.append(comm)
            elif col.key == "crs":
                row.append("WGS84" if getattr(obj, "lon", None) is not None else "")
            elif col.key == "community_code":
                community = obj.building.community if spec.kind == "units" else obj.community
                row.append(community.code if community else "")
            elif col.key == "building_code":
                row.append(obj.building.code)
            elif col.key in {"owner_name", "owner_phone", "owner_id_number"}:
                owner = obj.owner
                if owner is None or col.key == "owner_id_number":
                    row.append("")
                elif col.key == "owner_name":
                    row.append(owner.name if personal else mask_name(owner.name))
                else:
                    row.append(owner.phone if personal else mask_phone(owner.phone))
            else:
                row.append(_cell(col, getattr(obj, col.field or col.key)))
        yield row, obj


def write_xlsx(spec: KindSpec, rows: Iterator[tuple[list[Any], Any]], out: IO[bytes] | None = None) -> bytes:
    """The rows as a workbook. openpyxl's write-only mode keeps only the current row in memory (rows go to a
    temporary file), so memory stays flat in the number of rows; with ``out`` the workbook goes there."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(spec.sheet)
    header = []
    for col in spec.columns:
        cell = WriteOnlyCell(ws, value=col.zh + ("*" if col.required else ""))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    ws.append([english_header(c) for c in spec.columns])
    for row, _ in rows:
        ws.append([float(v) if isinstance(v, Decimal) else spreadsheet_cell(v) for v in row])
    if out is not None:
        wb.save(out)
        return b""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_csv(spec: KindSpec, rows: Iterator[tuple[list[Any], Any]], out: IO[bytes] | None = None) -> bytes:
    """The rows as UTF-8 CSV with a BOM (Excel opens it as UTF-8), written row by row to ``out`` when given;
    formula-looking cells are escaped."""
    target = out if out is not None else io.BytesIO()
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    try:
        text.write("\ufeff")
        writer = csv.writer(text)
        writer.writerow([c.zh for c in spec.columns])
        for row, _ in rows:
            writer.writerow([spreadsheet_cell(v) for v in row])
        text.flush()
        return b"" if out is not None else target.getvalue()  # type: ignore[attr-defined]
    finally:
        text.detach()


def write_geojson(
    spec: KindSpec, rows: Iterator[tuple[list[Any], Any]], out: IO[bytes] | None = None
) -> bytes:
    """The rows as a GeoJSON FeatureCollection, feature by feature (never the whole document in memory)."""
    target = out if out is not None else io.BytesIO()
    target.write(
        b'{"type": "FeatureCollection", "name": ' + json.dumps(spec.sheet, ensure_ascii=False).encode()
    )
    target.write(b', "features": [')
    first = True
    for row, obj in rows:
        props = {
            c.zh: (str(v) if isinstance(v, Decimal) else v) for c, v in zip(spec.columns, row, strict=True)
        }
        geometry = None
        boundary = getattr(obj, "boundary", None)
        if boundary:
            geometry = boundary
        elif getattr(obj, "lon", None) is not None:
            geometry = {"type": "Point", "coordinates": [obj.lon, obj.lat]}
        feature = {"type": "Feature", "geometry": geometry, "properties": props}
        target.write((b"" if first else b", ") + json.dumps(feature, ensure_ascii=False).encode("utf-8"))
        first = False
    target.write(b"]}")
    return b"" if out is not None else target.getvalue()  # type: ignore[attr-defined]


WRITERS = {"xlsx": write_xlsx, "csv": write_csv, "geojson": write_geojson}

#: Exports of more rows than this run as a background job writing to a file (``export_start``); smaller ones
#: are answered inside the request.
EXPORT_INLINE_MAX = 5000


def export_bytes(
    kind: str,
    fmt: str,
    *,
    user: Any = None,
    filters: ExportFilters | None = None,
    personal: bool | None = None,
) -> bytes:
    """The export file of ``kind`` in ``fmt`` for ``user`` (None: the command line, everything)."""
    from gaizao.accounts.access import sees_personal_data

    spec = get_kind(kind)
    fmt = export_format(fmt)
    if personal is None:
        personal = user is not None and sees_personal_data(user)
    qs = export_queryset(kind, user=user, filters=filters)
    return WRITERS[fmt](spec, iter_rows(spec, qs, personal=personal))


def export_count(kind: str, *, user: Any = None, filters: ExportFilters | None = None) -> int:
    """How many rows the export would hold (decides between answering at once and a background job)."""
    return int(export_queryset(kind, user=user, filters=filters).order_by().count())


def export_to_file(
    kind: str,
    fmt: str,
    path: Any,
    *,
    user: Any = None,
    filters: ExportFilters | None = None,
    personal: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
    every: int = 2000,
) -> int:
    """Stream the export of ``kind`` in ``fmt`` to the file at ``path``; returns the number of rows.

    Rows are read in chunks (``iterator``) and written one by one, so memory does not grow with the rows;
    ``progress(done, total)`` is called every ``every`` rows and at the end."""
    from gaizao.accounts.access import sees_personal_data

    spec = get_kind(kind)
    fmt = export_format(fmt)
    if personal is None:
        personal = user is not None and sees_personal_data(user)
    qs = export_queryset(kind, user=user, filters=filters)
    total = qs.order_by().count()
    done = 0

    def counted() -> Iterator[tuple[list[Any], Any]]:
        nonlocal done
        for item in iter_rows(spec, qs, personal=personal):
            yield item
            done += 1
            if progress is not None and done % every == 0:
                progress(done, total)

    with open(path, "wb") as out:
        WRITERS[fmt](spec, counted(), out)
    if progress is not None:
        progress(done, total)
    return done


def export_filename(kind: str, fmt: str) -> str:
    from django.utils import timezone

    return f"gaizao-{kind}-{timezone.localdate():%Y%m%d}.{fmt}"
