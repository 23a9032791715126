"""The workbench in a real browser with the internet cut off: API docs, role home pages, phones, accessibility."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

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
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def offline_context(browser, **kwargs):
    """A browser context in which every request to a host other than the live server is refused."""
    context = browser.new_context(**kwargs)
    blocked: list[str] = []

    def gate(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in {"localhost", "127.0.0.1"}:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", gate)
    return context, blocked


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_api_docs_render_with_the_network_off(live_server, browser):
    context, blocked = offline_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector("#swagger-ui[data-loaded='1']", timeout=20000)
    page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Gaizao API")
    assert page.locator(".swagger-ui .opblock").count() > 10
    assert not blocked, f"requests outside the server: {blocked}"
    assert not errors, errors
    context.close()


def log_in(page, base_url: str, username: str) -> None:
    from gaizao.accounts.demo import DEMO_PASSWORD

    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_maps_draw_an_offline_base_layer_that_shows_where_you_are(live_server, browser):
    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.divisions.models import Division
    from gaizao.divisions.services import divisions_load_hangzhou
    from gaizao.registry.models import Community

    divisions_load_hangzhou()
    demo_accounts_load()
    Community.objects.create(
        code="WB-1",
        name="清波小区",
        division=Division.objects.get(name="清波门社区"),
        lon=120.165,
        lat=30.243,
    )
    context, blocked = offline_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server.url, "shangcheng")
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector("#map[data-loaded='13'][data-basemap='ready']", timeout=20000)
    assert page.locator("#map .basemap-label.district").count() == 13
    assert page.locator("#map .basemap-label.street").count() == 0  # street names only when zoomed in
    assert page.locator("#map .basemap-legend").count() == 1
    page.evaluate("window.gaizaoMap.setView([30.243, 120.165], 14)")
    page.wait_for_selector("#map .basemap-label.street", timeout=10000)
    assert "清波街道" in page.locator("#map .basemap-label.street").all_inner_texts()
    roads = page.locator("#map .leaflet-basemap-pane path").count()
    assert roads > 13, roads  # district outlines plus main roads
    assert not blocked, blocked
    assert not errors, errors
    context.close()


PHONE = {"width": 390, "height": 844}


def public_and_resident_pages() -> tuple[list[str], list[str]]:
    """The public pages and the resident's pages of the demo world (ids looked up, not guessed)."""
    from gaizao.participation.models import Ballot
    from gaizao.programme.models import Publication

    public = [
        "/public/",
        "/participation/public/",
        "/participation/public/receipt/",
        "/programme/public/",
        "/accounts/login/",
        "/participation/login/",
    ]
    published = Ballot.objects.filter(status="published").order_by("pk").first()
    if published is not None:
        public.append(f"/participation/public/ballots/{published.pk}/")
    publication = Publication.objects.exclude(state="withdrawn").order_by("pk").first()
    if publication is not None:
        public.append(f"/programme/public/{publication.public_id}/")
    resident = ["/", "/participation/", "/participation/reports/"]
    if published is not None:
        resident.append(f"/participation/ballots/{published.pk}/")
    return public, resident


@pytest.fixture
def demo_world(transactional_db):
    from gaizao.web.demo import demo_load

    demo_load(lambda line: None)


@pytest.mark.browser
@pytest.mark.slow
def test_public_and_resident_pages_fit_a_phone(live_server, browser, demo_world, tmp_path):
    public, resident = public_and_resident_pages()
    assert len(public) >= 8, public  # the demo has a published ballot and a publication
    context, blocked = offline_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    wide: dict[str, int] = {}

    def check(url: str, who: str) -> None:
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(tmp_path / f"{who}{url.replace('/', '_')}.png"), full_page=True)
        if width > PHONE["width"]:
            wide[f"{who} {url}"] = width

    for url in public:
        check(url, "public")
    log_in(page, live_server.url, "resident")
    for url in resident:
        check(url, "resident")
    assert not wide, f"pages wider than 390 px: {wide}"
    assert not blocked, blocked
    context.close()
