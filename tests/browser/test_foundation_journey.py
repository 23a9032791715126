"""Every demo role logs in, sees its own navigation, and (staff) sees the district map drawn offline."""

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

#: account → navigation entries it must see, and entries it must not see
EXPECTED_NAV = {
    "city": ({"web:home", "web:map", "web:tokens"}, set()),
    "ndrc": ({"web:home", "web:map"}, set()),
    "shangcheng": ({"web:home", "web:map", "web:tokens"}, set()),
    "qingbo": ({"web:home", "web:map"}, set()),
    "qingbomen": ({"web:home", "web:map"}, set()),
    "water": ({"web:home", "web:map"}, set()),
    "resident": ({"web:home"}, {"web:map", "web:tokens"}),
    "public": ({"web:home"}, {"web:map", "web:tokens"}),
}


@pytest.fixture(scope="module")
def browser():
    """One chromium for the module's tests (a launch costs about a second of CPU); each test opens its own
    contexts."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_role_logs_in_sees_its_navigation_and_the_map(live_server, browser):
    from gaizao.accounts.demo import DEMO_PASSWORD, demo_accounts_load
    from gaizao.divisions.services import divisions_load_hangzhou

    divisions_load_hangzhou()
    demo_accounts_load()
    for username, (must, must_not) in EXPECTED_NAV.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.goto(f"{live_server.url}/")
        page.wait_for_url("**/accounts/login/**")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        shown = set(page.eval_on_selector_all("nav.mainnav a", "els => els.map(e => e.dataset.nav)"))
        assert must <= shown, f"{username} misses {must - shown}"
        assert not (must_not & shown), f"{username} should not see {must_not & shown}"
        assert page.locator(".who[data-role]").count() == 1
        if "web:map" in must:
            page.click("nav.mainnav a[data-nav='web:map']")
            page.wait_for_selector("#map[data-loaded='13']", timeout=15000)
            # 13 district outlines drawn as canvas paths with no tile server and no CDN
            assert page.locator("#map .leaflet-interactive, #map canvas").count() >= 1
        assert not errors, f"{username}: JavaScript errors {errors}"
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wrong_password_is_refused_and_english_is_available(live_server, browser):
    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.divisions.services import divisions_load_hangzhou

    divisions_load_hangzhou()
    demo_accounts_load()
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "city")
    page.fill("input[name=password]", "not-the-password")
    page.click("main form button[type=submit]")
    assert "用户名或密码错误" in page.locator("[role=alert]").inner_text()
    with page.expect_navigation():
        page.click("form.lang button")
    assert page.locator("h1").inner_text() == "Log in"
