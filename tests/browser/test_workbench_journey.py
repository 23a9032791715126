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
