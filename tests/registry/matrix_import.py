"""Access-matrix cases for the import, report, template and export URLs and the imports API.

The template and export pages and API endpoints are listed in ``tests/registry/matrix.py``; these add the import
form (POST), an import's result page and Excel report (visible to the account that ran it only), and the API's
upload, report and report download. Uploaded files carry a row error, so nothing is written to the demo world.
"""

from __future__ import annotations

from typing import Any

from tests.matrix_types import ACCOUNTS, Case, page_for, statuses

WRITERS = ("city", "shangcheng", "xihu", "qingbo", "qingbomen")
API = "/api/v1/registry/imports"


def _import_id() -> str:
    """An import run by shangcheng (recorded as its job)."""
    from gaizao.accounts.models import User
    from gaizao.jobs.models import Job
    from gaizao.registry.importing import ImportReport
    from gaizao.registry.importing.jobs import import_record

    job = Job.objects.filter(
        kind="registry.import", owner__username="shangcheng", title__contains="matrix"
    ).first()
    if job is None:
        report = ImportReport(kind="communities", filename="matrix.xlsx", total=1)
        report.add(2, "建成年份", "应填四位年份。/ Expected a year.", "x")
        job = import_record(report=report, actor=User.objects.get(username="shangcheng"))
        Job.objects.filter(pk=job.pk).update(title="导入小区 matrix.xlsx")
    return str(job.pk)


def _export_id() -> str:
    """A finished background export of shangcheng's (its file written where the job would write it)."""
    from gaizao.accounts.models import User
    from gaizao.jobs.models import Job, JobStatus
    from gaizao.registry.jobs import EXPORT, export_path

    job = Job.objects.filter(kind=EXPORT, owner__username="shangcheng").first()
    if job is None:
        job = Job.objects.create(
            kind=EXPORT,
            title="导出 matrix",
            owner=User.objects.get(username="shangcheng"),
            status=JobStatus.SUCCEEDED,
            params={"kind": "communities", "fmt": "csv", "filters": {}, "user_id": 0},
        )
    export_path(job).write_bytes("\ufeff小区编码\n".encode())
    return str(job.pk)


def _bad_upload() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "小区编码,小区名称,区县,街道\nMX1,矩阵小区,上城区,不存在街道\n"
    return {"kind": "communities", "crs": "wgs84", "file": SimpleUploadedFile("m.csv", text.encode("gbk"))}


def _owner_only(ok: int = 200, anonymous: int = 302) -> dict[str, int]:
    out = {a: 404 for a in ACCOUNTS}
    out["shangcheng"] = ok
    out["anonymous"] = anonymous
    return out


CASES = [
    Case(
        "import upload (page)",
        "/registry/import/",
        page_for(WRITERS, ok=302),
        method="post",
        data=_bad_upload,
        pattern="registry/import/",
    ),
    Case(
        "import result page",
        lambda: f"/registry/import/{_import_id()}/",
        _owner_only(),
        pattern="registry/import/<uuid:job_id>/",
    ),
    Case(
        "import report xlsx",
        lambda: f"/registry/import/{_import_id()}/report.xlsx",
        _owner_only(),
        pattern="registry/import/<uuid:job_id>/report.xlsx",
    ),
    Case(
        "background export download",
        lambda: f"/registry/exports/{_export_id()}/download/",
        _owner_only(),
        pattern="registry/exports/<uuid:job_id>/download/",
    ),
    Case("import template, unknown kind", "/registry/import/templates/nope.xlsx", page_for((), other=404)),
    Case(
        "api import upload",
        f"{API}/",
        statuses(403, **{a: 202 for a in WRITERS}, anonymous=401),
        method="post",
        data=_bad_upload,
        pattern="api/v1/registry/imports/",
    ),
    Case(
        "api import report",
        lambda: f"{API}/{_import_id()}",
        _owner_only(anonymous=401),
        pattern="api/v1/registry/imports/{id}",
    ),
    Case(
        "api import report xlsx",
        lambda: f"{API}/{_import_id()}/report.xlsx",
        _owner_only(anonymous=401),
        pattern="api/v1/registry/imports/{id}/report.xlsx",
    ),
]
