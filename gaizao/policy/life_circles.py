"""Life-circle standards — GB 50180-2018《城市居住区规划设计标准》 (RULES §5, reference/gb50180-2018.md).

Four levels: the 15-, 10- and 5-minute life circles and the residential block (居住街坊). **Levels do not substitute
for each other** (GB 50180-2018 5.0.1/5.0.2: 各层级居住区配套设施的设置为非包含关系): a facility required at one
level is satisfied only by a facility of that kind within that level's walking distance; a higher-level facility (a
street-level 社区服务中心) never satisfies a lower level's requirement (a 社区服务站). Facility ids are facility
*kinds*: the same kind (``bus_stop``) can be required at several levels, each checked at its own distance.

Distances are walking distances on the street and path network, not straight lines.

``walk_distance_m`` is the upper bound the analysis uses: 1000 m, 500 m, 300 m; GB 50180 gives no distance for the
居住街坊, so the project uses 150 m (about half the diagonal of a 2–4 hm² block), flagged ``verified=False``.
The facility table (附录B) was recalled, not read from the standard: every entry has ``verified=False``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gaizao.policy.errors import PolicyInputError

__all__ = [
    "LEVELS_DO_NOT_SUBSTITUTE",
    "FacilityStandard",
    "LifeCircleLevel",
    "facility_ids",
    "life_circle_facilities",
    "life_circle_levels",
]

LEVELS_DO_NOT_SUBSTITUTE = True
"""GB 50180-2018 5.0.1/5.0.2: a higher level's facility does not satisfy a lower level's requirement."""

GB = "GB 50180-2018"
APPENDIX_B = f"{GB} 附录B"


@dataclass(frozen=True, slots=True)
class LifeCircleLevel:
    """A life-circle level (GB 50180-2018 表4.0.1, 2.0.2–2.0.5).

    ``walk_distance_m`` is the upper bound used in analysis; ``min_walk_distance_m`` the lower end of the
    standard's range (800 for the 15-minute circle's 800–1000 m) or None. Ranges are inclusive ``(low, high)``.
    """

    id: str
    name_zh: str
    name_en: str
    walk_minutes: int | None
    walk_distance_m: int
    min_walk_distance_m: int | None
    population: tuple[int, int]
    dwellings: tuple[int, int]
    land_hm2: tuple[int, int]
    clause: str
    verified: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class FacilityStandard:
    """A facility a level requires (▲, ``required=True``) or may provide as needed (△).

    ``catalogue_items`` are the renovation catalogue item ids that would fill the gap (empty when a renovation
    cannot provide it, e.g. a school).
    """

    id: str
    level: str
    name_zh: str
    name_en: str
    group: str
    required: bool
    verified: bool
    catalogue_items: tuple[str, ...]
    clause: str


_LEVELS = (
    LifeCircleLevel(
        "15min",
        "十五分钟生活圈居住区",
        "15-minute life circle",
        15,
        1000,
        800,
        (50_000, 100_000),
        (17_000, 32_000),
        (130, 200),
        f"{GB} 表4.0.1, 2.0.2",
        True,
        "land area 130–200 hm² recalled, to verify",
    ),
    LifeCircleLevel(
        "10min",
        "十分钟生活圈居住区",
        "10-minute life circle",
        10,
        500,
        500,
        (15_000, 25_000),
        (5_000, 8_000),
        (32, 50),
        f"{GB} 表4.0.1, 2.0.3",
        True,
    ),
    LifeCircleLevel(
        "5min",
        "五分钟生活圈居住区",
        "5-minute life circle",
        5,
        300,
        300,
        (5_000, 12_000),
        (1_500, 4_000),
        (8, 18),
        f"{GB} 表4.0.1, 2.0.4",
        False,
        "recalled from the standard, to verify",
    ),
    LifeCircleLevel(
        "block",
        "居住街坊",
        "Residential block",
        None,
        150,
        None,
        (1_000, 3_000),
        (300, 1_000),
        (2, 4),
        f"{GB} 表4.0.1, 2.0.5",
        False,
        "GB 50180 sets no walking distance for the block; 150 m is the project's analysis radius",
    ),
)
_LEVEL_IDS = tuple(level.id for level in _LEVELS)

# id, name_zh, name_en, group, {level: required?}, catalogue items
_R, _O = True, False
_FACILITY_ROWS: tuple[tuple[str, str, str, str, dict[str, bool], tuple[str, ...]], ...] = (
    # 公共管理与公共服务设施 (15/10-minute)
    ("junior_high_school", "初中", "Junior high school", "public_service", {"15min": _R}, ()),
    ("primary_school", "小学", "Primary school", "public_service", {"10min": _R}, ()),
    (
        "sports_hall",
        "体育馆（场）或全民健身中心",
        "Sports hall or fitness centre",
        "public_service",
        {"15min": _O},
        ("sports_fitness",),
    ),
    (
        "large_sports_ground",
        "大型多功能运动场地",
        "Large multi-purpose sports ground",
        "public_service",
        {"15min": _R},
        ("sports_fitness",),
    ),
    (
        "medium_sports_ground",
        "中型多功能运动场地",
        "Medium multi-purpose sports ground",
        "public_service",
        {"10min": _R},
        ("sports_fitness",),
    ),
    (
        "health_service_center",
        "卫生服务中心（社区医院）",
        "Community health service centre (hospital)",
        "public_service",
        {"15min": _R},
        (),
    ),
    ("outpatient_clinic", "门诊部", "Outpatient clinic", "public_service", {"15min": _R}, ()),
    ("nursing_home", "养老院", "Nursing home", "public_service", {"15min": _R}, ("elderly_care",)),
    (
        "elderly_care_home",
        "老年养护院",
        "Elderly care home",
        "public_service",
        {"15min": _R},
        ("elderly_care",),
    ),
    (
        "cultural_activity_center",
        "文化活动中心（含青少年、老年活动中心）",
        "Cultural activity centre",
        "public_service",
        {"15min": _R},
        ("culture_leisure",),
    ),
    (
        "street_community_service_center",
        "社区服务中心（街道级）",
        "Community service centre (street level)",
        "public_service",
        {"15min": _R},
        ("community_service_center",),
    ),
    ("subdistrict_office", "街道办事处", "Subdistrict office", "public_service", {"15min": _R}, ()),
    ("judicial_office", "司法所", "Judicial office", "public_service", {"15min": _R}, ()),
    ("police_station", "派出所", "Police station", "public_service", {"15min": _O}, ()),
    # 商业服务业设施
    ("shopping_mall", "商场", "Shopping mall", "commercial", {"15min": _R, "10min": _R}, ()),
    (
        "fresh_market",
        "菜市场或生鲜超市",
        "Fresh food market or supermarket",
        "commercial",
        {"10min": _R},
        ("convenience_market",),
    ),
    ("gym", "健身房", "Gym", "commercial", {"15min": _O, "10min": _O}, ("sports_fitness",)),
    ("restaurants", "餐饮设施", "Restaurants", "commercial", {"15min": _R, "10min": _R}, ()),
    ("bank_branch", "银行营业网点", "Bank branch", "commercial", {"15min": _R, "10min": _R}, ()),
    (
        "telecom_branch",
        "电信营业网点",
        "Telecom service outlet",
        "commercial",
        {"15min": _R, "10min": _R},
        (),
    ),
    ("post_office", "邮政营业场所", "Post office", "commercial", {"15min": _R}, ("postal_express_terminal",)),
    # 市政公用设施
    (
        "switching_station",
        "开闭所",
        "Power switching station",
        "utilities",
        {"15min": _R, "10min": _O},
        ("power_supply",),
    ),
    ("fuel_station", "燃料供应站", "Fuel supply station", "utilities", {"15min": _O, "10min": _O}, ()),
    (
        "gas_regulator",
        "燃气调压站",
        "Gas pressure regulating station",
        "utilities",
        {"15min": _O, "10min": _O},
        ("gas",),
    ),
    (
        "heating_station",
        "供热站或热交换站",
        "Heating or heat exchange station",
        "utilities",
        {"15min": _O, "10min": _O},
        ("heating",),
    ),
    (
        "telecom_room",
        "通信机房",
        "Telecom equipment room",
        "utilities",
        {"15min": _O, "10min": _O},
        ("mobile_comm",),
    ),
    ("cable_tv_station", "有线电视基站", "Cable TV station", "utilities", {"15min": _O, "10min": _O}, ()),
    (
        "waste_transfer_station",
        "垃圾转运站",
        "Waste transfer station",
        "utilities",
        {"15min": _O, "10min": _O},
        (),
    ),
    ("fire_station", "消防站", "Fire station", "utilities", {"15min": _O}, ()),
    (
        "gas_service_point",
        "市政燃气服务网点和应急抢修站",
        "Gas service and emergency repair point",
        "utilities",
        {"15min": _O, "10min": _O},
        (),
    ),
    # 交通场站
    ("rail_station", "轨道交通站点", "Rail transit station", "transport", {"15min": _O, "10min": _O}, ()),
    ("bus_terminal", "公交首末站", "Bus terminal", "transport", {"15min": _O, "10min": _O}, ()),
    ("bus_stop", "公交车站", "Bus stop", "transport", {"15min": _R, "10min": _R, "5min": _O}, ()),
    (
        "non_motor_parking",
        "非机动车停车场（库）",
        "Bicycle and e-bike parking",
        "transport",
        {"15min": _O, "10min": _O, "5min": _O},
        ("parking", "ev_ebike_charging"),
    ),
    (
        "motor_parking",
        "机动车停车场（库）",
        "Car parking",
        "transport",
        {"15min": _O, "10min": _O, "5min": _O},
        ("parking",),
    ),
    # 社区服务设施 (5-minute)
    (
        "community_service_station",
        "社区服务站（含居委会、治安联防站、残疾人康复室）",
        "Community service station",
        "community_service",
        {"5min": _R},
        ("community_service_center",),
    ),
    (
        "community_canteen",
        "社区食堂",
        "Community canteen",
        "community_service",
        {"5min": _O},
        ("meal_assist",),
    ),
    (
        "cultural_activity_station",
        "文化活动站（含青少年活动站、老年活动站）",
        "Cultural activity station",
        "community_service",
        {"5min": _R},
        ("culture_leisure",),
    ),
    (
        "small_sports_ground",
        "小型多功能运动（球类）场地",
        "Small multi-purpose ball court",
        "community_service",
        {"5min": _R},
        ("sports_fitness",),
    ),
    (
        "outdoor_fitness_ground",
        "室外综合健身场地（含老年户外活动场地）",
        "Outdoor fitness ground",
        "community_service",
        {"5min": _R},
        ("sports_fitness", "elderly_friendly"),
    ),
    ("kindergarten", "幼儿园", "Kindergarten", "community_service", {"5min": _R}, ("kindergarten",)),
    ("nursery", "托儿所", "Nursery", "community_service", {"5min": _O}, ("childcare",)),
    (
        "elderly_day_care",
        "老年人日间照料中心（托老所）",
        "Elderly day care centre",
        "community_service",
        {"5min": _R},
        ("elderly_care",),
    ),
    (
        "community_health_station",
        "社区卫生服务站",
        "Community health station",
        "community_service",
        {"5min": _O},
        ("health_station",),
    ),
    (
        "community_shops",
        "社区商业网点（超市、药店、洗衣店、美发店等）",
        "Community shops",
        "community_service",
        {"5min": _R},
        ("convenience_store", "convenience_market"),
    ),
    (
        "recycling_point",
        "再生资源回收点",
        "Recycling point",
        "community_service",
        {"5min": _R},
        ("waste_sorting",),
    ),
    (
        "waste_collection_station",
        "生活垃圾收集站",
        "Waste collection station",
        "community_service",
        {"5min": _R},
        ("waste_sorting",),
    ),
    ("public_toilet", "公共厕所", "Public toilet", "community_service", {"5min": _R}, ()),
    # 便民服务设施 (居住街坊)
    (
        "property_management",
        "物业管理与服务",
        "Property management and service",
        "convenience",
        {"block": _R},
        ("property_mgmt_room", "property_service"),
    ),
    (
        "children_elderly_play_area",
        "儿童、老年人活动场地",
        "Children's and elderly activity area",
        "convenience",
        {"block": _R},
        ("culture_leisure", "elderly_friendly"),
    ),
    (
        "outdoor_fitness_equipment",
        "室外健身器械",
        "Outdoor fitness equipment",
        "convenience",
        {"block": _R},
        ("sports_fitness",),
    ),
    (
        "convenience_store",
        "便利店（菜店、日杂等）",
        "Convenience store",
        "convenience",
        {"block": _R},
        ("convenience_store",),
    ),
    (
        "parcel_delivery",
        "邮件和快件送达设施",
        "Mail and parcel delivery facilities",
        "convenience",
        {"block": _R},
        ("smart_parcel_locker", "smart_mailbox"),
    ),
    (
        "waste_collection_point",
        "生活垃圾收集点",
        "Waste collection point",
        "convenience",
        {"block": _R},
        ("waste_sorting",),
    ),
    (
        "resident_non_motor_parking",
        "居民非机动车停车场（库）",
        "Residents' bicycle and e-bike parking",
        "convenience",
        {"block": _R},
        ("parking", "ev_ebike_charging"),
    ),
    (
        "resident_motor_parking",
        "居民机动车停车场（库）",
        "Residents' car parking",
        "convenience",
        {"block": _R},
        ("parking",),
    ),
)

_FACILITIES = tuple(
    FacilityStandard(fid, level, zh, en, group, required, False, items, APPENDIX_B)
    for level in _LEVEL_IDS
    for fid, zh, en, group, levels, items in _FACILITY_ROWS
    if level in levels
    for required in (levels[level],)
)


def life_circle_levels() -> tuple[LifeCircleLevel, ...]:
    """The four levels, largest first: ``15min``, ``10min``, ``5min``, ``block``."""
    return _LEVELS


def life_circle_facilities(level: str | None = None) -> tuple[FacilityStandard, ...]:
    """Facility standards of one level (or all levels). Each (level, id) pair appears once.

    Raises
    ------
    PolicyInputError
        ``level`` is not one of ``15min``, ``10min``, ``5min``, ``block``.
    """
    if level is None:
        return _FACILITIES
    if level not in _LEVEL_IDS:
        raise PolicyInputError("level", f"level: {level!r} is not one of {', '.join(_LEVEL_IDS)}.")
    return tuple(f for f in _FACILITIES if f.level == level)


def facility_ids() -> tuple[str, ...]:
    """Every facility kind id, sorted (the categories a registry facility can have)."""
    return tuple(sorted({f.id for f in _FACILITIES}))
