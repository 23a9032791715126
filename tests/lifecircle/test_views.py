"""The pages: index with the start button, job → result, run map and table, community page, siting, networks."""

from __future__ import annotations

import re

import pytest

from gaizao.lifecircle.models import AnalysisRun, RunStatus, SitingProposal

pytestmark = pytest.mark.django_db


def test_index_offers_the_district_run_to_its_officer(client, world):
    client.force_login(world["accounts"]["shangcheng"])
    html = client.get("/lifecircle/").content.decode()
    assert 'id="start-analysis"' in html
    assert "上城区" in html
    client.force_login(world["accounts"]["ndrc"])
    html = client.get("/lifecircle/").content.decode()
    assert 'id="start-analysis"' not in html


def test_start_button_leads_to_the_job_then_the_result(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["accounts"]["shangcheng"])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/lifecircle/runs/start/")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/jobs/")
    run = AnalysisRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    job_page = client.get(resp["Location"]).content.decode()
    assert f"/lifecircle/runs/{run.pk}/" in job_page
    page = client.get(f"/lifecircle/runs/{run.pk}/").content.decode()
    assert 'id="lc-run-map"' in page
    assert "小区C2" in page
    assert "elderly_care" in page
    assert (
        "© OpenStreetMap contributors" in page
    )  # the footer; the tiny network carries no attribution itself
    assert "<script>" not in page  # CSP: no inline script
    units = page.split('id="units"')[1]
    assert "小区C2" in units and "小区C5" in units


def test_street_implementer_cannot_start(client, world):
    client.force_login(world["accounts"]["qingbo"])
    resp = client.post("/lifecircle/runs/start/", follow=True)
    assert "只有区县住建和市级统筹" in resp.content.decode()
    assert AnalysisRun.objects.count() == 0


def test_run_page_lists_communities_lowest_score_first(client, run, world):
    client.force_login(world["accounts"]["shangcheng"])
    html = client.get(f"/lifecircle/runs/{run.pk}/?category=bus_stop").content.decode()
    names = re.findall(r"小区C\d", html.split('id="communities"')[1])
    assert names[0] == "小区C4"  # the fewest facilities in reach
    assert 'data-category="bus_stop"' in html


def test_community_page_shows_gaps_by_level(client, run, world):
    client.force_login(world["accounts"]["qingbomen"])
    c2 = world["communities"]["C2"]
    html = client.get(f"/lifecircle/communities/{c2.pk}/").content.decode()
    assert 'id="lc-community-map"' in html
    assert 'data-facility="elderly_day_care" data-level="5min"' in html
    assert "650 m" in html
    assert "elderly_care" in html


def test_community_page_without_a_run(client, world):
    client.force_login(world["accounts"]["shangcheng"])
    html = client.get(f"/lifecircle/communities/{world['communities']['C1'].pk}/").content.decode()
    assert "尚无生活圈分析结果" in html


def test_siting_form_to_result_to_saved(client, run, world):
    client.force_login(world["accounts"]["shangcheng"])
    assert client.get(f"/lifecircle/runs/{run.pk}/siting/").status_code == 200
    resp = client.post(f"/lifecircle/runs/{run.pk}/siting/", {"category": "elderly_day_care", "k": "2"})
    assert resp.status_code == 302
    page = client.get(resp["Location"]).content.decode()
    assert re.search(r'id="covered-before">1000<', page)
    assert re.search(r'id="covered-after">4700<', page)
    assert 'id="save-proposal"' in page
    proposal = SitingProposal.objects.get()
    resp = client.post(f"/lifecircle/siting/{proposal.pk}/save/", {"note": "试点"}, follow=True)
    assert 'id="saved-note"' in resp.content.decode()
    assert SitingProposal.objects.get().saved
    assert f"/lifecircle/siting/{proposal.pk}/" in client.get("/lifecircle/").content.decode()


def test_siting_form_shows_errors(client, run, world):
    client.force_login(world["accounts"]["shangcheng"])
    resp = client.post(f"/lifecircle/runs/{run.pk}/siting/", {"category": "elderly_day_care", "k": "99"})
    assert resp.status_code == 400
    assert "k must be" in resp.content.decode()


def test_a_run_without_catchments_draws_them_on_first_view(
    client, world, django_capture_on_commit_callbacks, monkeypatch
):
    from gaizao.lifecircle import services
    from gaizao.lifecircle.models import Catchment

    monkeypatch.setattr(services.runs, "CATCHMENT_MAX_COMMUNITIES", 2)  # the city run draws none up front
    with django_capture_on_commit_callbacks(execute=True):
        city_run = services.analysis_run_start(actor=world["accounts"]["city"])
    city_run.refresh_from_db()
    assert city_run.summary["catchments"] == 0
    client.force_login(world["accounts"]["city"])
    c2 = world["communities"]["C2"]
    data = client.get(f"/api/v1/lifecircle/communities/{c2.pk}/access").json()
    assert data["run"]["id"] == city_run.pk
    assert {f["properties"]["level"] for f in data["catchments"]["features"]} == {"5min", "10min", "15min"}
    assert Catchment.objects.filter(run=city_run, community=c2).count() == 3
    client.get(f"/api/v1/lifecircle/communities/{c2.pk}/access")
    assert Catchment.objects.filter(run=city_run, community=c2).count() == 3  # kept, not drawn twice


def test_readers_may_not_upload_or_site(client, run, world):
    client.force_login(world["accounts"]["ndrc"])
    resp = client.post("/lifecircle/networks/", {"name": "x"})
    assert resp.status_code == 403
    resp = client.post(f"/lifecircle/runs/{run.pk}/siting/", {"category": "elderly_day_care", "k": "2"})
    assert resp.status_code == 403


def test_bad_origin_mode_starts_nothing(client, world):
    client.force_login(world["accounts"]["shangcheng"])
    resp = client.post("/lifecircle/runs/start/", {"origin_mode": "bad"}, follow=True)
    assert "起点方式无效" in resp.content.decode()
    assert AnalysisRun.objects.count() == 0


def test_city_coordinator_chooses_a_district(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["accounts"]["city"])
    assert 'id="run-division"' in client.get("/lifecircle/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/lifecircle/runs/start/", {"division": "330106"})
    assert resp.status_code == 302
    run = AnalysisRun.objects.get()
    assert run.division.code == "330106"
    assert run.community_count == 1  # C3
    assert client.post("/lifecircle/runs/start/", {"division": "nope"}).status_code == 404
