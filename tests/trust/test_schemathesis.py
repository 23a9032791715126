"""Schemathesis over the whole API: every operation, as 上城区's district officer with a token, against the
participation world (a community with owners, units and accounts). No request may answer 5xx.

Bounded and reproducible: a fixed number of examples per operation, derandomised (Hypothesis's fixed seed), no
example database. The whole run is one test so the world is built once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from gaizao.accounts.services import api_token_create

EXAMPLES_PER_OPERATION = 5

pytestmark = pytest.mark.slow


@pytest.fixture
def api_schema(db):
    """The API's schema, called through the WSGI application inside the test's transaction (as Django's test
    client does, the per-request connection cleanup is switched off meanwhile)."""
    from django.core.signals import request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)


def _examples(operation: Any, headers: dict[str, str], failures: list[str]) -> Callable[[], None]:
    """A Hypothesis test that calls ``operation`` with generated requests and records each 5xx answer."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(
                f"{operation.method.upper()} {operation.path} → {response.status_code}: "
                f"{case.as_curl_command(headers=headers)}"
            )

    return run


def test_no_operation_answers_a_server_error(api_schema, world, accounts):
    _, raw = api_token_create(user=accounts["shangcheng"], name="schemathesis")
    headers = {"Authorization": f"Bearer {raw}"}
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operations += 1
        try:
            _examples(result.ok(), headers, failures)()
        except Unsatisfiable:
            continue
    assert operations >= 90
    assert not failures, "\n".join(failures)
