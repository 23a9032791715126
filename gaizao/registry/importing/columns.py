"""The column specification of each import kind: one place that drives the template, the import and the export.

A :class:`Column` names its Chinese header (with the unit, as districts write it in their survey forms), its
English header, the model field it fills, its type, whether it is required and its choices. Headers are matched
on import by the Chinese header, the English header or the field name, ignoring case, spaces and a trailing ``*``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from gaizao.registry.models import (
    Building,
    Community,
    Condition,
    Facility,
    PropertyManagement,
    StockSite,
    StockSiteKind,
    Structure,
    Unit,
)

#: Column types understood by the parser (``gaizao.registry.importing.validation``).
TYPES = frozenset(
    {
        "str",
        "int",
        "year",
        "decimal",
        "share",
        "lon",
        "lat",
        "bool",
        "choice",
        "division",
        "crs",
        "points",
        "ref",
    }
)

#: The coordinate systems a file may declare, with the spellings accepted for each.
CRS_CHOICES: tuple[tuple[str, str], ...] = (("wgs84", "WGS84"), ("gcj02", "GCJ-02"), ("bd09", "BD-09"))
CRS_ALIASES = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "epsg:4326": "wgs84",
    "4326": "wgs84",
    "cgcs2000": "wgs84",
    "gps": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "火星坐标": "gcj02",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "百度": "bd09",
}

BOOL_TRUE = frozenset({"是", "y", "yes", "true", "1", "√", "有", "t"})
BOOL_FALSE = frozenset({"否", "n", "no", "false", "0", "×", "无", "f"})


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    type: str = "str"
    required: bool = False
    #: ``(stored value, Chinese label)``; the template's dropdown lists the Chinese labels.
    choices: tuple[tuple[str, str], ...] = ()
    #: the model field it fills (None for columns that resolve to something else, like the division)
    field: str | None = None
    max_length: int | None = None
    decimal_places: int | None = None
    max_digits: int | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    help: str = ""

    @property
    def header(self) -> str:
        return self.zh

    def choice_labels(self) -> list[str]:
        return [label for _, label in self.choices]


@dataclass(frozen=True)
class KindSpec:
    kind: str
    zh: str
    en: str
    sheet: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    #: the columns whose values identify a row for re-import (update instead of duplicate)
    key: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


def _labels(choices: type[models.TextChoices]) -> tuple[tuple[str, str], ...]:
    return tuple((value, str(label).split(" / ")[0]) for value, label in choices.choices)


def _split(verbose: object) -> tuple[str, str]:
    text = str(verbose)
    zh, _, en = text.partition(" / ")
    return zh, en or zh


def from_field(
    model: type[models.Model],
    name: str,
    *,
    zh: str | None = None,
    en: str | None = None,
    required: bool = False,
    help: str = "",
    type: str | None = None,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
) -> Column:
    """A column for model field ``name``: headers from its verbose name, type and limits from its definition."""
    f = cast("models.Field[Any, Any]", model._meta.get_field(name))
    vzh, ven = _split(f.verbose_name)
    kind = type
    choices: tuple[tuple[str, str], ...] = ()
    max_length = decimal_places = max_digits = None
    lo, hi = min_value, max_value
    if isinstance(f, models.BooleanField):
        kind = kind or "bool"
        choices = (("true", "是"), ("false", "否"))
    elif isinstance(f, models.CharField) and f.choices:
        kind = kind or "choice"
        choices = tuple((str(v), str(label).split(" / ")[0]) for v, label in f.choices)
    elif isinstance(f, models.CharField):
        kind = kind or "str"
        max_length = f.max_length
    elif isinstance(f, models.DecimalField):
        kind = kind or "decimal"
        decimal_places, max_digits = f.decimal_places, f.max_digits
        lo = Decimal(0) if lo is None else lo
    elif isinstance(f, models.PositiveSmallIntegerField | models.PositiveIntegerField):
        kind = kind or "int"
        lo = Decimal(0) if lo is None else lo
    elif isinstance(f, models.FloatField):
        kind = kind or "float"
    for validator in f.validators:
        limit = getattr(validator, "limit_value", None)
        if isinstance(validator, MinValueValidator) and limit is not None:
            lo = Decimal(limit) if lo is None else max(lo, Decimal(limit))
        if isinstance(validator, MaxValueValidator) and limit is not None:
            hi = Decimal(limit) if hi is None else min(hi, Decimal(limit))
    return Column(
        key=name,
        zh=zh or vzh,
        en=en or ven,
        type=kind or "str",
        required=required,
        choices=choices,
        field=name,
        max_length=max_length,
        decimal_places=decimal_places,
        max_digits=max_digits,
        min_value=lo,
        max_value=hi,
        help=help,
    )


YEAR_MIN, YEAR_MAX = Decimal(1900), Decimal(2100)

DIVISION_COLUMNS = (
    Column(
        "district",
        "区县",
        "District",
        type="division",
        required=True,
        help="区县(市)名称或行政区划代码，如 上城区 或 330102",
    ),
    Column(
        "street",
        "街道",
        "Street",
        type="division",
        required=True,
        help="街道、乡镇名称或代码，须属于所填区县",
    ),
    Column(
        "community_division",
        "社区",
        "Neighbourhood (社区)",
        type="division",
        help="社区、村名称或代码（可空），须属于所填街道",
    ),
)


def _point_columns(*, required: bool) -> tuple[Column, ...]:
    return (
        Column(
            "lon",
            "经度",
            "Longitude",
            type="lon",
            required=required,
            field="lon",
            help="十进制度，如 120.1655",
        ),
        Column(
            "lat", "纬度", "Latitude", type="lat", required=required, field="lat", help="十进制度，如 30.2390"
        ),
        Column(
            "crs",
            "坐标系",
            "Coordinate system",
            type="crs",
            choices=CRS_CHOICES,
            help="WGS84、GCJ-02（高德、腾讯）或 BD-09（百度）；空则取导入时选择的坐标系，导入后统一转换为 WGS84",
        ),
    )


def _c(name: str, **kw: object) -> Column:
    return from_field(Community, name, **kw)  # type: ignore[arg-type]


COMMUNITIES = KindSpec(
    kind="communities",
    zh="小区",
    en="Communities",
    sheet="小区",
    model=Community,
    key=("code",),
    columns=(
        _c("code", required=True, help="小区唯一编码；再次导入时按编码更新，不会重复"),
        _c("name", required=True),
        *DIVISION_COLUMNS,
        _c("address"),
        _c("market_area"),
        _c("built_year", type="year", min_value=YEAR_MIN, max_value=YEAR_MAX, help="四位年份，如 1995"),
        _c("land_area_m2"),
        _c("building_area_m2"),
        _c("building_count"),
        _c("households"),
        _c("population"),
        _c("elderly_share", zh="60岁以上人口占比", type="share", help="0 到 1 之间的小数，或百分数如 35%"),
        _c("structure"),
        _c("floors_max"),
        _c("property_management"),
        _c(
            "last_comprehensive_renovation_year",
            type="year",
            min_value=YEAR_MIN,
            max_value=YEAR_MAX,
            help="四位年份；从未综合改造则留空",
        ),
        _c("in_expropriation_plan"),
        _c("affordable_housing"),
        _c("infrastructure_deficient"),
        _c("management_deficient"),
        _c("residents_willing"),
        _c("water_supply"),
        _c("drainage"),
        _c("power_supply"),
        _c("gas_supply"),
        _c("fire_safety"),
        _c("security"),
        _c("roads"),
        _c("lighting"),
        _c("parking_spaces"),
        _c("elevator_count"),
        _c("service_facilities"),
        _c("green_area_m2"),
        _c("heritage_features"),
        *_point_columns(required=False),
        Column(
            "entrances",
            "出入口坐标",
            "Entrances",
            type="points",
            field="entrances",
            help="经度,纬度 用分号分隔多个出入口，如 120.16,30.24;120.17,30.24（与经纬度同一坐标系）",
        ),
    ),
    notes=(
        "再次导入同一编码的小区会更新该小区，不会新建重复记录。",
        "表中有某列而单元格为空时，该项被清空；表中没有的列保持原值不变。",
        "导入后每个小区都会按现行政策重新进行改造范围筛查。",
    ),
)


def _b(name: str, **kw: object) -> Column:
    return from_field(Building, name, **kw)  # type: ignore[arg-type]


COMMUNITY_REF = Column(
    "community_code",
    "小区编码",
    "Community code",
    type="ref",
    required=True,
    help="所属小区的编码，小区须已导入",
)

BUILDINGS = KindSpec(
    kind="buildings",
    zh="楼栋",
    en="Buildings",
    sheet="楼栋",
    model=Building,
    key=("community_code", "code"),
    columns=(
        COMMUNITY_REF,
        _b("code", required=True, help="楼栋号，在小区内唯一，如 3 或 3幢"),
        _b("floors"),
        _b("stairwells"),
        _b("has_elevator"),
        _b("structure"),
        _b("built_year", type="year", min_value=YEAR_MIN, max_value=YEAR_MAX),
        *_point_columns(required=False),
    ),
)


def _u(name: str, **kw: object) -> Column:
    return from_field(Unit, name, **kw)  # type: ignore[arg-type]


UNITS = KindSpec(
    kind="units",
    zh="房屋",
    en="Units",
    sheet="房屋",
    model=Unit,
    key=("community_code", "building_code", "stairwell", "number"),
    columns=(
        COMMUNITY_REF,
        Column("building_code", "楼栋号", "Building", type="ref", required=True, help="楼栋须已导入"),
        _u("stairwell", help="单元号，可空"),
        _u("number", required=True),
        _u(
            "area_registered_m2",
            zh="登记面积(m²)",
            en="Registered area (m²)",
            help="不动产登记的专有部分面积",
        ),
        _u("area_surveyed_m2", zh="测绘面积(m²)", en="Surveyed area (m²)", help="无登记面积时按测绘面积"),
        _u(
            "area_contract_m2",
            zh="合同面积(m²)",
            en="Contract area (m²)",
            help="无登记和测绘面积时按合同面积",
        ),
        _u("developer_held"),
        Column("owner_name", "业主姓名", "Owner name", max_length=100, help="个人信息，仅授权角色可见"),
        Column("owner_phone", "业主手机号", "Owner phone", max_length=20, help="个人信息，仅授权角色可见"),
        Column(
            "owner_id_number",
            "业主身份证号",
            "Owner ID number",
            max_length=18,
            help="只保存加盐摘要和末四位，不保存明文；导出时不含此列内容",
        ),
    ),
    notes=("身份证号只以加盐摘要和末四位保存，任何导出都不含明文。",),
)


def _f(name: str, **kw: object) -> Column:
    return from_field(Facility, name, **kw)  # type: ignore[arg-type]


FACILITIES = KindSpec(
    kind="facilities",
    zh="设施",
    en="Facilities",
    sheet="设施",
    model=Facility,
    key=("code",),
    columns=(
        _f("code", required=True),
        _f("category", required=True, help="GB 50180 设施类别编号"),
        _f("name", required=True),
        *DIVISION_COLUMNS,
        *_point_columns(required=True),
        _f("capacity"),
        _f("source"),
    ),
)


def _s(name: str, **kw: object) -> Column:
    return from_field(StockSite, name, **kw)  # type: ignore[arg-type]


STOCK_SITES = KindSpec(
    kind="stock_sites",
    zh="存量空间",
    en="Stock sites",
    sheet="存量空间",
    model=StockSite,
    key=("code",),
    columns=(
        _s("code", required=True),
        _s("kind", required=True),
        _s("name", required=True),
        *DIVISION_COLUMNS,
        Column("community_code", "所属小区编码", "Community code", type="ref", help="可空；小区须已导入"),
        _s("area_m2", required=True),
        *_point_columns(required=True),
        _s("owner_org"),
    ),
)

KINDS: dict[str, KindSpec] = {
    spec.kind: spec for spec in (COMMUNITIES, BUILDINGS, UNITS, FACILITIES, STOCK_SITES)
}

# Keep the enums imported for readers of this module: the choices above come from them.
_ = (Condition, PropertyManagement, Structure, StockSiteKind)


def get_kind(kind: str) -> KindSpec:
    from gaizao.errors import ApplicationError

    spec = KINDS.get(kind)
    if spec is None:
        names = "、".join(KINDS)
        raise ApplicationError(
            f"未知的导入类型“{kind}”，可选：{names}。/ Unknown kind {kind!r}; choose one of {', '.join(KINDS)}.",
            field="kind",
        )
    return spec


def normalise_header(text: object) -> str:
    s = str(text or "").strip().lower().replace(" ", "").replace("\u3000", "").rstrip("*＊")
    return s.replace("（", "(").replace("）", ")").replace("m2", "m²")
