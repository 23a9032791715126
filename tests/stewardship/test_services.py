"""Stewardship services and selectors against the database: the ballot gate, the plan's conditions, contracts,
the maintenance fund and its disclosure, conventions, follow-ups through delivery's rectification, reports after
handover, scope of property company accounts, coverage, health and the 六有 scorecard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gaizao.delivery import services as delivery_services
from gaizao.delivery.models import OrderState
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.participation import services as participation
from gaizao.participation.models import ReportStatus
from gaizao.stewardship import selectors, services
from gaizao.stewardship.models import FollowUp
from tests.delivery.conftest import code, pdf, png
from tests.programme.conftest import make_community
from tests.stewardship.helpers import run_ballot

TODAY = timezone.localdate


def contract(
    officer, community, company, *, number="WY-001", start=None, end=None, ballot=None, mode="professional"
):
    start = start or TODAY() - dt.timedelta(days=300)
    return services.property_contract_create(
        actor=officer,
        community=community,
        company=company,
        number=number,
        starts_on=start,
        ends_on=end or start + dt.timedelta(days=3 * 365),
        fee_yuan_per_m2_month="0.80",
        scope="保洁、秩序维护、绿化养护、共用设施设备维修养护",
        ballot=ballot,
        mode=mode,
    )


# --- the ballot gate ------------------------------------------------------------------------------------------------


def test_gate_checks_matter_purpose_result_and_community(community, owners, accounts, divs):
    officer = accounts["shangcheng"]
    top_up = run_ballot(community, owners, matter=6, yes=8, actor=officer)
    assert top_up.approved is True
    assert services.ballot_problems(top_up, community=community, decision="fund_top_up") == []
    # matter 6 decides a top-up, not a fee (matter 4)
    problems = services.ballot_problems(top_up, community=community, decision="fee")
    assert len(problems) == 1 and "第4项" in problems[0]
    # 7 of 10 owners is under 3/4: matter 6 fails
    short = run_ballot(community, owners, matter=6, yes=7, actor=officer)
    assert short.approved is False
    assert "未获通过" in services.ballot_problems(short, community=community, decision="fund_top_up")[0]
    # the same 7 of 10 passes a matter-5 use (more than half)
    use = run_ballot(community, owners, matter=5, yes=7, actor=officer)
    assert services.ballot_problems(use, community=community, decision="fund_use") == []
    # a ballot under matter 7 does not adopt 管理规约 (matter 2)
    wrong_matter = run_ballot(community, owners, matter=7, yes=10, actor=officer)
    assert services.ballot_problems(wrong_matter, community=community, decision="management_rules")
    other = make_community("SC-009", "别的小区", divs["330102001"])
    assert "不是小区" in services.ballot_problems(top_up, community=other, decision="fund_top_up")[0]
    assert "尚无" in services.ballot_problems(None, community=community, decision="fee")[0]


def test_management_plan_conditions(planning_project, community, owners, accounts):
    officer, project = accounts["shangcheng"], planning_project
    conditions = selectors.management_plan_conditions(project)
    assert [(c.code, c.met) for c in conditions] == [("stewardship.plan", False)]
    with pytest.raises(PermissionError_):
        services.management_plan_save(
            actor=accounts["xihu"],
            project=project,
            mode="professional",
            fee_yuan_per_m2_month="0.8",
            fund_balance="0",
            fund_top_up="0",
        )
    with pytest.raises(ApplicationError) as err:
        services.management_plan_save(
            actor=officer,
            project=project,
            mode="professional",
            fee_yuan_per_m2_month="0.801",
            fund_balance="0",
            fund_top_up="0",
        )
    assert err.value.field == "fee_yuan_per_m2_month"
    plan = services.management_plan_save(
        actor=officer,
        project=project,
        mode="professional",
        fee_yuan_per_m2_month="0.80",
        fund_balance="120000.00",
        fund_top_up="300000.00",
    )
    conditions = selectors.management_plan_conditions(project)
    codes = {c.code: c for c in conditions}
    assert codes["stewardship.plan"].met
    assert set(codes) == {
        "stewardship.plan",
        "stewardship.fee",
        "stewardship.fund_top_up",
        "stewardship.management_rules",
    }
    assert (
        not codes["stewardship.fund_top_up"].met and codes["stewardship.fund_top_up"].community == "清波小区"
    )
    assert codes["stewardship.fund_top_up"].clause == "民法典 第278条第一款第(六)项"
    fee = run_ballot(community, owners, matter=4, yes=6, actor=officer)
    wrong = run_ballot(community, owners, matter=5, yes=9, actor=officer)
    with pytest.raises(ApplicationError) as err:
        services.plan_decision_link(
            actor=officer, plan=plan, community=community, decision="fee", ballot=wrong
        )
    assert err.value.code == "ballot_gate"
    services.plan_decision_link(actor=officer, plan=plan, community=community, decision="fee", ballot=fee.pk)
    top = run_ballot(community, owners, matter=6, yes=8, actor=officer)
    services.plan_decision_link(
        actor=officer, plan=plan, community=community, decision="fund_top_up", ballot=top
    )
    rules_ballot = run_ballot(community, owners, matter=2, yes=6, actor=officer)
    services.plan_decision_link(
        actor=officer, plan=plan, community=community, decision="management_rules", ballot=rules_ballot
    )
    assert all(c.met for c in selectors.management_plan_conditions(project))
    assert all(set(c.to_dict()) >= {"code", "met", "message", "clause", "community"} for c in conditions)
    # self-management without a top-up or rules needs no ballot
    services.management_plan_save(
        actor=officer,
        project=project,
        mode="self_managed",
        fee_yuan_per_m2_month="0",
        fund_balance="0",
        fund_top_up="0",
        adopt_management_rules=False,
    )
    assert [c.code for c in selectors.management_plan_conditions(project)] == ["stewardship.plan"]


# --- contracts and accounts -----------------------------------------------------------------------------------------


def test_contract_checks_company_term_and_overlap(community, company, orgs, accounts, owners):
    officer = accounts["shangcheng"]
    with pytest.raises(ApplicationError) as err:
        contract(officer, community, orgs["builder"])
    assert err.value.field == "company"
    with pytest.raises(PermissionError_):
        contract(accounts["xihu"], community, company)
    with pytest.raises(ApplicationError) as err:
        contract(officer, community, company, start=TODAY(), end=TODAY() - dt.timedelta(days=1))
    assert err.value.field == "ends_on"
    wrong = run_ballot(community, owners, matter=6, yes=10, actor=officer)
    with pytest.raises(ApplicationError) as err:
        contract(officer, community, company, ballot=wrong)
    assert err.value.code == "ballot_gate"
    hired = run_ballot(community, owners, matter=4, yes=6, actor=officer)
    first = contract(officer, community, company, ballot=hired)
    assert first.ballot_id == hired.pk
    with pytest.raises(ApplicationError) as err:
        contract(officer, community, company, number="WY-002")
    assert err.value.field == "starts_on"


def test_property_company_sees_only_its_communities(handed_over, community, company, steward, accounts, divs):
    officer = accounts["shangcheng"]
    assert list(selectors.communities_for(steward)) == []
    contract(officer, community, company)
    other = make_community("SC-010", "另一小区", divs["330102001"])
    rival = delivery_services.organisation_create(
        actor=officer, name="别家物业", credit_code=code("91330102MA2C00002"), kind="property_service"
    )
    contract(officer, other, rival, number="WY-OTHER")
    assert list(selectors.communities_for(steward)) == [community]
    assert set(selectors.communities_for(officer)) == {community, other}
    assert list(selectors.communities_for(accounts["xihu"])) == []
    assert list(selectors.communities_for(accounts["resident"])) == []
    # the company records its fees, but not the fund
    services.fee_collection_record(
        actor=steward, community=community, month=TODAY(), billed="1000", collected="900"
    )
    with pytest.raises(PermissionError_):
        services.fee_collection_record(
            actor=steward, community=other, month=TODAY(), billed="1", collected="1"
        )
    with pytest.raises(PermissionError_):
        services.fund_entry_record(
            actor=steward, community=community, kind="opening", amount="1", on=TODAY(), description="x"
        )
    with pytest.raises(ApplicationError) as err:
        services.fee_collection_record(
            actor=steward, community=community, month=TODAY(), billed="10", collected="11"
        )
    assert err.value.field == "collected"


def test_member_link(company, accounts, orgs):
    user = accounts["builder"]
    with pytest.raises(ApplicationError):
        services.steward_member_link(actor=accounts["shangcheng"], user=user, organisation=company)
    from gaizao.accounts.models import Role, User

    steward = User.objects.create_user(username="wy2", password="x-pw-1234", role=Role.PROPERTY_SERVICE)
    with pytest.raises(ApplicationError):
        services.steward_member_link(actor=accounts["shangcheng"], user=steward, organisation=orgs["builder"])
    with pytest.raises(PermissionError_):
        services.steward_member_link(actor=accounts["resident"], user=steward, organisation=company)
    member = services.steward_member_link(actor=accounts["shangcheng"], user=steward, organisation=company)
    assert services.company_of(steward) == company == member.organisation


# --- maintenance fund -----------------------------------------------------------------------------------------------


def test_fund_top_up_use_and_disclosure(community, owners, accounts):
    officer = accounts["qingbomen"]
    day = TODAY() - dt.timedelta(days=60)
    services.fund_entry_record(
        actor=officer, community=community, kind="opening", amount="120000.00", on=day, description="期初余额"
    )
    with pytest.raises(ApplicationError) as err:
        services.fund_entry_record(
            actor=officer, community=community, kind="top_up", amount="300000", on=day, description="续筹"
        )
    assert err.value.code == "ballot_gate"
    short = run_ballot(community, owners, matter=6, yes=7, actor=accounts["shangcheng"])
    with pytest.raises(ApplicationError):
        services.fund_entry_record(
            actor=officer,
            community=community,
            kind="top_up",
            amount="300000",
            on=day,
            description="续筹",
            ballot=short,
        )
    passed = run_ballot(community, owners, matter=6, yes=8, actor=accounts["shangcheng"])
    services.fund_entry_record(
        actor=officer,
        community=community,
        kind="top_up",
        amount="300000",
        on=day + dt.timedelta(days=1),
        description="业主续筹",
        ballot=passed,
    )
    use_ballot = run_ballot(community, owners, matter=5, yes=6, actor=accounts["shangcheng"])
    with pytest.raises(ApplicationError) as err:
        services.fund_entry_record(
            actor=officer,
            community=community,
            kind="use",
            amount="500000",
            on=TODAY(),
            description="屋面防水",
            ballot=use_ballot,
        )
    assert err.value.field == "amount"
    # a use dated before the top-up may not exceed the balance of that day
    with pytest.raises(ApplicationError):
        services.fund_entry_record(
            actor=officer,
            community=community,
            kind="use",
            amount="200000",
            on=day,
            description="提前使用",
            ballot=use_ballot,
        )
    services.fund_entry_record(
        actor=officer,
        community=community,
        kind="use",
        amount="45000.50",
        on=TODAY(),
        description="屋面防水维修",
        ballot=use_ballot,
    )
    with pytest.raises(ApplicationError) as err:
        services.fund_entry_record(
            actor=officer,
            community=community,
            kind="interest",
            amount="1",
            on=TODAY(),
            description="利息",
            ballot=passed,
        )
    assert err.value.field == "ballot"
    assert services.fund_balance(community) == Decimal("374999.50")
    assert selectors.disclosure_due(community)
    disclosure = services.fund_disclose(
        actor=officer, community=community, period_start=day + dt.timedelta(days=1), period_end=TODAY()
    )
    assert (disclosure.opening, disclosure.income, disclosure.spending, disclosure.closing) == (
        Decimal("120000.00"),
        Decimal("300000.00"),
        Decimal("45000.50"),
        Decimal("374999.50"),
    )
    assert [e["kind"] for e in disclosure.entries] == ["top_up", "use"]
    assert not selectors.disclosure_due(community)
    with pytest.raises(ApplicationError) as err:
        services.fund_disclose(actor=officer, community=community, period_start=TODAY(), period_end=day)
    assert err.value.field == "period_end"


# --- conventions ----------------------------------------------------------------------------------------------------


def test_convention_needs_text_and_matter_2_ballot(community, owners, accounts):
    organiser = accounts["qingbomen"]
    base = {"actor": organiser, "community": community, "title": "清波小区管理规约", "adopted_on": TODAY()}
    with pytest.raises(ApplicationError) as err:
        services.convention_adopt(**base, kind="management_rules", file=None)
    assert err.value.field == "file"
    with pytest.raises(ApplicationError) as err:
        services.convention_adopt(**base, kind="management_rules", file=pdf("规约.pdf"))
    assert err.value.code == "ballot_gate"
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ApplicationError) as err:
        services.convention_adopt(
            **base,
            kind="residents_convention",
            file=SimpleUploadedFile("x.txt", b"hello", content_type="text/plain"),
        )
    assert err.value.field == "file"
    ballot = run_ballot(community, owners, matter=2, yes=6, actor=accounts["shangcheng"])
    rules = services.convention_adopt(**base, kind="management_rules", file=pdf("规约.pdf"), ballot=ballot)
    assert rules.file.read().startswith(b"%PDF")
    pact = services.convention_adopt(
        actor=organiser,
        community=community,
        kind="residents_convention",
        title="居民公约",
        file=png(),
        adopted_on=TODAY(),
    )
    assert pact.ballot is None


# --- follow-ups -----------------------------------------------------------------------------------------------------


def test_followups_reuse_delivery_rectification(handed_over, accounts, orgs, started):
    officer = accounts["shangcheng"]
    with pytest.raises(PermissionError_):
        services.followups_schedule(actor=accounts["xihu"], delivery=handed_over)
    followups = services.followups_schedule(actor=officer, delivery=handed_over)
    handed_on = services.handed_over_on(handed_over)
    assert [f.months for f in followups] == [6, 12, 24]
    assert followups[1].due_on.year == handed_on.year + 1 and followups[1].due_on.month == handed_on.month
    assert services.followups_schedule(actor=officer, delivery=handed_over) == followups  # idempotent
    twelve = followups[1]
    with pytest.raises(ApplicationError) as err:
        services.followup_record(
            actor=officer, followup=twelve, findings=[{"description": "", "severity": "minor"}]
        )
    assert err.value.field == "findings[0].description"
    inspection = services.followup_record(
        actor=accounts["qingbo"],
        followup=twelve,
        kind="quality",
        checklist={"waterproofing": "fail"},
        findings=[
            {
                "description": "3幢屋面渗水",
                "severity": "major",
                "photo": png(),
                "order": {"party": orgs["builder"], "requirement": "保修期内修复"},
            }
        ],
    )
    assert inspection.level == "street" and inspection.delivery == handed_over
    with pytest.raises(StateError):
        services.followup_record(actor=officer, followup=twelve)
    finding = inspection.findings.get()
    order = finding.order
    assert order.state == OrderState.OPEN and not selectors.is_closed(finding)
    delivery_services.order_reply(actor=accounts["builder"], order=order, body="已重做防水层", evidence=png())
    delivery_services.order_review(actor=accounts["qingbo"], order=order, accept=True)
    finding.refresh_from_db()
    assert selectors.is_closed(finding)


def test_followup_recorded_on_its_day(handed_over, accounts, orgs):
    """A follow-up (and its order's reply and review) may be recorded on the day it happened, never in the future;
    the order's default deadline counts from the inspection's day."""
    officer, street = accounts["shangcheng"], accounts["qingbo"]
    six = services.followups_schedule(actor=officer, delivery=handed_over)[0]
    with pytest.raises(ApplicationError) as err:
        services.followup_record(actor=street, followup=six, now=timezone.now() + dt.timedelta(hours=1))
    assert err.value.field == "now"
    day = timezone.now() - dt.timedelta(days=20)
    inspection = services.followup_record(
        actor=street,
        followup=six,
        now=day,
        findings=[
            {"description": "井盖松动", "severity": "major", "order": {"party": orgs["builder"]}},
        ],
    )
    assert inspection.inspected_at == day
    order = inspection.findings.get().order
    assert order.issued_at == day and order.deadline == timezone.localdate(day) + dt.timedelta(days=3)
    replied, reviewed = day + dt.timedelta(days=1), day + dt.timedelta(days=2)
    reply = delivery_services.order_reply(
        actor=accounts["builder"], order=order, body="已更换井盖", evidence=png(), now=replied
    )
    order = delivery_services.order_review(actor=street, order=order, accept=True, now=reviewed)
    reply.refresh_from_db()
    assert (reply.replied_at, reply.decided_at, order.closed_at) == (replied, reviewed, reviewed)


def test_report_after_handover(handed_over, community, owners, accounts, orgs):
    officer = accounts["shangcheng"]
    resident = accounts["resident"]
    owners[0].user = resident
    owners[0].save(update_fields=["user"])
    report = participation.report_create(
        actor=resident, community_id=community.pk, category="quality", description="雨水井盖松动"
    )
    followup = services.followup_from_report(
        actor=officer, delivery=handed_over, report=report, severity="minor", party=orgs["builder"]
    )
    assert followup.months is None and followup.done
    report.refresh_from_db()
    assert report.status == ReportStatus.RESPONDED
    with pytest.raises(StateError):
        services.followup_from_report(actor=officer, delivery=handed_over, report=report, severity="minor")
    order = followup.inspection.findings.get().order
    delivery_services.order_reply(actor=accounts["builder"], order=order, body="已更换井盖", evidence=png())
    delivery_services.order_review(actor=officer, order=order, accept=True, note="复查合格")
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED


def test_followups_refused_before_handover(started, accounts):
    with pytest.raises(StateError):
        services.followups_schedule(actor=accounts["shangcheng"], delivery=started)
    assert FollowUp.objects.count() == 0


# --- coverage, health, scorecard ------------------------------------------------------------------------------------


def test_coverage_by_street_and_over_time(handed_over, community, company, accounts, divs):
    officer = accounts["shangcheng"]
    before = selectors.coverage(officer, division=divs["330102"])
    assert before["communities"] == 1 and before["covered"] == 0
    contract(officer, community, company, start=TODAY() - dt.timedelta(days=100))
    now = selectors.coverage(officer, division=divs["330102"])
    assert now["streets"] == [
        {
            "street": "清波街道",
            "street_code": "330102001",
            "district": "上城区",
            "communities": 1,
            "covered": 1,
            "share": 1.0,
        }
    ]
    assert now["districts"] == [{"district": "上城区", "communities": 1, "covered": 1, "share": 1.0}]
    series = selectors.coverage_series(officer, division=divs["330102"])
    assert series[-1]["covered"] == 1 and series[0]["covered"] == 0
    assert selectors.coverage(accounts["xihu"])["communities"] == 0
    # a street-provided service is not professional coverage
    contract(
        officer,
        community,
        company,
        number="WY-OLD",
        start=TODAY() - dt.timedelta(days=1000),
        end=TODAY() - dt.timedelta(days=101),
        mode="community_street",
    )
    assert selectors.coverage(officer, on=TODAY() - dt.timedelta(days=200))["covered"] == 0


def test_coverage_series_days_counted_together(handed_over, community, company, steward, accounts, divs):
    """The series counts every quarter end in the same two queries, each day as coverage() alone answers it; a
    company account (its scope joins its contracts) counts its community once however many contracts it holds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = accounts["shangcheng"]
    contract(
        officer,
        community,
        company,
        start=TODAY() - dt.timedelta(days=200),
        end=TODAY() + dt.timedelta(days=9),
    )
    contract(officer, community, company, number="WY-002", start=TODAY() + dt.timedelta(days=10))
    days = [TODAY() - dt.timedelta(days=n) for n in (400, 300, 200, 100, 0)]
    for user, division in ((officer, divs["330102"]), (officer, None), (steward, None)):
        many = selectors.coverage_on_days(user, division=division, days=days)
        assert [c["covered"] for c in many] == [0, 0, 1, 1, 1]
        assert many == [selectors.coverage(user, division=division, on=day) for day in days]
        assert many[-1]["communities"] == 1 and many[-1]["streets"][0]["street_code"] == "330102001"
    sizes = []
    for quarters in (2, 8):
        with CaptureQueriesContext(connection) as ctx:
            series = selectors.coverage_series(officer, quarters=quarters)
        sizes.append(len(ctx.captured_queries))
        assert len(series) == quarters + 1 and series[-1] == selectors.coverage(officer)
    assert sizes[0] == sizes[1] <= 3


def test_health_and_scorecard(handed_over, community, company, owners, accounts):
    officer = accounts["shangcheng"]
    contract(officer, community, company)
    month = TODAY().replace(day=1)
    services.fee_collection_record(
        actor=officer, community=community, month=month, billed="10000", collected="9000"
    )
    health = selectors.health_series(community)
    assert len(health["months"]) == 14 or len(health["months"]) == 15
    assert health["fee_collection"][-1] == 0.9
    card = selectors.scorecard(community)
    goals = {g["goal"]: g for g in card["goals"]}
    long_term = goals["long_term_management"]
    assert long_term["facts"]["property_contract"] is True
    assert long_term["facts"]["management_rules"] is False
    assert long_term["facts"]["fee_collection"] == "0.9000"
    # facts only (no evaluation yet): mean of 100, 0, 90 (fund: not applicable) = 63.3
    assert long_term["score"] == "63.3"
    assert goals["supporting_services"]["score"] is None
    # residents evaluate
    from gaizao.participation.models import EvaluationResponse, EvaluationSurvey

    survey = EvaluationSurvey.objects.create(community=community, title="改造后评价")
    for owner in owners[:4]:
        EvaluationResponse.objects.create(
            survey=survey, owner=owner, scores={"long_term_management": 5, "supporting_services": 4}
        )
    participation.evaluation_close(actor=officer, survey_id=survey.pk)
    card = selectors.scorecard(community)
    goals = {g["goal"]: g for g in card["goals"]}
    # 0.4 × 100 + 0.6 × 63.33… = 78.0
    assert goals["long_term_management"]["score"] == "78.0"
    assert goals["supporting_services"]["score"] == "75.0"
    assert card["overall"] is not None
