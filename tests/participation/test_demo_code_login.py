"""The demo names an owner's phone for trying the one-time-code login (``make demo`` prints it), and it works."""

from __future__ import annotations

import pytest
from django.test import Client

from gaizao.participation.demo import code_login_owner
from gaizao.registry.models import Owner

pytestmark = pytest.mark.django_db

SENT: list[tuple[str, str]] = []


class RecordingSender:
    shows_code_in_dev_banner = False

    def send(self, *, phone: str, code: str) -> None:
        SENT.append((phone, code))


def test_the_printed_owner_logs_in_with_a_code(demo_world, settings, django_capture_on_commit_callbacks):
    settings.OTP_SENDER = f"{__name__}.RecordingSender"
    SENT.clear()
    found = code_login_owner()
    assert found is not None
    community, unit, phone = found
    assert community == "清波新村" and unit
    owner = Owner.objects.get(phone=phone, units__building__community__name=community)
    assert owner.user_id is None  # a first login creates the owner's account
    client = Client(REMOTE_ADDR="10.8.0.1")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/participation/login/", {"step": "request", "phone": phone})
    assert response.status_code == 302
    assert [p for p, _ in SENT] == [phone]
    response = client.post("/participation/login/", {"step": "verify", "phone": phone, "code": SENT[0][1]})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.user_id is not None
    assert int(client.session["_auth_user_id"]) == owner.user_id
