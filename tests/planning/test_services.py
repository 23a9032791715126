"""Special plan and optimiser services against the database: size limits, the map's edits, review with audit,
versions, project links, the optimiser's choice and saving it through the programme services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gaizao.audit.models import AuditEvent
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.planning import selectors, services
from gaizao.planning.models import PlanUnit, SpecialPlanState
from gaizao.policy.planning import planning_rules


@pytest.fixture
def plan(accounts, divs, proposals):
    return services.special_plan_create(actor=accounts["shangcheng"], district=divs["330102"])


def test_rule_set_section_has_limits_and_weights():
    import datetime as dt

    rules = planning_rules(dt.date(2026, 1, 1))
    assert rules.unit_max_communities.value == 8
    assert set(rules.weights) == {"households", "gaps", "priority", "urgency", "readiness"}
    assert rules.clause.startswith("杭政办函〔2022〕10号")


def test_first_version_cuts_the_proposed_chain_to_the_size_limit(plan, world):
    units = selectors.plan_units(plan)
    sizes = sorted(u.communities.count() for u in units)
    # ten communities in a chain: at most 8 in a unit (1,000 m radius holds them all)
    assert sizes == [2, 8]
    assert all(u.source == PlanUnit.Source.PROPOSAL for u in units)
    first = units[0]
    facilities = {f["facility"]: f["communities"] for f in first.required_facilities}
    assert facilities["nursing_home"] == first.communities.count()
    assert AuditEvent.objects.filter(action="special_plan.create").exists()


def test_map_toggle_adds_and_removes_with_checks(plan, world, accounts):
    officer = accounts["shangcheng"]
    small = min(selectors.plan_units(plan), key=lambda u: u.communities.count())
    big = max(selectors.plan_units(plan), key=lambda u: u.communities.count())
    member = big.communities.first()
    with pytest.raises(ApplicationError, match="already belongs"):
        services.unit_toggle_community(actor=officer, unit=small, community_id=member.pk)
    with pytest.raises(ApplicationError, match="not a screened"):
        services.unit_toggle_community(actor=officer, unit=small, community_id=world["out"].pk)
    with pytest.raises(ApplicationError) as info:
        services.unit_toggle_community(actor=officer, unit=small, community_id=world["far"].pk)
    assert info.value.code == "unit_too_large"
    assert services.unit_toggle_community(actor=officer, unit=big, community_id=member.pk) is False
    assert services.unit_toggle_community(actor=officer, unit=small, community_id=member.pk) is True
    assert small.communities.filter(pk=member.pk).exists()
    assert AuditEvent.objects.filter(action="plan_unit.add_community").count() == 1


def test_unit_drawn_on_the_map_and_updated(plan, world, accounts):
    officer = accounts["shangcheng"]
    unit = services.unit_create(actor=officer, plan=plan, community_ids=[world["far"].pk], name="远处片区")
    assert unit.code == "U03"
    unit = services.unit_update(
        actor=officer,
        unit=unit,
        mode="demolition_rebuilding",
        positioning="拆改结合，补齐养老",
        indicators={"parking_per_household": "0.6", "green_space_m2": "1200"},
        phase_year=2028,
    )
    assert unit.indicators == {"parking_per_household": "0.6", "green_space_m2": "1200"}
    with pytest.raises(ApplicationError) as info:
        services.unit_update(actor=officer, unit=unit, indicators={"parking_per_household": "-1"})
    assert info.value.field == "indicators.parking_per_household"
    with pytest.raises(ApplicationError):
        services.unit_update(actor=officer, unit=unit, mode="bulldoze")


def test_review_by_the_coordination_group(plan, accounts, divs):
    officer, city, xihu = accounts["shangcheng"], accounts["city"], accounts["xihu"]
    assert not services.can_review(city, plan)
    with pytest.raises(PermissionError_):
        services.special_plan_submit(actor=xihu, plan=plan)
    services.special_plan_submit(actor=officer, plan=plan)
    plan.refresh_from_db()
    assert plan.state == SpecialPlanState.SUBMITTED
    assert not services.can_edit(officer, plan)
    with pytest.raises(StateError):
        services.unit_update(actor=officer, unit=plan.units.first(), name="x")
    with pytest.raises(PermissionError_):
        services.special_plan_approve(actor=officer, plan=plan)
    with pytest.raises(ApplicationError):
        services.special_plan_return(actor=city, plan=plan, note=" ")
    services.special_plan_return(actor=city, plan=plan, note="补充指标控制")
    services.special_plan_submit(actor=officer, plan=plan)
    services.special_plan_approve(actor=city, plan=plan, note="同意")
    plan.refresh_from_db()
    assert plan.state == SpecialPlanState.APPROVED and plan.approved_by == city
    actions = list(AuditEvent.objects.filter(object_id=str(plan.pk)).values_list("action", flat=True))
    for action in ("special_plan.submitted", "special_plan.returned", "special_plan.approved"):
        assert action in actions
    # a second version copies the units; approving it supersedes the first
    assert services.can_new_version(officer, plan)
    v2 = services.special_plan_create(actor=officer, district=divs["330102"])
    assert v2.version == 2 and v2.units.count() == plan.units.count()
    assert not services.can_new_version(officer, plan)
    services.special_plan_submit(actor=officer, plan=v2)
    services.special_plan_approve(actor=city, plan=v2)
    plan.refresh_from_db()
    assert plan.state == SpecialPlanState.SUPERSEDED
    assert selectors.approved_plan(divs["330102"]) == v2


def test_scope_hides_other_districts(plan, accounts):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.get_plan(accounts["xihu"], plan.pk)
    assert selectors.get_plan(accounts["city"], plan.pk) == plan


def test_projects_link_only_to_the_approved_version(plan, accounts, world):
    from gaizao.programme import services as programme

    officer = accounts["shangcheng"]
    project = programme.project_create(actor=officer, community_ids=[world["communities"][0].pk])
    unit = plan.units.first()
    with pytest.raises(StateError):
        services.project_link_unit(actor=officer, project=project, unit=unit)
    services.special_plan_submit(actor=officer, plan=plan)
    services.special_plan_approve(actor=accounts["city"], plan=plan)
    link = services.project_link_unit(actor=officer, project=project, unit=unit)
    assert selectors.project_link(project.pk) == link


def _approve(plan, accounts):
    services.special_plan_submit(actor=accounts["shangcheng"], plan=plan)
    services.special_plan_approve(actor=accounts["city"], plan=plan)


def test_optimiser_chooses_within_budget_and_explains(plan, accounts, divs, world):
    officer = accounts["shangcheng"]
    rows, excluded = selectors.optimiser_candidates(
        divs["330102"], plan_year=2027, on=__import__("datetime").date(2026, 11, 1)
    )
    assert len(rows) == 11 and excluded == []
    assert all(r.estimate > 0 and 0 <= r.subsidy <= r.estimate for r in rows)
    budget = sum((r.estimate - r.subsidy for r in rows), Decimal(0)) / 3
    run = services.optimiser_run(
        actor=officer,
        district=divs["330102"],
        plan_year=2027,
        budget={"district_funds": str(budget)},
        keep_units=False,
    )
    assert run.status == "optimal" and run.chosen
    assert Decimal(run.spent["district_funds"]) <= budget
    chosen = [r for r in run.rows if r["chosen"]]
    assert all(r["reasons"] for r in chosen)
    assert run.shadow["source"] == "district_funds" and run.shadow["benefit_gain"] >= 0
    more = services.optimiser_rerun(actor=officer, run=run, budget={"district_funds": str(budget * 2)})
    assert more.parent == run and more.benefit >= run.benefit and len(more.chosen) >= len(run.chosen)
    assert AuditEvent.objects.filter(action="optimiser.run").count() == 2


def test_units_go_together_when_approved(plan, accounts, divs):
    _approve(plan, accounts)
    officer = accounts["shangcheng"]
    run = services.optimiser_run(
        actor=officer, district=divs["330102"], plan_year=2027, budget={"district_funds": "1000000000"}
    )
    units = selectors.unit_of_community(plan)
    chosen = set(run.chosen)
    for unit in {u.pk: u for u in units.values()}.values():
        members = {c for c, u in units.items() if u.pk == unit.pk}
        assert members <= chosen or not (members & chosen)


def test_infeasible_target_is_explained(accounts, divs, world):
    run = services.optimiser_run(
        actor=accounts["shangcheng"],
        district=divs["330102"],
        plan_year=2027,
        budget={"district_funds": "1000"},
        targets={"communities": 3},
    )
    assert run.status == "infeasible" and "targets.communities" in run.message
    assert not services.can_save_run(accounts["shangcheng"], run)


def test_optimiser_refuses_bad_input_and_other_roles(accounts, divs, world):
    with pytest.raises(ApplicationError) as info:
        services.optimiser_run(
            actor=accounts["shangcheng"], district=divs["330102"], plan_year=2027, budget={}
        )
    assert info.value.field == "budget.district_funds"
    with pytest.raises(ApplicationError):
        services.optimiser_run(
            actor=accounts["shangcheng"],
            district=divs["330102"],
            plan_year=2027,
            budget={"district_funds": "-5"},
        )
    with pytest.raises(PermissionError_):
        services.optimiser_run(
            actor=accounts["xihu"], district=divs["330102"], plan_year=2027, budget={"district_funds": "5"}
        )


def test_save_as_draft_annual_plan_through_programme_services(plan, accounts, divs, world):
    from gaizao.programme.models import AnnualPlanState, Project, ProjectState

    _approve(plan, accounts)
    officer = accounts["shangcheng"]
    run = services.optimiser_run(
        actor=officer, district=divs["330102"], plan_year=2027, budget={"district_funds": "1000000000"}
    )
    with pytest.raises(PermissionError_):
        services.optimiser_save(actor=accounts["city"], run=run)
    annual = services.optimiser_save(actor=officer, run=run)
    assert annual.state == AnnualPlanState.DRAFT and annual.plan_year == 2027
    projects = Project.objects.filter(district=divs["330102"])
    members = set(projects.values_list("communities", flat=True))
    assert members == set(run.chosen)
    assert all(p.state == ProjectState.PLANNING for p in projects)
    # one project per approved unit
    unit_projects = [p for p in projects if selectors.project_link(p.pk)]
    assert len(unit_projects) == plan.units.count()
    run.refresh_from_db()
    assert run.annual_plan == annual and run.saved_at
    assert AuditEvent.objects.filter(action="optimiser.save").exists()


def test_the_city_coordinator_optimises_the_whole_city(accounts, divs, world):
    from tests.programme.conftest import make_community

    xihu = make_community("XH-100", "北山小区", divs["330106002"], lon=120.14, lat=30.26, households=500)
    city = divs["330100"]
    with pytest.raises(PermissionError_):
        services.optimiser_run(
            actor=accounts["shangcheng"], district=city, plan_year=2027, budget={"district_funds": "1"}
        )
    assert city in selectors.optimiser_scopes_for(accounts["city"])
    assert city not in selectors.optimiser_scopes_for(accounts["shangcheng"])
    run = services.optimiser_run(
        actor=accounts["city"], district=city, plan_year=2027, budget={"district_funds": "1000000000"}
    )
    ids = {r["community_id"] for r in run.rows}
    assert xihu.pk in ids and world["communities"][0].pk in ids
    assert run.status == "optimal" and xihu.pk in run.chosen
    assert not services.can_save_run(accounts["shangcheng"], run)
