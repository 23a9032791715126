"""Access matrix of the registry: every page and API endpoint, for every demo account, on the demo world.

清波新村 (in 清波门社区, 上城区) and a compound of 西湖区 come from ``gaizao.registry.demo``.
"""

from __future__ import annotations

from tests.matrix_types import ACCOUNTS, STAFF, Case, api_for, page_for, statuses

#: Accounts whose scope contains 清波新村 (清波门社区, 清波街道, 上城区).
QINGBO_READERS = ("city", "ndrc", "planning", "finance", "shangcheng", "qingbo", "qingbomen")
#: Accounts whose scope contains a 西湖区 compound.
XIHU_READERS = ("city", "ndrc", "planning", "finance", "xihu")
#: Writers whose scope contains 清波新村.
QINGBO_WRITERS = ("city", "shangcheng", "qingbo", "qingbomen")
WRITERS = ("city", "shangcheng", "xihu", "qingbo", "qingbomen")


def _qingbo_pk() -> int:
    from gaizao.registry.models import Community

    return Community.objects.get(name="清波新村").pk


def _xihu_pk() -> int:
    from gaizao.registry.models import Community

    return Community.objects.filter(district_code="330106").order_by("code").first().pk  # type: ignore[union-attr]


def _api(allowed: tuple[str, ...]) -> dict[str, int]:
    return api_for(allowed)


def _patch_expect() -> dict[str, int]:
    out = {a: 404 for a in ACCOUNTS}
    for a in QINGBO_READERS:
        out[a] = 403
    for a in QINGBO_WRITERS:
        out[a] = 200
    out["anonymous"] = 401
    return out


API = "/api/v1/registry"
CASES: list[Case] = [
    # Pages
    Case("registry list", "/registry/", page_for(STAFF), pattern="registry/"),
    Case("registry list search", "/registry/?q=新村&status=priority", page_for(STAFF), pattern="registry/"),
    Case(
        "community detail 上城",
        lambda: f"/registry/communities/{_qingbo_pk()}/",
        page_for(QINGBO_READERS),
        pattern="registry/communities/<int:pk>/",
    ),
    Case(
        "community detail 西湖",
        lambda: f"/registry/communities/{_xihu_pk()}/",
        page_for(XIHU_READERS),
        pattern="registry/communities/<int:pk>/",
    ),
    Case(
        "community history 上城",
        lambda: f"/history/registry.community/{_qingbo_pk()}/",
        page_for(QINGBO_READERS),
        pattern="history/<str:label>/<str:pk>/",
    ),
    Case("community map", "/registry/map/", page_for(STAFF), pattern="registry/map/"),
    Case("survey completeness", "/registry/survey/", page_for(STAFF), pattern="registry/survey/"),
    Case("scope screening", "/registry/screening/", page_for(STAFF), pattern="registry/screening/"),
    Case(
        "re-screen my scope",
        "/registry/screening/rescreen/",
        page_for(("city", "shangcheng", "xihu"), ok=302),
        method="post",
        pattern="registry/screening/rescreen/",
    ),
    # Import form, template and export pages (gaizao.registry.urls_import, included by registry/urls.py); import
    # results and the upload API are in tests/registry/matrix_import.py.
    Case("import page", "/registry/import/", page_for(WRITERS), pattern="registry/import/"),
    Case(
        "import template",
        "/registry/import/templates/communities.xlsx",
        page_for(STAFF),
        pattern="registry/import/templates/<str:kind>.xlsx",
    ),
    Case(
        "export list",
        "/registry/export/?format=csv&district=330102",
        page_for(STAFF),
        pattern="registry/export/",
    ),
    # API
    Case("api communities", f"{API}/communities", _api(STAFF), pattern="api/v1/registry/communities"),
    Case(
        "api geojson",
        f"{API}/communities.geojson",
        _api(STAFF),
        pattern="api/v1/registry/communities.geojson",
    ),
    Case(
        "api community 上城",
        lambda: f"{API}/communities/{_qingbo_pk()}",
        _api(QINGBO_READERS),
        pattern="api/v1/registry/communities/{pk}",
    ),
    Case(
        "api community 西湖",
        lambda: f"{API}/communities/{_xihu_pk()}",
        _api(XIHU_READERS),
        pattern="api/v1/registry/communities/{pk}",
    ),
    Case(
        "api patch community 上城",
        lambda: f"{API}/communities/{_qingbo_pk()}",
        _patch_expect(),
        method="patch",
        data={"reason": "访问矩阵 / access matrix"},
        json=True,
        pattern="api/v1/registry/communities/{pk}",
    ),
    Case(
        "api buildings 上城",
        lambda: f"{API}/communities/{_qingbo_pk()}/buildings",
        _api(QINGBO_READERS),
        pattern="api/v1/registry/communities/{pk}/buildings",
    ),
    Case(
        "api units 上城",
        lambda: f"{API}/communities/{_qingbo_pk()}/units",
        _api(QINGBO_READERS),
        pattern="api/v1/registry/communities/{pk}/units",
    ),
    Case(
        "api units 西湖",
        lambda: f"{API}/communities/{_xihu_pk()}/units",
        _api(XIHU_READERS),
        pattern="api/v1/registry/communities/{pk}/units",
    ),
    Case("api completeness", f"{API}/completeness", _api(STAFF), pattern="api/v1/registry/completeness"),
    Case("api screening", f"{API}/screening", _api(STAFF), pattern="api/v1/registry/screening"),
    Case("api facilities", f"{API}/facilities", _api(STAFF), pattern="api/v1/registry/facilities"),
    Case("api stock sites", f"{API}/stock-sites", _api(STAFF), pattern="api/v1/registry/stock-sites"),
    # Import API (gaizao.registry.api_import): readers download templates and exports; others are refused.
    Case(
        "api import template",
        f"{API}/imports/templates/communities",
        statuses(403, **{a: 200 for a in STAFF}, anonymous=401),
        pattern="api/v1/registry/imports/templates/{kind}",
    ),
    Case(
        "api export",
        f"{API}/imports/export/communities?format=csv",
        statuses(403, **{a: 200 for a in STAFF}, anonymous=401),
        pattern="api/v1/registry/imports/export/{kind}",
    ),
]
