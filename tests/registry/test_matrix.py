"""Run this app's access-matrix cases against the demo world (the project-wide test runs them all)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaizao.accounts.models import User
from tests.matrix_types import ACCOUNTS
from tests.registry.matrix import CASES

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        (Path(__file__).parents[1] / "test_access_matrix.py").exists(),
        reason="the project-wide tests/test_access_matrix.py runs these cases",
    ),
]


@pytest.fixture
def demo_world(accounts):
    from gaizao.registry.demo import load_demo

    load_demo(lambda _: None)


def test_registry_matrix(client, demo_world, django_capture_on_commit_callbacks):
    failures = []
    users = {u.username: u for u in User.objects.all()}
    for case in CASES:
        url = case.url() if callable(case.url) else case.url
        data = case.data() if callable(case.data) else case.data
        for account in ACCOUNTS:
            client.logout()
            if account != "anonymous":
                client.force_login(users[account])
            method = getattr(client, case.method)
            kwargs = {}
            if data is not None:
                kwargs = (
                    {"data": json.dumps(data), "content_type": "application/json"}
                    if case.json
                    else {"data": data}
                )
            with django_capture_on_commit_callbacks(execute=True):
                status = method(url, **kwargs).status_code
            if status != case.expect[account]:
                failures.append(f"{case.name} as {account}: {status} (expected {case.expect[account]})")
    assert not failures, "\n".join(failures)
