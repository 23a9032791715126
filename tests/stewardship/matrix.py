"""Access matrix of the stewardship app: every page and API endpoint, for every demo account, on the demo world.

The global demo world does not load a handed-over delivery (nor the stewardship demo), so cases on one record name
an id that does not exist: everyone who may use the app gets 404 (never 403 with data), anonymous is sent to log
in (pages) or answered 401 (API); the public page answers 404 to everyone. Scope on real records — a property
company seeing only its communities, another district's officer getting 404 — is tested in test_http.py.
Writes use input the services refuse after the access checks, so the matrix never changes the demo world.
"""

from __future__ import annotations

from tests.matrix_types import ACCOUNTS, Case, api_for, page_for, statuses

API = "/api/v1/stewardship"
NONE = 999999
#: Accounts that open stewardship pages (staff readers except utilities; property companies are not demo accounts).
READERS = ("city", "ndrc", "planning", "finance", "shangcheng", "xihu", "qingbo", "qingbomen")
LOGGED_IN = tuple(a for a in ACCOUNTS if a != "anonymous")
#: Officers who may link a property company's account.
OFFICERS = ("city", "shangcheng", "xihu", "qingbo")


def _nobody_page() -> dict[str, int]:
    return page_for((), other=404)


def _nobody_api() -> dict[str, int]:
    return api_for((), other=404)


CASES: list[Case] = [
    # --- pages ---
    Case("stewardship home", "/stewardship/", page_for(READERS), pattern="stewardship/"),
    Case(
        "stewardship coverage", "/stewardship/coverage/", page_for(READERS), pattern="stewardship/coverage/"
    ),
    Case(
        "stewardship link member (no such account)",
        "/stewardship/members/",
        page_for(("city", "shangcheng", "xihu", "qingbo"), ok=302, other=404)
        | {a: 403 for a in ("ndrc", "planning", "finance", "qingbomen")},
        method="post",
        data={"username": "nobody-here", "company": ""},
        pattern="stewardship/members/",
    ),
    Case(
        "stewardship scorecards",
        "/stewardship/scorecards/",
        page_for(READERS),
        pattern="stewardship/scorecards/",
    ),
    Case(
        "stewardship coverage export",
        "/stewardship/coverage.xlsx",
        page_for(READERS),
        pattern="stewardship/coverage.xlsx",
    ),
    Case(
        "stewardship community (none)",
        f"/stewardship/communities/{NONE}/",
        _nobody_page(),
        pattern="stewardship/communities/<int:pk>/",
    ),
    Case(
        "stewardship plan (none)",
        f"/stewardship/projects/{NONE}/plan/",
        _nobody_page(),
        pattern="stewardship/projects/<int:project_pk>/plan/",
    ),
    Case(
        "stewardship convention file (none)",
        f"/stewardship/conventions/{NONE}/file/",
        _nobody_page(),
        pattern="stewardship/conventions/<int:pk>/file/",
    ),
    *[
        Case(
            f"stewardship post {name} (none)",
            url,
            _nobody_page(),
            method="post",
            data={"x": "1"},
            pattern=pattern,
        )
        for name, url, pattern in (
            (
                "contract",
                f"/stewardship/communities/{NONE}/contracts/",
                "stewardship/communities/<int:pk>/contracts/",
            ),
            ("fund", f"/stewardship/communities/{NONE}/fund/", "stewardship/communities/<int:pk>/fund/"),
            (
                "disclose",
                f"/stewardship/communities/{NONE}/disclose/",
                "stewardship/communities/<int:pk>/disclose/",
            ),
            (
                "convention",
                f"/stewardship/communities/{NONE}/conventions/",
                "stewardship/communities/<int:pk>/conventions/",
            ),
            ("fees", f"/stewardship/communities/{NONE}/fees/", "stewardship/communities/<int:pk>/fees/"),
            (
                "company finding",
                f"/stewardship/communities/{NONE}/findings/",
                "stewardship/communities/<int:pk>/findings/",
            ),
            ("finding order", f"/stewardship/findings/{NONE}/order/", "stewardship/findings/<int:pk>/order/"),
            (
                "schedule",
                f"/stewardship/deliveries/{NONE}/schedule/",
                "stewardship/deliveries/<int:delivery_pk>/schedule/",
            ),
            ("inspect", f"/stewardship/followups/{NONE}/inspect/", "stewardship/followups/<int:pk>/inspect/"),
            (
                "report",
                f"/stewardship/deliveries/{NONE}/reports/{NONE}/",
                "stewardship/deliveries/<int:delivery_pk>/reports/<int:report_pk>/",
            ),
        )
    ],
    # --- public pages: no login; only stewarded communities exist there ---
    Case(
        "stewardship public community (none)",
        f"/stewardship/public/communities/{NONE}/",
        statuses(404),
        pattern="stewardship/public/communities/<int:pk>/",
    ),
    Case(
        "stewardship public convention (none)",
        f"/stewardship/public/conventions/{NONE}/file/",
        statuses(404),
        pattern="stewardship/public/conventions/<int:pk>/file/",
    ),
    Case("stewardship api public (none)", f"{API}/public/communities/{NONE}", statuses(404)),
    # --- API: lists answer each account with its own (possibly empty) scope ---
    *[
        Case(f"stewardship api {name}", f"{API}/{name}", api_for(LOGGED_IN))
        for name in (
            "communities",
            "contracts",
            "followups",
            "scorecards",
            "coverage",
            "coverage/series",
            "coverage.xlsx",
        )
    ],
    Case(
        "stewardship api link member (no such account)",
        f"{API}/members",
        statuses(403, anonymous=401, **{a: 400 for a in OFFICERS}),
        method="post",
        data={"username": "nobody-here", "organisation_id": NONE},
        json=True,
    ),
    *[
        Case(f"stewardship api {name} (none)", url, _nobody_api())
        for name, url in (
            ("community", f"{API}/communities/{NONE}"),
            ("health", f"{API}/communities/{NONE}/health"),
            ("scorecard", f"{API}/communities/{NONE}/scorecard"),
            ("plan", f"{API}/projects/{NONE}/plan"),
            ("convention file", f"{API}/conventions/{NONE}/file"),
        )
    ],
    Case(
        "stewardship api save plan (none)",
        f"{API}/projects/{NONE}/plan",
        _nobody_api(),
        method="put",
        data={"mode": "professional", "fee_yuan_per_m2_month": "1", "fund_balance": "0", "fund_top_up": "0"},
        json=True,
    ),
    *[
        Case(f"stewardship api post {name} (none)", url, _nobody_api(), method="post", data=data, json=True)
        for name, url, data in (
            (
                "decision",
                f"{API}/projects/{NONE}/plan/decisions",
                {"community_id": NONE, "decision": "fee", "ballot_id": NONE},
            ),
            (
                "contract",
                f"{API}/communities/{NONE}/contracts",
                {
                    "company_id": NONE,
                    "number": "X",
                    "starts_on": "2026-01-01",
                    "ends_on": "2026-12-31",
                    "fee_yuan_per_m2_month": "1",
                    "scope": "x",
                },
            ),
            (
                "fund",
                f"{API}/communities/{NONE}/fund",
                {"kind": "opening", "amount": "1", "on": "2026-01-01", "description": "x"},
            ),
            (
                "disclosure",
                f"{API}/communities/{NONE}/disclosures",
                {"period_start": "2026-01-01", "period_end": "2026-01-31"},
            ),
            (
                "fees",
                f"{API}/communities/{NONE}/fees",
                {"month": "2026-01-01", "billed": "1", "collected": "1"},
            ),
            ("schedule", f"{API}/deliveries/{NONE}/followups", {}),
            ("report", f"{API}/deliveries/{NONE}/reports/{NONE}", {"severity": "minor"}),
        )
    ],
    *[
        Case(f"stewardship api multipart {name} (none)", url, _nobody_api(), method="post", data=data)
        for name, url, data in (
            (
                "convention",
                f"{API}/communities/{NONE}/conventions",
                {"kind": "management_rules", "title": "x", "adopted_on": "2026-01-01"},
            ),
            ("inspect", f"{API}/followups/{NONE}/inspect", {"kind": "quality"}),
            (
                "company finding",
                f"{API}/communities/{NONE}/findings",
                {"delivery_id": str(NONE), "description": "x", "severity": "minor"},
            ),
        )
    ],
]
