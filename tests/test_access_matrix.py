"""The access matrix (issue 2): every page and API endpoint, as every demo account, against the demo world.

Each app lists its cases in ``tests/<app>/matrix*.py``; this module runs them all and fails when a URL pattern of
the project is not covered by any case, so a new page cannot ship without saying who may see it. The demo world is
the session's (``demo_world`` in tests/conftest.py), built once per worker.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.matrix_types import ACCOUNTS, Case

TESTS = Path(__file__).parent
#: URL routes that are not the project's own pages (Django admin, generated API docs).
UNCOVERED_ALLOWED = ("django-admin/", "api/v1/docs", "api/v1/openapi.json")


def _load_cases() -> list[Case]:
    cases: list[Case] = []
    for package in sorted(p for p in TESTS.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        for module in pkgutil.iter_modules([str(package)]):
            if module.name == "matrix" or module.name.startswith("matrix_"):
                mod = importlib.import_module(f"tests.{package.name}.{module.name}")
                cases.extend(mod.CASES)
    return cases


CASES = _load_cases()


def _all_routes(patterns: list, prefix: str = "") -> list[str]:
    routes: list[str] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            routes.extend(_all_routes(p.url_patterns, prefix + str(p.pattern)))
        elif isinstance(p, URLPattern):
            routes.append(prefix + str(p.pattern))
    return routes


def _resolve(value):
    return value() if callable(value) else value


@pytest.fixture(scope="module")
def sessions(demo_world, django_db_blocker) -> dict[str, str]:
    """One logged-in session per demo account for the whole module: account → session key.

    The sessions are stored with the demo world, outside the tests' transactions, so each test's own changes to
    them (a message, a language) roll back with the test; logging in afresh for every case and account (a session
    row and a ``last_login`` update each) took a quarter of this module's time. The world's teardown empties them.
    """
    from gaizao.accounts.models import User

    keys = {}
    with django_db_blocker.unblock():
        for user in User.objects.filter(username__in=ACCOUNTS):
            client = Client()
            client.force_login(user)
            keys[user.username] = client.session.session_key
    missing = set(ACCOUNTS) - {"anonymous"} - set(keys)
    assert not missing, f"the demo world has no account {sorted(missing)}"
    return keys


def _client_for(account: str, sessions: dict[str, str]) -> Client:
    client = Client(REMOTE_ADDR=f"10.9.{ACCOUNTS.index(account)}.1")
    if account != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[account]
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_access_matrix(case: Case, demo_world, sessions):
    missing = set(ACCOUNTS) - set(case.expect)
    assert not missing, f"case {case.name!r} does not say what {sorted(missing)} get"
    url = _resolve(case.url)
    wrong = []
    for account in ACCOUNTS:
        client = _client_for(account, sessions)
        data = _resolve(case.data)
        if case.json and data is not None:
            import json

            response = getattr(client, case.method)(
                url, data=json.dumps(data), content_type="application/json"
            )
        else:
            response = (
                getattr(client, case.method)(url, data=data)
                if data is not None
                else getattr(client, case.method)(url)
            )
        if response.status_code != case.expect[account]:
            wrong.append(f"{account}: expected {case.expect[account]}, got {response.status_code}")
    assert not wrong, f"{case.method.upper()} {url}\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_every_url_pattern_is_in_the_matrix(demo_world):
    covered = set()
    for case in CASES:
        covered.add(resolve(_resolve(case.url).split("?")[0]).route)
    uncovered = [
        route
        for route in _all_routes(get_resolver().url_patterns)
        if route not in covered and not route.startswith(UNCOVERED_ALLOWED) and route != "api/v1/"
    ]
    assert not uncovered, "URL patterns with no access-matrix case:\n" + "\n".join(sorted(uncovered))
