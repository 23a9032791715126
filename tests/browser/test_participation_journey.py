"""An organiser opens a consent vote; an owner logs in by phone with a one-time code and votes; the organiser enters
a paper and a door-to-door ballot; the tally moves; the vote closes with the Civil Code result and reasons; it is
published and the owner's receipt verifies on the public page."""

from __future__ import annotations

import os
import re

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
def demo_world(db, settings, tmp_path, monkeypatch):
    from django.db import connection

    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.divisions.services import divisions_load_hangzhou

    # the live server's request threads must not keep connections open past the test (PostgreSQL teardown)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    settings.DEBUG = True  # the one-time code is shown in the development banner
    settings.OTP_SENDER = "gaizao.participation.otp.SilentSender"
    settings.MEDIA_ROOT = tmp_path / "media"
    divisions_load_hangzhou()
    demo_accounts_load()
    try:
        from gaizao.registry.demo import load_demo as registry_demo
    except ImportError:  # pragma: no cover - the participation demo makes its own sample community
        registry_demo = None
    if registry_demo is not None:
        registry_demo(lambda _: None)
    from gaizao.participation.demo import demo_community, load_demo

    load_demo(lambda _: None)
    community = demo_community()
    # a consent vote is opened for a project (RULES §6a): the district has one for the community
    from gaizao.accounts.models import User
    from gaizao.programme import services as programme

    programme.project_create(actor=User.objects.get(username="shangcheng"), community_ids=[community.pk])
    return community


@pytest.fixture
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield chromium
        chromium.close()
        # ORM calls made while Playwright's event loop runs get their own connection (asgiref's context-local
        # storage); close them here, inside that context, so PostgreSQL can drop the test database.
        from django.db import connections

        connections.close_all()


def _page(browser, *, phone: bool = False):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


def _participating(page) -> int:
    page.wait_for_selector("#tally .pz-tally")
    return int(page.locator("#tally .pz-tally").get_attribute("data-participating"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_consent_vote_from_opening_to_verified_receipt(demo_world, live_server, browser):
    from gaizao.accounts.demo import DEMO_PASSWORD
    from gaizao.participation.models import Ballot
    from gaizao.registry.models import Owner

    community = demo_world
    base = live_server.url

    # The organiser opens a consent vote for the demo community
    organiser = _page(browser)
    organiser.goto(f"{base}/accounts/login/")
    organiser.fill("input[name=username]", "qingbomen")
    organiser.fill("input[name=password]", DEMO_PASSWORD)
    organiser.click("main form button[type=submit]")
    organiser.wait_for_url(f"{base}/")
    from gaizao.programme.models import Project

    project = Project.objects.get(communities=community)
    organiser.goto(f"{base}/programme/projects/{project.pk}/")
    organiser.select_option("#ballot-purpose", "renovation_consent")
    organiser.click("#open-project-ballot")
    organiser.wait_for_selector("[data-status=draft]")
    organiser.click("button[value=open]")
    organiser.wait_for_selector("[data-status=open]")
    ballot = Ballot.objects.get(project_ref=project.code, purpose="renovation_consent")
    assert ballot.matter == 7 and ballot.roll.count() > 10
    assert _participating(organiser) == 0
    assert organiser.locator("[data-outstanding]").get_attribute("data-outstanding") == str(
        len({e.owner_key for e in ballot.roll.all()})
    )

    # An owner logs in with the phone number and the code shown in the dev banner, on a phone-sized screen, and votes
    phones = list(
        Owner.objects.filter(units__building__community=community, is_developer=False)
        .exclude(phone="")
        .values_list("pk", "phone")
    )
    counts: dict[str, int] = {}
    for _, p in phones:
        counts[p] = counts.get(p, 0) + 1
    owner_id, phone = next((pk, p) for pk, p in phones if counts[p] == 1)
    resident = _page(browser, phone=True)
    resident.goto(f"{base}/participation/login/?next=/participation/ballots/{ballot.pk}/")
    resident.fill("input[name=phone]", phone)
    resident.click("button[name=send]")
    resident.wait_for_selector("[data-dev-code]")
    code = resident.locator("[data-dev-code]").get_attribute("data-dev-code")
    assert re.fullmatch(r"\d{6}", code)
    resident.fill("input[name=code]", code)
    resident.click("button[name=verify]")
    resident.wait_for_url(f"**/participation/ballots/{ballot.pk}/")
    resident.click("button[value=yes]")
    # irreversible: confirm in the dialog that summarises the action
    resident.click("dialog[data-confirm-dialog][open] button[value=confirm]")
    resident.wait_for_selector("[data-receipt]")
    receipt = resident.locator("[data-receipt]").get_attribute("data-receipt")
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", receipt)
    assert "同意" in resident.content()

    # The tally moves (HTMX polling) while the choice stays hidden from the organiser
    organiser.wait_for_selector("#tally .pz-tally[data-participating='1']", timeout=10_000)
    assert "各票选择对组织者保密" in organiser.inner_text("#tally")

    # The organiser enters a paper ballot (serial number and scan) and a door-to-door ballot (witness)
    others = list(
        dict.fromkeys(
            ballot.roll.exclude(owner_id=None)
            .exclude(owner_id=owner_id)
            .exclude(developer_held=True)
            .values_list("owner_id", flat=True)
        )
    )[:2]
    form = organiser.locator("#entry-form")
    form.locator("select[name=owner_id]").select_option(str(others[0]))
    form.locator("select[name=choice]").select_option("yes")
    form.locator("select[name=channel]").select_option("paper")
    form.locator("input[name=serial_number]").fill("QBM-0001")
    form.locator("input[name=scan]").set_input_files(
        {"name": "paper-0001.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n scanned"}
    )
    form.locator("button[type=submit]").click()
    organiser.wait_for_selector("[data-receipt]")
    assert _participating(organiser) == 2
    form = organiser.locator("#entry-form")
    form.locator("select[name=owner_id]").select_option(str(others[1]))
    form.locator("select[name=choice]").select_option("no")
    form.locator("select[name=channel]").select_option("door_to_door")
    form.locator("input[name=witness_name]").fill("楼道长 王阿姨")
    form.locator("input[name=scan]").set_input_files(
        {"name": "door-0003.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n signed at the door"}
    )
    form.locator("button[type=submit]").click()
    organiser.wait_for_selector("text=第 3 张")
    assert _participating(organiser) == 3

    # The vote closes with the Civil Code result and its reasons
    organiser.click("button[value=close]")
    # irreversible: confirm in the dialog that summarises the action
    organiser.click("dialog[data-confirm-dialog][open] button[value=confirm]")
    organiser.wait_for_selector("[data-status=closed]")
    organiser.wait_for_selector("#tally li[data-code='vote.quorum_not_met']")
    tally_text = organiser.inner_text("#tally")
    assert "民法典 第278条" in tally_text and "3 / " in tally_text

    # Published (公示); the public page shows the outcome, the reasons, masked units and a verified chain
    organiser.click("button[value=publish]")
    # irreversible: confirm in the dialog that summarises the action
    organiser.click("dialog[data-confirm-dialog][open] button[value=confirm]")
    organiser.wait_for_selector("[data-status=published]")
    public = _page(browser, phone=True)
    public.goto(f"{base}/participation/public/")
    public.click(f"a[href='/participation/public/ballots/{ballot.pk}/']")
    public.wait_for_selector("[data-chain-ok=true]")
    assert public.locator(".pz-outcome").get_attribute("data-approved") == "false"
    assert public.locator("li[data-code='vote.quorum_area_not_met']").count() == 1
    assert "*" in public.inner_text(".pz-units")

    # The owner's receipt verifies on the public receipt page
    public.click("text=查验回执")
    public.fill("input[name=code]", receipt)
    public.click("main form button[type=submit]")
    public.wait_for_selector("[data-counted]")
    assert public.locator("[data-counted]").get_attribute("data-counted") == "true"
    assert "已计入表决结果" in public.inner_text(".pz-receipt-result")
    for page in (organiser, resident, public):
        assert page.js_errors == []
