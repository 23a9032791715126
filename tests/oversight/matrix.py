"""Access matrix of the oversight app: every page and API endpoint, for every demo account, on the demo world.

Oversight readers are the city coordinator, the municipal reviewers, district officers and street implementers;
everyone else gets 404 (never 403 with data), anonymous is sent to log in (pages) or answered 401 (API). Only the
city coordinator writes: other readers are refused with 403. The demo world has no assessment, so cases on one
name a year that has none (404). Writes use input the services refuse after the access checks. The public
progress page and open data answer everyone.
"""

from __future__ import annotations

from tests.matrix_types import ACCOUNTS, Case, api_for, page_for, statuses

API = "/api/v1/oversight"
READERS = ("city", "ndrc", "planning", "finance", "shangcheng", "xihu", "qingbo")
#: readers whose scope contains 上城区 (330102)
SHANGCHENG = ("city", "ndrc", "planning", "finance", "shangcheng", "qingbo")
LOGGED_IN = tuple(a for a in ACCOUNTS if a != "anonymous")
NONE_YEAR = 1999
#: the demo world loads no delivery, so a project evaluation names a project that has none (404)
NONE_PROJECT = 999999


def _write(city: int, *, anonymous: int) -> dict[str, int]:
    """A write: the city coordinator gets ``city``, other readers 403, everyone else 404."""
    out = statuses(404, anonymous=anonymous, city=city)
    for account in READERS:
        if account != "city":
            out[account] = 403
    return out


CASES: list[Case] = [
    # --- pages ---
    Case("oversight home", "/oversight/?year=2026", page_for(READERS), pattern="oversight/"),
    Case(
        "oversight targets", "/oversight/targets/?year=2026", page_for(READERS), pattern="oversight/targets/"
    ),
    Case(
        "oversight targets set (refused input)",
        "/oversight/targets/",
        {**_write(404, anonymous=302)},
        method="post",
        data={"district": "999999", "year": "2026"},
    ),
    Case(
        "oversight returns",
        "/oversight/returns/?period=2026Q4",
        page_for(READERS),
        pattern="oversight/returns/",
    ),
    Case(
        "oversight returns export",
        "/oversight/returns/export.xlsx?period=2026",
        page_for(READERS),
        pattern="oversight/returns/export.xlsx",
    ),
    Case(
        "oversight returns cell",
        "/oversight/returns/cell/?period=2026&division=330100&column=started_communities",
        page_for(READERS),
        pattern="oversight/returns/cell/",
    ),
    Case("oversight inspections", "/oversight/inspections/?year=2026", page_for(READERS)),
    Case("oversight assessment", "/oversight/assessment/?year=2026", page_for(READERS)),
    Case(
        "oversight assessment compute (refused year)",
        "/oversight/assessment/compute/",
        _write(302, anonymous=302),
        method="post",
        data={"year": str(NONE_YEAR)},
    ),
    Case(
        "oversight assessment publish (none)",
        f"/oversight/assessment/{NONE_YEAR}/publish/",
        page_for((), other=404),
        method="post",
        data={},
    ),
    Case(
        "oversight assessment district (none)",
        f"/oversight/assessment/{NONE_YEAR}/330102/",
        page_for((), other=404),
    ),
    Case(
        "oversight evaluation report",
        "/oversight/evaluation/2026/330102/report.docx",
        page_for(SHANGCHENG),
    ),
    Case(
        "oversight project evaluations",
        "/oversight/evaluation/projects/",
        page_for(READERS),
        pattern="oversight/evaluation/projects/",
    ),
    Case(
        "oversight project evaluation (none)",
        f"/oversight/evaluation/projects/{NONE_PROJECT}/",
        page_for((), other=404),
    ),
    Case(
        "oversight project evaluation report (none)",
        f"/oversight/evaluation/projects/{NONE_PROJECT}/report.docx",
        page_for((), other=404),
    ),
    Case(
        "oversight returns annual plan form",
        "/oversight/returns/?period=2027&form=plan",
        page_for(READERS),
    ),
    Case("oversight public progress", "/oversight/public/?year=2026", statuses(200)),
    Case("oversight open data csv", "/oversight/public/projects.csv", statuses(200)),
    Case("oversight open data json", "/oversight/public/projects.json", statuses(200)),
    # --- API ---
    Case("oversight api targets", f"{API}/targets?year=2026", api_for(READERS)),
    Case(
        "oversight api target set (refused year)",
        f"{API}/targets",
        _write(400, anonymous=401),
        method="post",
        data={"district": "330102", "year": NONE_YEAR},
        json=True,
    ),
    Case("oversight api progress", f"{API}/progress?year=2026", api_for(READERS)),
    Case("oversight api return", f"{API}/returns/2026Q4", api_for(READERS)),
    Case("oversight api return xlsx", f"{API}/returns/2026/export.xlsx", api_for(READERS)),
    Case(
        "oversight api return cell",
        f"{API}/returns/2026/cell?division=330100&column=investment_total",
        api_for(READERS),
    ),
    Case("oversight api inspections", f"{API}/inspections?year=2026", api_for(READERS)),
    Case("oversight api assessments", f"{API}/assessments", api_for(READERS)),
    Case(
        "oversight api assessment compute (refused year)",
        f"{API}/assessments",
        _write(400, anonymous=401),
        method="post",
        data={"year": NONE_YEAR},
        json=True,
    ),
    Case("oversight api assessment (none)", f"{API}/assessments/{NONE_YEAR}", api_for((), other=404)),
    Case(
        "oversight api assessment publish (none)",
        f"{API}/assessments/{NONE_YEAR}/publish",
        api_for((), other=404),
        method="post",
        data={},
        json=True,
    ),
    Case(
        "oversight api assessment district (none)",
        f"{API}/assessments/{NONE_YEAR}/districts/330102",
        api_for((), other=404),
    ),
    Case(
        "oversight api evaluation report", f"{API}/evaluations/2026/330102/report.docx", api_for(SHANGCHENG)
    ),
    Case(
        "oversight api project evaluation (none)",
        f"{API}/project-evaluations/{NONE_PROJECT}",
        api_for((), other=404),
    ),
    Case(
        "oversight api project evaluation report (none)",
        f"{API}/project-evaluations/{NONE_PROJECT}/report.docx",
        api_for((), other=404),
    ),
    Case("oversight api return annual plan form", f"{API}/returns/2027?form=plan", api_for(READERS)),
    Case("oversight api deadlines", f"{API}/deadlines", api_for(LOGGED_IN)),
    Case("oversight api public progress", f"{API}/public/progress?year=2026", statuses(200)),
    Case("oversight api open data json", f"{API}/public/projects.json", statuses(200)),
    Case("oversight api open data csv", f"{API}/public/projects.csv", statuses(200)),
]
