"""Each party answers for itself (issue 16), in a real browser over the demo world: a department finds the
consultation on its workbench and records its own opinion, the district reminds those that have not answered, a
reminded utility sees the reminder, and the city coordinator reviews the submitted 西湖区 annual plan from its
workbench."""

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
def demo_world(demo_world_each):
    """The session's demo world, afresh for this test (the live server commits)."""


@pytest.mark.browser
@pytest.mark.slow
def test_departments_answer_and_the_city_reviews_from_their_workbenches(live_server, demo_world):
    from playwright.sync_api import expect, sync_playwright

    from gaizao.accounts.demo import DEMO_PASSWORD
    from gaizao.accounts.models import Notice
    from gaizao.programme.models import AnnualPlan, ConsultationOpinion

    base = live_server.url
    submitted = AnnualPlan.objects.get(district__code="330106", state="submitted")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)

        def login(username: str):
            context = browser.new_context(locale="zh-CN")
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(f"{base}/")
            page.errors = errors  # type: ignore[attr-defined]
            return page

        def no_error(page) -> None:
            assert page.locator(".msg-error").count() == 0, page.locator(".msg-error").all_inner_texts()
            assert not page.errors, page.errors

        # 1. 民政 finds the consultation of 清波新村 on its workbench and records its own opinion
        civil = login("minzheng")
        card = civil.locator("#todos [data-todo='programme.consultations_awaiting']")
        waiting = int(card.get_attribute("data-count"))  # 清波新村's, and the open one in 西湖区
        assert waiting >= 1 and "待回复：民政" in card.inner_text()
        with civil.expect_navigation():
            card.locator(".todo-items a", has_text="清波新村").first.click()
        assert civil.locator("#opinions form").count() == 1, "only its own department's row is editable"
        row = civil.locator("#opinions tr[data-department=civil_affairs]")
        assert row.locator("select[name=decision]").input_value() == "", "nothing defaults to 同意"
        row.locator("select[name=decision]").select_option("agree_conditions")
        row.locator("input[name=conditions]").fill("同步建设居家养老服务点")
        row.locator("button[type=submit]").click()
        no_error(civil)
        expect(civil.locator("#opinions tr[data-department=civil_affairs]")).to_have_attribute(
            "data-decision", "agree_conditions"
        )
        opinion = ConsultationOpinion.objects.get(
            department="civil_affairs", consultation__project__name__contains="清波新村"
        )
        assert opinion.responded_by.username == "minzheng"
        civil.goto(f"{base}/")
        expect(civil.locator("#todos [data-todo='programme.consultations_awaiting']")).to_have_attribute(
            "data-count", str(waiting - 1)
        )

        # 2. the district sees who has not answered (water, gas) and reminds the gas company
        officer = login("shangcheng")
        officer.goto(f"{base}/programme/consultations/{opinion.consultation_id}/")
        pending = officer.locator("#pending-departments li[data-department]").evaluate_all(
            "rows => rows.map(r => r.dataset.department)"
        )
        assert sorted(pending) == ["gas", "water"]
        assert officer.locator("#opinions form").count() == 0
        assert officer.locator("#complete-consultation").count() == 0
        officer.click("#pending-departments button.remind[data-department=gas]")
        no_error(officer)
        assert "已提醒：气（1 个账号）" in officer.locator(".msg-success").inner_text()
        assert Notice.objects.filter(user__username="ranqi", kind="consultation_reminder").count() == 2

        # 3. the gas company sees the reminder and the consultation awaiting it
        gas = login("ranqi")
        card = gas.locator("#todos [data-todo='programme.consultations_awaiting']")
        assert card.locator(".todo-items a", has_text="清波新村").count() == 1
        gas.goto(f"{base}/programme/consultations/")
        assert gas.locator("#consultation-reminders li").count() == 2

        # 4. the city coordinator (市建委) reviews the submitted 西湖区 plan from its workbench
        city = login("city")
        card = city.locator("#todos [data-todo='programme.annual_plans_to_review']")
        assert int(card.get_attribute("data-count")) >= 1
        link = card.locator(f".todo-items a[href='/programme/annual/{submitted.pk}/']")
        assert "西湖区" in link.inner_text()
        with city.expect_navigation():
            link.click()
        assert city.locator("#review-decision").input_value() == "", "no default review decision"
        city.select_option("#review-decision", "pass")
        city.fill("#review-form textarea[name=comments]", "项目条件齐备，同意。")
        city.click("#submit-review")
        no_error(city)
        expect(city.locator("#reviews li[data-bureau=city_construction_committee]")).to_have_attribute(
            "data-decision", "pass"
        )
        assert city.locator("#review-form").count() == 0
        submitted.refresh_from_db()
        assert submitted.state == "submitted"  # 市发改委 and 市规资局 still to review

        # 5. 市发改委 finds it on its own workbench too
        ndrc = login("ndrc")
        card = ndrc.locator("#todos [data-todo='programme.annual_plans_to_review']")
        assert card.locator(f".todo-items a[href='/programme/annual/{submitted.pk}/']").count() == 1
        browser.close()
