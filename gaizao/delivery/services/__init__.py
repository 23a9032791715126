"""Writes of delivery. Each is one transaction that checks its input and its move, writes, and audits.

The stage lifecycle is :data:`STAGE_MACHINE` (``gaizao.audit.transitions.StateMachine``, audited as
``delivery.stage.<stage>``); rectification orders move on :data:`ORDER_MACHINE`. Each move has a ``can_<move>``
(role, scope and conditions) used by the service, the page (to show the button) and the API; the conditions alone
are listed by :func:`stage_blockers` so a refusal says what is missing.

Every refusal is an :class:`gaizao.errors.ApplicationError` naming the field; nothing is half-written because each
service is one transaction and checks everything before its first write.

One module per aggregate: ``stages`` (the delivery and its stage moves), ``approvals``, ``organisations``,
``contracts``, ``milestones`` (the schedule), ``inspections`` (and findings), ``orders`` (rectification),
``reports`` (residents' 报事 turned into findings), ``acceptance`` (竣工验收), ``handovers`` (移交); the state
machines in ``machines``, who may act in ``permissions``, shared input checks in ``_common``. This package
re-exports their public names, so ``services.delivery_move(...)`` and ``from gaizao.delivery.services import X``
keep working; a test that replaces a name patches the module that looks it up (e.g. ``services.orders.X``).
"""

from gaizao.delivery.services._common import (
    FEN,
    MAX_AMOUNT,
    parse_amount,
    parse_date,
    parse_position,
    parse_quantity,
    parse_text,
)
from gaizao.delivery.services.acceptance import (
    ACCEPTANCE_REQUIRED_ROLES,
    RESIDENT_ROLES,
    acceptance_record,
    assessed_items,
    joint_signatories,
)
from gaizao.delivery.services.approvals import (
    approval_record,
    approval_waive,
    can_record_approval,
    consultation_simplifications,
)
from gaizao.delivery.services.contracts import UTILITY_KINDS, can_add_contract, contract_create
from gaizao.delivery.services.handovers import can_record_handover, handover_record
from gaizao.delivery.services.inspections import (
    WORKS_STAGES,
    can_inspect,
    checklist_results,
    inspection_record,
    prepare_finding,
    write_finding,
)
from gaizao.delivery.services.machines import (
    ORDER_MACHINE,
    ORDER_TRANSITIONS,
    STAGE_MACHINE,
    STAGE_TRANSITIONS,
)
from gaizao.delivery.services.milestones import can_plan, milestone_add, milestone_progress
from gaizao.delivery.services.orders import (
    can_issue_order,
    can_reply,
    can_review,
    order_issue,
    order_reply,
    order_review,
    orders_escalate,
)
from gaizao.delivery.services.organisations import (
    can_manage_organisations,
    organisation_create,
    organisation_member_link,
)
from gaizao.delivery.services.permissions import (
    INSPECTOR_LEVEL,
    OFFICER_ROLES,
    inspector_level,
    is_officer_for,
)
from gaizao.delivery.services.reports import can_convert_report, finding_from_report
from gaizao.delivery.services.stages import (
    BUILDER_KINDS,
    MODE_CONTRACT,
    NEXT_STAGE,
    StageFacts,
    approved_annual_plan,
    approved_plan_version,
    can_accept,
    can_build,
    can_complete,
    can_hand_over,
    can_move,
    can_open,
    can_resume,
    can_start,
    can_suspend,
    delivery_mode,
    delivery_move,
    delivery_open,
    move_blockers,
    ready_to_move_q,
    stage_blockers,
    stage_facts,
    with_stage_facts,
)

__all__ = [
    "ACCEPTANCE_REQUIRED_ROLES",
    "BUILDER_KINDS",
    "FEN",
    "INSPECTOR_LEVEL",
    "MAX_AMOUNT",
    "MODE_CONTRACT",
    "NEXT_STAGE",
    "OFFICER_ROLES",
    "ORDER_MACHINE",
    "ORDER_TRANSITIONS",
    "RESIDENT_ROLES",
    "STAGE_MACHINE",
    "STAGE_TRANSITIONS",
    "StageFacts",
    "UTILITY_KINDS",
    "WORKS_STAGES",
    "acceptance_record",
    "approval_record",
    "approval_waive",
    "approved_annual_plan",
    "approved_plan_version",
    "assessed_items",
    "can_accept",
    "can_add_contract",
    "can_build",
    "can_complete",
    "can_convert_report",
    "can_hand_over",
    "can_inspect",
    "can_issue_order",
    "can_manage_organisations",
    "can_move",
    "can_open",
    "can_plan",
    "can_record_approval",
    "can_record_handover",
    "can_reply",
    "can_resume",
    "can_review",
    "can_start",
    "can_suspend",
    "checklist_results",
    "consultation_simplifications",
    "contract_create",
    "delivery_mode",
    "delivery_move",
    "delivery_open",
    "finding_from_report",
    "handover_record",
    "inspection_record",
    "inspector_level",
    "is_officer_for",
    "joint_signatories",
    "milestone_add",
    "milestone_progress",
    "move_blockers",
    "ready_to_move_q",
    "order_issue",
    "order_reply",
    "order_review",
    "orders_escalate",
    "organisation_create",
    "organisation_member_link",
    "parse_amount",
    "parse_date",
    "parse_text",
    "parse_position",
    "parse_quantity",
    "prepare_finding",
    "stage_blockers",
    "stage_facts",
    "with_stage_facts",
    "write_finding",
]
