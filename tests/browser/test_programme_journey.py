"""Issue 7, "Done when": the programme journey in a real browser, as new users would run it.

A district officer creates a project from a screened community; the plan pre-fills from the life-circle gaps and the
residents' needs survey; the community runs the consent and plan-approval votes (through the participation
services); the departments and the water utility give their opinions in the joint consultation; the plan is
published and commented on by the public and answered by the street; the project moves to 实施; the district
compiles and submits its annual plan before 31 October; the three bureaus review it; the city approves it; the
Excel table and the consultation's Word document open and contain the plan.

Everything of the programme app is done through its pages. Set up outside the UI: the registry (divisions,
accounts, the community with its owners, unit rates), the life-circle gaps (the adapter is pointed at fixed gap
items: no network analysis runs here), the needs survey answers and the votes (participation services), and two
clock moves (the publication period passing; "today" being 20 October at submission).
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
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


def _world():
    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.accounts.models import Role, User
    from gaizao.programme.demo import load_department_accounts
    from gaizao.programme.models import UnitRate
    from gaizao.registry.models import Building, Owner, Unit
    from tests.programme.conftest import RATES, make_community, make_divisions

    divs = make_divisions()
    demo_accounts_load()
    load_department_accounts()
    # a complete roll (RULES §6a): 4 households in 1 building, each unit with its owner and area
    community = make_community(
        "SC-100",
        "清波小区",
        divs["330102001051"],
        built_year=1992,
        area="18000",
        households=4,
        building_count=1,
    )
    for item_id, rate in RATES.items():
        UnitRate.objects.create(division=divs["330100"], item_id=item_id, rate=Decimal(rate))
    building = Building.objects.get(community=community, code="1")
    owners = []
    for n in range(1, 5):
        user = User.objects.create(username=f"owner{n}", role=Role.RESIDENT, division=divs["330102001051"])
        owner = Owner.objects.create(division=divs["330102001051"], name=f"业主{n}", user=user)
        Unit.objects.create(
            building=building, stairwell="1", number=f"10{n}", area_registered_m2=Decimal("60"), owner=owner
        )
        owners.append(owner)
    return community, owners


def _needs_survey(community, owners) -> None:
    from gaizao.accounts.models import User
    from gaizao.participation import services as p

    organiser = User.objects.get(username="qingbomen")
    survey = p.needs_survey_create(
        actor=organiser,
        community_id=community.pk,
        title="改造需求调查",
        item_ids=["elevator_retrofit", "parking", "rain_sewage_separation", "barrier_free"],
        max_choices=3,
    )
    for owner in owners:
        p.needs_response_submit(
            actor=owner.user, survey_id=survey.pk, ranking=["elevator_retrofit", "parking", "barrier_free"]
        )


def _vote(project, community, owners, purpose: str) -> None:
    """The community organiser runs a ballot opened for the project (or, for an elevator, one of stairwell 1 of
    building 1); every owner says yes door to door."""
    from gaizao.accounts.models import User
    from gaizao.participation import services as p
    from gaizao.programme import services

    organiser = User.objects.get(username="qingbomen")
    if purpose == "elevator":
        ballot = p.ballot_create(
            actor=organiser,
            community_id=community.pk,
            purpose="elevator",
            question="1幢1单元是否同意加装电梯？",
            scope_kind="stairwell",
            building_id=community.buildings.get(code="1").pk,
            stairwell="1",
        )
        ballot_id = ballot.pk
    else:
        link = services.project_ballot_create(
            actor=organiser, project=project, community_id=community.pk, purpose=purpose
        )
        ballot_id = link.ballot_id
    p.ballot_open(actor=organiser, ballot_id=ballot_id)
    for owner in owners:
        p.vote_cast(
            actor=organiser,
            ballot_id=ballot_id,
            owner_id=owner.pk,
            choice="yes",
            channel="door_to_door",
            witness_name="社区工作人员",
            scan=SimpleUploadedFile(
                f"door-{owner.pk}.png", b"\x89PNG\r\n\x1a\n scanned", content_type="image/png"
            ),
        )
    p.ballot_close(actor=organiser, ballot_id=ballot_id)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_programme_journey(live_server, monkeypatch, tmp_path):
    from docx import Document
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    from gaizao.programme import selectors, services
    from gaizao.programme.models import Project, Publication
    from gaizao.programme.services import annual_plans

    community, owners = _world()
    monkeypatch.setattr(
        selectors,
        "community_gap_items",
        lambda *, community_id: ["elderly_care", "parking"] if community_id == community.pk else [],
    )
    _needs_survey(community, owners)
    base = live_server.url

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)

        def login(username: str):
            context = browser.new_context(accept_downloads=True, locale="zh-CN")
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(f"{base}/")
            return page

        def no_error(page) -> None:
            assert page.locator(".msg-error").count() == 0, page.locator(".msg-error").all_inner_texts()

        # 1. the district officer creates the project from the screened community
        officer = login("shangcheng")
        officer.click("nav.mainnav >> text=改造项目")
        officer.click("#new-project")
        officer.check(f"#c-{community.pk}")
        officer.click("#project-form button[type=submit]")
        no_error(officer)
        expect(officer.locator("#project-state")).to_have_attribute("data-state", "reserve")
        project = Project.objects.get()
        officer.select_option("#move-to", "planning")
        officer.click("#move-submit")
        expect(officer.locator("#project-state")).to_have_attribute("data-state", "planning")

        # 2. the plan pre-fills from the gaps and the needs survey, with each item's origin
        officer.click("#plan-link")
        assert (
            officer.locator("tr[data-item=parking] [data-origin]").get_attribute("data-origin") == "gap+needs"
        )
        assert (
            officer.locator("tr[data-item=elderly_care] [data-origin]").get_attribute("data-origin") == "gap"
        )
        assert (
            officer.locator("tr[data-item=elevator_retrofit] [data-origin]").get_attribute("data-origin")
            == "needs"
        )
        for item_id in ("parking", "elderly_care", "elevator_retrofit", "barrier_free"):
            assert officer.locator(f"#item-{item_id}").is_checked(), item_id
        officer.fill("input[name=qty_parking]", "30")
        officer.fill("input[name=qty_elderly_care]", "120")
        officer.check("#item-facade_repair")
        officer.fill("input[name=qty_facade_repair]", "6000")
        officer.check("#item-property_service")
        officer.fill("input[name=qty_property_service]", "1")
        officer.select_option("#delivery_mode", "epc")
        officer.fill("#elevator_stairwells", "1-1")
        officer.click("#save-plan")
        no_error(officer)
        estimate = Decimal(officer.locator("#estimate").inner_text())
        subsidy = Decimal(officer.locator("#subsidy").inner_text())
        # parking 30×12000 + elderly care 120×4500 + elevator 1×600000 + barrier-free 1×8000 + facade 6000×180
        # + property service 1×50000; subsidy 50% × (estimate − elevator), under the 400 yuan/m² cap
        assert estimate == Decimal("2638000.00")
        assert subsidy == Decimal("1019000.00")
        assert officer.locator("#bundle li[data-key=elevator]").get_attribute("data-covered") == "1"
        assert officer.locator("#funding-unbalanced").count() == 1
        officer.click("#finalise")
        assert "资金来源合计" in officer.locator(".msg-error").inner_text()
        officer.fill("#fund_municipal_subsidy", str(subsidy))
        officer.fill("#fund_district_funds", "1")
        # live totals follow the form as it is typed (the server's preview confirms them; nothing is saved yet)
        expect(officer.locator("#live-estimate")).to_have_text("2,638,000.00")
        expect(officer.locator("#live-balance")).to_have_text("1,618,999.00")
        officer.fill("#fund_district_funds", str(estimate - subsidy))
        expect(officer.locator("#live-balance")).to_have_text("0.00")
        expect(officer.locator("#plan-totals")).to_have_attribute("data-state", "server")
        expect(officer.locator("#live-subsidy")).to_have_text("1,019,000.00")
        expect(officer.locator("#plan-totals")).to_have_attribute("data-balanced", "1")
        officer.fill("input[name=qty_parking]", "31")  # one more parking space: 12,000 yuan out of balance
        expect(officer.locator("#live-balance")).to_have_text("12,000.00")
        officer.fill("input[name=qty_parking]", "30")
        expect(officer.locator("#live-balance")).to_have_text("0.00")
        assert officer.locator("#versions li").count() == 1
        officer.click("#save-plan")
        no_error(officer)
        assert officer.locator("#versions li").count() == 2
        officer.click("#finalise")
        no_error(officer)
        expect(officer.locator("#plan-state")).to_have_attribute("data-state", "finalised")

        # 3. the community runs the consent and plan-approval votes; the conditions name the missing stairwell
        # ballot of the elevator retrofit until the stairwell votes
        _vote(project, community, owners, "renovation_consent")
        _vote(project, community, owners, "plan_approval")
        officer.goto(f"{base}/programme/projects/{project.pk}/")
        elevator = officer.locator("#conditions li[data-code='vote.elevator']")
        expect(elevator).to_have_attribute("data-met", "0")
        expect(elevator).to_have_attribute("data-stairwell", "清波小区 1幢1单元")
        assert "1幢1单元加装电梯单元表决尚无表决结果" in elevator.inner_text()
        assert "四(三)" in elevator.inner_text()
        approval = officer.locator("#conditions li[data-code='vote.plan_approval']")
        expect(approval).to_have_attribute("data-met", "1")
        assert "认可第2版" in approval.inner_text()
        _vote(project, community, owners, "elevator")
        officer.reload()
        expect(elevator).to_have_attribute("data-met", "1")

        # 4. joint consultation: each department and utility answers from its own account; the district sees who
        # has not answered and reminds them, and completes once everyone has
        officer.goto(f"{base}/programme/projects/{project.pk}/")
        officer.click("#start-consultation")
        no_error(officer)
        departments = officer.locator("#opinions tr[data-department]").evaluate_all(
            "rows => rows.map(r => r.dataset.department)"
        )
        assert len(departments) == 11
        assert officer.locator("#opinions form").count() == 0, (
            "the district does not type departments' opinions"
        )
        assert officer.locator("#pending-departments li[data-department]").count() == 11
        assert officer.locator("#complete-consultation").count() == 0
        officer.click("#pending-departments button.remind[data-department=gardens_culture]")
        assert "已提醒：园文（1 个账号）" in officer.locator(".msg-success").inner_text()

        gardens = login("yuanwen")
        card = gardens.locator("#todos [data-todo='programme.consultations_awaiting']")
        expect(card).to_have_attribute("data-count", "1")
        card.locator(".todo-items a").first.click()
        assert gardens.locator("#opinions form").count() == 1
        row = gardens.locator("#opinions tr[data-department=gardens_culture]")
        assert row.locator("select[name=decision]").input_value() == "", "no default opinion"
        row.locator("select[name=decision]").select_option("agree_conditions")
        row.locator("input[name=conditions]").fill("保留小区内古树名木")
        row.locator("input[name=simplified_approvals]").fill("gardens_culture 审批并联办理")
        row.locator("button[type=submit]").click()
        no_error(gardens)
        expect(gardens.locator("#opinions tr[data-department=gardens_culture]")).to_have_attribute(
            "data-decision", "agree_conditions"
        )
        consultation = project.consultations.get()
        for dept in departments:  # the other departments answer from their own accounts as well
            if dept in ("water", "gardens_culture"):
                continue
            services.consultation_record_opinion(
                actor=services.department_accounts(consultation, dept)[0],
                consultation=consultation,
                department=dept,
                decision="agree",
                simplified_approvals=f"{dept} 审批并联办理",
            )
        officer.reload()
        assert officer.locator("#pending-departments li[data-department]").count() == 1
        assert officer.locator("#complete-consultation").count() == 0

        water = login("water")
        water.goto(f"{base}/programme/consultations/")
        water.click(f"text={project.name}")
        assert water.locator("#opinions form").count() == 1
        row = water.locator("#opinions tr[data-department=water]")
        row.locator("select[name=decision]").select_option("agree_conditions")
        row.locator("input[name=conditions]").fill("二次供水设施同步改造并移交水务")
        row.locator("input[name=simplified_approvals]").fill("供水管网接入审批")
        row.locator("button[type=submit]").click()
        no_error(water)

        officer.reload()
        officer.fill("textarea[name=summary]", "同意按方案实施，各部门条件纳入施工图。")
        officer.click("#complete-consultation")
        no_error(officer)
        expect(officer.locator("#consultation-state")).to_have_attribute("data-state", "completed")
        with officer.expect_download() as download:
            officer.click("#consultation-docx")
        docx_path = tmp_path / "consultation.docx"
        download.value.save_as(docx_path)
        doc = Document(str(docx_path))
        rows = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows[1:]}
        assert len(rows) == 11
        assert rows["水"][1:3] == ["有条件同意", "二次供水设施同步改造并移交水务"]
        assert rows["园文"][1:3] == ["有条件同意", "保留小区内古树名木"]
        assert all(rows[name][1] in {"同意", "有条件同意"} for name in rows)
        assert project.name in "\n".join(p.text for p in doc.paragraphs)

        # 5. publication: public page without login, a comment, the street's answer
        officer.goto(f"{base}/programme/projects/{project.pk}/")
        officer.fill("#publication-days", "5")
        officer.click("#publish")
        # irreversible: confirm in the dialog that summarises the action
        officer.click("dialog[data-confirm-dialog][open] button[value=confirm]")
        assert "最短公示期" in officer.locator(".msg-error").inner_text()
        officer.fill("#publication-days", "7")
        officer.click("#publish")
        officer.click("dialog[data-confirm-dialog][open] button[value=confirm]")
        no_error(officer)
        officer.select_option("#move-to", "implementing")
        officer.click("#move-submit")
        refusal = officer.locator(".msg-error").inner_text()
        assert "公示期至" in refusal and "四(三)" in refusal and "表决" not in refusal.split("/")[0]

        public = browser.new_context(locale="zh-CN").new_page()
        public.goto(f"{base}/")
        public.click("nav.mainnav >> text=方案公示")
        public.click(f"text={project.name}")
        assert "外墙维修" in public.locator("#public-items").inner_text()
        public.fill("input[name=name]", "王小明")
        public.fill("input[name=contact]", "13812345678")
        public.fill("textarea[name=body]", "停车位请优先安排给老年住户")
        public.click("#comment-form button[type=submit]")
        body = public.content()
        assert "王**" in body and "138****5678" in body and "王小明" not in body

        street = login("qingbo")
        street.goto(f"{base}/programme/projects/{project.pk}/")
        street.click("#publication-link")
        street.fill("input[name=reply]", "已纳入停车位分配方案")
        street.click(".comment button[type=submit]")
        no_error(street)
        public.reload()
        assert "已纳入停车位分配方案" in public.content()

        # the publication period passes
        Publication.objects.update(
            starts_at=timezone.now() - dt.timedelta(days=8), ends_at=timezone.now() - dt.timedelta(days=1)
        )
        # 四(四): the long-term management plan agreed with the renovation plan (street service: no owners' ballot)
        officer.goto(f"{base}/programme/projects/{project.pk}/")
        assert officer.locator("#conditions li[data-code='stewardship.plan'][data-met='0']").count() == 1
        officer.goto(f"{base}/stewardship/projects/{project.pk}/plan/")
        officer.select_option("#plan-form select[name=mode]", "community_street")
        officer.fill("#plan-form input[name=fee_yuan_per_m2_month]", "0.30")
        officer.uncheck("#plan-form input[name=adopt_management_rules]")
        officer.click("#plan-form button[type=submit]")
        no_error(officer)
        officer.goto(f"{base}/programme/projects/{project.pk}/")
        assert officer.locator("#conditions li[data-met='0']").count() == 0
        officer.select_option("#move-to", "implementing")
        officer.click("#move-submit")
        no_error(officer)
        expect(officer.locator("#project-state")).to_have_attribute("data-state", "implementing")

        # 6. annual plan compiled and submitted before 31 October
        today = timezone.localdate()
        on_time = timezone.make_aware(dt.datetime(today.year, 10, 20, 10))
        monkeypatch.setattr(annual_plans, "_now", lambda now=None: now or on_time)
        officer.click("nav.mainnav >> text=年度计划")
        assert officer.locator("input[name=plan_year]").input_value() == str(today.year + 1)
        officer.click("#compile")
        no_error(officer)
        assert "清波小区" in officer.locator("#annual-rows").inner_text()
        officer.click("#submit-annual")
        no_error(officer)
        expect(officer.locator("#annual-state")).to_have_attribute("data-state", "submitted")
        assert officer.locator("#late-flag").count() == 0

        # 7. the three bureaus review; the city records the municipal approval
        for name in ("city", "ndrc", "planning"):
            reviewer = login(name)
            reviewer.click("nav.mainnav >> text=全市计划审查")
            reviewer.click("#city-table >> text=上城区")
            reviewer.select_option("select[name=decision]", "pass")
            reviewer.click("#submit-review")
            no_error(reviewer)
        expect(reviewer.locator("#annual-state")).to_have_attribute("data-state", "reviewed")
        city = login("city")
        city.goto(reviewer.url)
        city.fill("input[name=note]", "杭政函〔示例〕1号")
        city.click("#approve")
        no_error(city)
        expect(city.locator("#annual-state")).to_have_attribute("data-state", "approved")
        with city.expect_download() as download:
            city.click("#annual-xlsx")
        xlsx_path = tmp_path / "annual.xlsx"
        download.value.save_as(xlsx_path)
        ws = load_workbook(xlsx_path).active
        assert "已批准" in ws["A1"].value
        row = [c.value for c in ws[3]]
        assert row[1:4] == ["上城区", "清波街道", "清波小区"] and row[4] == 1992
        assert Decimal(str(row[9])) == estimate
        assert "外墙维修" in row[8]
        assert ws.cell(row=4, column=1).value == "合计"
        # the same conditions, with codes and clauses, as the page and the API
        sheet = load_workbook(xlsx_path)["实施条件"]
        codes = [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)]
        assert "vote.elevator" in codes and "publication.finished" in codes
        assert all(r[3] == "满足" and r[5] for r in sheet.iter_rows(min_row=2, values_only=True))
        browser.close()
