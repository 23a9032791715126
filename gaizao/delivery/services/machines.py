"""The state machines of delivery: the stage lifecycle and the rectification order."""

from __future__ import annotations

from gaizao.audit.transitions import StateMachine
from gaizao.delivery.models import OrderState, Stage

STAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.PRELIMINARY: frozenset({Stage.STARTED, Stage.SUSPENDED}),
    Stage.STARTED: frozenset({Stage.CONSTRUCTION, Stage.SUSPENDED}),
    Stage.CONSTRUCTION: frozenset({Stage.COMPLETED, Stage.SUSPENDED}),
    Stage.COMPLETED: frozenset({Stage.ACCEPTED}),
    Stage.ACCEPTED: frozenset({Stage.HANDED_OVER}),
    Stage.SUSPENDED: frozenset({Stage.PRELIMINARY, Stage.STARTED, Stage.CONSTRUCTION}),
    Stage.HANDED_OVER: frozenset(),
}
STAGE_MACHINE = StateMachine("delivery.stage", Stage, STAGE_TRANSITIONS, field="stage")

ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderState.OPEN: frozenset({OrderState.REPLIED}),
    OrderState.REPLIED: frozenset({OrderState.OPEN, OrderState.CLOSED}),
    OrderState.CLOSED: frozenset(),
}
ORDER_MACHINE = StateMachine("delivery.order", OrderState, ORDER_TRANSITIONS)
