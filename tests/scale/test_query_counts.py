"""Lists run a constant number of queries whatever their length, and never load a boundary polygon.

Each list is fetched through real HTTP with 5 rows and again with 50: the query count must not change, and no
query may select a division's or a community's ``boundary`` (a district's is ~47 KB of GeoJSON that would be
decoded once per row)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gaizao.programme.models import Plan, PlanVersion, Project, ProjectCommunity

from .conftest import make_communities

pytestmark = pytest.mark.django_db

BOUNDARY_COLUMNS = ('"divisions_division"."boundary"', '"registry_community"."boundary"', 'T3."boundary"')


def _queries(user, url: str, params: dict | None = None) -> list[str]:
    client = Client()
    client.force_login(user)
    client.get(url, params or {})  # warm the session and the content-type cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:500]
    return [q["sql"] for q in ctx.captured_queries]


def _no_boundary(sqls: list[str]) -> None:
    for sql in sqls:
        if sql.startswith('SELECT "divisions_division"."id"') and sql.endswith("LIMIT 21"):
            continue  # the signed-in user's own division, once per request (accounts.access.scope_path)
        for column in BOUNDARY_COLUMNS:
            assert column not in sql, f"a list loaded a boundary: {sql[:300]}"


def _projects(divs, communities) -> list[Project]:
    out = []
    for c in communities:
        project = Project.objects.create(
            code=f"P-{c.code}", name=f"{c.name}改造", division=c.division, district=divs["330102"]
        )
        ProjectCommunity.objects.create(project=project, community=c)
        plan = Plan.objects.create(project=project)
        version = PlanVersion.objects.create(
            plan=plan, number=1, mode="basic", estimate=Decimal("100.00"), funding_total=Decimal("100.00")
        )
        plan.current_version = version
        plan.save(update_fields=["current_version"])
        out.append(project)
    return out


LISTS = [
    ("/registry/", {}),
    ("/registry/", {"q": "规模", "status": "priority"}),
    ("/registry/screening/", {}),
    ("/registry/survey/", {}),
    ("/registry/survey/", {"district": "330102"}),
    ("/api/v1/registry/screening", {}),
    ("/api/v1/registry/completeness", {}),
    ("/api/v1/registry/communities", {"limit": 100}),
    ("/api/v1/registry/communities.geojson", {}),
    ("/api/v1/programme/projects", {}),
    ("/programme/", {}),
]


@pytest.mark.parametrize(("url", "params"), LISTS)
def test_list_queries_do_not_grow_with_rows(accounts, divs, url, params):
    city = accounts["city"]
    few = make_communities(divs, 5, start=0)
    _projects(divs, few)
    small = _queries(city, url, params)
    more = make_communities(divs, 45, start=5)
    _projects(divs, more)
    large = _queries(city, url, params)
    assert len(large) == len(small), "\n".join(large)
    _no_boundary(small + large)


def test_projects_api_returns_plan_and_communities_of_each(accounts, divs):
    communities = make_communities(divs, 3)
    _projects(divs, communities)
    client = Client()
    client.force_login(accounts["shangcheng"])
    rows = client.get("/api/v1/programme/projects").json()
    assert [r["code"] for r in rows] == ["P-S00000", "P-S00001", "P-S00002"]
    assert rows[0]["communities"] == [{"id": communities[0].pk, "code": "S00000", "name": "规模测试0号小区"}]
    assert rows[0]["plan_version"] == 1 and rows[0]["estimate"] == "100.00"
    after = client.get("/api/v1/programme/projects", {"after": "P-S00000", "limit": 1}).json()
    assert [r["code"] for r in after] == ["P-S00001"]
    assert client.get("/api/v1/programme/projects").status_code == 200
    assert Client().get("/api/v1/programme/projects").status_code == 401
