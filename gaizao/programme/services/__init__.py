"""Writes of the programme workflow. Each is one transaction that checks the move and writes its audit record.

State machines (STYLE.md §5): ``PROJECT_TRANSITIONS``, ``PLAN_TRANSITIONS``, ``CONSULTATION_TRANSITIONS``,
``PUBLICATION_TRANSITIONS`` and ``ANNUAL_PLAN_TRANSITIONS`` name every legal move; each is a
:class:`gaizao.audit.transitions.StateMachine` that refuses any other move and audits the ones it makes. Services take an explicit ``now`` so tests can
place them in time (default ``timezone.now()``).

The services live in one module per aggregate (``projects``, ``conditions``, ``plans``, ``consultations``,
``publications``, ``annual_plans``, ``rates``; the machines in ``machines``); this package re-exports their public
names, so ``services.project_create(...)`` and ``from gaizao.programme.services import X`` keep working. To replace a
service's helper in a test, patch the module that uses it (e.g. ``services.annual_plans._now``).
"""

from gaizao.programme.services._common import FEN
from gaizao.programme.services.annual_plans import (
    BUREAU_OF_ACCOUNT,
    annual_plan_approve,
    annual_plan_compile,
    annual_plan_review,
    annual_plan_rows,
    annual_plan_submit,
)
from gaizao.programme.services.conditions import Condition, funding_problems_of, implementation_conditions
from gaizao.programme.services.consultations import (
    can_record_opinion,
    can_remind,
    consultation_cancel,
    consultation_complete,
    consultation_record_opinion,
    consultation_remind,
    consultation_start,
    department_accounts,
)
from gaizao.programme.services.machines import (
    ANNUAL_PLAN_MACHINE,
    ANNUAL_PLAN_TRANSITIONS,
    CONSULTATION_MACHINE,
    CONSULTATION_TRANSITIONS,
    PLAN_MACHINE,
    PLAN_TRANSITIONS,
    PROJECT_MACHINE,
    PROJECT_TRANSITIONS,
    PUBLICATION_MACHINE,
    PUBLICATION_TRANSITIONS,
)
from gaizao.programme.services.plans import plan_finalise, plan_preview, plan_reopen, plan_save, subsidy_date
from gaizao.programme.services.projects import (
    BALLOT_ROLES,
    PROJECT_BALLOT_PURPOSES,
    PROJECT_CREATOR_ROLES,
    can_create_project,
    project_ballot_create,
    project_create,
    project_move,
)
from gaizao.programme.services.publications import (
    publication_comment_add,
    publication_comment_reply,
    publication_finish,
    publication_start,
    publication_withdraw,
)
from gaizao.programme.services.rates import unit_rate_set

__all__ = [
    "ANNUAL_PLAN_MACHINE",
    "ANNUAL_PLAN_TRANSITIONS",
    "BALLOT_ROLES",
    "BUREAU_OF_ACCOUNT",
    "CONSULTATION_MACHINE",
    "CONSULTATION_TRANSITIONS",
    "FEN",
    "PLAN_MACHINE",
    "PLAN_TRANSITIONS",
    "PROJECT_BALLOT_PURPOSES",
    "PROJECT_MACHINE",
    "PROJECT_TRANSITIONS",
    "PUBLICATION_MACHINE",
    "PUBLICATION_TRANSITIONS",
    "Condition",
    "annual_plan_approve",
    "annual_plan_compile",
    "annual_plan_review",
    "annual_plan_rows",
    "annual_plan_submit",
    "can_record_opinion",
    "can_remind",
    "consultation_cancel",
    "consultation_complete",
    "consultation_record_opinion",
    "consultation_remind",
    "consultation_start",
    "department_accounts",
    "funding_problems_of",
    "implementation_conditions",
    "plan_finalise",
    "plan_preview",
    "plan_reopen",
    "plan_save",
    "project_ballot_create",
    "project_create",
    "can_create_project",
    "PROJECT_CREATOR_ROLES",
    "project_move",
    "publication_comment_add",
    "publication_comment_reply",
    "publication_finish",
    "publication_start",
    "publication_withdraw",
    "subsidy_date",
    "unit_rate_set",
]
