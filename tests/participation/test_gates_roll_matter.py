"""Issue 10 gates on the participation side: the matter follows the purpose, consent and plan approval are
community-wide and opened for a project, elevators are decided by their stairwell, a ballot opens only on a complete
roll, and the count follows the rule set in force on the closing date."""

from __future__ import annotations

import datetime as dt

import pytest

from gaizao.errors import ApplicationError
from gaizao.participation import services
from gaizao.participation.models import BallotStatus

pytestmark = pytest.mark.django_db


def create(world, organiser, **kw):
    args = {
        "actor": organiser,
        "community_id": world.community.pk,
        "purpose": "renovation_consent",
        "project_ref": "GZ-TEST",
        "question": "是否同意综合改造？",
    }
    return services.ballot_create(**(args | kw))


@pytest.mark.parametrize("matter", [1, 5, 9])
def test_lower_matter_refused_for_every_binding_purpose(world, accounts, matter):
    for purpose in ("renovation_consent", "plan_approval"):
        with pytest.raises(ApplicationError) as exc:
            create(world, accounts["qingbomen"], purpose=purpose, matter=matter)
        assert exc.value.code == "vote.matter_too_low" and exc.value.field == "matter"
        assert "第7项" in exc.value.message and "杭政办函〔2022〕10号 四(三)" in exc.value.message


def test_default_and_stricter_matters_are_accepted(world, accounts):
    assert create(world, accounts["qingbomen"]).matter == 7
    assert create(world, accounts["qingbomen"], purpose="plan_approval", matter=6).matter == 6
    assert create(world, accounts["qingbomen"], purpose="other", project_ref="").matter == 9


def test_consent_is_community_wide_and_for_a_project(world, accounts):
    organiser = accounts["qingbomen"]
    with pytest.raises(ApplicationError) as exc:
        create(world, organiser, scope_kind="stairwell", building_id=world.building.pk, stairwell="1")
    assert exc.value.code == "vote.scope_not_community"
    with pytest.raises(ApplicationError) as exc:
        create(world, organiser, project_ref="")
    assert exc.value.code == "vote.project_required"
    with pytest.raises(ApplicationError) as exc:
        create(world, organiser, purpose="elevator", project_ref="")
    assert exc.value.code == "vote.elevator_scope"


def test_roll_with_a_unit_without_owner_or_area_is_refused(world, accounts):
    unit = world.units[0]
    unit.owner = None
    unit.save(update_fields=["owner"])
    other = world.units[1]
    other.area_registered_m2 = None
    other.save(update_fields=["area_registered_m2"])
    ballot = create(world, accounts["qingbomen"])
    with pytest.raises(ApplicationError) as exc:
        services.ballot_open(actor=accounts["qingbomen"], ballot_id=ballot.pk)
    assert exc.value.code == "roll.incomplete"
    assert "1 个专有部分没有业主" in exc.value.message and "1 个专有部分没有面积" in exc.value.message
    assert "1幢1单元101室" in exc.value.message
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.DRAFT and not ballot.roll.exists()
    check = services.roll_check(ballot)
    assert not check.complete and check.units == 12


def test_roll_against_recorded_households_and_buildings(world, accounts):
    community = world.community
    community.households, community.building_count = 312, 3
    community.save(update_fields=["households", "building_count"])
    ballot = create(world, accounts["qingbomen"])
    with pytest.raises(ApplicationError) as exc:
        services.ballot_open(actor=accounts["qingbomen"], ballot_id=ballot.pk)
    message = exc.value.message
    assert "名册 12 个专有部分，登记户数 312 户" in message and "名册涉及 1 幢楼，登记楼栋数 3 幢" in message
    assert "the roll has 12 units, the registry records 312 households" in message
    # the organiser corrects the registry, not the check
    community.households, community.building_count = 12, 1
    community.save(update_fields=["households", "building_count"])
    assert services.ballot_open(actor=accounts["qingbomen"], ballot_id=ballot.pk).status == BallotStatus.OPEN


def test_a_stairwell_ballot_needs_only_its_own_units_complete(world, accounts):
    world.community.households = None
    world.community.save(update_fields=["households"])
    ballot = create(
        world,
        accounts["qingbomen"],
        purpose="elevator",
        project_ref="",
        scope_kind="stairwell",
        building_id=world.building.pk,
        stairwell="1",
        question="加装电梯？",
    )
    assert services.ballot_open(actor=accounts["qingbomen"], ballot_id=ballot.pk).roll.count() == 6


def test_count_follows_the_rule_set_in_force_on_the_closing_date(world, accounts):
    ballot = services.ballot_open(
        actor=accounts["qingbomen"], ballot_id=create(world, accounts["qingbomen"]).pk
    )
    assert services.ballot_tally(ballot).ruleset_id == "hz-2022-10"
    ballot.closed_at = dt.datetime(2021, 6, 30, 12, tzinfo=dt.UTC)
    assert services.ballot_tally(ballot).ruleset_id == "hz-2019-72"
