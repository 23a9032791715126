from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gaizao.errors import ApplicationError, StateError
from gaizao.policy import municipal_subsidy
from gaizao.programme import selectors, services
from gaizao.programme.models import PlanState

from .conftest import ESTIMATE, ITEMS, balanced_funding

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(accounts, communities, rates):
    return services.project_create(actor=accounts["shangcheng"], community_ids=[communities["qingbo"].pk])


def save(project, actor, **kw):
    args = {
        "mode": "comprehensive_improvement",
        "delivery_mode": "epc",
        "items": ITEMS,
        "funding": balanced_funding(),
    }
    args.update(kw)
    return services.plan_save(actor=actor, project=project, **args)


def test_estimate_is_quantity_times_unit_rate(project, accounts):
    version = save(project, accounts["shangcheng"])
    assert version.number == 1
    assert version.estimate == ESTIMATE
    rows = {r["item_id"]: r for r in version.items}
    assert rows["facade_repair"]["amount"] == "900000.00"
    assert rows["facade_repair"]["unit_rate"] == "180.00"


def test_district_rate_overrides_city_default(accounts, communities, rates):
    project = services.project_create(actor=accounts["xihu"], community_ids=[communities["xihu"].pk])
    version = save(
        project, accounts["xihu"], items=[{"item_id": "facade_repair", "quantity": "10"}], funding={}
    )
    assert version.items[0]["unit_rate"] == "200.00"
    assert version.estimate == Decimal("2000.00")


def test_expected_subsidy_comes_from_the_policy_engine(project, accounts):
    version = save(project, accounts["shangcheng"])
    expected = municipal_subsidy(
        district="330102",
        built_year=1995,
        affordable_housing=False,
        final_accounts=ESTIMATE,
        elevator_cost=Decimal("1200000"),
        secondary_water_cost=Decimal("300000"),
        building_area_m2=Decimal("20000"),
        on=dt.date.today(),
    )
    assert version.subsidy_amount == expected.amount == Decimal("1155000.00")
    part = version.subsidy["parts"][0]
    assert part["share"] == "0.50"
    assert part["reasons"], "the decision's reasons are kept for display"


def test_post_2000_community_gets_no_subsidy(accounts, divs, rates):
    from .conftest import make_community

    late = make_community(
        "SC-009",
        "千禧小区",
        divs["330102001"],
        status="may_include",
        built_year=2003,
        affordable_housing=True,
        infrastructure_deficient=True,
        management_deficient=True,
        residents_willing=True,
    )
    project = services.project_create(actor=accounts["shangcheng"], community_ids=[late.pk])
    version = save(project, accounts["shangcheng"])
    assert version.subsidy_amount == Decimal("0.00")


def test_each_save_is_a_new_version(project, accounts):
    first = save(project, accounts["shangcheng"])
    second = save(project, accounts["shangcheng"], mode="demolition_rebuilding", note="调整")
    assert (first.number, second.number) == (1, 2)
    project.plan.refresh_from_db()
    assert project.plan.current_version == second
    assert [v.number for v in project.plan.versions.all()] == [2, 1]
    first.refresh_from_db()
    assert first.mode == "comprehensive_improvement"


def test_funding_must_add_up_to_the_estimate_exactly(project, accounts):
    officer = accounts["shangcheng"]
    funding = balanced_funding()
    funding["resident_payment"] = "199999.99"
    save(project, officer, funding=funding)
    with pytest.raises(ApplicationError) as exc:
        services.plan_finalise(actor=officer, project=project)
    assert exc.value.field == "funding"
    assert "0.01" in exc.value.message
    save(project, officer)
    plan = services.plan_finalise(actor=officer, project=project)
    assert plan.state == PlanState.FINALISED


def test_finalised_plan_cannot_be_edited_until_reopened(project, accounts):
    officer = accounts["shangcheng"]
    save(project, officer)
    services.plan_finalise(actor=officer, project=project)
    with pytest.raises(StateError):
        save(project, officer)
    with pytest.raises(StateError):
        services.plan_finalise(actor=officer, project=project)
    services.plan_reopen(actor=officer, project=project)
    assert save(project, officer).number == 2


def test_invalid_choices_name_the_field(project, accounts):
    officer = accounts["shangcheng"]
    with pytest.raises(ApplicationError) as exc:
        save(project, officer, mode="paint_only")
    assert exc.value.field == "mode"
    with pytest.raises(ApplicationError) as exc:
        save(project, officer, delivery_mode="bot")
    assert exc.value.field == "delivery_mode"
    with pytest.raises(ApplicationError) as exc:
        save(project, officer, funding={"lottery": "1"})
    assert exc.value.field == "funding"
    with pytest.raises(ApplicationError) as exc:
        save(project, officer, items=[{"item_id": "moon_base", "quantity": "1"}])
    assert exc.value.field == "items"
    with pytest.raises(ApplicationError) as exc:
        save(project, officer, items=[{"item_id": "greening", "quantity": "10"}])
    assert exc.value.field == "items.greening.unit_rate"
    with pytest.raises(ApplicationError) as exc:
        save(project, officer, items=[{"item_id": "parking", "quantity": "-1"}])
    assert "negative" in exc.value.message


def test_manual_unit_rate_and_bundle_checklist(project, accounts):
    version = save(
        project,
        accounts["shangcheng"],
        items=[
            {"item_id": "greening", "quantity": "100", "unit_rate": "55.5"},
            {"item_id": "elevator_retrofit", "quantity": "1"},
        ],
        funding={},
    )
    assert version.estimate == Decimal("605550.00")
    covered = {b["key"] for b in version.bundle if b["covered"]}
    assert covered == {"elevator"}
    assert {b["key"] for b in version.bundle} >= {"parking", "waterlogging", "long_term_management"}


def test_recommendations_from_gaps_and_needs_mark_their_origin(project, monkeypatch):
    monkeypatch.setattr(
        selectors, "community_gap_items", lambda *, community_id: ["elderly_care", "parking", "nope"]
    )
    monkeypatch.setattr(
        selectors,
        "needs_priorities",
        lambda *, community_id: [("parking", 0.9), ("elevator_retrofit", 0.7), ("x", 1.0)],
    )
    recs = {r["item_id"]: r["origin"] for r in selectors.plan_recommendations(project)}
    assert recs == {"parking": "gap+needs", "elevator_retrofit": "needs", "elderly_care": "gap"}


def test_adapters_are_empty_before_other_apps_land():
    assert selectors.community_gap_items(community_id=1) == [] or isinstance(
        selectors.community_gap_items(community_id=1), list
    )
    assert isinstance(selectors.needs_priorities(community_id=1), list)


def test_pricing_is_a_pure_calculation():
    """price_items and clean_funding_of read nothing: rates come in, rows, excluded costs and totals go out."""
    from gaizao.programme.services.plans import bundle_coverage, clean_funding_of, price_items

    on = dt.date(2024, 6, 30)
    priced = price_items(
        [
            {"item_id": "parking", "quantity": "2.5"},
            {"item_id": "elevator_retrofit", "quantity": "1", "unit_rate": "600000"},
            {"item_id": "secondary_water_supply", "quantity": "1"},
        ],
        rates={"parking": Decimal("12000.005"), "secondary_water_supply": Decimal("300000")},
        on=on,
    )
    assert [r["amount"] for r in priced.rows] == ["30000.01", "600000.00", "300000.00"]
    assert priced.estimate == Decimal("930000.01")
    assert (priced.elevator, priced.water) == (Decimal("600000.00"), Decimal("300000.00"))
    assert priced.seen == {"parking", "elevator_retrofit", "secondary_water_supply"}
    assert next(b for b in bundle_coverage(priced.seen) if b["key"] == "elevator")["covered"] is True
    with pytest.raises(ApplicationError) as exc:
        price_items([{"item_id": "roads", "quantity": "1"}], rates={}, on=on)
    assert exc.value.field == "items.roads.unit_rate"
    clean, total = clean_funding_of(
        {"district_funds": "100.005", "resident_payment": "0"}, sources={"district_funds", "resident_payment"}
    )
    assert clean == {"district_funds": "100.01"} and total == Decimal("100.01")
    with pytest.raises(ApplicationError) as exc:
        clean_funding_of({"lottery": "1"}, sources={"district_funds"})
    assert exc.value.field == "funding"
