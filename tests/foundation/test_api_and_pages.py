from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from gaizao.accounts.services import api_token_create

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_health_is_public_and_reports_the_database(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_errors_are_code_and_message(client, accounts):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message"} and response.json()["code"] == "unauthenticated"
    client.force_login(accounts["city"])
    missing = client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


@pytest.mark.django_db
def test_token_authentication(accounts):
    token, raw = api_token_create(user=accounts["shangcheng"], name="GIS")
    api = Client()
    assert api.get("/api/v1/me", headers={"Authorization": "Bearer wrong"}).status_code == 401
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).json()
    assert me["username"] == "shangcheng" and me["role"] == "district_officer"
    assert me["division"] == {"code": "330102", "name": "上城区", "level": "district"}


@pytest.mark.django_db
def test_session_api_writes_need_csrf(accounts):
    api = Client(enforce_csrf_checks=True)
    api.force_login(accounts["city"])
    assert api.get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_divisions_api_and_boundaries(client, divisions):
    districts = client.get("/api/v1/divisions/").json()
    by_code = {d["code"]: d for d in districts}
    assert len(districts) == 14 and by_code["330106"]["name"] == "西湖区"
    assert by_code["330100-XHFJQ"]["name"] == "西湖风景名胜区"
    streets = client.get("/api/v1/divisions/?parent=330102").json()
    assert any(s["name"] == "清波街道" for s in streets)
    fc = client.get("/api/v1/divisions/boundaries.geojson").json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 13


@pytest.mark.django_db
def test_openapi_docs(client):
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/health" in schema["paths"]


@pytest.mark.django_db
def test_login_page_and_throttling(client, accounts, password):
    assert client.get("/").status_code == 302
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and "登录" in page.content.decode()
    for _ in range(5):
        bad = client.post("/accounts/login/", {"username": "city", "password": "wrong"})
        assert "用户名或密码错误" in bad.content.decode()
    locked = client.post("/accounts/login/", {"username": "city", "password": password})
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # another account from another address is not affected
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/accounts/login/", {"username": "xihu", "password": password}).status_code == 302


@pytest.mark.django_db
def test_navigation_is_role_aware_and_pages_have_csp(client, accounts):
    client.force_login(accounts["city"])
    home = client.get("/")
    html = home.content.decode()
    assert 'data-nav="web:map"' in html and "市级统筹" in html
    assert "script-src 'self'" in home.headers["Content-Security-Policy"]
    assert home.headers["X-Frame-Options"] == "DENY"
    client.force_login(accounts["resident"])
    assert 'data-nav="web:map"' not in client.get("/").content.decode()
    assert client.get("/map/").status_code == 404


@pytest.mark.django_db
def test_language_switch_to_english_and_back(client, accounts):
    client.force_login(accounts["city"])
    client.post("/lang/", {"language": "en", "next": "/"})
    assert "Dashboard" in client.get("/").content.decode()
    client.post("/lang/", {"language": "zh-hans", "next": "https://evil.example/"})
    assert "工作台" in client.get("/").content.decode()


@pytest.mark.django_db
def test_tokens_page_creates_and_revokes(client, accounts):
    client.force_login(accounts["shangcheng"])
    created = client.post("/tokens/", {"name": "GIS"})
    assert "gz_" in created.content.decode()
    token = accounts["shangcheng"].api_tokens.get()
    client.post("/tokens/", {"revoke": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None
    history = client.get(f"/history/accounts.apitoken/{token.pk}/")
    assert history.status_code == 404  # tokens are not history-registered objects


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "gaizao.cli", *args],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(["check"], DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_check_deploy():
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-production-secret-key-with-enough-entropy-1234567890",
        ALLOWED_HOSTS="gaizao.example.gov.cn",
        GAIZAO_OTP_SENDER="gaizao.participation.otp.WebhookSender",
        GAIZAO_OTP_WEBHOOK_URL="https://sms.example.gov.cn/send",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_help_lists_the_commands():
    result = _run(["--help"])
    assert result.returncode == 0 and "gaizao import KIND FILE" in result.stdout
