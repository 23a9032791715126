"""Structured logs: JSON lines with request id, account id, path, status and duration — and no personal data
(issue 18, Production: "structured logs without personal data")."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from django.test import Client

from gaizao.jobs.models import Job
from gaizao.jobs.services import job_run, register_job
from tests.trust.conftest import id_number, units_csv

CODES: dict[str, str] = {}


class CapturingSender:
    """An SMS gateway stand-in: keeps the code so the test can log in with it."""

    shows_code_in_dev_banner = False

    def send(self, *, phone: str, code: str) -> None:
        CODES[phone] = code


@pytest.fixture
def log_lines():
    """What the configured console handler (formatter and filter of settings.LOGGING) writes, line by line."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    finally:
        handler.setStream(previous)


def test_each_request_writes_one_json_line_with_ids_path_status_and_duration(accounts, log_lines):
    client = Client()
    client.force_login(accounts["shangcheng"])
    response = client.get("/registry/?q=13900000001")
    lines = [line for line in log_lines() if line["logger"] == "gaizao.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32
    assert line["user_id"] == accounts["shangcheng"].pk
    assert line["path"] == "/registry/" and line["method"] == "GET"
    assert line["status"] == response.status_code == 200
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")
    # the query string (a search may carry a phone number) is not logged, nor the account's name
    text = json.dumps(log_lines(), ensure_ascii=False)
    assert "13900000001" not in text and "shangcheng" not in text
    # Django's own warnings are JSON lines of the same request
    client.get("/registry/communities/999999999/")
    not_found = [line for line in log_lines() if line["logger"] == "django.request"]
    assert not_found and not_found[0]["request_id"] and not_found[0]["user_id"] == accounts["shangcheng"].pk


def test_an_owner_login_with_a_phone_number_leaves_no_phone_in_the_logs(
    world, settings, log_lines, django_capture_on_commit_callbacks
):
    settings.OTP_SENDER = "tests.trust.test_logs.CapturingSender"
    owner = world.owners[0]
    phone = owner.phone
    client = Client()
    # the code is sent by a job enqueued on commit; run it as the worker would (its log lines are checked too)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/api/v1/participation/otp/request", {"phone": phone}, content_type="application/json"
        )
    assert r.status_code == 200
    r = client.post(
        "/api/v1/participation/otp/verify",
        {"phone": phone, "code": "000000"},
        content_type="application/json",
    )
    assert r.status_code == 400
    r = client.post(
        "/api/v1/participation/otp/verify",
        {"phone": phone, "code": CODES[phone]},
        content_type="application/json",
    )
    assert r.status_code == 200
    # the page login too
    Client().post("/participation/login/", {"step": "request", "phone": phone})
    lines = log_lines()
    requests = [line for line in lines if line["logger"] == "gaizao.request"]
    assert [line["status"] for line in requests] == [200, 400, 200, 302]
    assert requests[2]["user_id"] == owner.user_id
    text = json.dumps(lines, ensure_ascii=False)
    assert phone not in text and phone[-4:] not in text and CODES[phone] not in text
    assert owner.name not in text


def test_an_import_with_names_leaves_no_names_in_the_logs(
    world, accounts, log_lines, django_capture_on_commit_callbacks
):
    rows = [
        {
            "community_code": world.community.code,
            "building_code": "1",
            "number": "901",
            "owner_name": "欧阳秀英",
            "owner_phone": "13712345678",
            "owner_id_number": id_number("33010219800101123"),
        },
        {
            "community_code": "NO-SUCH-COMMUNITY",
            "building_code": "1",
            "number": "902",
            "owner_name": "司马光明",
            "owner_phone": "13787654321",
            "owner_id_number": id_number("33010219800101124"),
        },
    ]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(accounts["shangcheng"])
    for only_valid in ("false", "true"):
        upload = SimpleUploadedFile("units.csv", units_csv(rows), content_type="text/csv")
        # the request stores the upload and starts the import job on commit; run it as the worker would
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(
                "/api/v1/registry/imports/", {"kind": "units", "file": upload, "only_valid": only_valid}
            )
        assert r.status_code == 202
    assert world.building.units.filter(number="901").exists()
    lines = log_lines()
    assert [line["status"] for line in lines if line["logger"] == "gaizao.request"] == [202, 202]
    text = json.dumps(lines, ensure_ascii=False)
    for personal in ("欧阳秀英", "司马光明", "13712345678", "13787654321", "33010219800101123"):
        assert personal not in text


@register_job("trust-test-names-in-error")
def _fails_naming_an_owner(job: Job) -> dict:
    raise ValueError("第 2 行：业主“欧阳秀英”的电话 13712345678 已属于他人")


def test_a_failed_job_logs_its_id_and_kind_not_its_message(db, log_lines):
    job = Job.objects.create(kind="trust-test-names-in-error", title="import")
    job = job_run(str(job.pk))
    assert "欧阳秀英" in job.error  # its owner reads the message on the job's page
    lines = log_lines()
    assert lines and str(job.pk) in lines[0]["message"]
    text = json.dumps(lines, ensure_ascii=False)
    assert "欧阳秀英" not in text and "13712345678" not in text


def test_an_unexpected_database_error_logs_its_type_and_request_id_but_no_values(db, settings, log_lines):
    """A 500 with DEBUG off: Django's error line carries the exception's type, the request id, the path and a
    traceback of files, lines and functions — not the IntegrityError's DETAIL (phone, ID number), nor locals."""
    from tests.trust.urls_raising import ID_NUMBER, PHONE

    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.trust.urls_raising"
    client = Client(raise_request_exception=False)
    response = client.get("/trust/raises/?q=x")
    assert response.status_code == 500
    page = response.content.decode()
    assert PHONE not in page and ID_NUMBER not in page and "IntegrityError" not in page
    lines = log_lines()
    text = json.dumps(lines, ensure_ascii=False)
    assert PHONE not in text and ID_NUMBER not in text and "欧阳秀英" not in text and "DETAIL" not in text
    errors = [line for line in lines if line["logger"] == "django.request"]
    assert len(errors) == 1
    error = errors[0]
    request_id = response["X-Request-ID"]
    assert error["request_id"] == request_id and error["path"] == "/trust/raises/"
    assert error["level"] == "ERROR" and error["exc_type"] == "django.db.utils.IntegrityError"
    trace = error["exc_info"]
    assert trace.startswith("Traceback (most recent call last):")
    assert 'tests/trust/urls_raising.py", line' in trace and "in fails_with_a_database_error" in trace
    assert (
        "sqlite3.IntegrityError: (message withheld)" in trace
    )  # the chain: the driver's error, then Django's
    assert "The above exception was the direct cause of the following exception:" in trace
    assert trace.endswith("django.db.utils.IntegrityError: (message withheld)")
    assert "raise IntegrityError" not in trace  # no source lines
    # the request's own line names the same request
    (request_line,) = [line for line in lines if line["logger"] == "gaizao.request"]
    assert request_line["request_id"] == request_id and request_line["status"] == 500


def test_the_text_format_redacts_tracebacks_too(settings):
    from gaizao.web.logs import RedactedTextFormatter
    from tests.trust.urls_raising import PHONE

    try:
        raise ValueError(f"电话 {PHONE}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = RedactedTextFormatter("%(message)s").format(record)
    assert PHONE not in line and "ValueError: (message withheld)" in line
    assert "in test_the_text_format_redacts_tracebacks_too" in line
