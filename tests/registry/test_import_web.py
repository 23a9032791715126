"""The import page, result page, report and template downloads, export view, and the HTTP API."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gaizao.jobs.models import Job, JobStatus
from gaizao.registry.models import Community
from tests.registry.test_import_helpers import HEADERS, community_row, csv_bytes, db_state, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def post(client, url: str, data: dict):
    """POST an upload; the job it starts on commit runs at once, as the worker would (the test's transaction never
    commits, so its on-commit callbacks are captured and run here)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


def upload(data: bytes, name: str = "c.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_urls_are_in_the_registry_namespace():
    assert reverse("registry:import") == "/registry/import/"
    assert reverse("registry:export") == "/registry/export/"
    assert (
        reverse("registry:import_template", args=["communities"])
        == "/registry/import/templates/communities.xlsx"
    )


def test_page_shows_form_and_template_links(client, accounts):
    client.force_login(accounts["shangcheng"])
    page = client.get("/registry/import/")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        'name="only_valid"' in html
        and 'name="crs"' in html
        and "/registry/import/templates/units.xlsx" in html
    )


@pytest.mark.parametrize(
    "username,status", [("xihu", 200), ("qingbomen", 200), ("ndrc", 404), ("water", 404), ("resident", 404)]
)
def test_only_writers_get_the_page(client, accounts, username, status):
    client.force_login(accounts[username])
    assert client.get("/registry/import/").status_code == status


def test_bad_file_shows_row_errors_and_writes_nothing(client, accounts):
    client.force_login(accounts["shangcheng"])
    before = db_state()
    rows = [
        community_row(1),
        community_row(2, 建成年份="九五"),
        community_row(3, 区县="西湖区", 街道="西溪街道", 社区=""),
    ]
    response = post(
        client,
        "/registry/import/",
        {"kind": "communities", "crs": "wgs84", "file": upload(xlsx_bytes(HEADERS, rows))},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'id="import-errors"' in html and "建成年份" in html and "不在您的管辖范围" in html
    assert 'data-row="3"' in html and 'data-row="4"' in html
    assert db_state()["communities"] == before["communities"]
    report_url = reverse("registry:import_report", args=[response["Location"].rstrip("/").split("/")[-1]])
    report = client.get(report_url)
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(report.content))["错误报告"]
    assert {ws.cell(row=r, column=1).value for r in (2, 3)} == {3, 4}
    # only its owner reads a report
    client.force_login(accounts["city"])
    assert client.get(report_url).status_code == 404


def test_good_file_and_only_valid_rows(client, accounts):
    client.force_login(accounts["shangcheng"])
    rows = [community_row(1), community_row(2, 建成年份="九五")]
    response = post(
        client,
        "/registry/import/",
        {
            "kind": "communities",
            "only_valid": "1",
            "file": upload(csv_bytes(HEADERS, rows, encoding="gbk"), "c.csv"),
        },
    )
    html = client.get(response["Location"]).content.decode()
    assert 'data-written="true"' in html and Community.objects.filter(code="SC00001").exists()
    assert not Community.objects.filter(code="SC00002").exists()


def test_empty_upload_message(client, accounts):
    client.force_login(accounts["shangcheng"])
    response = post(client, "/registry/import/", {"kind": "communities", "file": upload(b"", "empty.xlsx")})
    html = client.get(response["Location"]).content.decode()
    assert "空的（0 字节）" in html


def test_big_file_runs_as_a_job_with_progress(client, accounts, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(accounts["shangcheng"])
    rows = [community_row(i) for i in range(2100)]
    response = post(
        client,
        "/registry/import/",
        {"kind": "communities", "file": upload(csv_bytes(HEADERS, rows), "big.csv")},
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.result["url"]
    assert job.status == JobStatus.SUCCEEDED and job.total == 2100, job.error
    assert Community.objects.count() == 2100
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'role="progressbar"' in page and job.result["url"] in page
    assert "新建 2100" in client.get(job.result["url"]).content.decode()
    assert not list(tmp_path.glob("imports/*"))  # the upload is removed once imported


def test_templates_download(client, accounts):
    client.force_login(accounts["qingbo"])
    for kind in ("communities", "buildings", "units", "facilities", "stock_sites"):
        response = client.get(reverse("registry:import_template", args=[kind]))
        assert response.status_code == 200
        wb = openpyxl.load_workbook(io.BytesIO(response.content))
        assert "说明" in wb.sheetnames
    assert client.get("/registry/import/templates/nope.xlsx").status_code == 404


def test_export_view_takes_the_list_filters(client, accounts):
    client.force_login(accounts["shangcheng"])
    post(
        client,
        "/registry/import/",
        {"kind": "communities", "file": upload(xlsx_bytes(HEADERS, [community_row(i) for i in range(3)]))},
    )
    response = client.get("/registry/export/", {"format": "csv", "q": "测试小区2"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert "测试小区2" in text and "测试小区1" not in text
    geo = client.get("/registry/export/", {"format": "geojson", "district": "330102"}).json()
    assert len(geo["features"]) == 3 and geo["features"][0]["geometry"]["type"] == "Point"
    assert client.get("/registry/export/", {"format": "pdf"}).status_code == 400
    client.force_login(accounts["xihu"])
    assert "测试小区" not in client.get("/registry/export/", {"format": "csv"}).content.decode("utf-8-sig")


# --- API ------------------------------------------------------------------------------------------------------


API = "/api/v1/registry/imports/"


def test_api_import_report_and_download(client, accounts):
    client.force_login(accounts["shangcheng"])
    bad = xlsx_bytes(HEADERS, [community_row(1, 户数="很多")])
    response = post(client, API, {"kind": "communities", "file": upload(bad)})
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"  # the request only stored the file and started the job
    body = client.get(f"{API}{response.json()['id']}").json()
    assert body["ok"] is False and body["written"] is False
    assert body["errors"] == [
        {"row": 2, "column": "户数", "message": body["errors"][0]["message"], "value": "很多"}
    ]
    detail = client.get(f"{API}{body['id']}")
    assert detail.status_code == 200 and detail.json()["errors_total"] == 1
    report = client.get(body["report_url"])
    assert report.status_code == 200 and report.content[:2] == b"PK"

    started = post(
        client,
        API,
        {"kind": "communities", "crs": "wgs84", "file": upload(xlsx_bytes(HEADERS, [community_row(1)]))},
    ).json()
    good = client.get(f"{API}{started['id']}").json()
    assert good["ok"] and good["created"] == 1


def _wide_csv(rows: int) -> bytes:
    return csv_bytes(HEADERS, [community_row(i, 小区名称="长" * 200) for i in range(rows)])


@pytest.mark.parametrize("url", ["/registry/import/", API])
def test_a_parse_over_the_memory_limit_fails_the_job_and_removes_the_upload(
    client, accounts, settings, data_dir, url
):
    """The parse runs in a child process capped at UPLOAD_PARSE_MEMORY above its start: a file that needs more
    fails its job with a message saying so, nothing is written, the web process is untouched and the stored
    upload is gone."""
    settings.UPLOAD_PARSE_MEMORY = 8 * 1024 * 1024
    client.force_login(accounts["shangcheng"])
    before = db_state()
    response = post(client, url, {"kind": "communities", "file": upload(_wide_csv(20_000), "wide.csv")})
    assert response.status_code in {302, 202}
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "所需内存超过上限 8 MB" in job.error and "Split it into smaller files" in job.error
    assert db_state() == before and not list(data_dir.glob("imports/*"))
    if url == API:
        assert client.get(f"{API}{job.pk}").json()["summary"] == job.error
    else:
        page = client.get(response["Location"], follow=True).content.decode()
        assert "所需内存超过上限" in page
    # the same file under the normal limit imports
    settings.UPLOAD_PARSE_MEMORY = 1024 * 1024 * 1024
    post(client, url, {"kind": "communities", "file": upload(_wide_csv(20), "small.csv")})
    last = Job.objects.order_by("-created_at").first()
    assert last.status == JobStatus.SUCCEEDED, last.error


def test_api_refuses_readers_and_unknown_kinds(client, accounts):
    client.force_login(accounts["ndrc"])
    response = post(
        client, API, {"kind": "communities", "file": upload(xlsx_bytes(HEADERS, [community_row(1)]))}
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    client.force_login(accounts["shangcheng"])
    response = post(client, API, {"kind": "bridges", "file": upload(b"x")})
    assert response.status_code == 400 and "未知的导入类型" in response.json()["message"]


def test_api_big_file_answers_202_with_a_job(client, accounts, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(accounts["shangcheng"])
    response = post(
        client,
        API,
        {
            "kind": "communities",
            "file": upload(csv_bytes(HEADERS, [community_row(i) for i in range(2500)]), "b.csv"),
        },
    )
    assert response.status_code == 202
    job_id = response.json()["id"]
    detail = client.get(f"{API}{job_id}").json()
    assert detail["status"] == "succeeded" and detail["created"] == 2500


def test_api_template_and_export(client, accounts):
    client.force_login(accounts["city"])
    assert client.get(f"{API}templates/units").content[:2] == b"PK"
    assert client.get(f"{API}templates/nope").status_code == 404
    response = client.get(f"{API}export/communities", {"format": "geojson"})
    assert response.status_code == 200 and response.json()["type"] == "FeatureCollection"
    client.logout()
    assert client.get(f"{API}templates/units").status_code == 401
