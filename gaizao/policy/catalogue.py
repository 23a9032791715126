"""The renovation catalogue — 杭政办函〔2022〕10号 二(二), 四(三), 一(一); 国办发〔2020〕23号 二(一)2 (RULES §2).

- Five Hangzhou aspects (二(二)): 基础设施, 居住环境, 服务功能, 小区特色, 长效管理.
- Three national categories (国办发〔2020〕23号): 基础类 ``basic``, 完善类 ``improve``, 提升类 ``enhance``.
- Items with stable ids. ``verified=True`` items are named in the national category definitions; ``verified=False``
  items are Hangzhou practice (e.g. 雨污分流, 内涝治理, 长效管理 items) to be checked against the
  《杭州市老旧小区综合改造提升技术导则（试行）》. The aspect of each item is the project's mapping, not an official one.
- The "综合改一次" bundle (四(三)): components planned together in one project, each satisfied by catalogue items.
- The 六有 goals (一(一)) and the aspects each measures (a suggested mapping, flagged unverified).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gaizao.policy.errors import PolicyInputError

__all__ = [
    "Aspect",
    "BundleComponent",
    "CatalogueItem",
    "Category",
    "LiuyouGoal",
    "catalogue_aspects",
    "catalogue_categories",
    "catalogue_item",
    "catalogue_items",
    "comprehensive_bundle",
    "liuyou_goals",
    "subsidy_excluded_kind",
]

CategoryId = Literal["basic", "improve", "enhance"]
HZ = "杭政办函〔2022〕10号"
GB = "国办发〔2020〕23号 二(一)2"


@dataclass(frozen=True, slots=True)
class Aspect:
    id: str
    name_zh: str
    name_en: str
    clause: str


@dataclass(frozen=True, slots=True)
class Category:
    id: CategoryId
    name_zh: str
    name_en: str
    clause: str


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """One renovation content item.

    ``unit`` is the unit its quantity is measured in (``m``, ``m²``, ``台``, ``个``, ``处``, ``户``, ``项``);
    ``bundle_key`` names the "综合改一次" component it belongs to, or None.
    """

    id: str
    aspect: str
    category: CategoryId
    name_zh: str
    name_en: str
    unit: str
    bundle_key: str | None
    clause: str
    verified: bool


@dataclass(frozen=True, slots=True)
class BundleComponent:
    """A component of "综合改一次" and the catalogue items that satisfy it."""

    key: str
    name_zh: str
    name_en: str
    item_ids: tuple[str, ...]
    clause: str


@dataclass(frozen=True, slots=True)
class LiuyouGoal:
    """A 六有 goal; ``aspects`` are the catalogue aspects it measures (``verified=False``: suggested mapping)."""

    id: str
    name_zh: str
    name_en: str
    aspects: tuple[str, ...]
    clause: str
    verified: bool


_ASPECTS = tuple(
    Aspect(i, zh, en, f"{HZ} 二(二)")
    for i, zh, en in (
        ("infrastructure", "基础设施", "Infrastructure"),
        ("living_environment", "居住环境", "Living environment"),
        ("service_functions", "服务功能", "Service functions"),
        ("community_character", "小区特色", "Community character"),
        ("long_term_management", "长效管理", "Long-term management"),
    )
)

_CATEGORIES = (
    Category("basic", "基础类", "Basic", f"{GB}（1）"),
    Category("improve", "完善类", "Improvement", f"{GB}（2）"),
    Category("enhance", "提升类", "Enhancement", f"{GB}（3）"),
)

_BUNDLE_NAMES = (
    ("parking", "停车泊位", "Parking"),
    ("elevator", "电梯加装", "Elevator installation"),
    ("elderly_child_care", "养老托幼", "Elderly and child care"),
    ("security_fire", "安防消防", "Security and fire safety"),
    ("barrier_free", "无障碍设施", "Barrier-free facilities"),
    ("waterlogging", "内涝治理", "Waterlogging control"),
    ("long_term_management", "长效管理", "Long-term management"),
)

# id, aspect, category, name_zh, name_en, unit, bundle_key, national (verified)
_ITEM_ROWS: tuple[tuple[str, str, CategoryId, str, str, str, str | None, bool], ...] = (
    # 基础类 — safety and basic needs
    ("water_supply", "infrastructure", "basic", "供水设施改造", "Water supply", "m", None, True),
    (
        "secondary_water_supply",
        "infrastructure",
        "basic",
        "二次供水设施改造",
        "Secondary water supply",
        "项",
        None,
        False,
    ),
    ("drainage", "infrastructure", "basic", "排水设施改造", "Drainage", "m", "waterlogging", True),
    (
        "rain_sewage_separation",
        "infrastructure",
        "basic",
        "雨污分流（污水零直排）",
        "Separate storm and foul sewers",
        "m",
        "waterlogging",
        False,
    ),
    (
        "waterlogging_control",
        "infrastructure",
        "basic",
        "内涝治理",
        "Waterlogging control",
        "项",
        "waterlogging",
        False,
    ),
    ("power_supply", "infrastructure", "basic", "供电设施改造", "Power supply", "项", None, True),
    (
        "low_voltage_weak_current",
        "infrastructure",
        "basic",
        "弱电设施改造",
        "Low-voltage (weak current) systems",
        "项",
        None,
        True,
    ),
    ("roads", "infrastructure", "basic", "小区道路改造", "Roads", "m²", None, True),
    ("gas", "infrastructure", "basic", "供气设施改造", "Gas supply", "m", None, True),
    ("heating", "infrastructure", "basic", "供热设施改造", "Heating", "项", None, True),
    (
        "fire_protection",
        "infrastructure",
        "basic",
        "消防设施改造",
        "Fire protection",
        "项",
        "security_fire",
        True,
    ),
    ("security", "infrastructure", "basic", "安防设施改造", "Security systems", "项", "security_fire", True),
    (
        "waste_sorting",
        "living_environment",
        "basic",
        "生活垃圾分类设施",
        "Waste sorting facilities",
        "处",
        None,
        True,
    ),
    ("mobile_comm", "infrastructure", "basic", "移动通信设施", "Mobile communications", "项", None, True),
    ("fiber_to_home", "infrastructure", "basic", "光纤入户", "Fibre to the home", "户", None, True),
    (
        "overhead_line_tidy_burial",
        "infrastructure",
        "basic",
        "架空线规整（入地）",
        "Overhead lines tidied or buried",
        "m",
        None,
        True,
    ),
    ("roof_repair", "infrastructure", "basic", "屋面维修", "Roof repair", "m²", None, True),
    ("facade_repair", "infrastructure", "basic", "外墙维修", "Facade repair", "m²", None, True),
    (
        "stairwell_repair",
        "infrastructure",
        "basic",
        "楼梯等公共部位维修",
        "Stairwells and common parts",
        "项",
        None,
        True,
    ),
    # 完善类 — convenience and improvement
    (
        "demolish_illegal_structures",
        "living_environment",
        "improve",
        "拆除违法建设",
        "Demolish illegal structures",
        "m²",
        None,
        True,
    ),
    ("greening", "living_environment", "improve", "绿化整治", "Greening", "m²", None, True),
    ("lighting", "living_environment", "improve", "照明设施", "Lighting", "处", None, True),
    (
        "elderly_friendly",
        "service_functions",
        "improve",
        "适老设施",
        "Age-friendly facilities",
        "处",
        "elderly_child_care",
        True,
    ),
    (
        "barrier_free",
        "living_environment",
        "improve",
        "无障碍设施",
        "Barrier-free facilities",
        "处",
        "barrier_free",
        True,
    ),
    ("parking", "living_environment", "improve", "停车库（场）", "Parking spaces", "个", "parking", True),
    (
        "ev_ebike_charging",
        "living_environment",
        "improve",
        "电动自行车及汽车充电设施",
        "E-bike and electric car charging",
        "个",
        "parking",
        True,
    ),
    (
        "smart_parcel_locker",
        "service_functions",
        "improve",
        "智能快件箱",
        "Smart parcel lockers",
        "台",
        None,
        True,
    ),
    ("smart_mailbox", "service_functions", "improve", "智能信包箱", "Smart mailboxes", "台", None, True),
    (
        "culture_leisure",
        "service_functions",
        "improve",
        "文化休闲设施",
        "Culture and leisure facilities",
        "m²",
        None,
        True,
    ),
    (
        "sports_fitness",
        "service_functions",
        "improve",
        "体育健身设施",
        "Sports and fitness facilities",
        "m²",
        None,
        True,
    ),
    (
        "property_mgmt_room",
        "long_term_management",
        "improve",
        "物业用房",
        "Property management rooms",
        "m²",
        "long_term_management",
        True,
    ),
    (
        "building_energy_retrofit",
        "infrastructure",
        "improve",
        "建筑节能改造",
        "Building energy retrofit",
        "m²",
        None,
        True,
    ),
    (
        "elevator_retrofit",
        "infrastructure",
        "improve",
        "加装电梯",
        "Elevator installation",
        "台",
        "elevator",
        True,
    ),
    (
        "community_signage",
        "community_character",
        "improve",
        "小区标识与风貌整治",
        "Community signage and townscape",
        "项",
        None,
        False,
    ),
    (
        "property_service",
        "long_term_management",
        "improve",
        "引入物业服务",
        "Introduce property services",
        "项",
        "long_term_management",
        False,
    ),
    (
        "maintenance_fund",
        "long_term_management",
        "improve",
        "补建续筹物业维修资金",
        "Set up or top up maintenance funds",
        "项",
        "long_term_management",
        False,
    ),
    (
        "management_rules",
        "long_term_management",
        "improve",
        "管理规约和居民公约",
        "Management rules and residents' conventions",
        "项",
        "long_term_management",
        False,
    ),
    (
        "property_fee_standard",
        "long_term_management",
        "improve",
        "物业服务收费标准",
        "Property service fee standard",
        "项",
        "long_term_management",
        False,
    ),
    # 提升类 — services and quality of life
    (
        "community_service_center",
        "service_functions",
        "enhance",
        "社区综合服务设施",
        "Community service centre",
        "m²",
        None,
        True,
    ),
    (
        "health_station",
        "service_functions",
        "enhance",
        "卫生服务站等公共卫生设施",
        "Community health station",
        "m²",
        None,
        True,
    ),
    (
        "kindergarten",
        "service_functions",
        "enhance",
        "幼儿园等教育设施",
        "Kindergarten",
        "m²",
        "elderly_child_care",
        True,
    ),
    (
        "perimeter_smart_sensing",
        "infrastructure",
        "enhance",
        "周界防护等智能感知设施",
        "Perimeter and smart sensing",
        "项",
        "security_fire",
        True,
    ),
    (
        "elderly_care",
        "service_functions",
        "enhance",
        "养老服务设施",
        "Elderly care",
        "m²",
        "elderly_child_care",
        True,
    ),
    (
        "childcare",
        "service_functions",
        "enhance",
        "托育服务设施",
        "Childcare",
        "m²",
        "elderly_child_care",
        True,
    ),
    ("meal_assist", "service_functions", "enhance", "助餐服务设施", "Meal assistance", "m²", None, True),
    (
        "housekeeping",
        "service_functions",
        "enhance",
        "家政保洁服务设施",
        "Housekeeping services",
        "m²",
        None,
        True,
    ),
    (
        "convenience_market",
        "service_functions",
        "enhance",
        "便民市场",
        "Convenience market",
        "m²",
        None,
        True,
    ),
    ("convenience_store", "service_functions", "enhance", "便利店", "Convenience store", "m²", None, True),
    (
        "postal_express_terminal",
        "service_functions",
        "enhance",
        "邮政快递末端综合服务站",
        "Postal and express terminal",
        "m²",
        None,
        True,
    ),
    (
        "cultural_features",
        "community_character",
        "enhance",
        "文化挖掘与特色风貌",
        "Local culture and character",
        "项",
        None,
        False,
    ),
    (
        "smart_management",
        "long_term_management",
        "enhance",
        "智慧化管理",
        "Smart community management",
        "项",
        None,
        False,
    ),
)

_ITEMS = tuple(
    CatalogueItem(
        id=row[0],
        aspect=row[1],
        category=row[2],
        name_zh=row[3],
        name_en=row[4],
        unit=row[5],
        bundle_key=row[6],
        clause=f"{GB}（{ {'basic': 1, 'improve': 2, 'enhance': 3}[row[2]] }）" if row[7] else f"{HZ} 二(二)",
        verified=row[7],
    )
    for row in _ITEM_ROWS
)
_ITEM_INDEX = {item.id: item for item in _ITEMS}

_BUNDLE = tuple(
    BundleComponent(key, zh, en, tuple(i.id for i in _ITEMS if i.bundle_key == key), f"{HZ} 四(三)")
    for key, zh, en in _BUNDLE_NAMES
)

_LIUYOU = tuple(
    LiuyouGoal(i, zh, en, aspects, f"{HZ} 一(一)", False)
    for i, zh, en, aspects in (
        ("complete_facilities", "有完善设施", "Complete facilities", ("infrastructure",)),
        ("clean_environment", "有整洁环境", "Clean environment", ("living_environment",)),
        ("supporting_services", "有配套服务", "Supporting services", ("service_functions",)),
        ("long_term_management", "有长效管理", "Long-term management", ("long_term_management",)),
        ("distinctive_culture", "有特色文化", "Distinctive culture", ("community_character",)),
        (
            "harmonious_relations",
            "有和谐关系",
            "Harmonious relations",
            ("long_term_management", "service_functions"),
        ),
    )
)


def catalogue_aspects() -> tuple[Aspect, ...]:
    """The five Hangzhou aspects (二(二)), in the document's order."""
    return _ASPECTS


def catalogue_categories() -> tuple[Category, ...]:
    """The three national categories: ``basic`` 基础类, ``improve`` 完善类, ``enhance`` 提升类."""
    return _CATEGORIES


def catalogue_items(*, aspect: str | None = None, category: str | None = None) -> tuple[CatalogueItem, ...]:
    """Catalogue items, optionally only those of one aspect and/or category."""
    return tuple(
        item
        for item in _ITEMS
        if (aspect is None or item.aspect == aspect) and (category is None or item.category == category)
    )


def catalogue_item(item_id: str) -> CatalogueItem:
    """The item with this id; raises :class:`~gaizao.policy.PolicyInputError` (field ``item_id``) if unknown."""
    try:
        return _ITEM_INDEX[item_id]
    except (KeyError, TypeError):
        raise PolicyInputError("item_id", f"item_id: unknown catalogue item {item_id!r}.") from None


def comprehensive_bundle() -> tuple[BundleComponent, ...]:
    """The "综合改一次" components (四(三)): parking, elevator, elderly and child care, security and fire safety,
    barrier-free, waterlogging control, long-term management — each with the items that satisfy it."""
    return _BUNDLE


def liuyou_goals() -> tuple[LiuyouGoal, ...]:
    """The 六有 goals (一(一)) and the aspects each measures (suggested mapping, ``verified=False``)."""
    return _LIUYOU


_SUBSIDY_EXCLUDED = {"elevator_retrofit": "elevator", "secondary_water_supply": "secondary_water"}


def subsidy_excluded_kind(item_id: str) -> str | None:
    """Which cost the municipal subsidy base excludes this item under (杭政办函〔2022〕10号 三(三)2:
    不包括加装电梯和二次供水等投入): ``"elevator"``, ``"secondary_water"`` or None."""
    return _SUBSIDY_EXCLUDED.get(item_id)
