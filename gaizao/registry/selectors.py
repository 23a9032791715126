"""Reads of the registry, always inside the viewer's scope (gaizao.accounts.access).

Other apps call these, never the models directly, for anything a user sees:
``communities_for(user)``, ``get_community_for(user, pk)``, ``community_list(user, filters)``,
``community_units(user, community)``, ``facilities_for(user)``, ``stock_sites_for(user)``, ...
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Field, Q, QuerySet, Sum

from gaizao.accounts.access import get_scoped, mask_name, mask_phone, scoped, sees_personal_data
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.registry.models import (
    REQUIRED_SURVEY_FIELDS,
    Building,
    Community,
    CommunityCell,
    CommunityStats,
    Facility,
    Owner,
    ScopeStatus,
    StockSite,
    Unit,
)

PAGE_SIZE = 50

#: Columns a list never shows and that cost more to decode than the rest of the row: the community's boundary
#: polygon and its division's (a district's boundary is ~47 KB of GeoJSON, decoded again for every row).
LIST_DEFERRED = ("boundary", "division__boundary")


# --- communities -------------------------------------------------------------------------------------------------


def communities_for(user: Any) -> QuerySet[Community]:
    """Every (non-archived) community the user may read, with its division (boundaries not loaded)."""
    return (
        scoped(Community.objects.filter(archived_at__isnull=True), user)
        .select_related("division")
        .defer(*LIST_DEFERRED)
    )


def get_community_for(user: Any, pk: Any) -> Community:
    """One community inside the user's scope; Http404 otherwise (also for a malformed id)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        from django.http import Http404

        raise Http404("不存在或无权查看 / not found") from None
    return get_scoped(
        Community.objects.select_related("division", "division__parent", "screening").defer(
            "division__boundary", "division__parent__boundary"
        ),
        user,
        pk=pk,
    )


def get_community_by_code_for(user: Any, code: str) -> Community:
    return get_scoped(
        Community.objects.select_related("division").defer("division__boundary"), user, code=code
    )


@dataclass
class CommunityFilters:
    """The list filters, the same on the page, the API and the export (GET parameters of the same names)."""

    q: str = ""
    district: str = ""  # district code
    street: str = ""  # street code
    status: str = ""  # ScopeStatus value
    built_from: int | None = None
    built_to: int | None = None
    sample: str = ""  # "", "sample", "real"
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: Any) -> CommunityFilters:
        f = cls(
            q=(params.get("q") or "").strip()[:100],
            district=(params.get("district") or "").strip()[:20],
            street=(params.get("street") or "").strip()[:20],
            status=(params.get("status") or "").strip(),
            sample=(params.get("sample") or "").strip(),
        )
        for name in ("built_from", "built_to"):
            raw = (params.get(name) or "").strip()
            if not raw:
                continue
            try:
                setattr(f, name, int(raw))
            except ValueError:
                f.errors.append(f"{name}: 应为年份整数 / must be a year")
        if f.status and f.status not in ScopeStatus.values:
            f.errors.append("status: 未知的筛查状态 / unknown status")
            f.status = ""
        if f.sample not in {"", "sample", "real"}:
            f.sample = ""
        return f

    def apply(self, qs: QuerySet[Community]) -> QuerySet[Community]:
        if self.q:
            from gaizao.registry.search import community_search_q

            qs = qs.filter(community_search_q(self.q))
        if self.district:
            qs = qs.filter(district_code=self.district)
        if self.street:
            qs = qs.filter(Q(division__code=self.street) | Q(division__parent__code=self.street))
        if self.status:
            qs = qs.filter(scope_status=self.status)
        if self.built_from is not None:
            qs = qs.filter(built_year__gte=self.built_from)
        if self.built_to is not None:
            qs = qs.filter(built_year__lte=self.built_to)
        if self.sample == "sample":
            qs = qs.filter(is_sample=True)
        elif self.sample == "real":
            qs = qs.filter(is_sample=False)
        return qs


def community_list(user: Any, filters: CommunityFilters | None = None) -> QuerySet[Community]:
    """Communities in scope matching ``filters``, ordered by code.

    A search inside a district's scope also filters on the scope's district code (``_scope_district``): the same
    rows, since ``district_code`` is the code of the division's district, but the planner can then intersect the
    search index with the district index and visit the district's matches only (a two-character search matches
    a tenth of the country; the scope keeps one district of it)."""
    qs = communities_for(user)
    if filters is not None:
        qs = filters.apply(qs)
        if filters.q and not filters.district:
            district = _scope_district(user)
            if district:
                qs = qs.filter(district_code=district)
    return qs.order_by("code")


def _scope_district(user: Any) -> str:
    """The code of the district holding the user's whole scope ("" for a city's scope or above): the district
    among the divisions on the scope's path (``Community.save`` and the importer set a community's
    ``district_code`` from the same division tree)."""
    from gaizao.accounts.access import scope_path

    path = scope_path(user)
    if not path or "/" not in path:
        return ""
    cached = getattr(user, "_registry_scope_district", None)
    if cached is not None and cached[0] == path:
        return str(cached[1])
    codes = path.split("/")
    found = Division.objects.filter(level=DivisionLevel.DISTRICT, code__in=codes).values_list(
        "code", flat=True
    )
    district = next(iter(found), "")
    user._registry_scope_district = (path, district)  # the count and the page of one request ask twice
    return district


@dataclass
class KeysetPage:
    """One page of a list ordered by a unique key (``code``), reached by the key of the row before it.

    ``OFFSET n`` makes the database read and discard n rows, so page 4,000 of the city's registry costs as much as
    reading 200,000 rows; ``code > 'last code on the previous page' ORDER BY code LIMIT 50`` reads 50 rows from the
    code index whatever the depth. The page keeps the attributes of Django's ``Page`` the templates use
    (``number``, ``has_next``, ``paginator.count`` ...) and adds ``next_query`` / ``previous_query``, the GET
    parameters of its neighbours.
    """

    rows: list[Any]
    number: int
    per_page: int
    count: int
    has_next: bool
    has_previous: bool
    next_key: str = ""
    previous_key: str = ""
    #: ``count`` is a lower bound: the count stopped at ``COUNT_CAP`` matches (the page shows "10,000+").
    count_capped: bool = False

    @property
    def count_label(self) -> str:
        """The count as the page shows it: ``10,000+`` when capped, else the exact number."""
        return f"{self.count:,}+" if self.count_capped else str(self.count)

    @property
    def num_pages_label(self) -> str:
        return f"{self.num_pages:,}+" if self.count_capped else str(self.num_pages)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def paginator(self) -> KeysetPage:  # the template reads ``page_obj.paginator.count`` / ``num_pages``
        return self

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return max(1, self.number - 1)

    @property
    def next_query(self) -> str:
        from urllib.parse import urlencode

        return urlencode({"after": self.next_key, "page": self.number + 1})

    @property
    def previous_query(self) -> str:
        from urllib.parse import urlencode

        if self.number <= 2:
            return "page=1"
        return urlencode({"before": self.previous_key, "page": self.number - 1})


def keyset_page(
    qs: QuerySet[Any],
    params: Any,
    *,
    key: str = "code",
    per_page: int = PAGE_SIZE,
    count: bool = True,
    total: int | None = None,
    capped: bool = False,
) -> KeysetPage:
    """The page of ``qs`` that ``params`` asks for: ``after=<key>`` (the page after that row), ``before=<key>``
    (the page before it), else ``page=<n>`` by offset (shallow pages and links typed by hand; a deep one finds
    its first row's key with a narrow query first, see ``_offset_rows``). ``capped``: ``total`` is a lower bound
    (it stopped past ``COUNT_CAP``), so the page says "10,000+" and a page number past it is not clamped."""
    after = (params.get("after") or "").strip()[:100]
    before = (params.get("before") or "").strip()[:100]
    try:
        number = max(1, int(params.get("page") or 1))
    except (TypeError, ValueError):
        number = 1
    if total is None:
        total = qs.order_by().count() if count else 0
    capped = capped and total > COUNT_CAP
    if capped:
        total = COUNT_CAP
    if after:
        rows = list(qs.filter(**{f"{key}__gt": after}).order_by(key)[: per_page + 1])
        has_next, has_previous = len(rows) > per_page, True
        rows = rows[:per_page]
    elif before:
        rows = list(qs.filter(**{f"{key}__lt": before}).order_by(f"-{key}")[: per_page + 1])
        has_previous, has_next = len(rows) > per_page, True
        rows = rows[:per_page][::-1]
    else:
        last = max(1, -(-total // per_page)) if count and not capped else number
        number = min(number, last)
        start = (number - 1) * per_page
        rows = _offset_rows(qs, key, start, per_page + 1, total if count and not capped else None)
        has_next, has_previous = len(rows) > per_page, number > 1
        rows = rows[:per_page]
    if not has_previous:
        number = 1
    return KeysetPage(
        rows=rows,
        number=number,
        per_page=per_page,
        count=total,
        has_next=has_next,
        has_previous=has_previous,
        next_key=str(getattr(rows[-1], key)) if rows else "",
        previous_key=str(getattr(rows[0], key)) if rows else "",
        count_capped=capped,
    )


#: From this many rows in, an offset page finds its first row's key with a narrow query before reading rows.
DEEP_OFFSET = 1000


def _offset_rows(qs: QuerySet[Any], key: str, start: int, n: int, total: int | None) -> list[Any]:
    """``n`` rows of ``qs`` by ``key`` from position ``start``: the same rows as ``OFFSET start LIMIT n``.

    ``OFFSET`` reads and discards every row before the page, whole rows with their joins. Past ``DEEP_OFFSET``
    the key at ``start`` is read first from the keys alone (an index-only scan of the live-code index on
    PostgreSQL), counting from the nearer end of the list when ``total`` is exact, and the page is then read by
    keyset from that key (``key`` is unique, so the rows are the same)."""
    if start < DEEP_OFFSET:
        return list(qs.order_by(key)[start : start + n])
    keys = qs.order_by().values_list(key, flat=True)
    if total is not None and start >= total:
        return []
    if total is not None and start > total // 2:
        anchor = list(keys.order_by(f"-{key}")[total - 1 - start : total - start])
    else:
        anchor = list(keys.order_by(key)[start : start + 1])
    if not anchor:
        return []
    return list(qs.filter(**{f"{key}__gte": anchor[0]}).order_by(key)[:n])


def community_page(
    user: Any, filters: CommunityFilters, params: Any = None, per_page: int = PAGE_SIZE
) -> KeysetPage:
    """A page of the filtered list, by keyset on ``code`` (``params``: the request's GET, or a page number)."""
    if not hasattr(params, "get"):
        params = {"page": params or 1}
    return keyset_page(
        community_list(user, filters),
        params,
        per_page=per_page,
        total=community_count(user, filters, cap=COUNT_CAP),
        capped=not _materialised(filters),
    )


#: A page's count over a search or a year range stops after this many matches ("10,000+"): counting every one of
#: 20,000 matches of a common word reads them all, for a number nobody pages through.
COUNT_CAP = 10_000


def community_count(user: Any, filters: CommunityFilters | None = None, *, cap: int | None = None) -> int:
    """How many communities ``community_list(user, filters)`` holds: summed from the materialised aggregates
    (a few thousand rows, not a count over the registry) unless a search or year filter needs the communities.
    ``cap``: such a count stops at ``cap + 1`` (more than ``cap``); the aggregates are always exact."""
    if _materialised(filters):
        from django.db.models.functions import Coalesce

        return int(_stats_for(user, filters).aggregate(n=Coalesce(Sum("communities"), 0))["n"])
    qs = community_list(user, filters).order_by()
    if cap is not None:
        return qs.values("pk")[: cap + 1].count()
    return qs.count()


def divisions_for_filters(user: Any) -> dict[str, list[Division]]:
    """Districts and streets the user can filter on (those within the scope)."""
    from gaizao.accounts.access import scope_path

    path = scope_path(user)
    if path is None:
        return {"districts": [], "streets": []}
    columns = ("id", "code", "name", "level", "path")
    within = Division.objects.filter(Q(path=path) | Q(path__startswith=path + "/")).only(*columns)
    above = [p for p in path.split("/")]
    districts = (
        Division.objects.filter(level=DivisionLevel.DISTRICT)
        .only(*columns)
        .filter(Q(path__startswith=path + "/") | Q(code__in=above))
    )
    return {
        "districts": list(districts.order_by("code")),
        "streets": list(within.filter(level=DivisionLevel.STREET).order_by("code")),
    }


# --- buildings, units, owners -----------------------------------------------------------------------------------


def community_buildings(user: Any, community: Community) -> QuerySet[Building]:
    """Buildings of a community the caller already fetched through ``get_community_for``."""
    return Building.objects.filter(community=community, archived_at__isnull=True).annotate(
        unit_count=Count("units")
    )


@dataclass(frozen=True)
class UnitRow:
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


def community_units(user: Any, community: Community) -> list[UnitRow]:
    """The units of ``community`` with their exclusive area (法释〔2009〕7号 第8条 precedence) and owners,
    names and phones masked unless the user ``sees_personal_data``."""
    from gaizao.policy import PolicyInputError, exclusive_area

    unmasked = sees_personal_data(user)
    rows = []
    units = (
        Unit.objects.filter(building__community=community)
        .select_related("building", "owner")
        .order_by("building__code", "stairwell", "number")
    )
    for u in units:
        source: str
        try:
            area, source = exclusive_area(
                registered=u.area_registered_m2, surveyed=u.area_surveyed_m2, contract=u.area_contract_m2
            )
            area_text: str | None = str(area)
        except PolicyInputError:
            area_text, source = None, ""
        owner = u.owner
        name = phone = ""
        if owner is not None:
            name = owner.name if unmasked or owner.is_developer else mask_name(owner.name)
            phone = owner.phone if unmasked else mask_phone(owner.phone)
        rows.append(
            UnitRow(
                unit_id=u.pk,
                building=u.building.code,
                stairwell=u.stairwell,
                number=u.number,
                area_m2=area_text,
                area_source=source,
                owner_id=owner.pk if owner else None,
                owner_name=name,
                owner_phone=phone,
                developer_held=u.developer_held,
                is_sample=bool(owner.is_sample) if owner else False,
            )
        )
    return rows


def owners_for(user: Any) -> QuerySet[Owner]:
    return scoped(Owner.objects.all(), user)


def owner_of_user(user: Any) -> Owner | None:
    """The owner record linked to a resident's account, if any."""
    if user is None or not user.is_authenticated:
        return None
    return Owner.objects.filter(user=user).first()


# --- facilities and stock sites -----------------------------------------------------------------------------------


def facilities_for(user: Any, *, category: str = "") -> QuerySet[Facility]:
    qs = scoped(Facility.objects.filter(archived_at__isnull=True), user)
    if category:
        qs = qs.filter(category=category)
    return qs


def get_facility_for(user: Any, pk: Any) -> Facility:
    return get_scoped(Facility.objects.all(), user, pk=_int_or_404(pk))


def stock_sites_for(user: Any, *, kind: str = "") -> QuerySet[StockSite]:
    qs = (
        scoped(StockSite.objects.filter(archived_at__isnull=True), user)
        .select_related("community")
        .defer("community__boundary")
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def get_stock_site_for(user: Any, pk: Any) -> StockSite:
    return get_scoped(StockSite.objects.all(), user, pk=_int_or_404(pk))


def _int_or_404(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        from django.http import Http404

        raise Http404("不存在或无权查看 / not found") from None


def _box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    import math

    dlon = radius_m / (111_320 * math.cos(math.radians(lat)))
    dlat = radius_m / 110_540
    return lon - dlon, lon + dlon, lat - dlat, lat + dlat


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    import math

    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2)) * 6_371_000
    y = math.radians(lat2 - lat1) * 6_371_000
    return math.hypot(x, y)


def facilities_near(user: Any, community: Community, radius_m: float = 1000) -> list[tuple[Facility, int]]:
    """Facilities (in scope) within ``radius_m`` straight-line metres of the community, nearest first.

    A quick listing for the detail page; walking distances on the network are the life-circle app's job."""
    if community.lon is None or community.lat is None:
        return []
    x0, x1, y0, y1 = _box(community.lon, community.lat, radius_m)
    rows = facilities_for(user).filter(lon__gte=x0, lon__lte=x1, lat__gte=y0, lat__lte=y1)
    out = [(f, round(_distance_m(community.lon, community.lat, f.lon, f.lat))) for f in rows]
    out = [(f, d) for f, d in out if d <= radius_m]
    return sorted(out, key=lambda fd: fd[1])


def facility_category_labels() -> dict[str, str]:
    """GB 50180 facility id → "中文 / English" name, from the policy core."""
    from gaizao.policy import life_circle_facilities

    labels: dict[str, str] = {}
    for f in life_circle_facilities():
        labels.setdefault(f.id, f"{f.name_zh} / {f.name_en}")
    return labels


def nearest_facility_per_category(
    user: Any, community: Community, radius_m: float = 1000
) -> list[dict[str, Any]]:
    """For each facility category within ``radius_m`` (straight line), the nearest facility and how many there are."""
    labels = facility_category_labels()
    out: dict[str, dict[str, Any]] = {}
    for f, d in facilities_near(user, community, radius_m):
        entry = out.get(f.category)
        if entry is None:
            out[f.category] = {
                "category": f.category,
                "label": labels.get(f.category, f.category),
                "facility": f,
                "distance_m": d,
                "count": 1,
            }
        else:
            entry["count"] += 1
    return sorted(out.values(), key=lambda e: e["distance_m"])


# --- counts, screening, completeness ---------------------------------------------------------------------------------


def _district_names() -> dict[str, str]:
    return dict(Division.objects.filter(level=DivisionLevel.DISTRICT).values_list("code", "name"))


def _materialised(filters: CommunityFilters | None) -> bool:
    """Whether the dashboards can answer ``filters`` from ``CommunityStats`` (its rows are per division, status and
    sample flag; a name search or a year range needs the communities themselves)."""
    return filters is None or not (
        filters.q or filters.built_from is not None or filters.built_to is not None
    )


def _stats_for(user: Any, filters: CommunityFilters | None) -> QuerySet[CommunityStats]:
    """The materialised aggregates inside the user's scope, narrowed by the filters they hold."""
    qs = scoped(CommunityStats.objects.all(), user)
    if filters is not None:
        if filters.district:
            qs = qs.filter(district_code=filters.district)
        if filters.street:
            qs = qs.filter(Q(division__code=filters.street) | Q(division__parent__code=filters.street))
        if filters.status:
            qs = qs.filter(scope_status=filters.status)
        if filters.sample:
            qs = qs.filter(is_sample=filters.sample == "sample")
    return qs


def screening_counts(user: Any, filters: CommunityFilters | None = None) -> list[dict[str, Any]]:
    """Per district: the number of communities of each scope status, and the total (from the materialised
    ``CommunityStats`` unless a search or year filter needs the communities)."""
    grouped: QuerySet[Any, dict[str, Any]]
    if _materialised(filters):
        grouped = (
            _stats_for(user, filters)
            .order_by()
            .values("district_code", "scope_status")
            .annotate(n=Sum("communities"))
        )
    else:
        grouped = (
            community_list(user, filters)
            .order_by()
            .values("district_code", "scope_status")
            .annotate(n=Count("id"))
        )
    names = _district_names()
    table: dict[str, dict[str, Any]] = {}
    for row in grouped:
        code = row["district_code"]
        entry = table.setdefault(
            code,
            {
                "district_code": code,
                "district": names.get(code, code),
                "total": 0,
                **dict.fromkeys(ScopeStatus.values, 0),
            },
        )
        entry[row["scope_status"]] = row["n"]
        entry["total"] += row["n"]
    return [table[k] for k in sorted(table)]


def screening_totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    totals = {s: sum(r[s] for r in rows) for s in ScopeStatus.values}
    totals["total"] = sum(r["total"] for r in rows)
    return totals


def _filled_q(name: str) -> Q:
    from gaizao.registry.stats import filled_q

    return filled_q(name)


def is_filled(value: Any) -> bool:
    return value is not None and value != ""


def missing_fields(community: Community) -> list[str]:
    """The required survey fields (三(一)) that ``community`` leaves blank."""
    return [name for name in REQUIRED_SURVEY_FIELDS if not is_filled(getattr(community, name))]


def field_label(name: str) -> str:
    if name == "lon":
        return "位置 / location"
    return str(cast("Field[Any, Any]", Community._meta.get_field(name)).verbose_name)


@dataclass
class Completeness:
    code: str
    name: str
    level: str
    communities: int = 0
    filled: int = 0
    required: int = 0
    parent_code: str = ""

    @property
    def share(self) -> float:
        return self.filled / self.required if self.required else 0.0

    @property
    def percent(self) -> float:
        return round(100 * self.share, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent_code": self.parent_code,
            "communities": self.communities,
            "filled": self.filled,
            "required": self.required,
            "share": round(self.share, 4),
        }


def survey_completeness(user: Any, filters: CommunityFilters | None = None) -> dict[str, Any]:
    """Share of the required survey answers filled, per district and per street, inside the user's scope.

    Returns ``{"districts": [Completeness], "streets": [Completeness], "fields": {field: filled share},
    "total": Completeness, "missing_communities": int}``. Added up by the database from the materialised
    ``CommunityStats`` (which also count the communities with a required answer missing, so the page's missing list
    needs no scan to count) unless a search or year filter needs the communities; streets are the 社区's parent
    where the community hangs off a 社区.
    """
    if _materialised(filters):
        return _completeness_from_stats(_stats_for(user, filters))
    n_fields = len(REQUIRED_SURVEY_FIELDS)
    rows = _completeness_rows(user, filters)
    tree = Division.objects.only("id", "code", "name", "level", "parent_id", "path")
    divisions = tree.in_bulk({r["division_id"] for r in rows})
    parent_ids = {d.parent_id for d in divisions.values() if d.level == DivisionLevel.COMMUNITY}
    parents = tree.in_bulk(parent_ids - set(divisions))
    lookup = {**divisions, **parents}
    names = _district_names()
    streets: dict[str, Completeness] = {}
    districts: dict[str, Completeness] = {}
    per_field: dict[str, int] = defaultdict(int)
    total = Completeness(code="", name="合计 / total", level="total")
    for r in rows:
        d = lookup[r["division_id"]]
        street = lookup.get(d.parent_id) if d.level == DivisionLevel.COMMUNITY else d
        district_code = d.path.split("/")[1] if "/" in d.path else d.code
        filled = sum(r[f"f_{name}"] for name in REQUIRED_SURVEY_FIELDS)
        for name in REQUIRED_SURVEY_FIELDS:
            per_field[name] += r[f"f_{name}"]
        targets = [
            districts.setdefault(
                district_code,
                Completeness(district_code, names.get(district_code, district_code), "district"),
            ),
            total,
        ]
        if street is not None and street.level == DivisionLevel.STREET:
            targets.append(
                streets.setdefault(
                    street.code, Completeness(street.code, street.name, "street", parent_code=district_code)
                )
            )
        for t in targets:
            t.communities += r["n"]
            t.filled += filled
            t.required += r["n"] * n_fields
    return {
        "districts": [districts[k] for k in sorted(districts)],
        "streets": sorted(streets.values(), key=lambda s: (s.parent_code, s.code)),
        "fields": {
            name: (per_field[name] / total.communities if total.communities else 0.0)
            for name in REQUIRED_SURVEY_FIELDS
        },
        "total": total,
        "missing_communities": sum(r["n_missing"] for r in rows),
    }


def _completeness_rows(user: Any, filters: CommunityFilters | None) -> list[dict[str, Any]]:
    """Per division: ``n`` communities, ``n_missing`` with a required answer blank, ``f_<field>`` filled — one
    grouped query over the communities matching a search or year filter (the aggregates cannot answer those)."""
    aggregates = {f"f_{name}": Count("id", filter=_filled_q(name)) for name in REQUIRED_SURVEY_FIELDS}
    return list(
        community_list(user, filters)
        .order_by()
        .values("division_id")
        .annotate(n=Count("id"), n_missing=Count("id", filter=_any_missing_q()), **aggregates)
    )


def _completeness_from_stats(stats: QuerySet[CommunityStats]) -> dict[str, Any]:
    """``survey_completeness`` from the materialised aggregates, added up by the database: one grouped query per
    street and district (a few hundred rows for a city), one aggregate for the totals and each field's count (an
    integer column per field)."""
    from django.db.models.functions import Coalesce

    n_fields = len(REQUIRED_SURVEY_FIELDS)
    grouped = list(
        stats.order_by()
        .values("street_id", "district_code")
        .annotate(n=Sum("communities"), answered=Sum("filled_total"))
    )
    sums = stats.aggregate(
        n=Coalesce(Sum("communities"), 0),
        missing=Coalesce(Sum("missing"), 0),
        answered=Coalesce(Sum("filled_total"), 0),
        **{f"f_{name}": Coalesce(Sum(f"f_{name}"), 0) for name in REQUIRED_SURVEY_FIELDS},
    )
    street_rows = Division.objects.only("id", "code", "name").in_bulk(
        {r["street_id"] for r in grouped if r["street_id"] is not None}
    )
    names = _district_names()
    streets: dict[str, Completeness] = {}
    districts: dict[str, Completeness] = {}
    for r in grouped:
        code = r["district_code"]
        district = districts.setdefault(code, Completeness(code, names.get(code, code), "district"))
        targets = [district]
        street = street_rows.get(r["street_id"]) if r["street_id"] is not None else None
        if street is not None:
            targets.append(
                streets.setdefault(
                    street.code, Completeness(street.code, street.name, "street", parent_code=code)
                )
            )
        for t in targets:
            t.communities += r["n"]
            t.filled += r["answered"]
            t.required += r["n"] * n_fields
    total = Completeness(
        code="",
        name="合计 / total",
        level="total",
        communities=sums["n"],
        filled=sums["answered"],
        required=sums["n"] * n_fields,
    )
    return {
        "districts": [districts[k] for k in sorted(districts)],
        "streets": sorted(streets.values(), key=lambda s: (s.parent_code, s.code)),
        "fields": {
            name: (sums[f"f_{name}"] / total.communities if total.communities else 0.0)
            for name in REQUIRED_SURVEY_FIELDS
        },
        "total": total,
        "missing_communities": sums["missing"],
    }


def _any_missing_q() -> Q:
    from gaizao.registry.stats import any_missing_q

    return any_missing_q()


def communities_missing(user: Any, filters: CommunityFilters | None = None) -> QuerySet[Community]:
    """Communities in scope with at least one required survey field blank."""
    return community_list(user, filters).filter(_any_missing_q())


# --- map ------------------------------------------------------------------------------------------------------------


#: Most features one GeoJSON answer carries; beyond it the communities come as clusters (grid cells) instead.
GEOJSON_MAX_FEATURES = 5000
#: Boundaries (``shapes``) are sent only from this zoom on, simplified to about a pixel at that zoom.
SHAPES_MIN_ZOOM = 15
#: A grid cluster is about this many pixels across at the requested zoom.
CLUSTER_PX = 64
_URGENCY = (ScopeStatus.PRIORITY, ScopeStatus.MAY_INCLUDE, ScopeStatus.UNSCREENED, ScopeStatus.OUT_OF_SCOPE)


def degrees_per_pixel(zoom: float) -> float:
    """Longitude degrees one pixel spans at web-map ``zoom`` (256-pixel tiles)."""
    return 360.0 / (256 * 2 ** max(0.0, min(zoom, 22.0)))


def _zoom_for(qs: QuerySet[Community], bbox: tuple[float, float, float, float] | None) -> float:
    """The zoom at which the box (or the extent of ``qs``) fills about 1,024 pixels."""
    import math

    from django.db.models import Max, Min

    if bbox is None:
        ext = qs.order_by().aggregate(x0=Min("lon"), x1=Max("lon"), y0=Min("lat"), y1=Max("lat"))
        if ext["x0"] is None:
            return 12.0
        bbox = (ext["x0"], ext["y0"], ext["x1"], ext["y1"])
    span = max(bbox[2] - bbox[0], bbox[3] - bbox[1], 1e-6)
    return max(0.0, min(22.0, math.log2(360.0 * 1024 / (256 * span))))


def _clusters(qs: QuerySet[Community], zoom: float, limit: int) -> list[dict[str, Any]]:
    """Communities counted per grid cell of about ``CLUSTER_PX`` pixels at ``zoom`` (one grouped query), coarser
    cells until at most ``limit`` remain. Each cluster sits at its members' mean position and carries its count
    per scope status; its ``status`` is the most urgent present (priority > may include > unscreened > out)."""
    from django.db.models import Avg, F
    from django.db.models.functions import Floor

    size = degrees_per_pixel(zoom) * CLUSTER_PX
    from django.db import connection, transaction

    # no COUNT(id): the columns read are all in the live-location index (index-only on PostgreSQL)
    counts = {f"n_{s}": Count("scope_status", filter=Q(scope_status=s)) for s in ScopeStatus.values}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The planner cannot tell how many cells FLOOR(lon / size) makes (it guesses one per row: 170,000 for
            # a city), so it sorts the 220,000 rows (on disk) to group them: 1 s. The cells are a few hundred; a
            # hash table groups them in one pass (0.3 s). The query has no ORDER BY, so turning sorts off for this
            # transaction (SET LOCAL) only takes that plan away.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_sort = off")
        for _ in range(8):
            cells = list(
                qs.order_by()
                .annotate(cx=Floor(F("lon") / size), cy=Floor(F("lat") / size))
                .values("cx", "cy")
                .annotate(n=Count("*"), lon=Avg("lon"), lat=Avg("lat"), **counts)[: limit + 1]
            )
            if len(cells) <= limit:
                break
            size *= 2
    return [_cluster_feature(c["n"], c["lon"], c["lat"], c) for c in cells[:limit]]


def _cluster_feature(n: int, lon: float, lat: float, counts: dict[str, Any]) -> dict[str, Any]:
    """A cluster of ``n`` communities at their mean position, with its count per status (``counts["n_<status>"]``)
    and the most urgent status present as its own."""
    by_status = {s: int(counts[f"n_{s}"]) for s in ScopeStatus.values}
    status = next((s for s in _URGENCY if by_status[s]), ScopeStatus.UNSCREENED)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": {"cluster": True, "count": n, "status": str(status), "statuses": by_status},
    }


def _cells_for(user: Any, filters: CommunityFilters | None) -> QuerySet[CommunityCell] | None:
    """The map cells (``CommunityCell``) holding exactly the located communities of ``community_list(user,
    filters)``, or None when they cannot: a search, a year range or a street (the cells are per district), or a
    scope below a district (a street officer's scope is part of a district's cells)."""
    from gaizao.accounts.access import scope_path

    if not _materialised(filters) or (filters is not None and filters.street):
        return None
    path = scope_path(user)
    if path is None:
        return None
    above = path.split("/")[:-1]
    if above and Division.objects.filter(level=DivisionLevel.DISTRICT, code__in=above).exists():
        return None
    qs = scoped(CommunityCell.objects.all(), user, field="area__path")
    if filters is not None:
        if filters.district:
            qs = qs.filter(area__level=DivisionLevel.DISTRICT, area__code=filters.district)
        if filters.status:
            qs = qs.filter(scope_status=filters.status)
        if filters.sample:
            qs = qs.filter(is_sample=filters.sample == "sample")
    return qs


def _clusters_from_cells(cells: QuerySet[CommunityCell], zoom: int, limit: int) -> list[dict[str, Any]]:
    """``_clusters`` at the whole zoom ``zoom`` (at most ``CommunityCell.ZOOM``) added up from the map cells: a cell
    of ``zoom`` is a block of 2^(ZOOM - zoom) stored cells on a side (``FLOOR(cx / 2^k)``, exact in floating
    point), so each cluster holds the same communities as grouping them at that zoom; coarser until at most
    ``limit`` remain, as there."""
    from django.db.models import F, FloatField
    from django.db.models.functions import Cast, Coalesce, Floor

    counts = {f"n_{s}": Coalesce(Sum("communities", filter=Q(scope_status=s)), 0) for s in ScopeStatus.values}
    factor = 2.0 ** (CommunityCell.ZOOM - zoom)
    for _ in range(8):
        blocks = list(
            cells.order_by()
            .annotate(
                gx=Floor(Cast(F("cx"), FloatField()) / factor), gy=Floor(Cast(F("cy"), FloatField()) / factor)
            )
            .values("gx", "gy")
            .annotate(n=Sum("communities"), x=Sum("lon_sum"), y=Sum("lat_sum"), **counts)[: limit + 1]
        )
        if len(blocks) <= limit:
            break
        factor *= 2
    return [_cluster_feature(b["n"], b["x"] / b["n"], b["y"] / b["n"], b) for b in blocks[:limit] if b["n"]]


def _simplified(boundary: Any, tolerance: float) -> Any:
    """``boundary`` (GeoJSON) simplified to ``tolerance`` degrees, or None when it is not a usable geometry."""
    import shapely
    from shapely.geometry import mapping, shape

    try:
        geom = shape(boundary)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException):
        return None
    if geom.is_empty:
        return None
    return mapping(shapely.set_precision(geom.simplify(tolerance, preserve_topology=True), tolerance / 4))


def communities_geojson(
    user: Any,
    filters: CommunityFilters | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    zoom: float | None = None,
    *,
    shapes: bool = False,
    max_features: int = GEOJSON_MAX_FEATURES,
) -> dict[str, Any]:
    """Communities in scope with a location, as a GeoJSON FeatureCollection (WGS84), never larger than
    ``max_features`` features.

    ``bbox`` (min lon, min lat, max lon, max lat) limits the answer to the map's view; ``zoom`` is the map's zoom.
    Up to ``max_features`` communities come as points (with ``shapes`` and ``zoom >= SHAPES_MIN_ZOOM``, as their
    boundary polygons simplified to about a pixel); more come as grid clusters (``properties.cluster``), so the
    answer's size depends on the view, not on the registry. ``total`` is the number of communities represented;
    ``clustered`` says which form was sent."""
    qs = community_list(user, filters).filter(lon__isnull=False, lat__isnull=False)
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        qs = qs.filter(lon__gte=x0, lon__lte=x1, lat__gte=y0, lat__lte=y1)
    extent: tuple[float, float, float, float] | None = None
    if bbox is None and zoom is None:
        # the count and the extent (for the zoom, should it cluster): from the aggregates when they hold the
        # filters, else in one pass over the locations
        from django.db.models import Max, Min
        from django.db.models.functions import Coalesce

        if _materialised(filters):
            agg = _stats_for(user, filters).aggregate(
                n=Coalesce(Sum("located"), 0),
                x0=Min("lon_min"),
                x1=Max("lon_max"),
                y0=Min("lat_min"),
                y1=Max("lat_max"),
            )
        else:
            agg = qs.order_by().aggregate(
                n=Count("*"), x0=Min("lon"), x1=Max("lon"), y0=Min("lat"), y1=Max("lat")
            )
        total = agg["n"]
        if agg["x0"] is not None:
            extent = (agg["x0"], agg["y0"], agg["x1"], agg["y1"])
    else:
        total = qs.order_by().count()
    if total > max_features and bbox is None and zoom is None and extent is not None:
        # The whole scope: its clusters at the whole zoom below the extent's, added up from the map cells
        whole = math.floor(_zoom_for(qs, extent))
        cells = _cells_for(user, filters) if whole <= CommunityCell.ZOOM else None
        if cells is not None:
            return {
                "type": "FeatureCollection",
                "features": _clusters_from_cells(cells, whole, max_features),
                "total": total,
                "clustered": True,
                "zoom": float(whole),
            }
    if total > max_features:
        if zoom is not None:
            z = zoom
        elif bbox is None:
            z = float(math.floor(_zoom_for(qs, extent)))  # the whole scope at a whole zoom, as from the cells
        else:
            z = _zoom_for(qs, bbox)
        return {
            "type": "FeatureCollection",
            "features": _clusters(qs, z, max_features),
            "total": total,
            "clustered": True,
            "zoom": round(z, 2),
        }
    send_shapes = shapes and zoom is not None and zoom >= SHAPES_MIN_ZOOM
    columns = ["id", "code", "name", "scope_status", "built_year", "district_code", "is_sample", "lon", "lat"]
    tolerance = degrees_per_pixel(zoom or SHAPES_MIN_ZOOM)
    features = []
    # Rows as tuples and coordinates as tuples (JSON arrays all the same): containers holding only numbers and
    # strings leave the garbage collector's care at its first pass, so an answer of 5,000 points adds 3 objects
    # per point to what a full collection of the process must walk, not 5 (those collections are the p95 spikes).
    for i, code, name, status, year, district, sample, lon, lat, *shape in qs.values_list(
        *columns, *(["boundary"] if send_shapes else [])
    ):
        geometry = _simplified(shape[0], tolerance) if send_shapes and shape[0] else None
        features.append(
            {
                "type": "Feature",
                "geometry": geometry or {"type": "Point", "coordinates": (lon, lat)},
                "properties": {
                    "id": i,
                    "code": code,
                    "name": name,
                    "status": status,
                    "built_year": year,
                    "district_code": district,
                    "is_sample": sample,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features, "total": total, "clustered": False}
