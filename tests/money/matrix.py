"""Access matrix of the money app: every page and API endpoint, for every demo account, on the demo world.

The anchor is the money demo (``gaizao.money.demo.load_demo``): a completed 上城区 project in 清波门社区 with an
approved settlement that is fully disbursed. ``gaizao.web.demo`` does not load it yet, so each case loads it (it is
idempotent and the case's transaction is rolled back). The project has no consultation, so the water utility does
not see it.

Writes are exercised with input that the service refuses after the access checks (more than two decimals, an
empty reason, a move the state machine does not allow), so they never change the world.
"""

from __future__ import annotations

from tests.matrix_types import ACCOUNTS, STAFF, Case, api_for, page_for

API = "/api/v1/money"
READERS = ("city", "ndrc", "planning", "finance", "shangcheng", "qingbo", "qingbomen")
#: Keep the ledger, record final accounts (city coordinator, district, street).
KEEPERS = ("city", "shangcheng", "qingbo")
#: Audit, approve final accounts, compute the settlement, close the books.
AUDITORS = ("city", "shangcheng")
#: Approve and disburse settlements.
CITY_FINANCE = ("city", "finance")
#: Allocate residents' shares and record household payments.
SHARE_KEEPERS = ("shangcheng", "qingbo", "qingbomen")


def _project():
    from gaizao.money.demo import DEMO_PROJECT_NAME, load_demo
    from gaizao.programme.models import Project

    load_demo(lambda line: None)
    return Project.objects.get(name=DEMO_PROJECT_NAME)


def _pid() -> int:
    return int(_project().pk)


def _entry() -> int:
    return int(_project().ledger_entries.filter(kind="payment").first().pk)


def _application() -> int:
    return int(_project().funding_applications.first().pk)


def _contract() -> int:
    return int(_project().contracts.first().pk)


def _fa() -> int:
    return int(_project().final_accounts.pk)


def _settlement() -> int:
    return int(_project().settlement.pk)


def _contribution():
    return _project().resident_contributions.first()


def _write(allowed: tuple[str, ...], ok: int, *, page: bool = False) -> dict[str, int]:
    """``allowed`` get ``ok`` (the service's refusal), other readers 403, the rest 404; anonymous 302/401."""
    out = {a: (ok if a in allowed else 403 if a in READERS else 404) for a in ACCOUNTS}
    out["anonymous"] = 302 if page else 401
    return out


def _everyone(ok: int = 200) -> dict[str, int]:
    out = dict.fromkeys(ACCOUNTS, ok)
    out["anonymous"] = 401
    return out


CASES = [
    # --- pages --------------------------------------------------------------------------------------------------
    Case("money home", "/money/", page_for(STAFF)),
    Case("money ledger export", "/money/ledger.xlsx", page_for(STAFF)),
    Case("money project", lambda: f"/money/projects/{_pid()}/", page_for(READERS)),
    Case(
        "money entry create (refused: precision)",
        lambda: f"/money/projects/{_pid()}/entries/",
        _write(KEEPERS, 302, page=True),
        method="post",
        data={
            "kind": "budget",
            "source": "district_funds",
            "amount": "1.001",
            "date": "2026-01-01",
            "document_number": "M",
        },
    ),
    Case(
        "money account close page (refused: reason)",
        lambda: f"/money/projects/{_pid()}/close/",
        _write(AUDITORS, 302, page=True),
        method="post",
        data={"reason": ""},
    ),
    Case(
        "money application create (refused: source)",
        lambda: f"/money/projects/{_pid()}/applications/",
        _write(KEEPERS, 302, page=True),
        method="post",
        data={"source": "district_funds", "requested": "1.00", "submitted_on": "2026-01-01"},
    ),
    Case("money final accounts page", lambda: f"/money/projects/{_pid()}/final-accounts/", page_for(READERS)),
    Case("money shares page", lambda: f"/money/projects/{_pid()}/shares/", page_for(READERS)),
    Case("money project ledger export", lambda: f"/money/projects/{_pid()}/ledger.xlsx", page_for(READERS)),
    Case("money funding statement", lambda: f"/money/projects/{_pid()}/statement.xlsx", page_for(READERS)),
    Case(
        "money entry reverse page (refused: reason)",
        lambda: f"/money/entries/{_entry()}/reverse/",
        _write(KEEPERS, 302, page=True),
        method="post",
        data={"reason": ""},
    ),
    Case(
        "money application decide page (refused: amount)",
        lambda: f"/money/applications/{_application()}/decision/",
        _write(KEEPERS, 302, page=True),
        method="post",
        data={"granted": "x", "decided_on": "2026-01-01"},
    ),
    Case(
        "money application receive page (refused: precision)",
        lambda: f"/money/applications/{_application()}/receipts/",
        _write(KEEPERS, 302, page=True),
        method="post",
        data={"amount": "1.001", "date": "2026-01-01", "document_number": "D"},
    ),
    Case("money settlement page", lambda: f"/money/settlements/{_settlement()}/", page_for(READERS)),
    Case(
        "money settlement export",
        lambda: f"/money/settlements/{_settlement()}/settlement.xlsx",
        page_for(READERS),
    ),
    # --- API ----------------------------------------------------------------------------------------------------
    Case("money api balances", lambda: f"{API}/projects/{_pid()}/balances", api_for(READERS)),
    Case("money api entries", lambda: f"{API}/projects/{_pid()}/entries", api_for(READERS)),
    Case(
        "money api reverse (refused: reason)",
        lambda: f"{API}/entries/{_entry()}/reverse",
        _write(KEEPERS, 400),
        method="post",
        data={"reason": ""},
        json=True,
    ),
    Case("money api contract", lambda: f"{API}/contracts/{_contract()}", api_for(READERS)),
    Case("money api rollup", f"{API}/rollup?level=district", _everyone()),
    Case(
        "money api close (refused: reason)",
        lambda: f"{API}/projects/{_pid()}/close",
        _write(AUDITORS, 400),
        method="post",
        data={"reason": ""},
        json=True,
    ),
    Case("money api applications", lambda: f"{API}/projects/{_pid()}/applications", api_for(READERS)),
    Case(
        "money api application decide (refused: amount)",
        lambda: f"{API}/applications/{_application()}/decision",
        _write(KEEPERS, 400),
        method="post",
        data={"granted": "x", "decided_on": "2026-01-01"},
        json=True,
    ),
    Case(
        "money api application receive (refused: precision)",
        lambda: f"{API}/applications/{_application()}/receipts",
        _write(KEEPERS, 400),
        method="post",
        data={"amount": "1.001", "date": "2026-01-01", "document_number": "D"},
    ),
    Case("money api final accounts", lambda: f"{API}/projects/{_pid()}/final-accounts", api_for(READERS)),
    Case(
        "money api final accounts line (refused: approved)",
        lambda: f"{API}/final-accounts/{_fa()}/lines",
        _write(KEEPERS, 400),
        method="post",
        data={"heading": "other", "description": "d", "amount": "1.00"},
        json=True,
    ),
    Case(
        "money api final accounts submit (refused: approved)",
        lambda: f"{API}/final-accounts/{_fa()}/submit",
        _write(KEEPERS, 409),
        method="post",
    ),
    Case(
        "money api final accounts audit (refused: approved)",
        lambda: f"{API}/final-accounts/{_fa()}/audit",
        _write(AUDITORS, 409),
        method="post",
        data={"auditor": "A", "report_number": "R"},
    ),
    Case(
        "money api final accounts approve (refused: approved)",
        lambda: f"{API}/final-accounts/{_fa()}/approve",
        _write(AUDITORS, 409),
        method="post",
    ),
    Case(
        "money api settlement compute (refused: approved)",
        lambda: f"{API}/projects/{_pid()}/settlement",
        _write(AUDITORS, 400),
        method="post",
    ),
    Case("money api settlement", lambda: f"{API}/settlements/{_settlement()}", api_for(READERS)),
    Case(
        "money api settlement approve (refused: disbursed)",
        lambda: f"{API}/settlements/{_settlement()}/approve",
        _write(CITY_FINANCE, 409),
        method="post",
    ),
    Case(
        "money api disbursement (refused: precision)",
        lambda: f"{API}/settlements/{_settlement()}/disbursements",
        _write(CITY_FINANCE, 400),
        method="post",
        data={"amount": "1.001", "date": "2026-01-01", "document_number": "X"},
        json=True,
    ),
    Case(
        "money api contribution create (refused: precision)",
        lambda: f"{API}/projects/{_pid()}/contributions",
        _write(SHARE_KEEPERS, 400),
        method="post",
        data=lambda: {"community": _contribution().community_id, "total": "1.001"},
        json=True,
    ),
    Case("money api contribution", lambda: f"{API}/contributions/{_contribution().pk}", api_for(READERS)),
    Case(
        "money api household payment (refused: channel)",
        lambda: f"{API}/shares/{_contribution().shares.first().pk}/payments",
        _write(SHARE_KEEPERS, 400),
        method="post",
        data={"channel": "x", "amount": "1.00", "date": "2026-01-01"},
        json=True,
    ),
    Case("money api performance", f"{API}/performance", _everyone()),
    Case("money api permissions", lambda: f"{API}/me/can?project={_pid()}", api_for(READERS)),
]
