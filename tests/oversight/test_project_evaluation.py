"""Per-project performance evaluation (五, 三(三)3) through HTTP on the world of conftest.py: outputs against the
plan, cost and budget execution, timeliness, quality, the life circle before and after the works (read through
gaizao.lifecircle's selector), satisfaction; the page, the API and the Word report with its chart images drawn in
the CJK font; a missing font refuses the report instead of drawing boxes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from gaizao.lifecircle import storage
from gaizao.lifecircle.models import AnalysisRun, CommunityAccess, RoadNetwork, RunStatus
from gaizao.oversight import charts
from gaizao.programme.models import Project

API = "/api/v1/oversight"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def life_circle(world, divs):
    """Two analyses of 上城区: one finished the day before works started (养老院 and 初中 gaps), one today (初中)."""
    network = RoadNetwork.objects.create(
        name="测试路网", file_path="package:test.geojson", file_sha256="0" * 64, division=divs["330102"]
    )
    community = world["east"].project.communities.get()
    now = timezone.now()
    # results in the compact per-run layout (gaizao.lifecircle.storage): the checks, then one met bit per check
    layout = storage.layout_for(
        ["nursing_home", "junior_high_school", "x"],
        [("15", "x", 1000.0), ("15", "nursing_home", 1000.0), ("15", "junior_high_school", 1000.0)],
        names={},
        items_of={},
    )
    for finished, gaps, met, score in (
        (now - dt.timedelta(days=2), ["nursing_home", "junior_high_school"], [True, False, False], 60.0),
        (now, ["junior_high_school"], [True, True, False], 80.0),
    ):
        run = AnalysisRun.objects.create(
            network=network,
            division=divs["330102"],
            status=RunStatus.SUCCEEDED,
            finished_at=finished,
            result_layout=layout,
        )
        CommunityAccess.objects.create(
            run=run,
            community=community,
            gap_facilities=gaps,
            gap_count=len(gaps),
            met_bits=storage.pack_met(met),
            distance_blob=storage.pack_distances([None, None, None]),
            score=score,
        )
    return community


@pytest.fixture
def backdated(world, life_circle):
    """Works started three days ago on the audit trail (the first 开工 move is dated by its ``on``)."""
    from django.contrib.contenttypes.models import ContentType

    from gaizao.audit.models import AuditEvent
    from gaizao.delivery.models import Delivery
    from gaizao.delivery.selectors import STARTED_ACTION

    event = AuditEvent.objects.get(
        content_type=ContentType.objects.get_for_model(Delivery),
        object_id=str(world["east"].pk),
        action=STARTED_ACTION,
    )
    event.changes = {**(event.changes or {}), "on": (timezone.localdate() - dt.timedelta(days=1)).isoformat()}
    event.save(update_fields=["changes"])
    return world


def test_project_evaluation_page_api_and_word_report(backdated, accounts):
    from docx import Document

    world = backdated
    pk = world["east"].project_id
    Project.objects.filter(pk=pk).update(name="清波小区综合改造\x0b（一期）")  # a control character
    city = _client(accounts["city"])

    data = city.get(f"{API}/project-evaluations/{pk}").json()
    assert data["project"]["code"] == "P-SC-001" and data["project"]["households"] == 320
    outputs = {o["item_id"]: o for o in data["outputs"]}
    assert outputs["rain_sewage_separation"]["planned"] == "1200"
    assert outputs["rain_sewage_separation"]["delivered"] is None  # no acceptance recorded
    cost = data["cost"]
    assert cost["estimate"] == "1920000.00" and cost["total"]["paid"] == "400000.00"
    assert cost["cost_ratio"] == "0.2083"
    funds = next(s for s in cost["sources"] if s["source"] == "district_funds")
    assert funds["planned"] == "1920000.00" and funds["paid"] == "400000.00"
    assert data["timeliness"]["started_on"] == (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert data["quality"] == {
        "inspections": 0,
        "findings": 0,
        "orders": 0,
        "closed": 0,
        "open": 0,
        "overdue": 0,
        "order_ids": [],
    }
    (life,) = data["effects"]["life_circle"]
    assert life["before_score"] == "60.0" and life["after_score"] == "80.0"
    assert life["closed"] == ["养老院"] and life["opened"] == []
    assert life["reachable_before"] == 1 and life["reachable_after"] == 2
    assert data["satisfaction"]["mean"] is None  # not handed over: no residents' 六有 evaluation yet

    page = city.get(f"/oversight/evaluation/projects/{pk}/").content.decode()
    assert 'id="paid">400000.00<' in page and '<td class="closed">养老院</td>' in page
    listing = city.get("/oversight/evaluation/projects/").content.decode()
    assert f'href="/oversight/evaluation/projects/{pk}/"' in listing

    for url in (
        f"{API}/project-evaluations/{pk}/report.docx",
        f"/oversight/evaluation/projects/{pk}/report.docx",
    ):
        r = city.get(url)
        assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
        doc = Document(io.BytesIO(r.content))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "清波小区综合改造（一期）绩效评价报告" in text and "\x0b" not in text
        assert "支付 400000.00 元" in text
        images = [rel.target_part for rel in doc.part.rels.values() if "image" in rel.reltype]
        assert len(images) == 3  # outputs, funding, life circle before/after
        assert all(part.blob.startswith(b"\x89PNG") for part in images)

    # scope: 西湖区 cannot read 上城区's project; a resident reads no oversight page
    assert _client(accounts["xihu"]).get(f"{API}/project-evaluations/{pk}").status_code == 404
    assert _client(accounts["xihu"]).get(f"/oversight/evaluation/projects/{pk}/").status_code == 404
    assert _client(accounts["resident"]).get(f"/oversight/evaluation/projects/{pk}/").status_code == 404


def test_district_report_carries_chart_images(targets, accounts):
    from docx import Document

    r = _client(accounts["city"]).get(f"{API}/evaluations/{targets['year']}/330102/report.docx")
    doc = Document(io.BytesIO(r.content))
    images = [rel.target_part for rel in doc.part.rels.values() if "image" in rel.reltype]
    assert len(images) == 2  # targets vs actual, budget execution per project
    assert "图1 年度目标完成率" in "\n".join(p.text for p in doc.paragraphs)


def test_charts_use_the_cjk_font_and_refuse_without_it(monkeypatch):
    assert charts.cjk_font_path().endswith("NotoSansCJK-Regular.ttc")
    png = charts.grouped_bars(
        "目标与实际", ["开工", "完工"], [("目标", [2, 1]), ("实际", [1, 1])], ylabel="个"
    )
    assert png.startswith(b"\x89PNG")
    monkeypatch.setattr(charts, "CJK_FAMILY", "No Such CJK Font")
    charts.cjk_font_path.cache_clear()
    try:
        with pytest.raises(charts.ChartFontMissing) as exc:
            charts.ratio_bars("完成率", ["雨污分流"], [0.5])
        assert "fonts-noto-cjk" in exc.value.message
    finally:
        charts.cjk_font_path.cache_clear()


def test_the_list_shows_its_first_rows_by_code_with_the_total(world, accounts, monkeypatch):
    """The evaluation list reads the facts of the rows it shows only; the total counts every delivery in scope."""
    from gaizao.delivery import selectors as delivery_selectors
    from gaizao.oversight import views

    scope = delivery_selectors.deliveries_for(accounts["city"])
    codes = sorted(scope.values_list("project__code", flat=True))
    assert len(codes) >= 2
    monkeypatch.setattr(views, "LIST_ROWS", 1)
    listing = _client(accounts["city"]).get("/oversight/evaluation/projects/").content.decode()
    assert listing.count("data-project=") == 1
    first = Project.objects.get(code=codes[0])
    assert f'data-project="{first.pk}"' in listing
    assert 'id="evaluated-matches"' in listing
    assert f"{len(codes)} " in listing.split('id="evaluated-matches"', 1)[1].split("</p>", 1)[0]
    monkeypatch.setattr(views, "LIST_ROWS", 300)
    listing = _client(accounts["city"]).get("/oversight/evaluation/projects/").content.decode()
    assert listing.count("data-project=") == len(codes)
    assert 'id="evaluated-matches"' not in listing
