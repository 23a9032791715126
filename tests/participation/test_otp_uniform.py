"""The one-time-code login answers the same way whether or not the phone is an owner's (issue 18 §2): the same
status, body and cookies, the same rows written (a code and a sending job), and only an owner's phone receives
the code. No timing assertion: the request does the same work on both paths (no owner lookup; the send is a job)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gaizao.jobs.models import Job
from gaizao.participation.models import OneTimeCode
from gaizao.participation.services import OTP_JOB_KIND

pytestmark = pytest.mark.django_db

STRANGER = "13612345678"
SENT: list[tuple[str, str]] = []


class RecordingSender:
    """Records what would be sent (``settings.OTP_SENDER`` names this class in these tests)."""

    shows_code_in_dev_banner = False

    def send(self, *, phone: str, code: str) -> None:
        SENT.append((phone, code))


@pytest.fixture
def sender(settings):
    settings.OTP_SENDER = f"{__name__}.RecordingSender"
    SENT.clear()
    return SENT


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST, then run what the request enqueued on commit (the sending job), as the worker would."""

    def _post(client: Client, url: str, data: dict, **kw: object):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **kw)

    return _post


def _cookies(response) -> dict[str, dict[str, object]]:
    """Every cookie set, with its attributes but not its value (a session id differs on every request) nor its
    ``expires`` date (the clock's; ``max-age`` stays)."""
    return {
        name: {k: v for k, v in morsel.items() if v and k != "expires"}
        for name, morsel in response.cookies.items()
    }


def test_api_answers_identically_and_sends_only_to_an_owner(world, sender, post):
    owner_phone = world.owners[0].phone
    answers = []
    for n, phone in enumerate((owner_phone, STRANGER)):
        jobs_before = Job.objects.filter(kind=OTP_JOB_KIND).count()
        response = post(
            Client(REMOTE_ADDR=f"10.9.0.{n}"),
            "/api/v1/participation/otp/request",
            {"phone": phone},
            content_type="application/json",
        )
        answers.append((response.status_code, response.content, _cookies(response)))
        # the same rows either way: one code on record and one sending job
        assert OneTimeCode.objects.filter(phone=phone).count() == 1
        assert Job.objects.filter(kind=OTP_JOB_KIND).count() == jobs_before + 1
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    # only the owner received a code, and it is the one on record; the job keeps neither code nor nonce
    assert [p for p, _ in sender] == [owner_phone]
    assert all(job.params == {} and job.result == {} for job in Job.objects.filter(kind=OTP_JOB_KIND))
    response = Client(REMOTE_ADDR="10.9.0.9").post(
        "/api/v1/participation/otp/verify",
        {"phone": owner_phone, "code": sender[0][1]},
        content_type="application/json",
    )
    assert response.status_code == 200


def test_login_page_answers_identically(world, sender, post):
    owner_phone = world.owners[1].phone
    answers = []
    for n, phone in enumerate((owner_phone, STRANGER)):
        client = Client(REMOTE_ADDR=f"10.9.1.{n}")
        response = post(client, "/participation/login/", {"step": "request", "phone": phone})
        page = client.get(response["Location"])
        answers.append(
            (
                response.status_code,
                response["Location"],
                response.content,
                _cookies(response),
                page.status_code,
                # the page names the phone entered and carries a fresh CSRF token; with both masked, the same
                re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF", page.content.decode().replace(phone, "PHONE")),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == 302
    assert [p for p, _ in sender] == [owner_phone]


def test_limits_hold_per_phone_and_per_address_for_any_phone(world, sender, settings):
    settings.OTP_REQUESTS_PER_CLIENT = 3
    for phone in (world.owners[2].phone, "13612340000"):
        statuses = [
            Client(REMOTE_ADDR=f"10.9.2.{i}")
            .post("/api/v1/participation/otp/request", {"phone": phone}, content_type="application/json")
            .status_code
            for i in range(6)
        ]
        assert statuses == [200] * 5 + [400], phone
    client = Client(REMOTE_ADDR="10.9.3.1")
    statuses = [
        client.post(
            "/api/v1/participation/otp/request",
            {"phone": phone},
            content_type="application/json",
        ).status_code
        for phone in (world.owners[3].phone, "13612341111", world.owners[4].phone, "13612342222")
    ]
    assert statuses == [200, 200, 200, 400]
