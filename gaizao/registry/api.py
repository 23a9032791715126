"""Registry API at ``/api/v1/registry/`` — every read scoped, every write through the services.

Imports and exports (another module) are mounted at ``/api/v1/registry/imports/``.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from gaizao.accounts.access import READER_ROLES, can_write
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.registry import selectors
from gaizao.registry.api_import import router as import_router
from gaizao.registry.models import REQUIRED_SURVEY_FIELDS, SURVEY_CLAUSE, Community

router = Router(tags=["registry"])


def _staff(request: HttpRequest) -> None:
    """Registry data is for the staff roles; residents and the public get 404 as for any out-of-scope object."""
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


class FiltersIn(Schema):
    q: str = ""
    district: str = ""
    street: str = ""
    status: str = ""
    built_from: int | None = None
    built_to: int | None = None
    sample: str = ""

    def to_filters(self) -> selectors.CommunityFilters:
        return selectors.CommunityFilters.from_params(
            {k: ("" if v is None else str(v)) for k, v in self.model_dump().items()}
        )


class ReasonOut(Schema):
    code: str
    clause: str
    message: str
    message_en: str = ""


class CommunityOut(Schema):
    id: int
    code: str
    name: str
    division_code: str
    division_name: str
    district_code: str
    address: str
    market_area: str
    built_year: int | None
    households: int | None
    scope_status: str
    lon: float | None
    lat: float | None
    is_sample: bool

    @staticmethod
    def resolve_division_code(obj: Any) -> str:
        return obj["division_code"] if isinstance(obj, dict) else obj.division.code

    @staticmethod
    def resolve_division_name(obj: Any) -> str:
        return obj["division_name"] if isinstance(obj, dict) else obj.division.name


class CommunityDetailOut(CommunityOut):
    survey: dict[str, Any]
    missing_fields: list[str]
    scope_reasons: list[ReasonOut]
    scope_ruleset: str
    scope_assessed_at: datetime | None
    boundary: dict[str, Any] | None
    entrances: list[Any]
    writable: bool
    history_url: str


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def _out(c: Community) -> dict[str, Any]:
    return {
        "id": c.pk,
        "code": c.code,
        "name": c.name,
        "division_code": c.division.code,
        "division_name": c.division.name,
        "district_code": c.district_code,
        "address": c.address,
        "market_area": c.market_area,
        "built_year": c.built_year,
        "households": c.households,
        "scope_status": c.scope_status,
        "lon": c.lon,
        "lat": c.lat,
        "is_sample": c.is_sample,
    }


def _detail(request: HttpRequest, c: Community) -> dict[str, Any]:
    from gaizao.audit.history import history_url
    from gaizao.registry.models import SURVEY_GROUPS

    survey = {name: _plain(getattr(c, name)) for _, _, names in SURVEY_GROUPS for name in names}
    return {
        **_out(c),
        "survey": survey,
        "missing_fields": selectors.missing_fields(c),
        "scope_reasons": c.scope_reasons,
        "scope_ruleset": c.scope_ruleset,
        "scope_assessed_at": c.scope_assessed_at,
        "boundary": c.boundary,
        "entrances": c.entrances,
        "writable": can_write(request.user, c.division),
        "history_url": history_url(c),
    }


class CommunityPage(Schema):
    items: list[CommunityOut]
    count: int
    #: The ``after`` of the next page (the last code on this one), or None on the last page.
    next_after: str | None


@router.get(
    "/communities",
    response=CommunityPage,
    summary="Communities in scope (filters; pages by ``after`` = the previous page's next_after, or offset)",
)
def list_communities(
    request: HttpRequest, filters: Query[FiltersIn], limit: int = 100, offset: int = 0, after: str = ""
) -> Any:
    """Deep pages go by ``after`` (a keyset on the code index: the same cost at row 200,000 as at row 0);
    ``offset`` stays for short lists."""
    _staff(request)
    limit = max(1, min(limit, 500))
    wanted = filters.to_filters()
    qs = selectors.community_list(request.user, wanted)
    count = selectors.community_count(request.user, wanted)
    if after:
        qs = qs.filter(code__gt=after)
        offset = 0
    rows = list(qs[max(0, offset) : max(0, offset) + limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "count": count, "next_after": rows[-1].code if more and rows else None}


@router.get(
    "/communities.geojson", summary="Communities in scope as GeoJSON points, with scope status (WGS84)"
)
def communities_geojson(
    request: HttpRequest,
    filters: Query[FiltersIn],
    bbox: str = "",
    zoom: float | None = None,
    shapes: bool = False,
) -> dict[str, Any]:
    """``bbox=minlon,minlat,maxlon,maxlat`` limits the answer to a map view, ``zoom`` is the map's zoom. At most
    5,000 features: points up to that many communities (boundaries simplified to the zoom with ``shapes=true``
    from zoom 15), grid clusters (``properties.cluster``, ``count``) beyond."""
    _staff(request)
    box = None
    if bbox:
        try:
            x0, y0, x1, y1 = (float(v) for v in bbox.split(","))
        except ValueError:
            raise ApplicationError(
                "bbox 应为 最小经度,最小纬度,最大经度,最大纬度。/ bbox must be minlon,minlat,maxlon,maxlat.",
                field="bbox",
            ) from None
        box = (x0, y0, x1, y1)
    return selectors.communities_geojson(request.user, filters.to_filters(), box, zoom, shapes=shapes)


@router.get(
    "/communities/{pk}", response=CommunityDetailOut, summary="One community with its survey and reasons"
)
def get_community(request: HttpRequest, pk: int) -> Any:
    _staff(request)
    return _detail(request, selectors.get_community_for(request.user, pk))


class CommunityPatch(Schema):
    """Survey fields to change (any subset) and the reason, recorded in the audit trail."""

    reason: str = ""
    name: str | None = None
    address: str | None = None
    built_year: int | None = None
    land_area_m2: Decimal | None = None
    building_area_m2: Decimal | None = None
    building_count: int | None = None
    households: int | None = None
    population: int | None = None
    elderly_share: Decimal | None = None
    structure: str | None = None
    floors_max: int | None = None
    property_management: str | None = None
    last_comprehensive_renovation_year: int | None = None
    in_expropriation_plan: bool | None = None
    affordable_housing: bool | None = None
    infrastructure_deficient: bool | None = None
    management_deficient: bool | None = None
    residents_willing: bool | None = None
    water_supply: str | None = None
    drainage: str | None = None
    power_supply: str | None = None
    gas_supply: str | None = None
    fire_safety: str | None = None
    security: str | None = None
    roads: str | None = None
    lighting: str | None = None
    parking_spaces: int | None = None
    elevator_count: int | None = None
    service_facilities: str | None = None
    green_area_m2: Decimal | None = None
    heritage_features: str | None = None
    lon: float | None = None
    lat: float | None = None


@router.patch(
    "/communities/{pk}", response=CommunityDetailOut, summary="Change survey fields (writers in scope)"
)
def patch_community(request: HttpRequest, pk: int, payload: CommunityPatch) -> Any:
    from gaizao.registry.services import community_update

    _staff(request)
    community = selectors.get_community_for(request.user, pk)
    if not can_write(request.user, community.division):
        raise PermissionError_("您无权修改该小区。/ You may not change this community.")
    fields = payload.model_dump(exclude_unset=True)
    reason = fields.pop("reason", "")
    community_update(actor=request.user, community=community, reason=reason, **fields)
    community.refresh_from_db()
    return _detail(request, community)


class UnitOut(Schema):
    unit_id: int
    building: str
    stairwell: str
    number: str
    area_m2: str | None
    area_source: str
    owner_id: int | None
    owner_name: str
    owner_phone: str
    developer_held: bool
    is_sample: bool


class BuildingOut(Schema):
    id: int
    code: str
    floors: int | None
    stairwells: int | None
    has_elevator: bool
    structure: str
    built_year: int | None
    unit_count: int


@router.get("/communities/{pk}/buildings", response=list[BuildingOut], summary="Buildings of a community")
def community_buildings(request: HttpRequest, pk: int) -> Any:
    _staff(request)
    community = selectors.get_community_for(request.user, pk)
    return [
        {
            "id": b.pk,
            "code": b.code,
            "floors": b.floors,
            "stairwells": b.stairwells,
            "has_elevator": b.has_elevator,
            "structure": b.structure,
            "built_year": b.built_year,
            "unit_count": b.unit_count,  # type: ignore[attr-defined]  # annotated by the selector
        }
        for b in selectors.community_buildings(request.user, community)
    ]


@router.get(
    "/communities/{pk}/units",
    response=list[UnitOut],
    summary="Units with exclusive area and owners (names and phones masked outside the roles that need them)",
)
def community_units(request: HttpRequest, pk: int) -> Any:
    _staff(request)
    community = selectors.get_community_for(request.user, pk)
    return [row.__dict__ for row in selectors.community_units(request.user, community)]


class CompletenessOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str
    communities: int
    filled: int
    required: int
    share: float


class CompletenessReport(Schema):
    clause: str
    required_fields: list[str]
    total: CompletenessOut
    districts: list[CompletenessOut]
    streets: list[CompletenessOut]
    fields: dict[str, float]


@router.get(
    "/completeness", response=CompletenessReport, summary="Survey completeness per district and street"
)
def completeness(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
    _staff(request)
    data = selectors.survey_completeness(request.user, filters.to_filters())
    return {
        "clause": SURVEY_CLAUSE,
        "required_fields": list(REQUIRED_SURVEY_FIELDS),
        "total": data["total"].to_dict(),
        "districts": [d.to_dict() for d in data["districts"]],
        "streets": [s.to_dict() for s in data["streets"]],
        "fields": {k: round(v, 4) for k, v in data["fields"].items()},
    }


class ScreeningRow(Schema):
    district_code: str
    district: str
    total: int
    priority: int
    may_include: int
    out_of_scope: int
    unscreened: int


@router.get("/screening", response=list[ScreeningRow], summary="Communities per district and scope status")
def screening(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
    _staff(request)
    return selectors.screening_counts(request.user, filters.to_filters())


class FacilityOut(Schema):
    id: int
    code: str
    category: str
    name: str
    division_code: str
    lon: float
    lat: float
    capacity: int | None
    source: str
    is_sample: bool

    @staticmethod
    def resolve_division_code(obj: Any) -> str:
        return obj.division.code


@router.get("/facilities", response=list[FacilityOut], summary="Public-service facilities in scope")
@paginate(LimitOffsetPagination)
def facilities(request: HttpRequest, category: str = "") -> Any:
    _staff(request)
    return (
        selectors.facilities_for(request.user, category=category)
        .select_related("division")
        .defer("division__boundary")
    )


class StockSiteOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    division_code: str
    community_id: int | None
    area_m2: str
    lon: float
    lat: float
    owner_org: str
    is_sample: bool

    @staticmethod
    def resolve_division_code(obj: Any) -> str:
        return obj.division.code

    @staticmethod
    def resolve_area_m2(obj: Any) -> str:
        return str(obj.area_m2)


@router.get(
    "/stock-sites", response=list[StockSiteOut], summary="Stock sites (空地、闲置用房、地下空间) in scope"
)
@paginate(LimitOffsetPagination)
def stock_sites(request: HttpRequest, kind: str = "") -> Any:
    _staff(request)
    return (
        selectors.stock_sites_for(request.user, kind=kind)
        .select_related("division")
        .defer("division__boundary")
    )


router.add_router("/imports", import_router)
