"""Runs this app's access-matrix cases as every demo account (the project-wide matrix runs them on the full demo)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gaizao.accounts.models import User
from tests.matrix_types import ACCOUNTS
from tests.participation.matrix import CASES


@pytest.fixture
def demo_world(accounts):
    """The participation demo on its own sample community (the registry's full demo is slow), plus one 西湖区
    community so that the 西湖区 officer has somewhere to organise."""
    from gaizao.divisions.models import Division
    from gaizao.participation.demo import load_demo
    from gaizao.programme.demo import load_department_accounts
    from gaizao.registry.models import Community

    xihu = Division.objects.get(code="330106")
    street = (
        Division.objects.filter(level="street", path__startswith=xihu.path + "/").order_by("code").first()
    )
    Community.objects.create(code="T-XIHU-1", name="西湖测试小区", division=street, is_sample=True)
    load_demo(lambda _: None)
    load_department_accounts()  # the matrix's department account (民政)


@pytest.mark.django_db
def test_participation_access_matrix(demo_world):
    failures = []
    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS)}
    clients = {}
    for account in ACCOUNTS:
        # one address per account, as people log in from their own devices (limits are per client address)
        clients[account] = Client(REMOTE_ADDR=f"10.8.{ACCOUNTS.index(account)}.1")
        if account != "anonymous":
            clients[account].force_login(users[account])
    for case in CASES:
        for account in ACCOUNTS:
            client = clients[account]
            url = case.url() if callable(case.url) else case.url
            data = case.data() if callable(case.data) else case.data
            if case.method == "get":
                response = client.get(url)
            elif case.json:
                response = client.post(url, json.dumps(data or {}), content_type="application/json")
            else:
                response = client.post(url, data or {})
            expected = case.expect[account]
            if response.status_code != expected:
                failures.append(
                    f"{case.name} as {account}: {response.status_code} != {expected} "
                    f"{response.content[:160]!r}"
                )
    assert not failures, "\n".join(failures)
