"""A district officer finds a community, reads why it is (not) in scope, and sees the communities on the map."""

from __future__ import annotations

import os

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
    from gaizao.registry.demo import load_demo

    divisions_load_hangzhou()
    demo_accounts_load()
    load_demo(lambda _: None)


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        console: list[str] = []
        pg.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
        pg.console_errors = console  # type: ignore[attr-defined]
        pg.js_errors = errors  # type: ignore[attr-defined]
        yield pg
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_district_officer_finds_community_reasons_and_map(demo_world, live_server, page):
    from gaizao.accounts.demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "shangcheng")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # The list, from the navigation
    page.click("a[data-nav='registry:list']")
    page.wait_for_selector("#community-table")
    assert "示例数据" in page.content()

    # Search
    page.fill("input[name=q]", "清波新村")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/registry/?q=*")
    rows = page.locator("#community-table tbody tr")
    assert rows.count() == 1
    assert "清波新村" in rows.first.inner_text()

    # Detail with the screening reasons and their clauses
    page.click("#community-table a:has-text('清波新村')")
    page.wait_for_selector("[data-testid=scope-reasons] li")
    reasons = page.locator("[data-testid=scope-reasons] li")
    assert reasons.count() >= 3
    assert "杭政办函〔2022〕10号" in reasons.first.inner_text()
    assert page.locator("#buildings table").count() >= 1

    # Edit: a comprehensive renovation last year takes the community out of the priority scope, with the reason
    from django.utils import timezone

    last_year = str(timezone.localdate().year - 1)
    page.click("#edit summary")
    page.fill("#edit input[name=last_comprehensive_renovation_year]", last_year)
    page.fill("#edit input[name=reason]", f"补录{last_year}年综合改造")
    page.click("#edit button[type=submit]")
    page.wait_for_selector(".msg")
    assert page.locator("[data-testid=scope-reasons] li[data-code='scope.recent_renovation']").count() == 1
    assert page.locator("#screening .scope-badge").get_attribute("data-status") == "out_of_scope"

    # A 西湖区 community is not reachable by id
    from gaizao.registry.models import Community

    xihu = Community.objects.filter(district_code="330106").first()
    response = page.goto(f"{live_server.url}/registry/communities/{xihu.pk}/")
    assert response is not None and response.status == 404

    # The map: markers or clusters appear once the GeoJSON has loaded
    page.goto(f"{live_server.url}/registry/map/")
    try:
        page.wait_for_selector("#registry-map[data-loaded]", state="attached", timeout=20000)
    except Exception as exc:
        raise AssertionError(f"map did not load: {page.js_errors} {page.console_errors}") from exc  # type: ignore[attr-defined]
    loaded = page.get_attribute("#registry-map", "data-loaded")
    assert (
        loaded is not None
        and loaded != "error"
        and int(loaded) == Community.objects.filter(district_code="330102").count()
    )
    page.wait_for_selector(".marker-cluster, path.leaflet-interactive", timeout=10000)
    shown = page.locator(".marker-cluster").count() + page.locator("path.leaflet-interactive").count()
    assert shown > 0
    assert not page.js_errors  # type: ignore[attr-defined]
