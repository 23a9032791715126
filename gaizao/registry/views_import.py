"""Pages to import registry files (writers, in their scope), download templates and reports, and export lists."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from gaizao.accounts.access import READER_ROLES
from gaizao.accounts.models import WRITER_ROLES
from gaizao.errors import ApplicationError
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
from gaizao.registry.importing import KINDS, normalise_crs
from gaizao.registry.importing.columns import CRS_CHOICES
from gaizao.registry.importing.jobs import import_start, report_of
from gaizao.registry.importing.template import template_bytes, template_filename

XLSX = FORMATS["xlsx"]
#: Rows of the error table shown on the page; the Excel report holds them all.
ERRORS_SHOWN = 500


def _require_writer(request: HttpRequest) -> None:
    if (
        getattr(request.user, "role", None) not in WRITER_ROLES
        or getattr(request.user, "division_id", None) is None
    ):
        raise Http404


def _require_reader(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _kinds() -> list[dict[str, str]]:
    return [{"kind": k, "zh": s.zh, "en": s.en, "sheet": s.sheet} for k, s in KINDS.items()]


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    _require_writer(request)
    form: dict[str, Any] = {
        "kind": request.GET.get("kind", "communities"),
        "crs": "wgs84",
        "only_valid": False,
    }
    if request.method == "POST":
        form = {
            "kind": request.POST.get("kind", ""),
            "crs": request.POST.get("crs", "wgs84"),
            "only_valid": request.POST.get("only_valid") in {"1", "on", "true"},
        }
        upload = request.FILES.get("file")
        try:
            if form["kind"] not in KINDS:
                raise ApplicationError("请选择导入类型。/ Choose what to import.", field="kind")
            if upload is None:
                raise ApplicationError("请选择要导入的文件。/ Choose a file to import.", field="file")
            crs = normalise_crs(form["crs"])
            # The request only stores the upload and starts the job; the job parses it in a memory-capped child
            # process (never here) and the result page shows its report once it has finished.
            job = import_start(
                kind=form["kind"],
                upload=upload,
                filename=upload.name or "upload",
                actor=request.user,
                crs=crs,
                only_valid=form["only_valid"],
            )
            return HttpResponseRedirect(reverse("registry:import_result", args=[job.pk]))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "registry/import.html",
        {"kinds": _kinds(), "crs_choices": CRS_CHOICES, "form": form},
    )


@login_required
def import_result(request: HttpRequest, job_id: Any) -> HttpResponse:
    _require_writer(request)
    job = get_job_for(request.user, str(job_id))
    report = report_of(job)
    if report is None:
        if job.kind != "registry.import":
            raise Http404
        # still running, or failed before a report (e.g. the file needed too much memory): the job page says so
        return HttpResponseRedirect(reverse("web:job", args=[job.pk]))
    return render(
        request,
        "registry/import_result.html",
        {
            "job": job,
            "report": report,
            "errors": report.errors[:ERRORS_SHOWN],
            "more": max(0, len(report.errors) - ERRORS_SHOWN),
            "spec": KINDS[report.kind],
            "kinds": _kinds(),
        },
    )


@login_required
def import_report(request: HttpRequest, job_id: Any) -> HttpResponse:
    _require_writer(request)
    job = get_job_for(request.user, str(job_id))
    report = report_of(job)
    if report is None:
        raise Http404
    return _download(report.to_xlsx(), f"gaizao-import-report-{str(job.pk)[:8]}.xlsx", XLSX)


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _require_reader(request)
    if kind not in KINDS:
        raise Http404
    return _download(template_bytes(kind), template_filename(kind), XLSX)


@login_required
def export_view(request: HttpRequest) -> HttpResponse:
    """The filtered list as a file: the list page's GET filters plus ``kind`` and ``format``."""
    _require_reader(request)
    kind = request.GET.get("kind", "communities")
    if kind not in KINDS:
        raise Http404
    try:
        fmt = export_format(request.GET.get("format") or "xlsx")
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    filters = ExportFilters.from_params(request.GET)
    if (
        request.GET.get("background")
        or export_count(kind, user=request.user, filters=filters) > EXPORT_INLINE_MAX
    ):
        from gaizao.registry.jobs import export_start

        job = export_start(kind=kind, fmt=fmt, user=request.user, filters=filters)
        return HttpResponseRedirect(reverse("web:job", args=[job.pk]))
    content = export_bytes(kind, fmt, user=request.user, filters=filters)
    return _download(content, export_filename(kind, fmt), FORMATS[fmt])
