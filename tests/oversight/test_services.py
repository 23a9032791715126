"""Oversight services and selectors against the database: targets, progress from the audited moves, the
statistical return's reconciliation and cell records, the assessment with its award, and its lifecycle."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gaizao.audit.models import AuditEvent
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.oversight import selectors, services
from gaizao.oversight.models import AssessmentState, DistrictTarget


def test_target_set_takes_defaults_and_is_audited(world, accounts, divs):
    target = services.target_set(
        actor=accounts["city"], district=divs["330102"], year=2027, values={"households": "1234"}
    )
    assert target.households == 1234
    assert target.communities_started == 20  # the rule set's default
    assert target.property_coverage == Decimal("0.8000")
    assert AuditEvent.objects.filter(action="oversight.target.set", object_id=str(target.pk)).exists()
    again = services.target_set(
        actor=accounts["city"], district=divs["330102"], year=2027, values={"buildings": 7}
    )
    assert again.pk == target.pk and again.buildings == 7
    assert DistrictTarget.objects.count() == 1


def test_target_set_refuses_other_roles_and_bad_values(world, accounts, divs):
    with pytest.raises(PermissionError_):
        services.target_set(actor=accounts["shangcheng"], district=divs["330102"], year=2027)
    with pytest.raises(ApplicationError) as exc:
        services.target_set(
            actor=accounts["city"], district=divs["330102"], year=2027, values={"households": -1}
        )
    assert exc.value.field == "households"
    with pytest.raises(ApplicationError) as exc:
        services.target_set(
            actor=accounts["city"], district=divs["330102"], year=2027, values={"property_coverage": "1.5"}
        )
    assert exc.value.field == "property_coverage"
    with pytest.raises(ApplicationError) as exc:
        services.target_set(actor=accounts["city"], district=divs["330102001"], year=2027)
    assert exc.value.field == "district"


def test_progress_counts_the_audited_moves(targets, accounts):
    year = targets["year"]
    data = selectors.progress(accounts["city"], year)
    rows = {r["district"].code: r for r in data["rows"]}
    east = {i["key"]: i for i in rows["330102"]["items"]}
    west = {i["key"]: i for i in rows["330106"]["items"]}
    assert east["communities_started"]["actual"] == 1
    assert east["communities_completed"]["actual"] == 1
    assert east["households"]["actual"] == 320
    assert east["buildings"]["actual"] == 8
    assert east["communities_started"]["records"] == [targets["east"].project_id]
    assert west["communities_started"]["actual"] == 1
    assert west["communities_completed"]["actual"] == 0
    assert west["households"]["actual"] == 200
    # a district officer sees only its own district
    mine = selectors.progress(accounts["shangcheng"], year)
    assert [r["district"].code for r in mine["rows"]] == ["330102"]


def test_progress_flags_a_district_behind_pace(targets, accounts):
    year = targets["year"]
    import datetime as dt

    data = selectors.progress(accounts["city"], year, on=dt.date(year, 12, 31))
    rows = {r["district"].code: r for r in data["rows"]}
    # 西湖: 1 of 4 started at the year's end is behind; 上城: 1 of 1 is not
    assert "communities_started" in rows["330106"]["behind"]
    assert "communities_started" not in rows["330102"]["behind"]


def test_statistical_return_reconciles_and_lists_records(world, accounts):
    year = world["year"]
    ret = selectors.statistical_return(accounts["city"], str(year))
    assert ret["reconciled"]
    rows = {r.code: r for r in ret["rows"]}
    city, east, west = rows["330100"], rows["330102"], rows["330106"]
    for key in ("started_communities", "completed_households", "investment_total"):
        assert city.cells[key] == east.cells[key] + west.cells[key]
    assert city.cells["started_communities"] == 2
    assert city.cells["completed_communities"] == 1
    assert city.cells["started_households"] == 520
    assert city.cells["investment_total"] == Decimal("450000.00")
    assert west.cells["investment_municipal_subsidy"] == Decimal("50000.00")
    assert rows["330102001"].cells["started_communities"] == 1  # 清波街道
    cell = selectors.cell_records(
        accounts["city"], str(year), division="330100", column="started_communities"
    )
    assert cell["projects"] == sorted([world["east"].project_id, world["west"].project_id])
    money = selectors.cell_records(accounts["city"], str(year), division="330106", column="investment_total")
    assert money["projects"] == [world["west"].project_id] and len(money["entries"]) == 1
    # an earlier period has nothing
    empty = selectors.statistical_return(accounts["city"], f"{year - 1}Q4")
    assert all(v == 0 for v in empty["rows"][0].cells.values())


def test_statistical_return_is_scoped_and_validates_the_period(world, accounts):
    ret = selectors.statistical_return(accounts["xihu"], str(world["year"]))
    assert ret["root"].code == "330106"
    assert {r.code for r in ret["rows"]} == {"330106", "330106002"}
    with pytest.raises(ApplicationError) as exc:
        selectors.statistical_return(accounts["city"], "2027Q5")
    assert exc.value.field == "period"
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.statistical_return(accounts["xihu"], str(world["year"]), division="330102")


def test_assessment_needs_every_target(world, accounts):
    with pytest.raises(ApplicationError) as exc:
        services.assessment_compute(actor=accounts["city"], year=world["year"])
    assert exc.value.field == "targets"


def test_assessment_scores_ranks_and_splits_the_award(targets, accounts):
    year = targets["year"]
    a = services.assessment_compute(
        actor=accounts["city"], year=year, award_pool="1000000.00", award_threshold="20"
    )
    scores = {s.district.code: s for s in a.scores.all()}
    east, west = scores["330102"], scores["330106"]
    ind = {i["id"]: i for i in east.indicators}
    # 上城: started 1 of 1, completed 1 of the default 15 → progress (1 + 1/15) / 2 → 16 points of 30
    assert ind["progress"]["points"] == "16.00"
    assert ind["progress"]["records"]["projects"] == [targets["east"].project_id]
    assert ind["fund_execution"]["ratio"] == "0.4000"
    assert ind["rectification_closure"]["empty"] == "full" and ind["rectification_closure"]["score"] == "100"
    assert sum(Decimal(i["points"]) for i in east.indicators) == east.total
    assert east.total > west.total and east.rank == 1 and west.rank == 2
    assert east.award + west.award == Decimal("1000000.00")
    assert "门槛" in east.award_reason
    assert a.state == AssessmentState.DRAFT


def test_assessment_award_goes_only_above_threshold(targets, accounts):
    year = targets["year"]
    a = services.assessment_compute(
        actor=accounts["city"], year=year, award_pool="500000.00", award_threshold="30"
    )
    scores = {s.district.code: s for s in a.scores.all()}
    assert scores["330102"].total > 30 >= scores["330106"].total
    assert scores["330102"].award == Decimal("500000.00")
    assert scores["330106"].award == Decimal("0.00")
    assert "不予奖补" in scores["330106"].award_reason


def test_assessment_publish_is_final(targets, accounts):
    year = targets["year"]
    a = services.assessment_compute(actor=accounts["city"], year=year)
    assert not services.can_publish(accounts["shangcheng"], a)
    with pytest.raises(PermissionError_):
        services.assessment_publish(actor=accounts["shangcheng"], assessment=a)
    services.assessment_publish(actor=accounts["city"], assessment=a)
    a.refresh_from_db()
    assert a.state == AssessmentState.PUBLISHED and a.published_at is not None
    assert AuditEvent.objects.filter(action="oversight.assessment.published").exists()
    assert not services.can_compute(accounts["city"], year)
    with pytest.raises(ApplicationError):
        services.assessment_compute(actor=accounts["city"], year=year)
    with pytest.raises(StateError):
        services.assessment_publish(actor=accounts["city"], assessment=a)


def test_draft_assessment_is_hidden_from_districts(targets, accounts):
    year = targets["year"]
    services.assessment_compute(actor=accounts["city"], year=year)
    assert not selectors.assessments_for(accounts["shangcheng"]).exists()
    assert selectors.assessments_for(accounts["ndrc"]).exists()


def test_a_year_without_rule_set_is_refused(world, accounts, divs):
    with pytest.raises(ApplicationError) as exc:
        services.target_set(actor=accounts["city"], district=divs["330102"], year=2001)
    assert exc.value.field == "year"
    with pytest.raises(ApplicationError) as exc:
        selectors.progress(accounts["city"], 2001)
    assert exc.value.field == "year"


def test_street_return_has_one_row(world, accounts):
    ret = selectors.statistical_return(accounts["qingbo"], str(world["year"]))
    assert [r.code for r in ret["rows"]] == ["330102001"]
    assert ret["rows"][0].cells["completed_communities"] == 1
    assert ret["reconciled"]
