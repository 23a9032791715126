"""Issue 11, "Done when": the delivery journey in a real browser, as new users would run it.

A project in an approved annual plan records its approvals (one waived by the joint consultation), its parties and
contracts, and starts works; the street inspects on a phone-sized screen and records a safety finding with a photo
and a rectification order; a resident's complaint (报事) becomes a finding; the contractor answers both orders with
photos; the street accepts one; 竣工验收 is refused while the other is open, then passes with the residents'
representatives; the project is handed over; the city dashboard shows one more 完工 community in 上城区; the resident
sees the outcome of the complaint.

Set up outside the UI: divisions, demo accounts, the community with one owner, the project already in 实施一批 and in
the approved annual plan (the programme journey covers that), the supervisor's organisation and account, the
contractor's account (linked in the browser), and the resident's complaint (participation service).
"""

from __future__ import annotations

import datetime as dt
import os
import struct
import zlib

import pytest
from django.utils import timezone

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "gaizao-demo"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _png() -> bytes:
    """A real 2×2 PNG (no Pillow needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xcf\x11\x24" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _world():
    from decimal import Decimal

    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.accounts.models import Role, User
    from gaizao.delivery.models import Organisation, OrganisationKind, OrganisationMember
    from gaizao.participation import services as participation
    from gaizao.registry.models import Building, Owner, Unit
    from tests.delivery.conftest import code, make_project
    from tests.programme.conftest import make_community, make_divisions

    divs = make_divisions()
    demo_accounts_load()
    community = make_community("SC-200", "清波小区", divs["330102001051"], lon=120.162, lat=30.241)
    project = make_project(divs, community, code_="P-SC-200")
    Organisation.objects.create(
        name="上城区城市建设发展中心",
        credit_code=code("12330102MB0A00001"),
        kind=OrganisationKind.IMPLEMENTING,
    )
    watcher_org = Organisation.objects.create(
        name="杭州监理咨询有限公司", credit_code=code("91330106MA2B00001"), kind=OrganisationKind.SUPERVISOR
    )
    builder = User.objects.create_user(username="builder", password=PASSWORD, role=Role.CONTRACTOR)
    watcher = User.objects.create_user(username="watcher", password=PASSWORD, role=Role.SUPERVISOR)
    OrganisationMember.objects.create(user=watcher, organisation=watcher_org)
    resident = User.objects.get(username="resident")
    building = Building.objects.create(community=community, code="3")
    owner = Owner.objects.create(division=divs["330102001051"], name="孙大妈", user=resident)
    Unit.objects.create(building=building, number="301", area_registered_m2=Decimal("60"), owner=owner)
    report = participation.report_create(
        actor=resident,
        community_id=community.pk,
        category="safety",
        description="3幢楼道口堆放钢管，老人出入不便",
        project_ref=project.code,
    )
    return project, builder, report


@pytest.fixture
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield chromium
        chromium.close()
        from django.db import connections

        connections.close_all()


def _login(browser, base: str, username: str, *, phone: bool = False):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _completed(page, base: str, year: int) -> int:
    page.goto(f"{base}/delivery/")
    row = page.locator(
        f"#started-completed tr[data-district='上城区'][data-year='{year}'] [data-count=completed]"
    )
    return int(row.inner_text()) if row.count() else 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_delivery_journey(live_server, browser, tmp_path):
    from gaizao.delivery.models import Approval, Delivery, RectificationOrder

    project, builder, report = _world()
    base = live_server.url
    year = timezone.localdate().year
    today = timezone.localdate().isoformat()
    photo = tmp_path / "scaffold.png"
    photo.write_bytes(_png())
    scan = tmp_path / "approval.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    # The city coordinator notes how many 完工 communities 上城区 has this year
    city = _login(browser, base, "city")
    before = _completed(city, base, year)

    # The district officer opens the delivery from the dashboard
    officer = _login(browser, base, "shangcheng")
    officer.click("a[data-nav='delivery:home']")
    officer.select_option("#open-form select[name=project_id]", str(project.pk))
    officer.click("#open-form button[type=submit]")
    officer.wait_for_selector("#stage[data-stage=preliminary]")
    delivery = Delivery.objects.get(project=project)
    assert officer.locator("[data-move-blocked=started]").count() == 1

    # Approvals: 施工图审查 waived by the consultation, the others recorded with the scan
    for item in (
        "project_approval",
        "preliminary_design",
        "drawing_review",
        "tendering",
        "construction_permit",
    ):
        row = officer.locator(f"tr[data-approval={item}]")
        row.locator("summary").click()
        if item == "drawing_review":
            row.locator(f"button[data-waive={item}]").click()
        else:
            form = row.locator("form").first
            form.locator("input[name=document_number]").fill(f"上城建〔{year}〕{len(item)}号")
            form.locator("input[name=issued_on]").fill(today)
            form.locator("input[name=file]").set_input_files(str(scan))
            form.locator("button[type=submit]").click()
        officer.wait_for_selector(
            f"tr[data-approval={item}] .approval-{'waived' if item == 'drawing_review' else 'recorded'}"
        )
    assert Approval.objects.get(delivery=delivery, item_id="drawing_review").consultation is not None
    assert "施工图审查免于办理" in officer.locator("tr[data-approval=drawing_review]").inner_text()

    # Parties: the contractor is registered (a wrong check character is refused first) and its account linked
    officer.goto(f"{base}/delivery/organisations/")
    from tests.delivery.conftest import code

    good = code("91330102MA2AY0001")
    officer.fill("#organisation-form input[name=name]", "杭州清波建设有限公司")
    officer.fill("#organisation-form input[name=credit_code]", good[:-1] + ("1" if good[-1] != "1" else "2"))
    officer.select_option("#organisation-form select[name=kind]", "contractor")
    officer.click("#organisation-form button[type=submit]")
    officer.wait_for_selector(".msg-error")
    assert "统一社会信用代码无效" in officer.locator(".msg-error").inner_text()
    officer.fill("#organisation-form input[name=name]", "杭州清波建设有限公司")
    officer.fill("#organisation-form input[name=credit_code]", good)
    officer.select_option("#organisation-form select[name=kind]", "contractor")
    officer.click("#organisation-form button[type=submit]")
    officer.wait_for_selector("#organisations >> text=杭州清波建设有限公司")
    officer.fill("#link-form input[name=username]", "builder")
    officer.select_option("#link-form select[name=organisation]", label="杭州清波建设有限公司")
    officer.click("#link-form button[type=submit]")
    officer.wait_for_selector("#organisations >> text=builder")

    # Contracts: EPC as the plan's delivery mode asks (a sub-fen amount is refused first) and supervision
    officer.goto(f"{base}/delivery/{delivery.pk}/")
    for number, kind, party, amount in (
        ("SG-2026-018", "epc", "杭州清波建设有限公司", "1860000.005"),
        ("SG-2026-018", "epc", "杭州清波建设有限公司", "1860000.00"),
        ("JL-2026-018", "supervision", "杭州监理咨询有限公司", "55800.00"),
    ):
        officer.locator("#contracts summary").click()
        form = officer.locator("#contract-form")
        form.locator("select[name=kind]").select_option(kind)
        form.locator("input[name=number]").fill(number)
        form.locator("select[name=party]").select_option(
            label=f"{party}（{'施工单位' if kind == 'epc' else '监理单位'}）"
        )
        form.locator("input[name=amount]").fill(amount)
        form.locator("input[name=signed_on]").fill((timezone.localdate() - dt.timedelta(days=7)).isoformat())
        form.locator("input[name=starts_on]").fill(today)
        form.locator("input[name=ends_on]").fill((timezone.localdate() + dt.timedelta(days=180)).isoformat())
        form.locator("button[type=submit]").click()
        officer.wait_for_selector(".msg-error, .msg-success")
        if amount.endswith("005"):
            assert "精确到分" in officer.locator(".msg-error").inner_text()
    assert officer.locator("#contracts >> text=1860000.00").count() == 1

    # A milestone, then 开工 and 在建
    officer.fill("#schedule input[name=name]", "雨污分流管网")
    officer.fill("#schedule input[name=planned_start]", today)
    officer.fill(
        "#schedule input[name=planned_end]", (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    )
    officer.click("#schedule form.inline >> nth=-1 >> button")
    officer.wait_for_selector("#gantt canvas")
    for move in ("started", "construction"):
        officer.click(f"button[data-move={move}]")
        officer.wait_for_selector(f"#stage[data-stage={move}]")

    # The street inspects on a phone: safety checklist, a finding with a photo and position, an order to the builder
    street = _login(browser, base, "qingbo", phone=True)
    street.goto(f"{base}/delivery/{delivery.pk}/")
    street.click("#new-inspection")
    street.click("a[data-kind=safety]")
    street.check("input[name=check_scaffolding][value=fail]")
    street.check("input[name=check_temporary_power][value=pass]")
    street.fill("textarea[name=description]", "3幢外脚手架未满挂安全网")
    street.select_option("select[name=checklist_item]", "scaffolding")
    street.select_option("select[name=severity]", "major")
    street.set_input_files("input[name=photo]", str(photo))
    street.fill("input[name=lon]", "120.16231")
    street.fill("input[name=lat]", "30.24102")
    street.select_option("#inspect-form select[name=party]", label="杭州清波建设有限公司")
    street.click("#inspect-submit")
    street.wait_for_selector("article.order[data-state=open]")
    safety_order = RectificationOrder.objects.get(finding__report__isnull=True)
    assert safety_order.finding.photo and safety_order.finding.lon == pytest.approx(120.16231)

    # The resident's complaint becomes a finding with an order
    form = street.locator(f"form[data-report='{report.pk}']")
    form.locator("select[name=severity]").select_option("minor")
    form.locator("select[name=party]").select_option(label="杭州清波建设有限公司")
    form.locator("button[type=submit]").click()
    street.wait_for_selector("article.order >> text=来自居民报事")
    report_order = RectificationOrder.objects.get(finding__report=report)

    # The contractor sees only this project and answers both orders with photos
    contractor = _login(browser, base, "builder")
    contractor.goto(f"{base}/delivery/")
    assert contractor.locator("#deliveries tbody tr").count() == 1
    contractor.click(f"#deliveries >> text={project.name}")
    for order in (safety_order, report_order):
        art = contractor.locator(f"article[data-order='{order.pk}']")
        art.locator("textarea[name=body]").fill("已整改完毕，见照片")
        art.locator("input[name=evidence]").set_input_files(str(photo))
        art.locator("button[type=submit]").click()
        contractor.wait_for_selector(f"article[data-order='{order.pk}'][data-state=replied]")

    # The street accepts the safety reply only
    street.goto(f"{base}/delivery/{delivery.pk}/")
    art = street.locator(f"article[data-order='{safety_order.pk}']")
    art.locator("input[name=note]").fill("复查合格")
    art.locator("button[value=accept]").click()
    street.wait_for_selector(f"article[data-order='{safety_order.pk}'][data-state=closed]")

    # 完工; 竣工验收 is refused while the resident's order is open
    officer.goto(f"{base}/delivery/{delivery.pk}/")
    officer.click("button[data-move=completed]")
    officer.wait_for_selector("#stage[data-stage=completed]")
    assert "整改未销号" in officer.locator("#acceptance-blocked").inner_text()

    def fill_acceptance() -> None:
        names = {
            "implementing": "李建国",
            "contractor": "王建工",
            "supervisor": "赵监理",
            "street": "钱街道",
            "resident": "孙大妈",
            "building_lead": "周楼长",
        }
        for role, name in names.items():
            officer.fill(f"#acceptance-form input[data-sig={role}]", name)
        officer.fill(
            "#acceptance-form textarea[name=conclusion]", "改造内容按批准方案完成，质量合格，同意验收。"
        )
        officer.click("#acceptance-submit")

    fill_acceptance()
    officer.wait_for_selector(".msg-error")
    assert "不能竣工验收" in officer.locator(".msg-error").inner_text()
    assert Delivery.objects.get(pk=delivery.pk).stage == "completed"

    # The street accepts the resident's order; the acceptance passes with the residents' representatives
    street.goto(f"{base}/delivery/{delivery.pk}/")
    art = street.locator(f"article[data-order='{report_order.pk}']")
    art.locator("input[name=note]").fill("钢管已清运")
    art.locator("button[value=accept]").click()
    street.wait_for_selector(f"article[data-order='{report_order.pk}'][data-state=closed]")
    officer.goto(f"{base}/delivery/{delivery.pk}/")
    fill_acceptance()
    officer.wait_for_selector("#stage[data-stage=accepted]")
    with officer.expect_download() as download:
        officer.click("#acceptance-docx")
    assert download.value.suggested_filename.endswith(".docx")

    # Handover to the property service company, then 移交
    officer.select_option("#handover-form select[name=kind]", "facility")
    officer.fill("#handover-form input[name=facility]", "小区道路、照明与监控")
    officer.select_option("#handover-form select[name=keeper_kind]", "property_service")
    officer.fill("#handover-form input[name=keeper_name]", "清波物业服务有限公司")
    officer.fill(
        "#handover-form textarea[name=property_rights_note]", "产权归全体业主，委托物业服务企业日常维护"
    )
    officer.click("#handover-form button[type=submit]")
    officer.wait_for_selector("#handover >> text=清波物业服务有限公司")
    officer.click("button[data-move=handed_over]")
    officer.wait_for_selector("#stage[data-stage=handed_over]")

    # The city dashboard shows one more 完工 community in 上城区
    assert _completed(city, base, year) == before + 1
    # a selector wait, not wait_for_function: the CSP forbids the string evaluation that one may need
    city.wait_for_selector("#delivery-map[data-features='1']", state="attached")

    # The resident sees the outcome of the complaint
    resident = _login(browser, base, "resident", phone=True)
    resident.goto(f"{base}/participation/reports/{report.pk}/")
    assert resident.locator("[data-status=closed]").count() == 1
    assert resident.locator("[data-rectification=closed]").count() == 1

    for page in (city, officer, street, contractor, resident):
        assert page.js_errors == [], page.js_errors
