"""Issue 5, "Done when", in a real browser: the 上城区 officer runs the life-circle analysis for the district from
the web page, watches its progress to completion, opens a community's gaps and catchments on the map, asks where
to put a missing elderly day-care centre (日间照料中心) among the stock sites with k=2, gets the answer with the
residents covered before and after, and saves it as a proposal.

The world is the demo's: the Hangzhou divisions, the demo accounts, the registry demo (920 compounds, OSM bus stops,
generated facilities and stock sites) and the packaged OSM central-Hangzhou road network. A background worker is
simulated by a thread that runs the queued job a moment after it is enqueued, so the job page is seen moving.
"""

from __future__ import annotations

import os
import re
import threading
import time

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def demo_world(db):
    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.divisions.services import divisions_load_hangzhou
    from gaizao.lifecircle.services import network_register_packaged_osm
    from gaizao.registry.demo import load_demo

    divisions_load_hangzhou()
    demo_accounts_load()
    load_demo(lambda _: None)
    network_register_packaged_osm(actor=None)


@pytest.fixture
def worker(monkeypatch):
    """Run each enqueued job in a thread after a short delay, as the task worker would."""
    from types import SimpleNamespace

    from django.db import connection

    from gaizao.jobs import services as jobs

    threads: list[threading.Thread] = []

    def work(job_id: str) -> None:
        time.sleep(1.5)
        try:
            jobs.job_run(job_id)
        finally:
            connection.close()

    def enqueue(job_id: str) -> None:
        thread = threading.Thread(target=work, args=(job_id,), daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(jobs, "run_job_task", SimpleNamespace(enqueue=enqueue))
    yield threads
    for thread in threads:
        thread.join(timeout=120)


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        # Failed requests are recorded by URL below (the browser's own /favicon.ico probe is not ours).
        pg.on(
            "console",
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and "Failed to load resource" not in msg.text
                else None
            ),
        )
        pg.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        pg.js_errors = errors  # type: ignore[attr-defined]
        yield pg
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lifecircle_journey(demo_world, worker, live_server, page):
    from gaizao.accounts.demo import DEMO_PASSWORD
    from gaizao.lifecircle.models import AnalysisRun, SitingProposal

    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "shangcheng")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")

    # From the navigation to the life-circle page; start the district's analysis.
    page.click("a[data-nav='lifecircle:index']")
    page.wait_for_selector("#start-analysis")
    assert "上城区" in page.inner_text("#start-analysis")
    page.click("#start-analysis")

    # The job page: watch it move from queued to done, then follow it to the result.
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]+/$"))
    first_status = page.get_attribute("div.job", "data-status")
    assert first_status in {"queued", "running"}
    page.wait_for_selector("div.job[data-status=succeeded]", timeout=120_000)
    assert "100" in page.get_attribute("div.job .progress", "aria-valuenow")
    job_text = page.inner_text("div.job")
    assert "6/6" in job_text
    page.click("div.job a.button")
    page.wait_for_url(re.compile(r".*/lifecircle/runs/\d+/$"))
    run = AnalysisRun.objects.get()
    assert run.status == "succeeded"
    assert run.community_count > 200

    # The run: a map of the district's communities coloured for the chosen category, and the table.
    shown = page.get_attribute("#lc-run-map", "data-category")
    page.wait_for_selector(f"#lc-run-map[data-shown='{shown}']", timeout=30_000)
    assert int(page.get_attribute("#lc-run-map", "data-loaded")) == run.community_count
    assert page.locator("#lc-run-map canvas").count() == 1  # markers are drawn on a canvas
    page.select_option("#category", "kindergarten")
    page.wait_for_selector("#lc-run-map[data-shown='kindergarten']", timeout=30_000)
    assert int(page.get_attribute("#lc-run-map", "data-gaps")) > 0
    assert page.locator("#communities tbody tr").count() >= 50
    assert "© OpenStreetMap contributors" in page.inner_text("#lc-run-legend")

    # The table is filtered on the server (HTMX swaps it) and the map shows the same communities.
    page.select_option("#filter-gap", "kindergarten")
    page.wait_for_selector("#results[data-query='gap=kindergarten']", timeout=30_000)
    page.wait_for_function(
        "() => { const m = document.getElementById('lc-run-map'), r = document.getElementById('results');"
        " return m.dataset.query === r.dataset.query && m.dataset.loaded === r.dataset.count; }",
        timeout=30_000,
    )
    filtered = int(page.get_attribute("#results", "data-count"))
    assert 0 < filtered < run.community_count
    assert int(page.get_attribute("#lc-run-map", "data-gaps")) == filtered  # each one lacks a kindergarten
    assert (
        "gap=kindergarten" in page.url and page.get_attribute("#lc-run-map", "data-shown") == "kindergarten"
    )
    page.select_option("#filter-gap", "")
    page.wait_for_selector("#results[data-query='']", timeout=30_000)
    page.wait_for_function(
        f"() => document.getElementById('lc-run-map').dataset.loaded === '{run.community_count}'",
        timeout=30_000,
    )

    # A community joined to the network: its catchments (5/10/15 min) and facilities on the map, gaps by level.
    row = page.locator("#communities tbody tr").filter(has_not_text="未接入路网").first
    name = row.locator("a").first.inner_text()
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/lifecircle/communities/\d+/$"))
    assert name in page.inner_text("h1")
    page.wait_for_selector("#lc-community-map[data-loaded='1']", timeout=30_000)
    assert page.get_attribute("#lc-community-map", "data-catchments") == "3"
    assert int(page.get_attribute("#lc-community-map", "data-facilities")) > 0
    assert page.locator("#gap-list h3").count() >= 4
    assert page.locator("#gap-list li[data-facility]").count() > 0
    assert "OpenStreetMap" in page.inner_text("#lc-community-map .leaflet-control-attribution")

    # Siting: elderly day care, k = 2, among the district's stock sites.
    page.goto(f"{base}/lifecircle/runs/{run.pk}/")
    page.click("text=存量空间选址")
    page.wait_for_selector("#siting-form")
    page.select_option("#siting-category", "elderly_day_care")
    page.fill("#siting-k", "2")
    page.click("#siting-submit")
    page.wait_for_url(re.compile(r".*/lifecircle/siting/\d+/$"))
    before = int(page.inner_text("#covered-before"))
    after = int(page.inner_text("#covered-after"))
    assert after > before
    assert page.locator("#chosen-sites tbody tr").count() == 2
    page.wait_for_selector("#lc-siting-map[data-sites='2']", timeout=30_000)
    proposal = SitingProposal.objects.get()
    assert (proposal.covered_before, proposal.covered_after) == (before, after)
    assert "HiGHS" in proposal.solver

    # Save it as a proposal; the life-circle page lists it.
    page.fill("#save-form input[name=note]", "日间照料中心两处")
    page.click("#save-proposal")
    page.wait_for_selector("#saved-note")
    page.goto(f"{base}/lifecircle/")
    assert f"/lifecircle/siting/{proposal.pk}/" in page.content()

    assert page.js_errors == []  # type: ignore[attr-defined]
