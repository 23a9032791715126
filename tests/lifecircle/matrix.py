"""Access matrix of the life-circle app: every page and API endpoint, for every demo account, on the demo world.

``gaizao.lifecircle.demo`` registers the OSM network, runs the 上城区 analysis (started for ``shangcheng``) and
saves one siting proposal (elderly day care, k=2). A run is readable by accounts whose scope contains the run's
division (the district officer and the city-wide roles); a community's result by whoever may read the community.
Writes use invalid input so that the matrix never starts a real analysis.
"""

from __future__ import annotations

from typing import Any

from tests.matrix_types import ACCOUNTS, STAFF, Case, api_for, page_for

#: Accounts that read the 上城区 run (its division is 上城区; streets and 社区 below it do not see district runs).
RUN_READERS = ("city", "ndrc", "planning", "finance", "shangcheng")
#: Accounts that may run analyses and siting on the 上城区 run.
RUN_WRITERS = ("city", "shangcheng")
#: Accounts whose scope contains 清波新村 (清波门社区, 上城区).
QINGBO_READERS = ("city", "ndrc", "planning", "finance", "shangcheng", "qingbo", "qingbomen")
#: Accounts whose scope contains a 西湖区 compound.
XIHU_READERS = ("city", "ndrc", "planning", "finance", "xihu")
#: Accounts that start runs and upload networks.
STARTERS = ("city", "shangcheng", "xihu")

API = "/api/v1/lifecircle"


def _run_pk() -> int:
    from gaizao.lifecircle.models import AnalysisRun

    return AnalysisRun.objects.filter(division__code="330102", status="succeeded").order_by("pk").first().pk  # type: ignore[union-attr]


def _proposal_pk() -> int:
    from gaizao.lifecircle.models import SitingProposal

    return SitingProposal.objects.filter(saved=True, run__division__code="330102").order_by("pk").first().pk  # type: ignore[union-attr]


def _qingbo_pk() -> int:
    from gaizao.registry.models import Community

    return Community.objects.get(name="清波新村").pk


def _xihu_pk() -> int:
    from gaizao.registry.models import Community

    return Community.objects.filter(district_code="330106").order_by("code").first().pk  # type: ignore[union-attr]


def _write(
    ok: int, writers: tuple[str, ...], readers: tuple[str, ...], *, reader: int = 403, anonymous: int = 401
) -> dict[str, int]:
    """``writers`` get ``ok``, other ``readers`` get ``reader``, everybody else 404."""
    out = {a: 404 for a in ACCOUNTS}
    for a in readers:
        out[a] = reader
    for a in writers:
        out[a] = ok
    out["anonymous"] = anonymous
    return out


def _staff_write(ok: int, writers: tuple[str, ...], *, anonymous: int) -> dict[str, int]:
    return _write(ok, writers, STAFF, anonymous=anonymous)


def _bad_network_file() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"name": "x", "file": SimpleUploadedFile("roads.txt", b"not a network")}


CASES: list[Case] = [
    # --- pages ---
    Case("life-circle index", "/lifecircle/", page_for(STAFF), pattern="lifecircle/"),
    Case(
        "start a run (invalid origin mode: nothing starts)",
        "/lifecircle/runs/start/",
        page_for(STAFF, ok=302),
        method="post",
        data={"origin_mode": "bad"},
        pattern="lifecircle/runs/start/",
    ),
    Case(
        "run 上城区",
        lambda: f"/lifecircle/runs/{_run_pk()}/",
        page_for(RUN_READERS),
        pattern="lifecircle/runs/<int:pk>/",
    ),
    Case(
        "run 上城区 by category",
        lambda: f"/lifecircle/runs/{_run_pk()}/?category=nursery",
        page_for(RUN_READERS),
        pattern="lifecircle/runs/<int:pk>/",
    ),
    Case(
        "run history",
        lambda: f"/history/lifecircle.analysisrun/{_run_pk()}/",
        page_for(RUN_READERS),
        pattern="history/<str:label>/<str:pk>/",
    ),
    Case(
        "siting form",
        lambda: f"/lifecircle/runs/{_run_pk()}/siting/",
        page_for(RUN_READERS),
        pattern="lifecircle/runs/<int:pk>/siting/",
    ),
    Case(
        "siting with k=0",
        lambda: f"/lifecircle/runs/{_run_pk()}/siting/",
        _write(400, RUN_WRITERS, RUN_READERS, anonymous=302),
        method="post",
        data={"category": "elderly_day_care", "k": "0"},
        pattern="lifecircle/runs/<int:pk>/siting/",
    ),
    Case(
        "saved proposal",
        lambda: f"/lifecircle/siting/{_proposal_pk()}/",
        page_for(RUN_READERS),
        pattern="lifecircle/siting/<int:pk>/",
    ),
    Case(
        "save an already saved proposal",
        lambda: f"/lifecircle/siting/{_proposal_pk()}/save/",
        page_for(RUN_READERS, ok=302),
        method="post",
        data={"note": "again"},
        pattern="lifecircle/siting/<int:pk>/save/",
    ),
    Case(
        "proposal history",
        lambda: f"/history/lifecircle.sitingproposal/{_proposal_pk()}/",
        page_for(RUN_READERS),
        pattern="history/<str:label>/<str:pk>/",
    ),
    Case(
        "community life circle 清波新村",
        lambda: f"/lifecircle/communities/{_qingbo_pk()}/",
        page_for(QINGBO_READERS),
        pattern="lifecircle/communities/<int:pk>/",
    ),
    Case(
        "community life circle 西湖区",
        lambda: f"/lifecircle/communities/{_xihu_pk()}/",
        page_for(XIHU_READERS),
        pattern="lifecircle/communities/<int:pk>/",
    ),
    Case("networks", "/lifecircle/networks/", page_for(STAFF), pattern="lifecircle/networks/"),
    Case(
        "upload a bad network file",
        "/lifecircle/networks/",
        _staff_write(400, STARTERS, anonymous=302),
        method="post",
        data=_bad_network_file,
        pattern="lifecircle/networks/",
    ),
    # --- API ---
    Case("api runs", f"{API}/runs", api_for(STAFF), pattern="api/v1/lifecircle/runs"),
    Case(
        "api start a run (invalid origin mode)",
        f"{API}/runs",
        _staff_write(400, STARTERS, anonymous=401),
        method="post",
        data={"origin_mode": "bad"},
        json=True,
        pattern="api/v1/lifecircle/runs",
    ),
    Case(
        "api run",
        lambda: f"{API}/runs/{_run_pk()}",
        api_for(RUN_READERS),
        pattern="api/v1/lifecircle/runs/{run_id}",
    ),
    Case(
        "api run communities",
        lambda: f"{API}/runs/{_run_pk()}/communities",
        api_for(RUN_READERS),
        pattern="api/v1/lifecircle/runs/{run_id}/communities",
    ),
    Case(
        "api gaps geojson",
        lambda: f"{API}/runs/{_run_pk()}/gaps.geojson?category=elderly_day_care",
        api_for(RUN_READERS),
        pattern="api/v1/lifecircle/runs/{run_id}/gaps.geojson",
    ),
    Case(
        "api run roads",
        lambda: f"{API}/runs/{_run_pk()}/roads.geojson",
        api_for(RUN_READERS),
        pattern="api/v1/lifecircle/runs/{run_id}/roads.geojson",
    ),
    Case(
        "api units",
        lambda: f"{API}/runs/{_run_pk()}/units",
        api_for(RUN_READERS),
        pattern="api/v1/lifecircle/runs/{run_id}/units",
    ),
    Case(
        "api community access 清波新村",
        lambda: f"{API}/communities/{_qingbo_pk()}/access",
        api_for(QINGBO_READERS),
        pattern="api/v1/lifecircle/communities/{community_id}/access",
    ),
    Case(
        "api community access 西湖区",
        lambda: f"{API}/communities/{_xihu_pk()}/access",
        api_for(XIHU_READERS),
        pattern="api/v1/lifecircle/communities/{community_id}/access",
    ),
    Case(
        "api siting with k=0",
        lambda: f"{API}/runs/{_run_pk()}/siting",
        _write(400, RUN_WRITERS, RUN_READERS),
        method="post",
        data={"category": "elderly_day_care", "k": 0},
        json=True,
        pattern="api/v1/lifecircle/runs/{run_id}/siting",
    ),
    Case(
        "api proposal",
        lambda: f"{API}/siting/{_proposal_pk()}",
        api_for(RUN_READERS),
        pattern="api/v1/lifecircle/siting/{proposal_id}",
    ),
    Case(
        "api save an already saved proposal",
        lambda: f"{API}/siting/{_proposal_pk()}/save",
        _write(409, RUN_WRITERS, RUN_READERS),
        method="post",
        data={"note": ""},
        json=True,
        pattern="api/v1/lifecircle/siting/{proposal_id}/save",
    ),
    Case("api networks", f"{API}/networks", api_for(STAFF), pattern="api/v1/lifecircle/networks"),
    Case(
        "api upload a bad network file",
        f"{API}/networks",
        _staff_write(400, STARTERS, anonymous=401),
        method="post",
        data=_bad_network_file,
        pattern="api/v1/lifecircle/networks",
    ),
]
