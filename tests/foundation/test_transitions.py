"""The one audited transition helper: moves as data, refusals with labels, every move audited."""

import pytest
from django.db import transaction

from gaizao.audit.models import AuditEvent
from gaizao.audit.transitions import StateMachine
from gaizao.errors import StateError
from gaizao.programme.models import ProjectState
from gaizao.programme.services import PROJECT_MACHINE


def test_unknown_states_in_the_table_are_refused_at_import() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        StateMachine("x", ProjectState, {ProjectState.RESERVE: frozenset({"nowhere"})})


def test_allows_and_targets_read_the_table() -> None:
    class Obj:
        state = ProjectState.RESERVE

    assert PROJECT_MACHINE.allows(Obj(), ProjectState.PLANNING)
    assert not PROJECT_MACHINE.allows(Obj(), ProjectState.IMPLEMENTING)
    assert PROJECT_MACHINE.is_final(ProjectState.WITHDRAWN) is False
    assert PROJECT_MACHINE.action(ProjectState.PLANNING) == "project.planning"


@pytest.mark.django_db
def test_a_move_saves_and_audits_and_an_illegal_one_changes_nothing() -> None:
    from gaizao.divisions.models import Division, DivisionLevel

    division = Division.objects.create(
        code="999999", name="测试区", level=DivisionLevel.DISTRICT, path="999999"
    )
    machine = StateMachine(
        "test.division",
        DivisionLevel,
        {DivisionLevel.DISTRICT: frozenset({DivisionLevel.STREET})},
        field="level",
    )
    with pytest.raises(StateError, match="cannot move from district to city"):
        with transaction.atomic():
            machine.move(division, to=DivisionLevel.CITY, actor=None)
    division.refresh_from_db()
    assert division.level == DivisionLevel.DISTRICT
    with transaction.atomic():
        before = machine.move(division, to=DivisionLevel.STREET, actor=None, reason="test")
    assert before == DivisionLevel.DISTRICT
    division.refresh_from_db()
    assert division.level == DivisionLevel.STREET
    event = AuditEvent.objects.get(action="test.division.street")
    assert event.changes == {"level": ["district", "street"]}
    assert event.reason == "test"
