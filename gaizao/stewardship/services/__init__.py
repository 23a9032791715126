"""Writes of long-term management. Each is one transaction that checks its input, writes, and audits.

Every owners' decision goes through the ballot gate (:func:`ballot_problems`, :func:`require_ballot`), which checks
what the ballot actually decided: its community, its Art. 278 matter (from the rule set's
``[stewardship.matters]``), its purpose (a renovation consent, plan approval or elevator ballot decides none of these)
and that it was closed with the Civil Code result "approved" over the whole community. Each write has a
``can_<move>`` used by the service, the page and the API.

Follow-up inspections after handover reuse delivery's models: the inspection, its findings and — through delivery's
own :func:`gaizao.delivery.services.order_issue` / ``order_reply`` / ``order_review`` — the rectification orders.

One module per aggregate: ``management_plans`` (the plan and its decisions), ``contracts`` (property companies'
accounts and contracts), ``fund`` (the maintenance fund's ledger and disclosures), ``conventions``, ``fees`` (fee
collection), ``followups`` (follow-up inspections); the gate in ``ballot_gate``, every ``can_<move>`` in
``permissions``, input cleaning in ``_common``. This package re-exports their public names, so
``services.fund_entry_record(...)`` and ``from gaizao.stewardship.services import X`` keep working; a test that
replaces a name patches the module that uses it.
"""

from gaizao.stewardship.services._common import MAX_FEE
from gaizao.stewardship.services.ballot_gate import DECISION_NAMES, ballot_problems, require_ballot
from gaizao.stewardship.services.contracts import property_contract_create, steward_member_link
from gaizao.stewardship.services.conventions import convention_adopt
from gaizao.stewardship.services.fees import fee_collection_record
from gaizao.stewardship.services.followups import (
    company_finding_record,
    followup_from_report,
    followup_record,
    followups_schedule,
    handed_over_on,
)
from gaizao.stewardship.services.fund import (
    FUND_DECISION,
    disclosure_figures,
    fund_balance,
    fund_disclose,
    fund_entry_record,
    lowest_balance_from,
)
from gaizao.stewardship.services.management_plans import (
    management_plan_save,
    plan_decision_link,
    required_decisions,
)
from gaizao.stewardship.services.permissions import (
    KEEPER_ROLES,
    OFFICER_ROLES,
    can_add_contract,
    can_inspect,
    can_keep,
    can_link_member,
    can_plan,
    can_record_fees,
    can_record_finding,
    can_schedule,
    can_take_report,
    company_of,
    is_keeper_for,
    is_officer_for,
    serves,
)

__all__ = [
    "DECISION_NAMES",
    "FUND_DECISION",
    "KEEPER_ROLES",
    "MAX_FEE",
    "OFFICER_ROLES",
    "ballot_problems",
    "can_add_contract",
    "can_inspect",
    "can_keep",
    "can_link_member",
    "can_plan",
    "can_record_fees",
    "can_record_finding",
    "can_schedule",
    "can_take_report",
    "company_finding_record",
    "company_of",
    "convention_adopt",
    "disclosure_figures",
    "fee_collection_record",
    "followup_from_report",
    "followup_record",
    "followups_schedule",
    "fund_balance",
    "fund_disclose",
    "fund_entry_record",
    "handed_over_on",
    "is_keeper_for",
    "is_officer_for",
    "lowest_balance_from",
    "management_plan_save",
    "plan_decision_link",
    "property_contract_create",
    "required_decisions",
    "require_ballot",
    "serves",
    "steward_member_link",
]
