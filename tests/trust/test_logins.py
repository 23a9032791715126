"""Logins (issue 18): an atomic throttle per account and per client that also covers the admin login and trusts
only a configured proxy header; a one-time-code login that answers the same for any phone; tokens that expire
and record their use without a write per request."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from gaizao.accounts import throttle
from gaizao.accounts.models import ApiToken, ThrottleCounter
from gaizao.accounts.services import api_token_create
from gaizao.participation.models import OneTimeCode

PASSWORD = "wrong-password"


@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_are_each_counted(divisions):
    # twenty attempts at once: each gets its own count (the cache's get-then-set let them all read "0")
    seen: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            n = throttle.hit("login-account:parallel")
            with lock:
                seen.append(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(1, 21))
    assert ThrottleCounter.objects.get(key="login-account:parallel").count == 20


@pytest.mark.django_db
def test_the_admin_login_is_throttled(accounts):
    client = Client(REMOTE_ADDR="10.1.1.1")
    for _ in range(5):
        client.post("/django-admin/login/", {"username": "city", "password": PASSWORD})
    locked = client.post("/django-admin/login/", {"username": "city", "password": PASSWORD})
    assert "登录失败次数过多" in locked.content.decode()


@pytest.mark.django_db
def test_a_correct_password_is_refused_once_the_account_is_locked(accounts):
    from gaizao.accounts.demo import DEMO_PASSWORD

    for i in range(6):
        Client(REMOTE_ADDR=f"10.2.0.{i}").post("/accounts/login/", {"username": "xihu", "password": PASSWORD})
    response = Client(REMOTE_ADDR="10.2.1.1").post(
        "/accounts/login/", {"username": "xihu", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()


@pytest.mark.django_db
def test_one_client_guessing_many_accounts_is_stopped(accounts, settings):
    settings.LOGIN_THROTTLE_CLIENT_ATTEMPTS = 3
    client = Client(REMOTE_ADDR="10.3.0.1")
    for name in ("city", "ndrc", "planning"):
        client.post("/accounts/login/", {"username": name, "password": PASSWORD})
    response = client.post("/accounts/login/", {"username": "finance", "password": PASSWORD})
    assert "登录失败次数过多" in response.content.decode()


def test_forwarded_headers_are_believed_only_when_configured(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")
    settings.CLIENT_ADDRESS_HEADER = ""
    assert (
        throttle.client_address(request) == "10.0.0.1"
    )  # behind no configured proxy: the peer, not the header
    settings.CLIENT_ADDRESS_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_COUNT = 1
    assert throttle.client_address(request) == "5.6.7.8"  # what our one proxy saw; "1.2.3.4" is client-chosen
    settings.TRUSTED_PROXY_COUNT = 2
    assert throttle.client_address(request) == "1.2.3.4"


@pytest.mark.django_db
def test_code_login_answers_the_same_for_any_phone(world):
    owner_phone, stranger_phone = world.owners[0].phone, "13612345678"
    answers = []
    for phone in (owner_phone, stranger_phone):
        response = Client(REMOTE_ADDR="10.4.0.1").post(
            "/api/v1/participation/otp/request", {"phone": phone}, content_type="application/json"
        )
        answers.append((response.status_code, response.json().get("message")))
    assert answers[0] == answers[1]
    # the same rows are written either way
    assert OneTimeCode.objects.filter(phone=stranger_phone).count() == 1
    # and the same per-phone limit holds for a phone that is no owner's
    statuses = [
        Client(REMOTE_ADDR=f"10.4.1.{i}")
        .post("/api/v1/participation/otp/request", {"phone": stranger_phone}, content_type="application/json")
        .status_code
        for i in range(5)
    ]
    assert statuses[-1] == 400


@pytest.mark.django_db
def test_code_requests_are_limited_per_client(world, settings):
    settings.OTP_REQUESTS_PER_CLIENT = 3
    client = Client(REMOTE_ADDR="10.5.0.1")
    statuses = [
        client.post(
            "/api/v1/participation/otp/request", {"phone": f"1361234000{i}"}, content_type="application/json"
        ).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 400]


@pytest.mark.django_db
def test_tokens_expire(accounts, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    token, raw = api_token_create(user=accounts["city"], name="GIS")
    assert token.expires_at is not None
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/registry/communities", **auth).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/registry/communities", **auth).status_code == 401


@pytest.mark.django_db
def test_token_use_is_recorded_at_most_once_per_interval(accounts, django_assert_num_queries):
    token, raw = api_token_create(user=accounts["city"], name="GIS")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client.get("/api/v1/health", **auth)
    client.get("/api/v1/registry/communities", **auth)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get("/api/v1/registry/communities", **auth)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # no write on the second request


@pytest.mark.django_db
def test_revoked_tokens_and_inactive_accounts_are_refused(accounts, settings):
    settings.API_TOKEN_TOUCH_INTERVAL_S = 300
    token, raw = api_token_create(user=accounts["city"], name="GIS")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    me = client.get("/api/v1/me", **auth)
    assert me.status_code == 200
    # the account comes with its division, as the ORM's select_related built it
    assert me.json()["division"]["code"] == accounts["city"].division.code
    stamped = ApiToken.objects.get(pk=token.pk).last_used_at
    assert stamped is not None and abs((timezone.now() - stamped).total_seconds()) < 60
    # an older stamp than the interval is renewed
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - dt.timedelta(seconds=301))
    assert client.get("/api/v1/me", **auth).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at > stamped
    type(accounts["city"]).objects.filter(pk=accounts["city"].pk).update(is_active=False)
    assert client.get("/api/v1/me", **auth).status_code == 401
    type(accounts["city"]).objects.filter(pk=accounts["city"].pk).update(is_active=True)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert client.get("/api/v1/me", **auth).status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer gz_not-a-token").status_code == 401
