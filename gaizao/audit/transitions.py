"""The one audited state-machine helper (STYLE.md §5, §11; DESIGN.md: state machines share one helper).

Every lifecycle in Gaizao (ballot, project, plan, consultation, publication, annual plan, delivery stage, settlement,
…) declares its states as a ``TextChoices`` and its legal moves as data in a :class:`StateMachine`. A service calls
:meth:`StateMachine.move` inside its transaction; the move is refused with :class:`gaizao.errors.StateError` unless
the table allows it, and every move made is audited as ``<machine name>.<target state>``. Views, templates and the
API ask :meth:`StateMachine.allows` (usually through an app's ``can_<move>`` function that adds role and condition
checks), so a button shows exactly when the service would accept the move.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models

from gaizao.audit.services import audit_record
from gaizao.errors import StateError


def _short_label(states: type[models.TextChoices], value: str) -> str:
    try:
        return str(states(value).label).split(" / ")[0]
    except ValueError:
        return value


@dataclass(frozen=True)
class StateMachine:
    """A named lifecycle: ``moves[current]`` is the set of states reachable from ``current``.

    Parameters
    ----------
    name
        The audit prefix, e.g. ``"project"`` or ``"delivery.stage"``; a move to ``x`` is audited as ``name.x``.
    states
        The ``TextChoices`` of the states; their labels appear in refusals.
    moves
        ``{state: frozenset(target states)}``; a state missing from the mapping is final.
    field
        The model attribute holding the state (``"state"`` by default, ``"status"`` for ballots).
    """

    name: str
    states: type[models.TextChoices]
    moves: Mapping[str, frozenset[str]]
    field: str = "state"
    #: Optional per-target audit names when an app keeps historical action names (``{"open": "ballot_open"}``).
    actions: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        known = set(self.states.values)
        for source, targets in self.moves.items():
            unknown = ({source} | set(targets)) - known
            if unknown:
                raise ValueError(f"{self.name}: unknown states {sorted(unknown)}")

    def targets(self, current: str) -> frozenset[str]:
        """The states reachable in one move from ``current``."""
        return self.moves.get(current, frozenset())

    def allows(self, obj: Any, to: str) -> bool:
        """Whether the table allows moving ``obj`` to ``to`` (role and condition checks are the app's)."""
        return to in self.targets(getattr(obj, self.field))

    def is_final(self, state: str) -> bool:
        return not self.targets(state)

    def action(self, to: str) -> str:
        """The audit action name of a move to ``to``."""
        return self.actions.get(to, f"{self.name}.{to}")

    def check(self, obj: Any, to: str) -> str:
        """Refuse the move unless the table allows it; return the current state."""
        current = getattr(obj, self.field)
        if to not in self.targets(current):
            raise StateError(
                f"不能从“{_short_label(self.states, current)}”转为“{_short_label(self.states, to)}”。/ "
                f"{self.name}: cannot move from {current} to {to}.",
                code="illegal_transition",
                field=self.field,
            )
        return str(current)

    def move(
        self,
        obj: models.Model,
        *,
        to: str,
        actor: Any,
        reason: str = "",
        changes: dict[str, Any] | None = None,
        update_fields: list[str] | None = None,
        save: bool = True,
        audit: bool = True,
    ) -> str:
        """Move ``obj`` to ``to``, save it and audit the move; return the state it left.

        Must run inside the service's transaction (the audit record refuses otherwise). ``save=False`` and
        ``audit=False`` let a service that writes more fields in the same step save and audit once itself, with
        :meth:`action` as the action name.
        """
        before = self.check(obj, to)
        setattr(obj, self.field, to)
        if save:
            if update_fields is None:
                obj.save()
            else:
                obj.save(update_fields=[self.field, *update_fields])
        if audit:
            audit_record(
                actor=actor,
                action=self.action(to),
                obj=obj,
                changes={self.field: [before, to], **(changes or {})},
                reason=reason,
            )
        return before
