"""Access matrix of the delivery app: every page and API endpoint, for every demo account, on the demo world.

The global demo world does not (yet) load the delivery demo (``gaizao.delivery.demo.load_demo``), so cases on one
record name an id that does not exist: everyone who may use the app gets 404 (never 403 with data), anonymous is
sent to log in. Contract-party scoping on real records is tested in tests/delivery/test_api.py.
Writes use input the services refuse after the access checks, so the matrix never changes the demo world.
"""

from __future__ import annotations

from tests.matrix_types import ACCOUNTS, STAFF, Case, api_for, page_for, statuses

API = "/api/v1/delivery"
NONE = 999999
#: Accounts that may open delivery pages (staff readers; contract parties are not demo accounts).
READERS = STAFF
LOGGED_IN = tuple(a for a in ACCOUNTS if a != "anonymous")
#: Officers who may register organisations.
OFFICERS = ("city", "shangcheng", "xihu", "qingbo")


def _nobody_page() -> dict[str, int]:
    return page_for((), other=404)


def _nobody_api() -> dict[str, int]:
    return api_for((), other=404)


CASES: list[Case] = [
    # --- pages ---
    Case("delivery home", "/delivery/", page_for(READERS), pattern="delivery/"),
    Case("delivery map", "/delivery/map.json", page_for(READERS), pattern="delivery/map.json"),
    Case("delivery export", "/delivery/export.xlsx", page_for(READERS), pattern="delivery/export.xlsx"),
    Case(
        "delivery organisations",
        "/delivery/organisations/",
        page_for(READERS),
        pattern="delivery/organisations/",
    ),
    Case(
        "delivery open (no such project)",
        "/delivery/open/",
        _nobody_page(),
        method="post",
        data={"project_id": NONE},
        pattern="delivery/open/",
    ),
    Case(
        "delivery escalate",
        "/delivery/escalate/",
        page_for(("city", "shangcheng", "xihu"), ok=302),
        method="post",
        data={},
        pattern="delivery/escalate/",
    ),
    Case("delivery detail (none)", f"/delivery/{NONE}/", _nobody_page(), pattern="delivery/<int:pk>/"),
    Case(
        "delivery inspect (none)",
        f"/delivery/{NONE}/inspect/",
        _nobody_page(),
        pattern="delivery/<int:pk>/inspect/",
    ),
    Case(
        "delivery acceptance doc (none)",
        f"/delivery/{NONE}/acceptance.docx",
        _nobody_page(),
        pattern="delivery/<int:pk>/acceptance.docx",
    ),
    Case(
        "delivery file (none)",
        f"/delivery/files/finding/{NONE}/",
        _nobody_page(),
        pattern="delivery/files/<str:kind>/<int:pk>/",
    ),
    *[
        Case(
            f"delivery post {name} (none)",
            url,
            _nobody_page(),
            method="post",
            data={"x": "1"},
            pattern=pattern,
        )
        for name, url, pattern in (
            ("move", f"/delivery/{NONE}/move/", "delivery/<int:pk>/move/"),
            ("contract", f"/delivery/{NONE}/contracts/", "delivery/<int:pk>/contracts/"),
            ("milestone", f"/delivery/{NONE}/milestones/", "delivery/<int:pk>/milestones/"),
            ("report finding", f"/delivery/{NONE}/report-finding/", "delivery/<int:pk>/report-finding/"),
            ("acceptance", f"/delivery/{NONE}/acceptance/", "delivery/<int:pk>/acceptance/"),
            ("handover", f"/delivery/{NONE}/handover/", "delivery/<int:pk>/handover/"),
            ("approval", f"/delivery/approvals/{NONE}/", "delivery/approvals/<int:pk>/"),
            ("progress", f"/delivery/milestones/{NONE}/progress/", "delivery/milestones/<int:pk>/progress/"),
            ("reply", f"/delivery/orders/{NONE}/reply/", "delivery/orders/<int:pk>/reply/"),
            ("review", f"/delivery/orders/{NONE}/review/", "delivery/orders/<int:pk>/review/"),
        )
    ],
    # --- API: lists answer each account with its own (possibly empty) scope ---
    *[
        Case(f"delivery api {name}", f"{API}/{name}", api_for(LOGGED_IN))
        for name in ("deliveries", "organisations", "contracts", "orders", "dashboard", "map", "export.xlsx")
    ],
    Case(
        "delivery api create organisation (bad code)",
        f"{API}/organisations",
        statuses(403, anonymous=401, **{a: 400 for a in OFFICERS}),
        method="post",
        data={"name": "某公司", "credit_code": "123", "kind": "contractor"},
        json=True,
    ),
    Case(
        "delivery api open (no such project)",
        f"{API}/deliveries",
        _nobody_api(),
        method="post",
        data={"project_id": NONE},
        json=True,
    ),
    Case("delivery api detail (none)", f"{API}/deliveries/{NONE}", _nobody_api()),
    Case("delivery api gantt (none)", f"{API}/deliveries/{NONE}/gantt", _nobody_api()),
    Case("delivery api inspections (none)", f"{API}/deliveries/{NONE}/inspections", _nobody_api()),
    Case("delivery api order (none)", f"{API}/orders/{NONE}", _nobody_api()),
    Case("delivery api acceptance doc (none)", f"{API}/deliveries/{NONE}/acceptance.docx", _nobody_api()),
    *[
        Case(f"delivery api post {name} (none)", url, _nobody_api(), method="post", data=data, json=True)
        for name, url, data in (
            ("move", f"{API}/deliveries/{NONE}/move", {"to": "started"}),
            (
                "contract",
                f"{API}/deliveries/{NONE}/contracts",
                {
                    "kind": "construction",
                    "number": "X",
                    "party_id": 1,
                    "amount": "1",
                    "signed_on": "2026-01-01",
                    "starts_on": "2026-01-01",
                    "ends_on": "2026-01-02",
                },
            ),
            (
                "milestone",
                f"{API}/deliveries/{NONE}/milestones",
                {"name": "x", "planned_start": "2026-01-01", "planned_end": "2026-01-02"},
            ),
            ("progress", f"{API}/milestones/{NONE}/progress", {"actual_start": "2026-01-01"}),
            ("order", f"{API}/findings/{NONE}/order", {"party_id": 1}),
            ("review", f"{API}/orders/{NONE}/review", {"accept": True}),
            (
                "report",
                f"{API}/deliveries/{NONE}/reports/{NONE}/finding",
                {"kind": "safety", "severity": "minor"},
            ),
            (
                "acceptance",
                f"{API}/deliveries/{NONE}/acceptance",
                {"held_on": "2026-01-01", "conclusion": "x", "items": [], "signatories": []},
            ),
            (
                "handover",
                f"{API}/deliveries/{NONE}/handovers",
                {
                    "kind": "facility",
                    "facility": "x",
                    "keeper_kind": "street",
                    "property_rights_note": "x",
                    "handed_on": "2026-01-01",
                },
            ),
        )
    ],
    *[
        Case(f"delivery api multipart {name} (none)", url, _nobody_api(), method="post", data=data)
        for name, url, data in (
            (
                "record approval",
                f"{API}/approvals/{NONE}/record",
                {"document_number": "x", "issued_on": "2026-01-01"},
            ),
            ("waive approval", f"{API}/approvals/{NONE}/waive", {"consultation_id": NONE}),
            ("inspection", f"{API}/deliveries/{NONE}/inspections", {"kind": "safety"}),
            ("reply", f"{API}/orders/{NONE}/reply", {"body": "x"}),
        )
    ],
]
