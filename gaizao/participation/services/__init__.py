"""Writes of resident participation. Every write is atomic and audited; the counting itself is
``gaizao.policy.tally_owner_vote`` — these modules only build the roll, record papers and store the result.

One module per aggregate: ``ballots`` (lifecycle), ``roll`` (the frozen owner roll and its count), ``papers``
(votes and their hash chain), ``login`` (one-time codes), ``surveys`` (问需 and 六有), ``reports`` (报事); shared
helpers in ``_common``. This package re-exports their public names, so callers import from
``gaizao.participation.services``; a test that replaces a name patches the module that defines it."""

from gaizao.participation.services._common import (
    DEVELOPER_KEY,
    UPLOAD_SUFFIXES,
    owner_of,
    stored_name,
    with_retry,
)
from gaizao.participation.services.ballots import (
    BALLOT_MACHINE,
    BINDING_PURPOSES,
    DEFAULT_MATTER,
    PROJECT_PURPOSES,
    TRANSITIONS,
    ballot_close,
    ballot_create,
    ballot_open,
    ballot_publish,
    ballot_transition,
    ballots_close_overdue,
)
from gaizao.participation.services.login import (
    OTP_JOB_KIND,
    OTP_MAX_ATTEMPTS,
    OTP_MAX_PER_WINDOW,
    OTP_TTL,
    OTP_WINDOW,
    normalise_phone,
    otp_deliver,
    otp_request,
    otp_verify,
)
from gaizao.participation.services.papers import (
    CastResult,
    ballot_chain_resign,
    chain_verify,
    vote_cast,
)
from gaizao.participation.services.reports import report_close, report_create, report_respond
from gaizao.participation.services.roll import (
    CORRECTION_MACHINE,
    RollCheck,
    ballot_tally,
    can_approve_correction,
    can_propose_correction,
    can_reject_correction,
    owner_key_for,
    roll_check,
    roll_correction_approve,
    roll_correction_propose,
    roll_correction_reject,
    unit_label,
)
from gaizao.participation.services.surveys import (
    evaluation_close,
    evaluation_create,
    evaluation_respond,
    evaluation_summary,
    needs_response_submit,
    needs_survey_close,
    needs_survey_create,
)

__all__ = [
    "BALLOT_MACHINE",
    "BINDING_PURPOSES",
    "CORRECTION_MACHINE",
    "DEFAULT_MATTER",
    "DEVELOPER_KEY",
    "OTP_JOB_KIND",
    "OTP_MAX_ATTEMPTS",
    "OTP_MAX_PER_WINDOW",
    "OTP_TTL",
    "OTP_WINDOW",
    "PROJECT_PURPOSES",
    "TRANSITIONS",
    "UPLOAD_SUFFIXES",
    "CastResult",
    "RollCheck",
    "ballot_chain_resign",
    "ballot_close",
    "ballot_create",
    "ballot_open",
    "ballot_publish",
    "ballot_tally",
    "ballot_transition",
    "ballots_close_overdue",
    "can_approve_correction",
    "can_propose_correction",
    "can_reject_correction",
    "chain_verify",
    "evaluation_close",
    "evaluation_create",
    "evaluation_respond",
    "evaluation_summary",
    "needs_response_submit",
    "needs_survey_close",
    "needs_survey_create",
    "normalise_phone",
    "otp_deliver",
    "otp_request",
    "otp_verify",
    "owner_key_for",
    "owner_of",
    "report_close",
    "report_create",
    "report_respond",
    "roll_check",
    "roll_correction_approve",
    "roll_correction_propose",
    "roll_correction_reject",
    "stored_name",
    "unit_label",
    "vote_cast",
    "with_retry",
]
