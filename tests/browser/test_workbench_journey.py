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


@pytest.fixture(scope="module")
def browser():
    """One chromium for the module's tests (a launch costs about a second of CPU); each test opens its own
    contexts."""
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
    # operations are drawn from the vendored bundle (the point here: nothing comes from outside the server)
    assert page.locator(".swagger-ui .opblock").count() > 0
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
    # drawn at Leaflet's own size (a page-wide "svg { max-width: 100% }" once squashed every map to nothing)
    drawn = page.evaluate(
        """() => Array.from(document.querySelectorAll('#map svg, #map canvas')).map(e =>
            [Number(e.getAttribute('width')), Math.round(e.getBoundingClientRect().width)])"""
    )
    assert drawn and all(abs(attr - shown) <= 1 for attr, shown in drawn), drawn
    assert page.locator("#map .basemap-label.road").count() == 0  # road names only closer in
    page.evaluate("window.gaizaoMap.setView([30.255, 120.165], 15)")
    page.wait_for_selector("#map .basemap-label.road", timeout=10000)
    assert "中山北路" in page.locator("#map .basemap-label.road").all_inner_texts()
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
def demo_world(demo_world_each):
    """The session's demo world, afresh for each test (the live server commits)."""


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


def open_consent_ballot():
    """A community-wide consent ballot, opened on the demo community's roll (the owner 'resident' is on it)."""
    from gaizao.accounts.models import User
    from gaizao.participation import services
    from gaizao.participation.models import Ballot

    organiser = User.objects.get(username="qingbomen")
    demo = Ballot.objects.filter(is_sample=True).order_by("pk").first()
    ballot = services.ballot_create(
        actor=organiser,
        community_id=demo.community_id,
        purpose="other",
        matter=7,
        question="是否同意实施改造？",
    )
    return services.ballot_open(actor=organiser, ballot_id=ballot.pk)


@pytest.mark.browser
@pytest.mark.slow
def test_irreversible_actions_ask_first_with_a_summary(live_server, browser, demo_world):
    from gaizao.participation.models import Ballot, Vote

    ballot = open_consent_ballot()
    url = f"{live_server.url}/participation/ballots/{ballot.pk}/"
    context, blocked = offline_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    owner = context.new_page()
    log_in(owner, live_server.url, "resident")
    owner.goto(url)
    owner.click("button[name=choice][value=yes]")
    dialog = owner.locator("dialog[data-confirm-dialog][open]")
    dialog.wait_for()
    text = dialog.inner_text()
    assert "确认提交您的投票" in text and "同意" in text and "是否同意实施改造" in text
    dialog.locator("button[value=cancel]").click()
    assert owner.locator("dialog[data-confirm-dialog]").count() == 0
    assert not Vote.objects.filter(ballot=ballot).exists()  # cancelled: nothing recorded
    owner.click("button[name=choice][value=yes]")
    owner.locator("dialog[data-confirm-dialog][open] button[value=confirm]").click()
    owner.wait_for_selector("[data-receipt]")
    assert Vote.objects.filter(ballot=ballot, choice="yes").count() == 1
    context.close()

    context, blocked_staff = offline_context(browser, viewport={"width": 1280, "height": 900})
    organiser = context.new_page()
    log_in(organiser, live_server.url, "qingbomen")
    organiser.goto(url)
    organiser.click("button[value=close]")
    dialog = organiser.locator("dialog[data-confirm-dialog][open]")
    dialog.wait_for()
    assert "截止表决并计票" in dialog.inner_text() and "民法典第278条" in dialog.inner_text()
    organiser.keyboard.press("Escape")
    assert Ballot.objects.get(pk=ballot.pk).status == "open"
    organiser.click("button[value=close]")
    organiser.locator("dialog[data-confirm-dialog][open] button[value=confirm]").click()
    organiser.wait_for_selector("[data-status=closed]")
    assert Ballot.objects.get(pk=ballot.pk).status == "closed"
    organiser.click("button[value=publish]")
    organiser.locator("dialog[data-confirm-dialog][open] button[value=confirm]").click()
    organiser.wait_for_selector("[data-status=published]")
    assert not blocked and not blocked_staff
    context.close()


AXE = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))"""


def serious_violations(page) -> list[str]:
    """axe-core (vendored, served from our own static files, so the CSP allows it) on the page as it stands."""
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    return page.evaluate(AXE)


@pytest.mark.browser
@pytest.mark.slow
def test_main_pages_have_no_serious_accessibility_violations(live_server, browser, demo_world):
    from gaizao.lifecircle.models import AnalysisRun
    from gaizao.participation.models import Ballot
    from gaizao.programme.models import Project

    public, resident = public_and_resident_pages()
    ballot = Ballot.objects.order_by("pk").first()
    run = AnalysisRun.objects.order_by("pk").first()
    project = Project.objects.order_by("pk").first()
    staff = [
        "/",
        "/registry/",
        "/registry/screening/",
        "/registry/survey/",
        "/registry/map/",
        "/lifecircle/",
        f"/lifecircle/runs/{run.pk}/",
        "/programme/",
        f"/programme/projects/{project.pk}/",
        "/programme/consultations/",
        "/participation/",
        f"/participation/ballots/{ballot.pk}/",
        "/map/",
        f"/history/participation.ballot/{ballot.pk}/",
    ]
    found: dict[str, list[str]] = {}
    for who, urls in (
        ("", public),
        ("resident", resident),
        ("shangcheng", staff),
        ("city", ["/", "/programme/city/"]),
    ):
        context, blocked = offline_context(browser, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        if who:
            log_in(page, live_server.url, who)
        for url in urls:
            page.goto(f"{live_server.url}{url}")
            page.wait_for_load_state("networkidle")
            violations = serious_violations(page)
            if violations:
                found[f"{who or 'public'} {url}"] = violations
        assert not blocked, blocked
        context.close()
    assert not found, found


ROLES = ["city", "ndrc", "shangcheng", "qingbo", "qingbomen", "water", "resident"]


@pytest.mark.browser
@pytest.mark.slow
def test_each_role_goes_from_login_to_its_first_todo(live_server, browser, demo_world):
    open_consent_ballot()  # an open ballot: the owner's to-do, and the community's once it nears its close
    walked: dict[str, str] = {}
    for username in ROLES:
        context, blocked = offline_context(browser, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        log_in(page, live_server.url, username)
        assert page.locator("#todos").count() == 1, username
        cards = page.locator("#todos [data-todo]")
        assert cards.count() >= 1, f"{username} has no to-do list"
        for i in range(cards.count()):
            card = cards.nth(i)
            if int(card.get_attribute("data-count")) == 0:
                assert card.locator(".empty").count() == 1  # an empty state that says so
                continue
            key = card.get_attribute("data-todo")
            link = card.locator(".todo-items a").first
            target = link.get_attribute("href")
            with page.expect_navigation():
                link.click()
            assert page.url.endswith(target)
            assert page.locator("h1").count() >= 1
            walked[username] = f"{key} → {target}"
            break
        if page.locator("#figures").count():
            page.goto(f"{live_server.url}/")
            page.wait_for_selector("#figures[data-charts=ready]")
            assert page.locator("#home-chart-pools svg").count() == 1
        assert not errors, f"{username}: {errors}"
        assert not blocked, blocked
        context.close()
    assert "resident" in walked, walked  # the open ballot awaits the owner's vote
    assert {"water", "shangcheng"} & set(walked), walked  # a consultation awaits an opinion
