"""Large exports run as background jobs that stream rows to a file, report progress, and offer a download to
the account that started them."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.test import Client

from gaizao.jobs.models import Job, JobStatus
from gaizao.registry import exporting
from gaizao.registry.exporting import ExportFilters, export_to_file

from .conftest import make_communities

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_web_export_in_the_background_then_download(accounts, divs, django_capture_on_commit_callbacks):
    make_communities(divs, 12)
    client = _client(accounts["city"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get("/registry/export/", {"format": "csv", "q": "规模测试1", "background": "1"})
    assert r.status_code == 302 and r["Location"].startswith("/jobs/")
    job = Job.objects.get(kind="registry.export")
    assert job.status == JobStatus.SUCCEEDED and job.result["rows"] == 3  # 1, 10, 11
    assert job.done == job.total == 3
    page = client.get(r["Location"]).content.decode()
    assert job.result["url"] in page
    download = client.get(job.result["url"])
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(_body(download).decode("utf-8-sig"))))
    assert len(rows) == 1 + 3 and any("S00011" in cell for cell in rows[-1])
    assert _client(accounts["shangcheng"]).get(job.result["url"]).status_code == 404, "only its owner"


def test_api_export_over_the_limit_answers_202_and_a_download(
    accounts, divs, monkeypatch, django_capture_on_commit_callbacks
):
    make_communities(divs, 8)
    monkeypatch.setattr(exporting, "EXPORT_INLINE_MAX", 5)
    monkeypatch.setattr("gaizao.registry.api_import.EXPORT_INLINE_MAX", 5)
    client = _client(accounts["shangcheng"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get("/api/v1/registry/imports/export/communities", {"format": "xlsx"})
    assert r.status_code == 202, r.content
    body = r.json()
    status = client.get(body["status_url"]).json()
    assert status["status"] == "succeeded" and status["result"]["rows"] == 8
    wb = openpyxl.load_workbook(io.BytesIO(_body(client.get(body["download_url"]))))
    ws = wb.worksheets[0]
    assert ws.max_row == 2 + 8  # Chinese and English headers, then the rows
    small = client.get("/api/v1/registry/imports/export/communities", {"format": "csv", "q": "规模测试1号"})
    assert small.status_code == 200 and b"S00001" in small.content, "small exports still answer at once"


def test_export_to_file_streams_with_progress(accounts, divs, tmp_path):
    make_communities(divs, 7)
    seen: list[tuple[int, int]] = []
    path = tmp_path / "out.geojson"
    n = export_to_file(
        "communities",
        "geojson",
        path,
        user=accounts["city"],
        filters=ExportFilters(),
        progress=lambda d, t: seen.append((d, t)),
        every=3,
    )
    assert n == 7 and seen == [(3, 7), (6, 7), (7, 7)]
    fc = json.loads(path.read_text(encoding="utf-8"))
    assert len(fc["features"]) == 7 and fc["features"][0]["geometry"]["type"] == "Polygon"
