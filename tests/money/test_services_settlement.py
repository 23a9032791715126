"""Funding applications, final accounts and their audit, and the subsidy settlement to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.money import selectors, services
from gaizao.money.models import EntryKind, LedgerEntry, Settlement
from gaizao.policy import municipal_subsidy
from gaizao.programme.models import Plan, PlanVersion

from .conftest import TODAY, approved_final_accounts

D = Decimal

LINES = [
    ("construction", "雨污分流、立面整治", "6000000.00", ""),
    ("equipment", "加装电梯 2 台", "1200000.00", "elevator"),
    ("other", "二次供水改造", "300000.00", "secondary_water"),
    ("other", "设计监理费", "500000.00", ""),
]
TRIM = [{"heading": "construction", "exclusion": "", "amount": "-250000.55", "reason": "工程量核减"}]


# --- funding applications -------------------------------------------------------------------------------------------


def test_application_granted_and_received_feeds_the_ledger(accounts, project):
    officer = accounts["shangcheng"]
    app = services.application_submit(
        actor=officer,
        project=project,
        source="central_provincial",
        requested="2000000.00",
        submitted_on=TODAY,
        reference="浙建〔2026〕1号",
    )
    with pytest.raises(ApplicationError, match="granted application"):
        services.application_receive(
            actor=officer, application=app, amount="1.00", date=TODAY, document_number="D"
        )
    with pytest.raises(ApplicationError) as exc:
        services.application_decide(actor=officer, application=app, granted="2000000.01", decided_on=TODAY)
    assert exc.value.field == "granted"
    app = services.application_decide(actor=officer, application=app, granted="1500000.00", decided_on=TODAY)
    assert app.state == "granted"
    services.application_receive(
        actor=officer, application=app, amount="1000000.00", date=TODAY, document_number="D-1"
    )
    with pytest.raises(ApplicationError) as exc:
        services.application_receive(
            actor=officer, application=app, amount="500000.01", date=TODAY, document_number="D-2"
        )
    assert exc.value.field == "amount"
    entry = LedgerEntry.objects.get(application=app)
    assert (entry.kind, entry.source, entry.amount) == ("received", "central_provincial", D("1000000.00"))
    assert services.application_received(app) == D("1000000.00")


def test_application_only_for_central_funds_or_bonds_and_zero_is_rejected(accounts, project):
    officer = accounts["shangcheng"]
    with pytest.raises(ApplicationError) as exc:
        services.application_submit(
            actor=officer, project=project, source="district_funds", requested="1.00", submitted_on=TODAY
        )
    assert exc.value.field == "source"
    app = services.application_submit(
        actor=officer, project=project, source="special_bonds", requested="9.00", submitted_on=TODAY
    )
    assert services.application_decide(
        actor=officer, application=app, granted="0", decided_on=TODAY
    ).state == ("rejected")
    with pytest.raises(StateError):
        services.application_decide(actor=officer, application=app, granted="1.00", decided_on=TODAY)


# --- final accounts and audit ---------------------------------------------------------------------------------------


def test_audit_trims_the_amount_and_only_an_audited_figure_is_approved(accounts, project):
    officer = accounts["shangcheng"]
    fa = services.final_accounts_start(actor=officer, project=project)
    for heading, description, amount, exclusion in LINES:
        services.final_accounts_line_add(
            actor=officer,
            final_accounts=fa,
            heading=heading,
            description=description,
            amount=amount,
            exclusion=exclusion,
        )
    assert fa.submitted_figures() == {
        "total": D("8000000.00"),
        "elevator": D("1200000.00"),
        "secondary_water": D("300000.00"),
    }
    with pytest.raises(ApplicationError) as exc:
        services.final_accounts_approve(actor=officer, final_accounts=fa)
    assert exc.value.field == "state"
    services.final_accounts_submit(actor=officer, final_accounts=fa)
    with pytest.raises(ApplicationError):
        services.final_accounts_line_add(
            actor=officer, final_accounts=fa, heading="other", description="x", amount="1.00"
        )
    with pytest.raises(PermissionError_):
        services.final_accounts_audit(
            actor=accounts["qingbo"], final_accounts=fa, auditor="A", report_number="R"
        )
    fa = services.final_accounts_audit(
        actor=officer, final_accounts=fa, auditor="某事务所", report_number="审-1", adjustments=TRIM
    )
    assert fa.audited_total == D("7749999.45")
    fa = services.final_accounts_approve(actor=officer, final_accounts=fa)
    assert fa.state == "approved"


def test_exclusions_larger_than_the_final_accounts_are_refused(accounts, project):
    officer = accounts["shangcheng"]
    fa = services.final_accounts_start(actor=officer, project=project)
    services.final_accounts_line_add(
        actor=officer,
        final_accounts=fa,
        heading="equipment",
        description="电梯",
        amount="600000.00",
        exclusion="elevator",
    )
    services.final_accounts_line_add(
        actor=officer, final_accounts=fa, heading="construction", description="土建", amount="400000.00"
    )
    services.final_accounts_submit(actor=officer, final_accounts=fa)
    with pytest.raises(ApplicationError) as exc:
        services.final_accounts_audit(
            actor=officer,
            final_accounts=fa,
            auditor="A",
            report_number="R",
            adjustments=[
                {"heading": "construction", "amount": "-400000.00", "reason": "不实"},
                {"heading": "other", "amount": "-0.01", "reason": "核减"},
            ],
        )
    assert exc.value.field == "exclusions" and "三(三)2" in exc.value.message
    fa.refresh_from_db()
    assert fa.state == "submitted" and fa.audited_total is None and not fa.adjustments.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"heading": "bribes"}, "heading"),
        ({"exclusion": "swimming_pool"}, "exclusion"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "-1.00"}, "amount"),
    ],
)
def test_bad_final_accounts_lines_are_refused(accounts, project, kwargs, field):
    fa = services.final_accounts_start(actor=accounts["shangcheng"], project=project)
    args = {"heading": "construction", "description": "土建", "amount": "1.00", "exclusion": "", **kwargs}
    with pytest.raises(ApplicationError) as exc:
        services.final_accounts_line_add(actor=accounts["shangcheng"], final_accounts=fa, **args)
    assert exc.value.field == field


# --- settlement -----------------------------------------------------------------------------------------------------


def test_settlement_before_audit_is_refused(accounts, project):
    officer = accounts["shangcheng"]
    fa = services.final_accounts_start(actor=officer, project=project)
    services.final_accounts_line_add(
        actor=officer, final_accounts=fa, heading="construction", description="x", amount="100.00"
    )
    services.final_accounts_submit(actor=officer, final_accounts=fa)
    with pytest.raises(ApplicationError) as exc:
        services.settlement_compute(actor=officer, project=project)
    assert exc.value.field == "final_accounts" and exc.value.code == "not_audited"
    assert not Settlement.objects.exists()


def test_settlement_equals_municipal_subsidy_on_the_audited_figure(accounts, project, communities):
    officer = accounts["shangcheng"]
    plan = Plan.objects.get(project=project)
    plan.current_version = PlanVersion.objects.create(
        plan=plan,
        number=1,
        mode="comprehensive_improvement",
        estimate=D("8200000.00"),
        funding_total=D("8200000.00"),
        subsidy_amount=D("3000000.00"),
    )
    plan.save()
    approved_final_accounts(officer, project, lines=LINES, adjustments=TRIM)
    settlement = services.settlement_compute(actor=officer, project=project)
    expected = municipal_subsidy(
        district="330102",
        built_year=1995,
        affordable_housing=False,
        final_accounts=D("7749999.45"),
        elevator_cost=D("1200000.00"),
        secondary_water_cost=D("300000.00"),
        building_area_m2=D("20000"),
        on=dt.date.today(),
    )
    assert settlement.subsidy_total == expected.amount == D("3124999.73")
    line = settlement.lines.get()
    assert (line.final_accounts, line.exclusions, line.share) == (D("7749999.45"), D("1500000.00"), D("0.5"))
    assert line.cap == D("8000000")
    assert settlement.estimate_total == D("3000000.00")
    assert settlement.difference == D("124999.73")
    assert any(r["code"] == "subsidy.not_capped" for r in line.reasons)


def test_multi_community_settlement_is_split_by_building_area(accounts, unit_project):
    officer = accounts["shangcheng"]
    approved_final_accounts(
        officer,
        unit_project,
        lines=[
            ("construction", "土建", "8400000.01", ""),
            ("equipment", "电梯", "600000.00", "elevator"),
        ],
    )
    settlement = services.settlement_compute(actor=officer, project=unit_project)
    lines = list(settlement.lines.order_by("community__code"))
    assert sum(x.final_accounts for x in lines) == D("9000000.01")
    assert sum(x.elevator for x in lines) == D("600000.00")
    assert [x.final_accounts for x in lines] == [D("6000000.01"), D("3000000.00")]
    for x in lines:
        expected = municipal_subsidy(
            district="330102",
            built_year=x.community.built_year,
            affordable_housing=False,
            final_accounts=x.final_accounts,
            elevator_cost=x.elevator,
            secondary_water_cost=x.secondary_water,
            building_area_m2=x.building_area_m2,
            on=dt.date.today(),
        )
        assert x.subsidy == expected.amount
    assert [x.subsidy for x in lines] == [D("2000000.00"), D("1000000.00")]  # both capped at 400 yuan/m²
    assert settlement.subsidy_total == D("3000000.00")


def test_post_2000_affordable_housing_is_charged_to_the_original_developer(accounts, divs):
    from gaizao.programme import services as programme_services
    from tests.programme.conftest import make_community

    community = make_community(
        "XH-009",
        "保障房小区",
        divs["330106002"],
        built_year=2005,
        area="6000",
        affordable_housing=True,
        infrastructure_deficient=True,
        management_deficient=True,
        residents_willing=True,
        status="may_include",
    )
    project = programme_services.project_create(actor=accounts["xihu"], community_ids=[community.pk])
    approved_final_accounts(accounts["xihu"], project, lines=[("construction", "土建", "1000000.00", "")])
    settlement = services.settlement_compute(actor=accounts["xihu"], project=project)
    line = settlement.lines.get()
    assert (line.payer, line.subsidy, line.developer_charge) == (
        "original_developer",
        D("0.00"),
        D("1000000.00"),
    )


def test_city_approves_and_disbursements_never_exceed_the_rule(accounts, project):
    officer = accounts["shangcheng"]
    approved_final_accounts(officer, project, lines=LINES, adjustments=TRIM)
    settlement = services.settlement_compute(actor=officer, project=project)
    assert not services.can_approve(officer, settlement)
    with pytest.raises(PermissionError_):
        services.settlement_approve(actor=officer, settlement=settlement)
    with pytest.raises(ApplicationError) as exc:
        services.settlement_disburse(
            actor=accounts["finance"],
            settlement=settlement,
            amount="1.00",
            date=TODAY,
            document_number="BF-0",
        )
    assert exc.value.field == "state"
    assert services.can_approve(accounts["finance"], settlement)
    settlement = services.settlement_approve(actor=accounts["finance"], settlement=settlement)
    with pytest.raises(ApplicationError):
        services.settlement_compute(actor=officer, project=project)
    services.settlement_disburse(
        actor=accounts["finance"],
        settlement=settlement,
        amount="3000000.00",
        date=TODAY,
        document_number="BF-1",
    )
    with pytest.raises(ApplicationError) as exc:
        services.settlement_disburse(
            actor=accounts["city"],
            settlement=settlement,
            amount="124999.74",
            date=TODAY,
            document_number="BF-2",
        )
    assert exc.value.code == "above_rule" and exc.value.field == "amount"
    services.settlement_disburse(
        actor=accounts["city"], settlement=settlement, amount="124999.73", date=TODAY, document_number="BF-2"
    )
    settlement.refresh_from_db()
    assert settlement.state == "disbursed"
    received = selectors.project_balances(project)["sources"]
    subsidy = next(r for r in received if r["source"] == "municipal_subsidy")
    assert subsidy["received"] == D("3124999.73")
    assert LedgerEntry.objects.filter(kind=EntryKind.RECEIVED, source="municipal_subsidy").count() == 2
