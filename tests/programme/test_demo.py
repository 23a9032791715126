"""The demo world and the access matrix over it (one demo load for both; the full-project matrix test runs the
same CASES)."""

from __future__ import annotations

import pytest
from django.test import Client

from gaizao.accounts.models import User
from gaizao.programme.models import AnnualPlan, Consultation, Project, Publication, UnitRate

from .matrix import CASES

pytestmark = pytest.mark.django_db


def _run_case(case, clients) -> list[str]:
    url = case.url() if callable(case.url) else case.url
    data = case.data() if callable(case.data) else case.data
    failures = []
    for account, expected in case.expect.items():
        client = clients[account]
        if case.method == "post" and case.json:
            response = client.post(url, data or {}, content_type="application/json")
        else:
            response = getattr(client, case.method)(url, data or {})
        if response.status_code != expected:
            failures.append(
                f"{case.name} [{account}] {case.method.upper()} {url}: {response.status_code} != {expected}"
            )
    return failures


@pytest.mark.slow
def test_demo_world_and_access_matrix():
    from gaizao.web.demo import demo_load

    lines: list[str] = []
    demo_load(out=lines.append)
    assert any("项目 / programme" in line for line in lines)
    assert UnitRate.objects.filter(division__code="330100").exists()
    assert UnitRate.objects.filter(division__code="330106").exists()
    projects = Project.objects.filter(is_sample=True)
    if not projects.exists():
        pytest.skip("registry demo has no communities yet")
    assert set(projects.values_list("district__code", flat=True)) == {"330102", "330106"}
    assert set(projects.values_list("state", flat=True)) >= {"reserve", "planning"}
    assert Consultation.objects.filter(
        project__district__code="330102", opinions__department="water"
    ).exists()
    assert Publication.objects.filter(comments__isnull=False).exists()
    assert AnnualPlan.objects.filter(district__code="330102", state="draft").exists()
    count = projects.count()
    demo_load(out=lines.append)
    assert Project.objects.filter(is_sample=True).count() == count

    clients = {}
    for account in ("anonymous", *[u for u in User.objects.values_list("username", flat=True)]):
        client = Client()
        if account != "anonymous":
            client.force_login(User.objects.get(username=account))
        clients[account] = client
    failures = [f for case in CASES for f in _run_case(case, clients)]
    assert not failures, "\n".join(failures)
    # the matrix changed nothing
    assert Project.objects.filter(is_sample=True, state="implementing").count() == 0
    assert AnnualPlan.objects.get(district__code="330102", state="draft").version == 0
