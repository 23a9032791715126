from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.programme import documents, services
from gaizao.programme.models import AnnualPlanState, AnnualPlanVersion

from .conftest import ESTIMATE, ready_project

pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, h: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, h))


@pytest.fixture
def implementing(accounts, communities, rates, votes):
    officer = accounts["shangcheng"]
    start = at(2026, 9, 1)
    project = ready_project(actor=officer, community=communities["qingbo"], votes=votes, now=start)
    services.project_move(actor=officer, project=project, to="implementing", now=start + dt.timedelta(days=8))
    return project


@pytest.fixture
def annual(accounts, divs, implementing):
    return services.annual_plan_compile(actor=accounts["shangcheng"], district=divs["330102"], plan_year=2027)


def test_compile_takes_the_districts_implementing_projects(annual, implementing):
    assert list(annual.projects.all()) == [implementing]
    assert annual.deadline == dt.date(2026, 10, 31)
    assert annual.state == AnnualPlanState.DRAFT


def test_only_the_districts_officer_compiles(accounts, divs, implementing):
    with pytest.raises(PermissionError_):
        services.annual_plan_compile(actor=accounts["xihu"], district=divs["330102"], plan_year=2027)
    with pytest.raises(PermissionError_):
        services.annual_plan_compile(actor=accounts["city"], district=divs["330102"], plan_year=2027)


@pytest.mark.parametrize(("when", "late"), [(at(2026, 10, 31, 23), False), (at(2026, 11, 1, 0), True)])
def test_submission_after_31_october_is_flagged_not_refused(accounts, annual, when, late):
    plan = services.annual_plan_submit(actor=accounts["shangcheng"], annual_plan=annual, now=when)
    assert plan.state == AnnualPlanState.SUBMITTED
    assert plan.is_late is late
    assert plan.versions.get(number=1).is_late is late


def test_empty_plan_cannot_be_submitted(accounts, divs):
    plan = services.annual_plan_compile(actor=accounts["xihu"], district=divs["330106"], plan_year=2027)
    with pytest.raises(ApplicationError) as exc:
        services.annual_plan_submit(actor=accounts["xihu"], annual_plan=plan)
    assert exc.value.field == "projects"


def test_three_reviews_then_municipal_approval(accounts, annual):
    services.annual_plan_submit(actor=accounts["shangcheng"], annual_plan=annual, now=at(2026, 10, 20))
    with pytest.raises(StateError):
        services.annual_plan_approve(actor=accounts["city"], annual_plan=annual)
    with pytest.raises(PermissionError_):
        services.annual_plan_review(actor=accounts["finance"], annual_plan=annual, decision="pass")
    services.annual_plan_review(actor=accounts["city"], annual_plan=annual, decision="pass")
    with pytest.raises(StateError):
        services.annual_plan_review(actor=accounts["city"], annual_plan=annual, decision="pass")
    services.annual_plan_review(actor=accounts["ndrc"], annual_plan=annual, decision="pass")
    annual.refresh_from_db()
    assert annual.state == AnnualPlanState.SUBMITTED
    services.annual_plan_review(actor=accounts["planning"], annual_plan=annual, decision="pass")
    annual.refresh_from_db()
    assert annual.state == AnnualPlanState.REVIEWED
    with pytest.raises(PermissionError_):
        services.annual_plan_approve(actor=accounts["ndrc"], annual_plan=annual)
    plan = services.annual_plan_approve(actor=accounts["city"], annual_plan=annual, note="市政府常务会议审定")
    assert plan.state == AnnualPlanState.APPROVED
    frozen = plan.versions.get(kind=AnnualPlanVersion.Kind.APPROVED)
    assert frozen.rows[0]["estimate"] == str(ESTIMATE)
    with pytest.raises(StateError):
        services.annual_plan_compile(actor=accounts["shangcheng"], district=annual.district, plan_year=2027)


def test_a_return_sends_it_back_and_resubmission_is_a_new_version(accounts, annual):
    officer = accounts["shangcheng"]
    services.annual_plan_submit(actor=officer, annual_plan=annual, now=at(2026, 10, 20))
    services.annual_plan_review(actor=accounts["city"], annual_plan=annual, decision="pass")
    with pytest.raises(ApplicationError) as exc:
        services.annual_plan_review(actor=accounts["ndrc"], annual_plan=annual, decision="return")
    assert exc.value.field == "comments"
    services.annual_plan_review(
        actor=accounts["ndrc"], annual_plan=annual, decision="return", comments="投资偏高"
    )
    annual.refresh_from_db()
    assert annual.state == AnnualPlanState.RETURNED
    with pytest.raises(StateError):
        services.annual_plan_review(actor=accounts["planning"], annual_plan=annual, decision="pass")
    services.annual_plan_compile(actor=officer, district=annual.district, plan_year=2027)
    plan = services.annual_plan_submit(actor=officer, annual_plan=annual, now=at(2026, 11, 5))
    assert plan.version == 2 and plan.state == AnnualPlanState.SUBMITTED
    assert plan.is_late is False, "the deadline applies to the district's first submission"
    for name in ("city", "ndrc", "planning"):
        services.annual_plan_review(actor=accounts[name], annual_plan=plan, decision="pass")
    plan.refresh_from_db()
    assert plan.state == AnnualPlanState.REVIEWED
    assert list(plan.versions.values_list("number", "kind")) == [(2, "submission"), (1, "submission")]


def test_excel_export_opens_and_contains_the_projects(accounts, annual, implementing):
    from openpyxl import load_workbook

    for name in ("shangcheng",):
        services.annual_plan_submit(actor=accounts[name], annual_plan=annual, now=at(2026, 10, 1))
    for name in ("city", "ndrc", "planning"):
        services.annual_plan_review(actor=accounts[name], annual_plan=annual, decision="pass")
    services.annual_plan_approve(actor=accounts["city"], annual_plan=annual)
    ws = load_workbook(io.BytesIO(documents.annual_plan_xlsx(annual))).active
    assert "已批准" in ws["A1"].value
    headers = [c.value for c in ws[2]]
    assert headers[:8] == ["序号", "区县", "街道", "小区名称", "建成年份", "楼栋数", "户数", "建筑面积"]
    assert headers[8:10] == ["改造内容", "总投资"] and headers[-1] == "市级补助"
    assert any(h.startswith("资金来源：") for h in headers)
    row = [c.value for c in ws[3]]
    assert row[:5] == [1, "上城区", "清波街道", "清波小区", 1995]
    assert Decimal(str(row[9])) == ESTIMATE
    assert "外墙维修" in row[8]
    totals = [c.value for c in ws[4]]
    assert totals[0] == "合计" and Decimal(str(totals[9])) == ESTIMATE
    assert Decimal(str(totals[-1])) == Decimal("1155000.00")
