"""Issue 13, "Done when": long-term management in a real browser, as new users would run it.

A handed-over community gets a property contract, an opening fund balance and a top-up approved by the owners'
3/4 ballot, a public disclosure; the community adopts its 管理规约 by uploading the text with the matter-2 ballot;
follow-ups are scheduled and the street records the 12-month inspection on a phone with a photo and an order to the
contractor; once the contractor has rectified (delivery's own flow, browser-tested there) the finding shows closed;
the public page (no login) shows the disclosure with the company contact masked; the district page shows coverage
by street with its chart; the community's health chart renders.

Set up outside the UI: divisions, demo accounts, the project handed over through delivery's services, ten owners
and their three ballots run through participation's services, the property company registered.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.browser.test_delivery_journey import ARGS, PASSWORD, _png

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _world():
    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.accounts.models import Role, User
    from gaizao.delivery import services as delivery_services
    from gaizao.delivery.models import Organisation, OrganisationKind, OrganisationMember
    from gaizao.registry.models import Building, Owner, Unit
    from tests.delivery.conftest import (
        SIGNATORIES,
        acceptance_items,
        add_contracts,
        code,
        make_project,
        record_all_approvals,
    )
    from tests.programme.conftest import make_community, make_divisions
    from tests.stewardship.helpers import run_ballot

    divs = make_divisions()
    demo_accounts_load()
    officer = User.objects.get(username="shangcheng")
    community = make_community("SC-300", "清波小区", divs["330102001051"], lon=120.162, lat=30.241)
    project = make_project(divs, community, code_="P-SC-300")
    orgs = {
        "body": Organisation.objects.create(
            name="上城区城市建设发展中心",
            credit_code=code("12330102MB0A00001"),
            kind=OrganisationKind.IMPLEMENTING,
        ),
        "builder": Organisation.objects.create(
            name="杭州某建设有限公司", credit_code=code("91330102MA2AY0001"), kind=OrganisationKind.CONTRACTOR
        ),
        "watcher": Organisation.objects.create(
            name="杭州某监理有限公司", credit_code=code("91330106MA2B00001"), kind=OrganisationKind.SUPERVISOR
        ),
    }
    builder = User.objects.create_user(username="builder", password=PASSWORD, role=Role.CONTRACTOR)
    OrganisationMember.objects.create(user=builder, organisation=orgs["builder"])
    delivery = delivery_services.delivery_open(actor=officer, project=project, implementing_body=orgs["body"])
    record_all_approvals(delivery, officer)
    add_contracts(delivery, officer, orgs)
    for stage in ("started", "construction", "completed"):
        delivery_services.delivery_move(actor=officer, delivery=delivery, to=stage)
    today = timezone.localdate()
    delivery_services.acceptance_record(
        actor=officer,
        delivery=delivery,
        held_on=today - dt.timedelta(days=380),
        items=acceptance_items(),
        signatories=SIGNATORIES,
        conclusion="合格",
    )
    delivery_services.handover_record(
        actor=officer,
        delivery=delivery,
        kind="facility",
        facility="小区道路及雨污管网",
        keeper_kind="property_service",
        keeper_name="清波物业",
        property_rights_note="产权归全体业主",
        handed_on=today - dt.timedelta(days=370),
    )
    delivery_services.delivery_move(actor=officer, delivery=delivery, to="handed_over")
    building, _ = Building.objects.get_or_create(community=community, code="1", defaults={"stairwells": 1})
    owners = []
    for n in range(10):
        owner = Owner.objects.create(division=community.division, name=f"业主{n}", phone=f"1390000{n:04d}")
        Unit.objects.create(
            building=building,
            stairwell="1",
            number=f"{n + 1}01",
            area_registered_m2=Decimal("60") + n,
            owner=owner,
        )
        owners.append(owner)
    type(community).objects.filter(pk=community.pk).update(households=10, building_count=1)  # a complete roll
    top_up = run_ballot(community, owners, matter=6, yes=8, actor=officer, question="续筹维修资金30万元")
    rules = run_ballot(community, owners, matter=2, yes=7, actor=officer, question="通过小区管理规约")
    company = Organisation.objects.create(
        name="杭州清波物业服务有限公司",
        credit_code=code("91330102MA2C00001"),
        kind=OrganisationKind.PROPERTY_SERVICE,
        contact="张三丰",
        phone="13812345678",
    )
    return community, delivery, orgs, company, top_up, rules


@pytest.fixture
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield chromium
        chromium.close()
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


def _login(browser, base: str, username: str, *, phone: bool = False):
    page = _page(browser, phone=phone)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_stewardship_journey(live_server, browser, tmp_path):
    from gaizao.accounts.models import User
    from gaizao.delivery import services as delivery_services
    from gaizao.delivery.models import RectificationOrder

    community, delivery, orgs, company, top_up, rules = _world()
    base = live_server.url
    today = timezone.localdate()
    photo = tmp_path / "leak.png"
    photo.write_bytes(_png())
    text = tmp_path / "rules.pdf"
    text.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    # The district officer finds the handed-over community under 长效管理 and records the contract
    officer = _login(browser, base, "shangcheng")
    officer.click("a[data-nav='stewardship:home']")
    officer.click(f"#communities >> text={community.name}")
    officer.wait_for_selector("#contract-form")
    officer.select_option("#contract-form select[name=company]", str(company.pk))
    officer.fill("#contract-form input[name=number]", "QB-WY-01")
    officer.fill("#contract-form input[name=starts_on]", (today - dt.timedelta(days=30)).isoformat())
    officer.fill("#contract-form input[name=ends_on]", (today + dt.timedelta(days=1000)).isoformat())
    officer.fill("#contract-form input[name=fee_yuan_per_m2_month]", "0.80")
    officer.fill("#contract-form input[name=scope]", "保洁、秩序维护、绿化、设施维修养护")
    officer.click("#contract-form button[type=submit]")
    officer.wait_for_selector("#contracts >> text=QB-WY-01")

    # The fund: opening balance, then the top-up — refused without the ballot, recorded with the 3/4 ballot
    def fund(kind: str, amount: str, on: dt.date, description: str, ballot: int | None = None) -> None:
        officer.select_option("#fund-form select[name=kind]", kind)
        officer.fill("#fund-form input[name=amount]", amount)
        officer.fill("#fund-form input[name=on]", on.isoformat())
        officer.fill("#fund-form input[name=description]", description)
        officer.select_option("#fund-form select[name=ballot]", str(ballot) if ballot else "")
        officer.click("#fund-form button[type=submit]")
        officer.wait_for_load_state()

    fund("opening", "120000.00", today - dt.timedelta(days=20), "移交时余额")
    fund("top_up", "300000.00", today, "业主续筹")
    assert "维修资金续筹" in officer.locator(".msg-error").inner_text()
    fund("top_up", "300000.00", today, "业主续筹维修资金", top_up.pk)
    assert officer.locator("#fund-balance").inner_text() == "420000.00"
    officer.fill("#disclose-form input[name=period_start]", (today - dt.timedelta(days=20)).isoformat())
    officer.fill("#disclose-form input[name=period_end]", today.isoformat())
    officer.click("#disclose-form button[type=submit]")
    officer.wait_for_selector("#fund >> text=420000.00")

    # The community adopts 管理规约: the text uploaded with the matter-2 ballot
    organiser = _login(browser, base, "qingbomen")
    organiser.goto(f"{base}/stewardship/communities/{community.pk}/")
    organiser.select_option("#convention-form select[name=kind]", "management_rules")
    organiser.fill("#convention-form input[name=title]", "清波小区管理规约")
    organiser.fill("#convention-form input[name=adopted_on]", today.isoformat())
    organiser.select_option("#convention-form select[name=ballot]", str(rules.pk))
    organiser.locator("#convention-form input[name=file]").set_input_files(str(text))
    organiser.click("#convention-form button[type=submit]")
    organiser.wait_for_selector("#conventions >> text=清波小区管理规约")

    # Follow-ups scheduled; the street records the 12-month one on a phone with a photo and an order
    officer.goto(f"{base}/stewardship/communities/{community.pk}/")
    officer.click("#followups form button[type=submit]")
    officer.wait_for_selector(".followup[data-months='12']")
    street = _login(browser, base, "qingbo", phone=True)
    street.goto(f"{base}/stewardship/communities/{community.pk}/")
    form = street.locator(".followup[data-months='12'] form")
    form.locator("input[name=finding_description]").fill("3幢屋面渗水")
    form.locator("select[name=finding_severity]").select_option("major")
    form.locator("select[name=party]").select_option(str(orgs["builder"].pk))
    form.locator("input[name=photo]").set_input_files(str(photo))
    form.locator("button[type=submit]").click()
    street.wait_for_selector(".followup[data-months='12'] >> text=3幢屋面渗水")
    order = RectificationOrder.objects.get(finding__description="3幢屋面渗水")
    delivery_services.order_reply(
        actor=User.objects.get(username="builder"),
        order=order,
        body="已重做防水",
        evidence=SimpleUploadedFile("fix.png", _png(), content_type="image/png"),
    )
    delivery_services.order_review(actor=User.objects.get(username="qingbo"), order=order, accept=True)
    street.reload()
    assert "已销号" in street.locator(".followup[data-months='12']").inner_text()

    # The public page, without login: the disclosure, the company with its contact masked, the convention
    public = _page(browser)
    public.goto(f"{base}/stewardship/public/communities/{community.pk}/")
    body = public.locator("main").inner_text()
    assert "420000.00" in body and "业主续筹维修资金" in body and "清波小区管理规约" in body
    assert "张**" in body and "张三丰" not in body and "13812345678" not in body

    # The district page: coverage by street, and the chart
    officer.click("a[data-nav='stewardship:coverage']")
    assert (
        officer.locator("#coverage-table tr[data-street='330102001'] [data-count=covered]").inner_text()
        == "1"
    )
    officer.wait_for_selector("#coverage-chart canvas")
    # The community's health chart renders
    officer.goto(f"{base}/stewardship/communities/{community.pk}/")
    officer.wait_for_selector("#health-chart canvas")
    for page in (officer, organiser, street, public):
        assert page.js_errors == []  # type: ignore[attr-defined]
