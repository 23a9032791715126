"""Hangzhou demo registry: the 920 real compounds, real OSM bus stops, and generated survey data (示例数据).

Real: compound names, market areas (板块) and build years (``data/residential_compounds.csv``), bus stops
(``data/central_bus_stops_osm.csv``, © OpenStreetMap contributors, ODbL). Generated and flagged ``is_sample``:
every survey field except name and build year, locations, other facilities, stock sites, buildings, units and
owners. Everything is derived from stable hashes of names, so a reload gives the same world (idempotent).

板块 → district: see ``MARKET_AREAS`` below and docs/registry.md. Listing sites still use pre-2021 names:
下城 is now part of 拱墅区, 江干 of 上城区, 下沙 is 钱塘区, and the old 余杭 town centre (临平) is 临平区.
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from gaizao.divisions.models import Division, DivisionLevel
from gaizao.registry.models import (
    Building,
    Community,
    Condition,
    Facility,
    Owner,
    PropertyManagement,
    StockSite,
    StockSiteKind,
    Structure,
    Unit,
)
from gaizao.registry.stats import community_stats_refresh

DATA_DIR = Path(__file__).parent / "data"
#: The box of the OSM roads and bus stops (central Hangzhou): central districts' compounds are placed inside it.
CENTRAL_BOX = (120.092, 30.228, 120.272, 30.329)  # min lon, min lat, max lon, max lat
CENTRAL_DISTRICTS = frozenset({"330102", "330105", "330106"})
#: 清波门社区: the demo community organiser's scope; its compound 清波新村 gets buildings, units and owners.
QINGBOMEN_CODE = "330102001051"


@dataclass(frozen=True)
class MarketArea:
    district: str  # national code of today's district
    streets: tuple[
        str, ...
    ]  # streets (街道) of that district the 板块 lies in; a compound goes to one of them
    lon: float  # approximate centre (WGS84)
    lat: float
    old_name: str = ""  # the pre-2021 district the listings used, when different


#: 板块 (market area of the listing sites) → today's district, its streets and an approximate centre.
MARKET_AREAS: dict[str, MarketArea] = {
    "西湖": MarketArea(
        "330106", ("西溪街道", "翠苑街道", "古荡街道", "文新街道", "北山街道", "蒋村街道"), 120.125, 30.280
    ),
    "灵隐": MarketArea("330106", ("灵隐街道",), 120.110, 30.245),
    "下城": MarketArea(
        "330105",
        ("朝晖街道", "文晖街道", "潮鸣街道", "长庆街道", "天水街道", "东新街道", "石桥街道"),
        120.170,
        30.290,
        "下城区",
    ),
    "武林": MarketArea("330105", ("武林街道",), 120.165, 30.275, "下城区"),
    "三塘": MarketArea("330105", ("东新街道", "石桥街道"), 120.165, 30.310, "下城区"),
    "和睦": MarketArea("330105", ("和睦街道",), 120.135, 30.305),
    "祥符": MarketArea("330105", ("祥符街道",), 120.130, 30.325),
    "拱宸桥": MarketArea("330105", ("拱宸桥街道",), 120.140, 30.320),
    "大关": MarketArea("330105", ("大关街道",), 120.150, 30.305),
    "湖墅": MarketArea("330105", ("湖墅街道", "米市巷街道"), 120.150, 30.290),
    "半山": MarketArea("330105", ("半山街道",), 120.170, 30.350),
    "上塘": MarketArea("330105", ("上塘街道",), 120.160, 30.315),
    "小河": MarketArea("330105", ("小河街道",), 120.145, 30.300),
    "康桥": MarketArea("330105", ("康桥街道",), 120.160, 30.350),
    "上城": MarketArea("330102", ("湖滨街道", "小营街道"), 120.175, 30.245),
    "清波": MarketArea("330102", ("清波街道",), 120.165, 30.245),
    "南星": MarketArea("330102", ("南星街道",), 120.170, 30.225),
    "望江": MarketArea("330102", ("望江街道",), 120.185, 30.245),
    "紫阳": MarketArea("330102", ("紫阳街道",), 120.180, 30.235),
    "江干": MarketArea(
        "330102", ("凯旋街道", "采荷街道", "闸弄口街道", "四季青街道"), 120.195, 30.275, "江干区"
    ),
    "采荷": MarketArea("330102", ("采荷街道",), 120.190, 30.262, "江干区"),
    "闸弄口": MarketArea("330102", ("闸弄口街道",), 120.195, 30.290, "江干区"),
    "艮山门": MarketArea("330102", ("闸弄口街道",), 120.185, 30.285, "江干区"),
    "三里亭": MarketArea("330102", ("凯旋街道",), 120.205, 30.285, "江干区"),
    "近江": MarketArea("330102", ("四季青街道",), 120.190, 30.250, "江干区"),
    "钱江新城": MarketArea("330102", ("四季青街道",), 120.215, 30.250, "江干区"),
    "城东新城": MarketArea("330102", ("彭埠街道",), 120.205, 30.295, "江干区"),
    "彭埠": MarketArea("330102", ("彭埠街道",), 120.215, 30.290, "江干区"),
    "三堡": MarketArea("330102", ("彭埠街道",), 120.225, 30.265, "江干区"),
    "笕桥": MarketArea("330102", ("笕桥街道",), 120.215, 30.310, "江干区"),
    "九堡": MarketArea("330102", ("九堡街道",), 120.280, 30.310, "江干区"),
    "西兴": MarketArea("330108", ("西兴街道",), 120.215, 30.190),
    "浦沿": MarketArea("330108", ("浦沿街道",), 120.165, 30.180),
    "长河": MarketArea("330108", ("长河街道",), 120.190, 30.190),
    "萧山": MarketArea("330109", ("城厢街道", "北干街道", "蜀山街道", "新塘街道"), 120.270, 30.180),
    "城厢": MarketArea("330109", ("城厢街道",), 120.265, 30.160),
    "余杭": MarketArea("330113", ("临平街道", "南苑街道", "东湖街道"), 120.300, 30.420, "余杭区（临平城区）"),
    "运河": MarketArea("330113", ("运河街道",), 120.250, 30.430, "余杭区"),
    "老余杭": MarketArea("330110", ("余杭街道",), 119.930, 30.275),
    "勾庄": MarketArea("330110", ("良渚街道",), 120.085, 30.355),
    "下沙沿江": MarketArea("330114", ("下沙街道", "白杨街道"), 120.370, 30.290, "江干区（下沙）"),
    "下沙物美": MarketArea("330114", ("下沙街道", "白杨街道"), 120.330, 30.310, "江干区（下沙）"),
    "富阳": MarketArea("330111", ("富春街道", "银湖街道"), 119.960, 30.050),
}

BUS_STOP = "bus_stop"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉梅文红春燕海波宁晨佳琳欣怡浩宇子涵"


def _seed(*parts: object) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode("utf-8"))


def _rng(*parts: object) -> random.Random:
    return random.Random(_seed(*parts))


def _read(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


#: Facilities generated for the demo, when the policy core lists them (GB 50180 ids of 5- and 10-minute circles).
DEMO_FACILITY_IDS = (
    "kindergarten",
    "primary_school",
    "elderly_day_care",
    "fresh_market",
    "community_service_station",
    "health_service_center",
    "outdoor_fitness_ground",
    "cultural_activity_station",
    "small_sports_ground",
    "public_toilet",
    "convenience_store",
    "community_shops",
)


def life_circle_facility_ids() -> list[tuple[str, str]]:
    """``[(id, 中文名)]`` of the GB 50180 facilities the demo generates, named as ``gaizao.policy`` names them."""
    from gaizao.policy import life_circle_facilities

    names: dict[str, str] = {}
    for item in life_circle_facilities():
        names.setdefault(item.id, item.name_zh.split("（")[0])
    missing = [fid for fid in DEMO_FACILITY_IDS if fid not in names]
    if missing:
        raise LookupError(
            f"gaizao.policy has no life-circle facility {', '.join(missing)} (demo facilities)."
        )
    return [(fid, names[fid]) for fid in DEMO_FACILITY_IDS]


class _Placer:
    """Deterministic points inside district boundaries (and the central box for central districts)."""

    def __init__(self, districts: dict[str, Division]) -> None:
        from shapely.geometry import box, shape
        from shapely.prepared import prep

        central = box(*CENTRAL_BOX).buffer(-0.004)
        self.areas = {}
        for code, d in districts.items():
            if not d.boundary:
                continue
            geom = shape(d.boundary)
            if code in CENTRAL_DISTRICTS:
                geom = geom.intersection(central)
            self.areas[code] = (prep(geom), geom)

    def place(self, district: str, lon: float, lat: float, radius_m: float, key: str) -> tuple[float, float]:
        from shapely.geometry import Point
        from shapely.ops import nearest_points

        prepared, geom = self.areas[district]
        centre = Point(lon, lat)
        if not prepared.contains(centre):
            # pull the centre to the nearest point of the allowed area, then 300 m further in
            near = nearest_points(geom, centre)[0]
            inside = geom.representative_point()
            step = 0.003 / max(1e-9, math.hypot(inside.x - near.x, inside.y - near.y))
            lon, lat = (
                near.x + (inside.x - near.x) * min(1.0, step),
                near.y + (inside.y - near.y) * min(1.0, step),
            )
        rng = _rng("place", key)
        for attempt in range(30):
            r = radius_m * math.sqrt(rng.random()) * (1 if attempt < 20 else 0.3)
            a = rng.random() * 2 * math.pi
            x = round(lon + r * math.cos(a) / (111_320 * math.cos(math.radians(lat))), 6)
            y = round(lat + r * math.sin(a) / 110_540, 6)
            if prepared.contains(Point(x, y)):
                return x, y
        return round(lon, 6), round(lat, 6)


def _pick(options: list[Any], *key: object) -> Any:
    return options[_seed(*key) % len(options)]


def _maybe(rng: random.Random, missing_rate: float, value: Any, empty: Any = None) -> Any:
    return empty if rng.random() < missing_rate else value


#: Share of survey answers left blank per district, so completeness differs between districts (示例数据).
MISSING_RATE = {"330102": 0.03, "330105": 0.08, "330106": 0.14, "330108": 0.2}
DEFAULT_MISSING_RATE = 0.3


def _condition(rng: random.Random, built_year: int) -> str:
    old = built_year <= 1995
    weights = (2, 4, 5, 1) if old else (5, 4, 1, 0)
    return rng.choices([Condition.GOOD, Condition.FAIR, Condition.POOR, Condition.MISSING], weights=weights)[
        0
    ]


def _survey(name: str, built_year: int, floors: int, district: str) -> dict[str, Any]:
    rng = _rng("survey", name)
    miss = MISSING_RATE.get(district, DEFAULT_MISSING_RATE)
    floors = max(2, floors)
    building_count = rng.randint(4, 30)
    stairwells = rng.randint(2, 4)
    households = building_count * stairwells * floors * 2
    building_area = Decimal(households * rng.randint(55, 85))
    land_area = (building_area / Decimal(rng.uniform(1.2, 2.2))).quantize(Decimal("1"))
    old = built_year <= 2000
    renovated = None
    if old and rng.random() < 0.18:
        renovated = rng.randint(max(built_year, 2019), 2025)
    special = (not old) and rng.random() < 0.15
    fields: dict[str, Any] = {
        "built_year": built_year,
        "land_area_m2": _maybe(rng, miss, land_area),
        "building_area_m2": _maybe(rng, miss, building_area),
        "building_count": _maybe(rng, miss, building_count),
        "households": _maybe(rng, miss, households),
        "population": _maybe(rng, miss, int(households * rng.uniform(2.2, 3.0))),
        "elderly_share": _maybe(
            rng, miss, Decimal(str(round(rng.uniform(0.25, 0.45) if old else rng.uniform(0.12, 0.3), 4)))
        ),
        "structure": _maybe(
            rng, miss, Structure.BRICK_CONCRETE if floors <= 7 and built_year < 2005 else Structure.FRAME, ""
        ),
        "floors_max": _maybe(rng, miss, floors),
        "property_management": _maybe(
            rng,
            miss,
            rng.choices(
                [
                    PropertyManagement.PROFESSIONAL,
                    PropertyManagement.STATE_OWNED,
                    PropertyManagement.STREET,
                    PropertyManagement.SELF,
                    PropertyManagement.NONE,
                ],
                weights=(3, 2, 2, 1, 1) if old else (7, 1, 1, 1, 0),
            )[0],
            "",
        ),
        "last_comprehensive_renovation_year": renovated,
        "in_expropriation_plan": old and rng.random() < 0.03,
        "affordable_housing": special or rng.random() < 0.05,
        "infrastructure_deficient": special or (old and rng.random() < 0.6),
        "management_deficient": special or (old and rng.random() < 0.4),
        "residents_willing": special or rng.random() < 0.3,
        "water_supply": _maybe(rng, miss, _condition(rng, built_year), ""),
        "drainage": _maybe(rng, miss, _condition(rng, built_year), ""),
        "power_supply": _maybe(rng, miss, _condition(rng, built_year), ""),
        "gas_supply": _maybe(rng, miss, _condition(rng, built_year), ""),
        "fire_safety": _maybe(rng, miss, _condition(rng, built_year), ""),
        "security": _maybe(rng, miss, _condition(rng, built_year), ""),
        "roads": _maybe(rng, miss, _condition(rng, built_year), ""),
        "lighting": _maybe(rng, miss, _condition(rng, built_year), ""),
        "parking_spaces": _maybe(rng, miss, int(households * rng.uniform(0.1, 0.6))),
        "elevator_count": _maybe(rng, miss, 0 if floors <= 7 else building_count * stairwells),
        "service_facilities": rng.choice(
            ["", "门卫室", "门卫室、自行车棚", "居家养老服务点", "快递柜、门卫室"]
        ),
        "green_area_m2": _maybe(
            rng, miss, (land_area * Decimal(rng.uniform(0.08, 0.3))).quantize(Decimal("1"))
        ),
        "heritage_features": rng.choice(["", "", "", "", "", "近代里弄风貌", "历史建筑一处"]) if old else "",
    }
    return fields


def _streets_and_communities() -> tuple[dict[str, Division], dict[int, list[Division]]]:
    streets = {}
    communities: dict[int, list[Division]] = {}
    for d in Division.objects.filter(level__in=[DivisionLevel.STREET, DivisionLevel.COMMUNITY]).only(
        "id", "code", "name", "level", "parent_id", "path"
    ):
        if d.level == DivisionLevel.STREET:
            streets[f"{d.path.split('/')[1]}:{d.name}"] = d
        elif d.name.endswith("社区"):
            communities.setdefault(d.parent_id, []).append(d)  # type: ignore[arg-type]
    return streets, communities


def _community_division(name: str, street: Division, communities: list[Division]) -> Division:
    if not communities:
        return street
    for c in communities:
        if c.name[:2] == name[:2]:
            return c
    return _pick(sorted(communities, key=lambda c: c.code), "community", name)


@transaction.atomic
def load_demo(out: Callable[[str], None] = print) -> dict[str, int]:
    """Load (or reload) the demo registry; returns counts. Idempotent: rows are matched by code."""
    from gaizao.registry.services import communities_rescreen

    districts = {d.code: d for d in Division.objects.filter(level=DivisionLevel.DISTRICT)}
    streets, communities_of = _streets_and_communities()
    placer = _Placer(districts)
    compounds = _read("residential_compounds.csv")
    per_area: dict[str, int] = {}
    for row in compounds:
        per_area[row["market_area"]] = per_area.get(row["market_area"], 0) + 1

    existing = {c.code: c for c in Community.objects.all()}
    to_create, to_update = [], []
    for index, row in enumerate(compounds, start=1):
        name, area_name = row["name"], row["market_area"]
        area = MARKET_AREAS[area_name]
        district = districts[area.district]
        street = streets[f"{district.code}:{_pick(list(area.streets), 'street', name)}"]
        division = _community_division(name, street, communities_of.get(street.pk, []))
        if name == "清波新村":
            division = Division.objects.get(code=QINGBOMEN_CODE)
        built_year = int(row["built_year_median"])
        floors = int(float(row["floors_median"] or 6))
        radius = 350 + 70 * math.sqrt(per_area[area_name])
        lon, lat = placer.place(area.district, area.lon, area.lat, radius, name)
        fields = _survey(name, built_year, floors, area.district)
        fields.update(
            name=name,
            division=division,
            district_code=district.code,
            market_area=area_name,
            address=f"杭州市{district.name}{street.name}{name}",
            lon=lon,
            lat=lat,
            entrances=[[lon, lat]],
            is_sample=True,
        )
        code = f"HZ{index:04d}"
        obj = existing.get(code)
        if obj is None:
            to_create.append(Community(code=code, **fields))
        elif _changed(obj, fields):
            to_update.append(obj)
    Community.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Community.objects.bulk_update(to_update, list(fields), batch_size=300)
    demo_communities = list(Community.objects.filter(code__startswith="HZ", is_sample=True))
    counts = communities_rescreen(communities=demo_communities)
    community_stats_refresh(
        division_ids={c.division_id for c in demo_communities}
    )  # bulk writes bypass save()
    out(
        f"小区 / communities: {len(demo_communities)} (示例调查数据 / sample survey data), 筛查 / screened {counts}"
    )

    facilities = _load_facilities(districts, placer, demo_communities)
    out(f"设施 / facilities: {facilities}")
    sites = _load_stock_sites(placer, demo_communities)
    out(f"存量空间 / stock sites: {sites}")
    units = _load_buildings(demo_communities)
    out(f"楼栋与房屋 / buildings and units: {units}")
    return {"communities": len(demo_communities), **facilities, "stock_sites": sites, **units}


def _load_facilities(
    districts: dict[str, Division], placer: _Placer, communities: list[Community]
) -> dict[str, int]:
    by_name = {d.name: d for d in districts.values()}
    rows: list[Facility] = []
    for row in _read("central_bus_stops_osm.csv"):
        division = by_name.get(row["district"])
        if division is None:
            continue
        rows.append(
            Facility(
                code=f"OSM-{row['osm_id']}",
                category=BUS_STOP,
                name=row["name"] or "公交站 / bus stop",
                division=division,
                lon=float(row["lon"]),
                lat=float(row["lat"]),
                source="OSM",
                is_sample=False,
            )
        )
    categories = life_circle_facility_ids()
    for c in communities:
        rng = _rng("facility", c.code)
        if c.lon is None or c.lat is None:
            continue
        for n in range(2):
            if rng.random() > (0.6 if n == 0 else 0.3):
                break
            fid, label = categories[rng.randrange(len(categories))]
            lon, lat = placer.place(c.district_code, c.lon, c.lat, 450, f"facility-{c.code}-{n}")
            rows.append(
                Facility(
                    code=f"DEMO-F-{c.code}-{n}",
                    category=fid,
                    name=f"{c.name}{label}",
                    division=c.division,
                    lon=lon,
                    lat=lat,
                    capacity=rng.choice([None, 60, 120, 200, 300]),
                    source="示例数据 / generated",
                    is_sample=True,
                )
            )
    _upsert(Facility, rows, ["category", "name", "division", "lon", "lat", "capacity", "source", "is_sample"])
    return {
        "bus_stops_osm": sum(1 for r in rows if not r.is_sample),
        "facilities_generated": sum(1 for r in rows if r.is_sample),
    }


def _changed(obj: Any, fields: dict[str, Any]) -> bool:
    """Set ``fields`` on ``obj``; True when any value differs (so an unchanged reload writes nothing)."""
    changed = False
    for key, value in fields.items():
        current = getattr(obj, key + "_id") if hasattr(value, "_meta") else getattr(obj, key)
        new = value.pk if hasattr(value, "_meta") else value
        if current != new:
            changed = True
        setattr(obj, key, value)
    return changed


def _upsert(model: Any, rows: list[Any], fields: list[str]) -> None:
    existing = {o.code: o for o in model.objects.filter(code__in=[r.code for r in rows])}
    new, old = [], []
    for r in rows:
        obj = existing.get(r.code)
        if obj is None:
            new.append(r)
        elif _changed(obj, {f: getattr(r, f) for f in fields}):
            old.append(obj)
    model.objects.bulk_create(new, batch_size=1000)
    model.objects.bulk_update(old, fields, batch_size=500)


def _load_stock_sites(placer: _Placer, communities: list[Community]) -> int:
    kinds = list(StockSiteKind)
    owners = ["街道办事处", "区国资公司", "社区股份经济合作社", "区机关事务管理局", "原产权单位"]
    rows = []
    for c in communities:
        rng = _rng("site", c.code)
        if rng.random() > 0.22 or c.lon is None or c.lat is None:
            continue
        kind = kinds[rng.randrange(len(kinds))]
        lon, lat = placer.place(c.district_code, c.lon, c.lat, 300, f"site-{c.code}")
        rows.append(
            StockSite(
                code=f"DEMO-S-{c.code}",
                kind=kind,
                name=f"{c.name}{kind.label.split(' / ')[0]}",
                division=c.division,
                community=c,
                area_m2=Decimal(rng.randint(60, 2400)),
                lon=lon,
                lat=lat,
                owner_org=rng.choice(owners),
                is_sample=True,
            )
        )
    _upsert(
        StockSite,
        rows,
        ["kind", "name", "division", "community", "area_m2", "lon", "lat", "owner_org", "is_sample"],
    )
    return len(rows)


#: Compounds that get buildings, units and owners (so votes can be shown): name → (buildings, stairwells, floors,
#: units per floor). 清波新村 lies in 清波门社区, the scope of the demo organiser and resident.
VOTE_COMMUNITIES: dict[str, tuple[int, int, int, int]] = {
    "清波新村": (3, 2, 6, 2),
    "朝晖一区": (2, 2, 5, 2),
    "日晖新村": (2, 1, 6, 2),
}


def _fake_person(key: str) -> tuple[str, str]:
    rng = _rng("person", key)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    phone = "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9))
    return name, phone


def _digest(key: str) -> str:
    return hashlib.sha256(f"gaizao-demo-owner|{key}".encode()).hexdigest()


def _load_buildings(communities: list[Community]) -> dict[str, int]:
    from gaizao.accounts.models import User

    by_name = {c.name: c for c in communities}
    n_buildings = n_units = n_owners = 0
    resident_owner: Owner | None = None
    for cname, (nb, ns, nf, nu) in VOTE_COMMUNITIES.items():
        community = by_name.get(cname)
        if community is None:
            continue
        developer, _ = Owner.objects.update_or_create(
            id_number_digest=_digest(f"{community.code}-developer"),
            defaults={
                "division": community.division,
                "name": "杭州示例房地产开发有限公司",
                "phone": "",
                "is_developer": True,
                "is_sample": True,
            },
        )
        owners = {
            o.id_number_digest: o
            for o in Owner.objects.filter(division=community.division, is_developer=False)
        }
        new_owners: list[Owner] = []
        plan: list[tuple[Building, str, str, str, bool]] = []
        for b in range(1, nb + 1):
            building, _ = Building.objects.update_or_create(
                community=community,
                code=str(b),
                defaults={
                    "floors": nf,
                    "stairwells": ns,
                    "has_elevator": False,
                    "structure": Structure.BRICK_CONCRETE,
                    "built_year": community.built_year,
                    "lon": community.lon,
                    "lat": community.lat,
                },
            )
            n_buildings += 1
            for s in range(1, ns + 1):
                for f in range(1, nf + 1):
                    for u in range(1, nu + 1):
                        number = f"{f}{u:02d}"
                        key = f"{community.code}-{b}-{s}-{number}"
                        # The owner of 1-1-101 also owns 1-1-102 (one owner, two units).
                        owner_key = f"{community.code}-1-1-101" if key == f"{community.code}-1-1-102" else key
                        developer_held = (
                            b == nb and s == ns and f == nf
                        )  # the top floor of the last stairwell
                        plan.append((building, str(s), number, owner_key, developer_held))
                        digest = _digest(owner_key)
                        if not developer_held and digest not in owners:
                            name, phone = _fake_person(owner_key)
                            owner = Owner(
                                division=community.division,
                                name=name,
                                phone=phone,
                                id_number_digest=digest,
                                id_number_last4=str(_seed(owner_key) % 10000).zfill(4),
                                is_sample=True,
                            )
                            owners[digest] = owner
                            new_owners.append(owner)
        Owner.objects.bulk_create(new_owners)
        n_owners += len({k for *_, k, dev in plan if not dev}) + 1
        existing_units = {
            (u.building_id, u.stairwell, u.number): u
            for u in Unit.objects.filter(building__community=community)
        }
        new_units, old_units = [], []
        for building, stairwell, number, owner_key, developer_held in plan:
            rng = _rng("area", community.code, building.code, stairwell, number)
            area = Decimal(str(round(rng.uniform(42, 92), 2)))
            source = rng.random()
            unit = existing_units.get((building.pk, stairwell, number))
            values = {
                "area_registered_m2": area if source < 0.85 else None,
                "area_surveyed_m2": area + Decimal("0.35") if 0.75 < source < 0.95 else None,
                "area_contract_m2": area + Decimal("1.10") if source >= 0.9 else None,
                "developer_held": developer_held,
                "owner": developer if developer_held else owners[_digest(owner_key)],
            }
            if unit is None:
                new_units.append(Unit(building=building, stairwell=stairwell, number=number, **values))
            elif _changed(unit, values):
                old_units.append(unit)
        Unit.objects.bulk_create(new_units)
        Unit.objects.bulk_update(
            old_units,
            ["area_registered_m2", "area_surveyed_m2", "area_contract_m2", "developer_held", "owner"],
        )
        n_units += len(plan)
        # The compounds that hold votes have a complete roll: recorded households and buildings match the units.
        Community.objects.filter(pk=community.pk).update(households=len(plan), building_count=nb)
        community_stats_refresh(division_ids={community.division_id})
        if cname == "清波新村":
            resident_owner = owners[_digest(f"{community.code}-1-1-101")]
    resident = User.objects.filter(username="resident").first()
    if resident is not None and resident_owner is not None:
        Owner.objects.filter(user=resident).exclude(pk=resident_owner.pk).update(user=None)
        if resident_owner.user_id != resident.pk:
            resident_owner.user = resident
            resident_owner.save(update_fields=["user"])
    return {"buildings": n_buildings, "units": n_units, "owners": n_owners}
