"""Writes of the special plan and the optimiser. Each is one transaction that checks the move and audits it.

``SPECIAL_PLAN_MACHINE`` names every legal move of a plan version: a district drafts and submits; the coordination
group (the city coordinator, 市建委 / 协调小组) approves or returns; approving a version supersedes the one approved
before. Each move has a ``can_<move>(user, plan)`` that the service, the page and the API all use.

One module per aggregate: ``special_plans`` (versions, review, project links), ``units`` (the map's units and the
life-circle proposals), ``unit_size`` (the size limit, pure), ``optimiser`` (runs and what-ifs), ``annual_plan``
(saving a run through the programme services); the machine in ``machines``, the ``can_<move>`` checks in
``permissions``, shared helpers in ``_common``. This package re-exports their public names, so
``services.special_plan_create(...)`` and ``from gaizao.planning.services import X`` keep working; a test that
replaces a name patches the module that uses it.
"""

from gaizao.planning.services._common import FEN
from gaizao.planning.services.annual_plan import optimiser_save
from gaizao.planning.services.machines import SPECIAL_PLAN_MACHINE, SPECIAL_PLAN_TRANSITIONS
from gaizao.planning.services.optimiser import (
    BUDGET_SOURCES,
    SHADOW_STEPS_YUAN,
    default_weights,
    optimiser_rerun,
    optimiser_run,
)
from gaizao.planning.services.permissions import (
    can_create_plan,
    can_edit,
    can_new_version,
    can_optimise,
    can_review,
    can_save_run,
    can_submit,
)
from gaizao.planning.services.special_plans import (
    project_link_unit,
    special_plan_approve,
    special_plan_create,
    special_plan_return,
    special_plan_submit,
)
from gaizao.planning.services.unit_size import unit_size_problems
from gaizao.planning.services.units import (
    special_plan_units_from_proposals,
    unit_create,
    unit_delete,
    unit_toggle_community,
    unit_update,
)

__all__ = [
    "BUDGET_SOURCES",
    "FEN",
    "SHADOW_STEPS_YUAN",
    "SPECIAL_PLAN_MACHINE",
    "SPECIAL_PLAN_TRANSITIONS",
    "can_create_plan",
    "can_edit",
    "can_new_version",
    "can_optimise",
    "can_review",
    "can_save_run",
    "can_submit",
    "default_weights",
    "optimiser_rerun",
    "optimiser_run",
    "optimiser_save",
    "project_link_unit",
    "special_plan_approve",
    "special_plan_create",
    "special_plan_return",
    "special_plan_submit",
    "special_plan_units_from_proposals",
    "unit_create",
    "unit_delete",
    "unit_size_problems",
    "unit_toggle_community",
    "unit_update",
]
