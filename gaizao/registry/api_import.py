"""Registry imports over the API (mounted at ``/api/v1/registry/imports/``): upload a file for import (a
validation report at once, or a job id for big files), read an import's report, download templates and exports."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from gaizao.accounts.access import READER_ROLES, require_role
from gaizao.accounts.models import WRITER_ROLES
from gaizao.errors import ApplicationError, NotFoundError
from gaizao.jobs.selectors import get_job_for
from gaizao.registry.exporting import (
    EXPORT_INLINE_MAX,
    FORMATS,
    ExportFilters,
    export_bytes,
    export_count,
    export_filename,
    export_format,
)
from gaizao.registry.importing import KINDS, get_kind, normalise_crs
from gaizao.registry.importing.jobs import import_start, report_of
from gaizao.registry.importing.template import template_bytes, template_filename

router = Router(tags=["registry imports"])


class RowErrorOut(Schema):
    row: int | None
    column: str
    message: str
    value: str


class ImportOut(Schema):
    id: uuid.UUID
    status: str
    kind: str
    filename: str
    done: int
    total: int
    percent: int
    ok: bool | None = None
    written: bool | None = None
    created: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    error_rows: int | None = None
    summary: str = ""
    errors: list[RowErrorOut] = []
    errors_total: int = 0
    report_url: str = ""
    job_url: str = ""


def _out(job: Any, *, limit: int = 1000) -> ImportOut:
    report = report_of(job)
    params = job.params or {}
    out = ImportOut(
        id=job.pk,
        status=job.status,
        kind=params.get("kind", ""),
        filename=params.get("filename", ""),
        done=job.done,
        total=job.total,
        percent=job.percent,
        job_url=f"/api/v1/jobs/{job.pk}",
        summary=job.message or "",
    )
    if report is not None:
        out.ok, out.written = report.ok, report.written
        out.created, out.updated, out.unchanged = report.created, report.updated, report.unchanged
        out.error_rows = report.error_row_count
        out.summary = report.summary()
        out.errors_total = len(report.errors)
        out.errors = [
            RowErrorOut(row=e.row, column=e.column, message=e.message, value=e.value)
            for e in report.errors[:limit]
        ]
        if report.errors:
            out.report_url = f"/api/v1/registry/imports/{job.pk}/report.xlsx"
    elif job.error:
        out.summary = job.error
    return out


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post("/", response={202: ImportOut}, summary="Import a file (multipart)")
def import_create(
    request: HttpRequest,
    kind: Form[str],
    file: File[UploadedFile],
    crs: Form[str] = "wgs84",
    only_valid: Form[bool] = False,
) -> Status[ImportOut]:
    """Validate (and, when every row is valid or ``only_valid``, write) the rows of ``file``. The request only
    stores the file and starts a background job that parses it in a memory-capped process: the answer is 202 with
    the import's id; poll ``GET /{id}`` for its status and report."""
    require_role(request.user, *WRITER_ROLES)
    get_kind(kind)
    crs = normalise_crs(crs)
    job = import_start(
        kind=kind,
        upload=file,
        filename=file.name or "upload",
        actor=request.user,
        crs=crs,
        only_valid=only_valid,
    )
    job.refresh_from_db()
    return Status(202, _out(job))


@router.get("/templates/{kind}", summary="The import template of a kind (xlsx)")
def template_get(request: HttpRequest, kind: str) -> HttpResponse:
    require_role(request.user, *READER_ROLES)
    if kind not in KINDS:
        raise NotFoundError(f"未知的导入类型“{kind}”。/ Unknown kind {kind!r}.")
    return _download(template_bytes(kind), template_filename(kind), FORMATS["xlsx"])


@router.get("/export/{kind}", summary="Export a filtered list (xlsx, csv or geojson)")
def export_get(
    request: HttpRequest,
    kind: str,
    format: str = "xlsx",
    q: str = "",
    district: str = "",
    street: str = "",
    status: str = "",
    sample: str = "",
    background: bool = False,
) -> Any:
    """Small exports answer with the file; large ones (over 5,000 rows, or ``background=true``) start a job and
    answer 202 with its id, its progress URL and the download URL that works once it has finished."""
    require_role(request.user, *READER_ROLES)
    if kind not in KINDS:
        raise NotFoundError(f"未知的导出类型“{kind}”。/ Unknown kind {kind!r}.")
    fmt = export_format(format)
    filters = ExportFilters(q=q, district=district, street=street, status=status, sample=sample)
    if background or export_count(kind, user=request.user, filters=filters) > EXPORT_INLINE_MAX:
        from django.http import JsonResponse
        from django.urls import reverse

        from gaizao.registry.jobs import export_start

        job = export_start(kind=kind, fmt=fmt, user=request.user, filters=filters)
        return JsonResponse(
            {
                "job": str(job.pk),
                "status_url": f"/api/v1/jobs/{job.pk}",
                "download_url": reverse("registry:export_download", args=[job.pk]),
            },
            status=202,
        )
    return _download(
        export_bytes(kind, fmt, user=request.user, filters=filters), export_filename(kind, fmt), FORMATS[fmt]
    )


@router.get("/{uuid:import_id}", response=ImportOut, summary="An import's status and validation report")
def import_detail(request: HttpRequest, import_id: uuid.UUID) -> ImportOut:
    job = get_job_for(request.user, str(import_id))
    if job.kind != "registry.import":
        raise NotFoundError("不存在或无权查看。/ Not found.")
    return _out(job)


@router.get("/{uuid:import_id}/report.xlsx", summary="An import's validation report as Excel")
def import_report(request: HttpRequest, import_id: uuid.UUID) -> HttpResponse:
    job = get_job_for(request.user, str(import_id))
    report = report_of(job)
    if report is None:
        raise NotFoundError("该导入还没有报告。/ This import has no report yet.")
    return _download(report.to_xlsx(), f"gaizao-import-report-{str(job.pk)[:8]}.xlsx", FORMATS["xlsx"])


_ = ApplicationError
