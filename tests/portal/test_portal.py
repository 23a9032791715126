from __future__ import annotations

import pytest

from gaizao.divisions.models import Division
from gaizao.portal.selectors import district_progress, published_figures, totals
from gaizao.registry.models import Community, ScopeStatus


@pytest.fixture
def world(db):
    from gaizao.divisions.services import divisions_load_hangzhou

    divisions_load_hangzhou()
    qingbo = Division.objects.get(code="330102001")
    xihu_street = Division.objects.filter(parent__code="330106").first()
    for i, (division, status) in enumerate(
        [
            (qingbo, ScopeStatus.PRIORITY),
            (qingbo, ScopeStatus.PRIORITY),
            (xihu_street, ScopeStatus.MAY_INCLUDE),
        ]
    ):
        Community.objects.create(code=f"T{i}", name=f"测试小区{i}", division=division, scope_status=status)
    Community.objects.create(
        code="ARCH",
        name="已归档",
        division=qingbo,
        scope_status=ScopeStatus.PRIORITY,
        archived_at="2024-01-01T00:00Z",
    )


def test_progress_counts_by_district_and_leaves_archived_out(world):
    progress = {row["code"]: row for row in district_progress()}
    assert progress["330102"]["scope"] == {"priority": 2}
    assert progress["330106"]["scope"] == {"may_include": 1}
    assert totals(list(progress.values()))["priority"] == 2
    assert len(progress) == 14


def test_published_figures_carry_their_source():
    figures = published_figures()
    assert figures[0].indicator == "截至2022年底累计开工改造老旧小区数" and figures[0].value == "1057"
    assert all(f.source_url.startswith("http") for f in figures)


def test_portal_is_public_and_shows_no_personal_data(client, world):
    page = client.get("/public/")
    html = page.content.decode()
    assert page.status_code == 200 and "公众门户" in html and 'id="kpi-priority">2<' in html
    data = client.get("/public/progress.json").json()
    assert {d["code"] for d in data["districts"]} >= {"330102", "330106"}
    assert "phone" not in page.content.decode()
