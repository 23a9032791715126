"""The public portal in a real browser with the internet cut off: the progress map draws the districts (offline
base map beneath) and the completed community, the list beside it leads to the community's before / after page,
and neither page has a serious accessibility violation or a script error."""

from __future__ import annotations

import os

import pytest

from tests.browser.test_workbench_journey import browser, offline_context, serious_violations
from tests.oversight import conftest as _oversight

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

browser = browser
divs = _oversight.divs
accounts = _oversight.accounts
orgs = _oversight.orgs
community = _oversight.community
project = _oversight.project
delivery = _oversight.delivery
started = _oversight.started
world = _oversight.world
_media = _oversight._media


@pytest.fixture
def hangzhou(transactional_db):
    """Hangzhou's divisions with their boundaries, loaded before the oversight world reuses the same codes."""
    from gaizao.divisions.services import divisions_load_hangzhou

    divisions_load_hangzhou()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_progress_map_and_before_after_page(live_server, browser, hangzhou, world):
    qingbo = world["east"].project.communities.get()
    context, blocked = offline_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/public/")
    page.wait_for_selector("#portal-map[data-communities='1']", timeout=20000)
    assert int(page.get_attribute("#portal-map", "data-districts") or 0) >= 13
    page.wait_for_selector("#portal-map[data-basemap='ready']", timeout=20000)
    assert page.locator("#portal-map .leaflet-basemap-pane path").count() > 0
    assert serious_violations(page) == []
    page.click(f"#completed-list a[href='/public/completed/{qingbo.pk}/']")
    page.wait_for_selector("#funding")
    assert page.locator("#paid").inner_text() == "400000.00"
    assert serious_violations(page) == []
    assert not errors, errors
    assert not blocked, blocked
    context.close()
