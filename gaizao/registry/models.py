"""The registry of the data survey (三(一)): residential communities (小区), buildings, units, owners,
public-service facilities and stock sites.

Naming: ``Community`` is a residential community (小区), the unit of renovation. The administrative 社区
(neighbourhood committee) is a ``divisions.Division`` of level ``community``; every Community belongs to one
division (a 社区 where known, else a street), which is what scoping filters on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gaizao.audit.models import Archivable


class Condition(models.TextChoices):
    GOOD = "good", _("良好 / good")
    FAIR = "fair", _("一般 / fair")
    POOR = "poor", _("较差 / poor")
    MISSING = "missing", _("缺失 / missing")


class Structure(models.TextChoices):
    BRICK_CONCRETE = "brick_concrete", _("砖混 / brick-concrete")
    FRAME = "frame", _("框架 / frame")
    SHEAR_WALL = "shear_wall", _("剪力墙 / shear wall")
    BRICK_WOOD = "brick_wood", _("砖木 / brick-wood")
    OTHER = "other", _("其他 / other")


class PropertyManagement(models.TextChoices):
    PROFESSIONAL = "professional", _("专业物业 / professional")
    STATE_OWNED = "state_owned", _("国企托管 / state-owned custodian")
    SELF = "self", _("业主自治 / self-managed")
    STREET = "street", _("街道兜底 / street-managed")
    NONE = "none", _("无物业 / none")


class ScopeStatus(models.TextChoices):
    PRIORITY = "priority", _("重点改造 / priority")
    MAY_INCLUDE = "may_include", _("可纳入 / may include")
    OUT_OF_SCOPE = "out_of_scope", _("不纳入 / out of scope")
    UNSCREENED = "unscreened", _("未筛查 / not screened")


class AreaSource(models.TextChoices):
    REGISTERED = "registered", _("不动产登记 / register")
    SURVEYED = "surveyed", _("测绘 / survey")
    CONTRACT = "contract", _("合同 / contract")


class Community(Archivable):
    code = models.CharField(_("小区编码 / code"), max_length=40, unique=True)
    name = models.CharField(_("小区名称 / name"), max_length=120, db_index=True)
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("所属社区或街道 / division"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    district_code = models.CharField(max_length=20, db_index=True, editable=False, blank=True)
    address = models.CharField(_("地址 / address"), max_length=255, blank=True)
    market_area = models.CharField(_("板块 / market area"), max_length=50, blank=True)

    # Land and housing
    built_year = models.PositiveSmallIntegerField(
        _("建成年份 / year built"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    land_area_m2 = models.DecimalField(
        _("占地面积(m²) / land area"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    building_area_m2 = models.DecimalField(
        _("建筑面积(m²) / building area"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    building_count = models.PositiveIntegerField(_("楼栋数 / buildings"), null=True, blank=True)
    households = models.PositiveIntegerField(_("户数 / households"), null=True, blank=True)
    population = models.PositiveIntegerField(_("人口 / population"), null=True, blank=True)
    elderly_share = models.DecimalField(
        _("60岁以上占比 / share over 60"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    structure = models.CharField(_("结构 / structure"), max_length=20, choices=Structure.choices, blank=True)
    floors_max = models.PositiveSmallIntegerField(_("最高层数 / max floors"), null=True, blank=True)
    property_management = models.CharField(
        _("物业管理 / property management"), max_length=20, choices=PropertyManagement.choices, blank=True
    )
    last_comprehensive_renovation_year = models.PositiveSmallIntegerField(
        _("最近综合改造年份 / last comprehensive renovation"), null=True, blank=True
    )
    in_expropriation_plan = models.BooleanField(_("列入年度征收计划 / in expropriation plan"), default=False)
    affordable_housing = models.BooleanField(_("保障性安居工程 / affordable housing"), default=False)
    infrastructure_deficient = models.BooleanField(
        _("基础设施明显不足 / infrastructure deficient"), default=False
    )
    management_deficient = models.BooleanField(_("物业管理不完善 / management deficient"), default=False)
    residents_willing = models.BooleanField(_("居民改造意愿强烈 / residents strongly willing"), default=False)

    # Infrastructure and services (condition ratings)
    water_supply = models.CharField(
        _("供水 / water supply"), max_length=10, choices=Condition.choices, blank=True
    )
    drainage = models.CharField(
        _("雨污分流 / drainage separation"), max_length=10, choices=Condition.choices, blank=True
    )
    power_supply = models.CharField(_("供电 / power"), max_length=10, choices=Condition.choices, blank=True)
    gas_supply = models.CharField(_("燃气 / gas"), max_length=10, choices=Condition.choices, blank=True)
    fire_safety = models.CharField(
        _("消防 / fire safety"), max_length=10, choices=Condition.choices, blank=True
    )
    security = models.CharField(_("安防 / security"), max_length=10, choices=Condition.choices, blank=True)
    roads = models.CharField(_("道路 / roads"), max_length=10, choices=Condition.choices, blank=True)
    lighting = models.CharField(_("照明 / lighting"), max_length=10, choices=Condition.choices, blank=True)
    parking_spaces = models.PositiveIntegerField(_("停车位 / parking spaces"), null=True, blank=True)
    elevator_count = models.PositiveIntegerField(_("电梯数 / elevators"), null=True, blank=True)
    service_facilities = models.CharField(
        _("小区内服务设施 / on-site service facilities"), max_length=255, blank=True
    )
    green_area_m2 = models.DecimalField(
        _("绿地面积(m²) / green space"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    heritage_features = models.CharField(_("历史文化特色 / heritage features"), max_length=255, blank=True)

    # Geometry (WGS84)
    lon = models.FloatField(_("经度 / longitude"), null=True, blank=True)
    lat = models.FloatField(_("纬度 / latitude"), null=True, blank=True)
    boundary = models.JSONField(_("边界 / boundary (GeoJSON)"), null=True, blank=True)
    entrances = models.JSONField(_("出入口 / entrances [[lon, lat], ...]"), default=list, blank=True)

    # Screening (二(一)), stored with its explanation
    scope_status = models.CharField(
        _("改造范围 / scope"),
        max_length=16,
        choices=ScopeStatus.choices,
        default=ScopeStatus.UNSCREENED,
        db_index=True,
    )
    scope_reasons = models.JSONField(default=list, blank=True)
    scope_ruleset = models.CharField(max_length=40, blank=True)
    # When it was last screened lives in the narrow ``CommunityScreening`` row (``scope_assessed_at`` below).

    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("小区 / community")
        verbose_name_plural = _("小区 / communities")
        indexes = [
            models.Index(fields=["district_code", "scope_status"]),
            # Counting a scope (every list's "N communities") reads this index only, never the wide table rows;
            # the included columns are the list filters, so a filtered count stays index-only (PostgreSQL).
            models.Index(
                fields=["division"],
                include=["scope_status", "district_code", "built_year", "is_sample"],
                condition=models.Q(archived_at__isnull=True),
                name="community_live_division",
            ),
            models.Index(fields=["built_year"], name="community_built_year"),
            models.Index(fields=["code"], condition=models.Q(is_sample=True), name="community_sample_code"),
            # A deep offset page finds the key of its first row from the live codes alone (index-only on
            # PostgreSQL, the division for the scope included): gaizao.registry.selectors._offset_rows.
            models.Index(
                fields=["code"],
                include=["division"],
                condition=models.Q(archived_at__isnull=True),
                name="community_live_code",
            ),
            # The map's GeoJSON: counts, extent and grid clusters read the live locations (with the division for
            # the scope and the status for the cluster colours) from this index alone on PostgreSQL.
            models.Index(
                fields=["lon", "lat"],
                include=["division", "scope_status"],
                condition=models.Q(archived_at__isnull=True, lon__isnull=False, lat__isnull=False),
                name="community_live_location",
            ),
            # Status and year range together (the screening filters): a capped count reads this range only.
            models.Index(
                fields=["scope_status", "built_year"],
                include=["division"],
                condition=models.Q(archived_at__isnull=True),
                name="community_live_status_year",
            ),
        ]
        # Trigram (PostgreSQL) and FTS5 (SQLite) search indexes on name, code and address: gaizao.registry.search.

    def __str__(self) -> str:
        return self.name

    @property
    def scope_assessed_at(self) -> Any:
        """When the community was last screened (its ``CommunityScreening`` row), None if never; one query unless
        the row was selected with it (``select_related("screening")``)."""
        try:
            return self.screening.assessed_at
        except CommunityScreening.DoesNotExist:
            return None

    #: The division the row had when loaded, so a move refreshes the aggregates of the division it left.
    _loaded_division_id: int | None = None

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Community:
        instance = super().from_db(db, field_names, values)
        instance._loaded_division_id = instance.__dict__.get("division_id")
        return instance

    def save(self, *args: object, **kwargs: object) -> None:
        district = self.division.district if self.division_id else None
        self.district_code = district.code if district else ""
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        # The survey and screening dashboards read per-division aggregates (CommunityStats): keep the rows of
        # this community's division (and the one it left) current in the same transaction.
        from gaizao.registry.stats import community_stats_refresh

        community_stats_refresh(division_ids={self.division_id, getattr(self, "_loaded_division_id", None)})
        self._loaded_division_id = self.division_id


class CommunityScreening(models.Model):
    """When a community was last screened (二(一)): one narrow row per community, apart from the wide community row.

    Re-screening a whole city stamps every community it read but changes the outcome (``Community.scope_status``,
    ``scope_reasons``, ``scope_ruleset``) of only a few. Stamping the wide community rows rewrote each of them with
    all their indexes (75 s for 220,000); stamping these rows (one upsert over the scope, no index but the key)
    takes a few seconds, and the community rows are rewritten only when their outcome changed.
    """

    community = models.OneToOneField(
        Community, primary_key=True, on_delete=models.CASCADE, related_name="screening"
    )
    assessed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("小区筛查时间 / community screening time")

    def __str__(self) -> str:
        return f"{self.community_id} {self.assessed_at:%Y-%m-%d %H:%M}"


class Building(Archivable):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="buildings")
    code = models.CharField(_("楼栋号 / building"), max_length=40)
    floors = models.PositiveSmallIntegerField(_("层数 / floors"), null=True, blank=True)
    stairwells = models.PositiveSmallIntegerField(_("单元数 / stairwells"), null=True, blank=True)
    has_elevator = models.BooleanField(_("有电梯 / has elevator"), default=False)
    structure = models.CharField(_("结构 / structure"), max_length=20, choices=Structure.choices, blank=True)
    built_year = models.PositiveSmallIntegerField(_("建成年份 / year built"), null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["community", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="building_code_unique_in_community")
        ]
        verbose_name = _("楼栋 / building")

    def __str__(self) -> str:
        return f"{self.community.name} {self.code}幢"


class Owner(models.Model):
    """An owner (业主). Personal data is shown masked outside the roles that need it; the ID number is stored only
    as a salted digest and its last four characters, never in clear."""

    division = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名 / name"), max_length=100)
    phone = models.CharField(_("手机号 / phone"), max_length=20, blank=True, db_index=True)
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_last4 = models.CharField(max_length=4, blank=True)
    is_developer = models.BooleanField(_("建设单位 / developer"), default=False)
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="owner_profile"
    )
    is_sample = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("业主 / owner")

    def __str__(self) -> str:
        from gaizao.accounts.access import mask_name

        return mask_name(self.name)


class Unit(models.Model):
    """One dwelling (专有部分) with its exclusive area from the register, a survey or the contract."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units")
    stairwell = models.CharField(_("单元 / stairwell"), max_length=10, blank=True)
    number = models.CharField(_("室号 / room"), max_length=20)
    area_registered_m2 = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    area_surveyed_m2 = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    area_contract_m2 = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    owner = models.ForeignKey(Owner, null=True, blank=True, on_delete=models.PROTECT, related_name="units")
    developer_held = models.BooleanField(_("开发建设单位未售出 / developer-held"), default=False)

    class Meta:
        ordering = ["building", "stairwell", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "stairwell", "number"], name="unit_number_unique_in_building"
            )
        ]
        verbose_name = _("房屋 / unit")

    def __str__(self) -> str:
        return f"{self.building} {self.stairwell + '单元' if self.stairwell else ''}{self.number}室"

    @property
    def exclusive_area(self) -> tuple[Decimal, str]:
        """Area and its source, by the precedence of 法释〔2009〕7号 第8条 (register, survey, contract)."""
        from gaizao.policy import exclusive_area

        return exclusive_area(
            registered=self.area_registered_m2, surveyed=self.area_surveyed_m2, contract=self.area_contract_m2
        )


class Facility(Archivable):
    """A public-service facility, its category one of the GB 50180 facility ids of ``gaizao.policy``."""

    code = models.CharField(_("设施编码 / code"), max_length=60, unique=True)
    category = models.CharField(_("设施类别 / category"), max_length=60, db_index=True)
    name = models.CharField(_("名称 / name"), max_length=150)
    division = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="+")
    lon = models.FloatField(_("经度 / longitude"))
    lat = models.FloatField(_("纬度 / latitude"))
    capacity = models.PositiveIntegerField(_("规模 / capacity"), null=True, blank=True)
    source = models.CharField(_("来源 / source"), max_length=100, blank=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("公共服务设施 / facility")

    def __str__(self) -> str:
        return self.name


class StockSiteKind(models.TextChoices):
    VACANT_LOT = "vacant_lot", _("空地 / vacant lot")
    WASTELAND = "wasteland", _("荒地 / wasteland")
    IDLE_BUILDING = "idle_building", _("闲置用房 / idle building")
    UNDERGROUND = "underground", _("地下空间 / underground space")


class StockSite(Archivable):
    """A stock space (存量空间) that could host a missing facility (三(五))."""

    code = models.CharField(_("编码 / code"), max_length=60, unique=True)
    kind = models.CharField(_("类型 / kind"), max_length=20, choices=StockSiteKind.choices)
    name = models.CharField(_("名称 / name"), max_length=150)
    division = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.SET_NULL, related_name="stock_sites"
    )
    area_m2 = models.DecimalField(_("面积(m²) / area"), max_digits=12, decimal_places=2)
    lon = models.FloatField(_("经度 / longitude"))
    lat = models.FloatField(_("纬度 / latitude"))
    owner_org = models.CharField(_("权属单位 / owner"), max_length=150, blank=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("存量空间 / stock site")

    def __str__(self) -> str:
        return self.name


class CommunityStats(models.Model):
    """Materialised survey and screening aggregates: for each division holding communities, per scope status and
    sample flag, the number of live (non-archived) communities, how many leave a required survey field blank, and
    how many fill each required field (``filled``: {field: count}).

    The survey-completeness and screening dashboards sum these rows (a few thousand for a whole country) instead of
    scanning every community per request. Kept current by ``gaizao.registry.stats.community_stats_refresh`` on every
    community write, import and re-screen, and rebuilt whole by the ``registry.stats_refresh`` job.

    Each required field's count is a column of its own (``f_<field>``, added below ``REQUIRED_SURVEY_FIELDS``), so
    the database sums them as integers; summing them out of a JSON document cost 80 ms for a city's 10,000 rows.
    ``located`` and the ``lon``/``lat`` extent give the map its count and extent without reading the communities.
    """

    division = models.ForeignKey("divisions.Division", on_delete=models.CASCADE, related_name="+")
    #: the street (街道) the division belongs to: itself, or a 社区's parent; null above street level
    street = models.ForeignKey(
        "divisions.Division", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    district_code = models.CharField(max_length=20, blank=True)
    scope_status = models.CharField(max_length=16, choices=ScopeStatus.choices)
    is_sample = models.BooleanField(default=False)
    communities = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    #: the sum of the ``f_<field>`` counts (required answers given), so streets and districts add it up
    filled_total = models.PositiveIntegerField(default=0)
    #: communities with a location (lon and lat), and the extent of those locations (null when none)
    located = models.PositiveIntegerField(default=0)
    lon_min = models.FloatField(null=True, blank=True)
    lon_max = models.FloatField(null=True, blank=True)
    lat_min = models.FloatField(null=True, blank=True)
    lat_max = models.FloatField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("小区统计 / community statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["division", "scope_status", "is_sample"], name="community_stats_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.division_id} {self.scope_status}: {self.communities}"

    @property
    def filled(self) -> dict[str, int]:
        """How many communities fill each required field: {field: count}."""
        return {name: int(getattr(self, f"f_{name}")) for name in REQUIRED_SURVEY_FIELDS}


class MapCellCounts(models.Model):
    """What a map cell counts: the live located communities of an area, scope status, sample flag and grid cell,
    with the sums of their positions (``CommunityCell`` per area, ``CommunityDivisionCell`` per division)."""

    area = models.ForeignKey("divisions.Division", on_delete=models.CASCADE, related_name="+")
    scope_status = models.CharField(max_length=16, choices=ScopeStatus.choices)
    is_sample = models.BooleanField(default=False)
    cx = models.IntegerField()
    cy = models.IntegerField()
    communities = models.PositiveIntegerField(default=0)
    lon_sum = models.FloatField(default=0.0)
    lat_sum = models.FloatField(default=0.0)

    class Meta:
        abstract = True


class CommunityCell(MapCellCounts):
    """The map's grid aggregate: live located communities per area, scope status, sample flag and grid cell of
    ``ZOOM`` (``cx = FLOOR(lon / size)``, ``size`` = 64 pixels at that zoom, as ``selectors._clusters`` draws
    them), with the sums of their positions.

    The area is the district holding the communities (a division with no district above it is its own area), so
    a city's rows are a few per district and cell, not per community. A cell of zoom ``z <= ZOOM`` is a block of
    ``2^(ZOOM - z)`` cells of ``ZOOM`` on a side (the sizes halve exactly from zoom to zoom), so the whole-scope
    map's clusters add these rows up (``selectors.communities_geojson``) instead of grouping every community.
    Added up from ``CommunityDivisionCell`` by ``gaizao.registry.stats.community_stats_refresh`` with
    ``CommunityStats``.
    """

    #: the finest zoom held; a whole scope whose extent needs a finer one is clustered from the communities
    ZOOM = 14

    class Meta:
        verbose_name = _("小区地图网格 / community map cell")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "cx", "cy", "scope_status", "is_sample"], name="community_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.scope_status} ({self.cx}, {self.cy}): {self.communities}"


class CommunityDivisionCell(MapCellCounts):
    """The map cells of one division (``CommunityCell``'s rows before they are added up per area): a write
    recomputes its division's rows from that division's communities, then its area's ``CommunityCell`` rows from
    these narrow rows, never from the district's communities (a district of 14,000 communities took 300-600 ms
    to regroup on every save)."""

    division = models.ForeignKey("divisions.Division", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("区划地图网格 / division map cell")
        # a write adds up the few cells it changed: their rows across the area's divisions
        indexes = [models.Index(fields=["area", "cx", "cy"], name="community_division_cell_area")]

    def __str__(self) -> str:
        return f"{self.division_id} {self.scope_status} ({self.cx}, {self.cy}): {self.communities}"


#: The survey of 三(一), grouped as the detail page shows it: (group id, "中文 / English", field names).
SURVEY_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "land_housing",
        "土地与房屋 / Land and housing",
        (
            "built_year",
            "land_area_m2",
            "building_area_m2",
            "building_count",
            "households",
            "structure",
            "floors_max",
            "property_management",
            "last_comprehensive_renovation_year",
            "in_expropriation_plan",
            "affordable_housing",
        ),
    ),
    ("population", "人口 / Population", ("population", "elderly_share")),
    (
        "infrastructure",
        "基础设施 / Infrastructure",
        (
            "water_supply",
            "drainage",
            "power_supply",
            "gas_supply",
            "fire_safety",
            "security",
            "roads",
            "lighting",
            "parking_spaces",
            "elevator_count",
            "infrastructure_deficient",
        ),
    ),
    (
        "services",
        "公共服务与管理 / Services and management",
        ("service_facilities", "management_deficient", "residents_willing"),
    ),
    ("green_heritage", "绿化与历史文化 / Green space and heritage", ("green_area_m2", "heritage_features")),
)

#: Fields every district must fill in its data survey — 杭政办函〔2022〕10号 三(一) (建立数据调查制度: 摸清小区
#: 土地、房屋、人口、基础设施、公共服务设施、绿地、历史文化等情况). Booleans are always answered, so they are not
#: listed; ``lon`` stands for the location. Completeness (selectors.survey_completeness) counts these, nothing else.
REQUIRED_SURVEY_FIELDS: tuple[str, ...] = (
    "built_year",
    "land_area_m2",
    "building_area_m2",
    "building_count",
    "households",
    "population",
    "elderly_share",
    "structure",
    "floors_max",
    "property_management",
    "water_supply",
    "drainage",
    "power_supply",
    "gas_supply",
    "fire_safety",
    "roads",
    "parking_spaces",
    "green_area_m2",
    "lon",
)
SURVEY_CLAUSE = "杭政办函〔2022〕10号 三(一)"

for _name in REQUIRED_SURVEY_FIELDS:
    # CommunityStats.f_<field>: how many of the row's communities fill the required field
    CommunityStats.add_to_class(f"f_{_name}", models.PositiveIntegerField(default=0))
