"""Every move not in a state machine's table is refused before anything is written; the tables are closed."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from gaizao.errors import StateError
from gaizao.programme import services
from gaizao.programme.models import (
    AnnualPlanState,
    ConsultationState,
    PlanState,
    ProjectState,
    PublicationState,
)

MACHINES = [
    ("project", services.PROJECT_MACHINE, ProjectState),
    ("plan", services.PLAN_MACHINE, PlanState),
    ("consultation", services.CONSULTATION_MACHINE, ConsultationState),
    ("publication", services.PUBLICATION_MACHINE, PublicationState),
    ("annual_plan", services.ANNUAL_PLAN_MACHINE, AnnualPlanState),
]


@pytest.mark.parametrize(("kind", "table", "states"), MACHINES, ids=[m[0] for m in MACHINES])
def test_tables_name_every_state_and_only_known_states(kind, table, states):
    assert table.name == kind
    assert table.states is states
    table = table.moves
    assert set(table) == set(states.values)
    for targets in table.values():
        assert set(targets) <= set(states.values)


ILLEGAL = [
    (kind, table, states, source, target)
    for kind, table, states in MACHINES
    for source, target in itertools.product(states.values, states.values)
    if target not in table.moves[source]
]


@pytest.mark.parametrize(
    ("kind", "table", "states", "source", "target"),
    ILLEGAL,
    ids=[f"{k}:{s}->{t}" for k, _, _, s, t in ILLEGAL],
)
def test_illegal_moves_are_refused_without_writing(kind, table, states, source, target):
    obj = SimpleNamespace(state=source, save=lambda **_: pytest.fail("an illegal move must not save"))
    assert not table.allows(obj, target)
    with pytest.raises(StateError) as exc:
        table.move(obj, to=target, actor=None)
    assert exc.value.code == "illegal_transition"
    assert exc.value.status == 409
    assert obj.state == source
    assert " / " in exc.value.message or "/ " in exc.value.message


def test_terminal_states():
    assert services.PROJECT_TRANSITIONS[ProjectState.IMPLEMENTING] == frozenset()
    assert services.PLAN_TRANSITIONS[PlanState.FROZEN] == frozenset()
    assert services.ANNUAL_PLAN_TRANSITIONS[AnnualPlanState.APPROVED] == frozenset()
