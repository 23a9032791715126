"""Writes of the money app. Each is one transaction that checks its rule, writes and records its audit event.

The ledger is append-only: :func:`entry_record` appends, :func:`entry_reverse` appends the negative with a reason.
Every check that depends on other entries (a payment within the received funds of its source, within its
commitment) runs after ``SELECT … FOR UPDATE`` on the project's account row (and the commitment row), so two
payments at the same moment are serialised and cannot overdraw. A refusal raises
:class:`gaizao.errors.ApplicationError` naming the field and the rule, and the transaction writes nothing.

State machines (:class:`gaizao.audit.transitions.StateMachine`): ``ACCOUNT_MACHINE``, ``APPLICATION_MACHINE``,
``FINAL_ACCOUNTS_MACHINE``, ``SETTLEMENT_MACHINE``.

One module per aggregate: ``ledger`` (entries, reversals, closing the books), ``applications`` (funding
applications), ``final_accounts`` (final accounts and their audit), ``settlement`` (the subsidy settlement and its
disbursement), ``shares`` (residents' shares and their collection); the one write path onto the ledger (the account
lock and the entry) in ``_append``, the input guards in ``_common``. The calculations are pure functions over plain
data (:func:`audited_figures`, :func:`settlement_split`, :func:`household_amounts`). This package re-exports the
public names, so ``services.entry_record(...)`` and ``from gaizao.money.services import X`` keep working; a test that
replaces a name patches the module that uses it.
"""

from gaizao.money.services._common import (
    CLAUSE_FUNDS,
    CLAUSE_RESIDENTS,
    CLAUSE_SUBSIDY,
    FEN,
    UPLOAD_SUFFIXES,
    ZERO,
    money,
    source_ids,
)
from gaizao.money.services.applications import (
    APPLICATION_MACHINE,
    APPLICATION_SOURCES,
    application_decide,
    application_receive,
    application_received,
    application_submit,
    can_decide_application,
)
from gaizao.money.services.final_accounts import (
    FINAL_ACCOUNTS_MACHINE,
    audited_figures,
    can_approve_final_accounts,
    can_audit_final_accounts,
    can_submit_final_accounts,
    final_accounts_approve,
    final_accounts_audit,
    final_accounts_line_add,
    final_accounts_start,
    final_accounts_submit,
)
from gaizao.money.services.ledger import (
    ACCOUNT_MACHINE,
    account_close,
    commitment_outstanding,
    contract_figures,
    entry_record,
    entry_reverse,
    source_available,
)
from gaizao.money.services.settlement import (
    SETTLEMENT_MACHINE,
    SettlementSplit,
    can_approve,
    can_compute_settlement,
    can_disburse,
    disbursed_total,
    plan_estimate,
    rule_date,
    settlement_approve,
    settlement_compute,
    settlement_disburse,
    settlement_split,
)
from gaizao.money.services.shares import (
    contribution_allocate,
    household_amounts,
    household_payment_record,
    share_paid,
)

__all__ = [
    "ACCOUNT_MACHINE",
    "APPLICATION_MACHINE",
    "APPLICATION_SOURCES",
    "CLAUSE_FUNDS",
    "CLAUSE_RESIDENTS",
    "CLAUSE_SUBSIDY",
    "FEN",
    "FINAL_ACCOUNTS_MACHINE",
    "SETTLEMENT_MACHINE",
    "UPLOAD_SUFFIXES",
    "ZERO",
    "SettlementSplit",
    "account_close",
    "application_decide",
    "application_receive",
    "application_received",
    "application_submit",
    "audited_figures",
    "can_approve",
    "can_approve_final_accounts",
    "can_audit_final_accounts",
    "can_compute_settlement",
    "can_decide_application",
    "can_disburse",
    "can_submit_final_accounts",
    "commitment_outstanding",
    "contract_figures",
    "contribution_allocate",
    "disbursed_total",
    "entry_record",
    "entry_reverse",
    "final_accounts_approve",
    "final_accounts_audit",
    "final_accounts_line_add",
    "final_accounts_start",
    "final_accounts_submit",
    "household_amounts",
    "household_payment_record",
    "money",
    "plan_estimate",
    "rule_date",
    "settlement_approve",
    "settlement_compute",
    "settlement_disburse",
    "settlement_split",
    "share_paid",
    "source_available",
    "source_ids",
]
