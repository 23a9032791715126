"""A registry at city or national size: communities, buildings, units, owners, projects with plans, audit events.

Runs inside Django (``DATABASE_URL`` set). On PostgreSQL rows go in with ``COPY`` (a few seconds per 100,000
rows); elsewhere with ``bulk_create``. Ids are assigned here so children can point at parents without reading
them back. Everything is marked ``is_sample``; names repeat common words (新村, 花园, 公寓 ...) so a search hits
many rows, as it does in a real registry.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gz_scale python -m bench.scale_data 20000

Per community: 3 buildings, 8 units each with an owner, 5 audit events; one project (with a plan and its current
version) per 10 communities. The Hangzhou division tree (with its district boundaries) and the demo accounts
(``city``, ``shangcheng`` ...) are loaded first.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

BUILDINGS_PER_COMMUNITY = 3
UNITS_PER_BUILDING = 8
AUDIT_PER_COMMUNITY = 5
COMMUNITIES_PER_PROJECT = 10
#: the columns of a generated audit event row, in order (``scale_works`` writes the same rows)
AUDIT_COLUMNS = [
    "id",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "division_path",
    "changes",
    "reason",
]

WORDS = ("新村", "花园", "公寓", "小区", "苑", "家园", "里", "坊", "大院", "宿舍")
PLACES = (
    "清波",
    "湖滨",
    "小营",
    "望江",
    "南星",
    "紫阳",
    "凯旋",
    "采荷",
    "闸弄口",
    "彭埠",
    "文晖",
    "潮鸣",
    "朝晖",
    "米市巷",
    "石桥",
    "拱宸桥",
    "和睦",
    "大关",
    "北山",
    "灵隐",
    "翠苑",
    "文新",
    "古荡",
    "蒋村",
    "西溪",
    "留下",
)
CONDITIONS = ("good", "fair", "poor", "missing", "")
STRUCTURES = ("brick_concrete", "frame", "shear_wall", "brick_wood", "other")
MANAGEMENT = ("professional", "state_owned", "self", "street", "none")


def _insert(model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (values in ``columns`` order, attnames) into ``model``'s table; returns the row count."""
    from django.db import connection

    if connection.vendor == "postgresql":
        # Columns added to the model since this generator was written get their model default (COPY, unlike
        # bulk_create, would send NULL).
        extra = [
            f
            for f in model._meta.concrete_fields
            if f.attname not in columns and not f.null and f.has_default() and not f.primary_key
        ]
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in [*columns, *(f.column for f in extra)])
        defaults = [f.get_default() for f in extra]
        n = 0
        with connection.cursor() as cursor:
            raw = cursor.connection.cursor()
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(
                        [
                            json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                            for v in [*row, *defaults]
                        ]
                    )
                    n += 1
        return n
    batch: list[Any] = []
    n = 0
    for row in rows:
        batch.append(model(**dict(zip(columns, row, strict=True))))
        if len(batch) >= 5000:
            model.objects.bulk_create(batch)
            n += len(batch)
            batch = []
    model.objects.bulk_create(batch)
    return n + len(batch)


def _next_id(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def _reset_sequences(*models: Any) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def _polygon(lon: float, lat: float, rng: random.Random) -> dict[str, Any]:
    d = 0.0008 + rng.random() * 0.0015
    ring = [
        [round(lon + dx * d, 6), round(lat + dy * d, 6)]
        for dx, dy in ((-1, -1), (1, -1), (1.2, 0.3), (0.4, 1), (-1, 1))
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def generate(communities: int, *, seed: int = 2022, verbose: bool = True) -> dict[str, Any]:
    """Add ``communities`` generated communities (and their buildings, units, owners, projects, audit events)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.audit.models import AuditEvent
    from gaizao.divisions.models import Division, DivisionLevel
    from gaizao.divisions.services import divisions_load_hangzhou
    from gaizao.programme.models import Plan, PlanVersion, Project, ProjectCommunity
    from gaizao.registry.models import Building, Community, CommunityScreening, Owner, Unit
    from gaizao.registry.services import screening_decision

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if not Division.objects.exists():
        divisions_load_hangzhou()
    demo_accounts_load()
    timings["divisions_s"] = time.perf_counter() - t0

    districts = {d.pk: d for d in Division.objects.filter(level=DivisionLevel.DISTRICT).defer("boundary")}
    leaves = list(
        Division.objects.filter(level__in=[DivisionLevel.STREET, DivisionLevel.COMMUNITY]).only(
            "id", "path", "parent_id"
        )
    )
    by_code = {d.code: d for d in districts.values()}
    leaf_district = []
    for leaf in leaves:
        parts = leaf.path.split("/")
        district = by_code.get(parts[1]) if len(parts) > 1 else None
        if district is not None:
            leaf_district.append((leaf, district))
    now = timezone.now()
    today = timezone.localdate()
    first = _next_id(Community)
    ids = range(first, first + communities)

    # --- communities (screened here, as the rule would: the stored status is what the pages show)
    t0 = time.perf_counter()
    cols = [
        "id",
        "code",
        "name",
        "division_id",
        "district_code",
        "address",
        "market_area",
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
        "last_comprehensive_renovation_year",
        "in_expropriation_plan",
        "affordable_housing",
        "infrastructure_deficient",
        "management_deficient",
        "residents_willing",
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
        "service_facilities",
        "green_area_m2",
        "heritage_features",
        "lon",
        "lat",
        "boundary",
        "entrances",
        "scope_status",
        "scope_reasons",
        "scope_ruleset",
        "is_sample",
        "updated_at",
        "archive_reason",
    ]
    district_of: dict[int, Any] = {}
    status_of: dict[int, str] = {}

    def community_rows() -> Iterable[list[Any]]:
        for pk in ids:
            leaf, district = leaf_district[rng.randrange(len(leaf_district))]
            district_of[pk] = (leaf, district)
            lon = (district.center_lon or 120.17) + rng.uniform(-0.06, 0.06)
            lat = (district.center_lat or 30.27) + rng.uniform(-0.05, 0.05)
            c = Community(
                built_year=rng.choice([None] + list(range(1960, 2016))) if rng.random() < 0.97 else None,
                last_comprehensive_renovation_year=rng.choice([None, None, None, 2012, 2016, 2019]),
                in_expropriation_plan=rng.random() < 0.03,
                affordable_housing=rng.random() < 0.05,
                infrastructure_deficient=rng.random() < 0.4,
                management_deficient=rng.random() < 0.3,
                residents_willing=rng.random() < 0.5,
            )
            status, reasons, ruleset = screening_decision(c, on=today)
            status_of[pk] = status
            households = rng.randrange(40, 2000)
            yield [
                pk,
                f"G{pk:08d}",
                f"{rng.choice(PLACES)}{rng.choice(WORDS)}{pk % 97}号",
                leaf.pk,
                district.code,
                f"{rng.choice(PLACES)}路{rng.randrange(1, 999)}号",
                rng.choice(PLACES),
                c.built_year,
                Decimal(rng.randrange(2000, 90000)),
                Decimal(rng.randrange(5000, 200000)),
                rng.randrange(1, 40),
                households,
                int(households * 2.6),
                Decimal(rng.randrange(5, 45)) / 100,
                rng.choice(STRUCTURES),
                rng.randrange(2, 18),
                rng.choice(MANAGEMENT),
                c.last_comprehensive_renovation_year,
                c.in_expropriation_plan,
                c.affordable_housing,
                c.infrastructure_deficient,
                c.management_deficient,
                c.residents_willing,
                *(rng.choice(CONDITIONS) for _ in range(8)),
                rng.randrange(0, 500),
                rng.randrange(0, 20),
                "",
                Decimal(rng.randrange(0, 20000)),
                "",
                round(lon, 6),
                round(lat, 6),
                _polygon(lon, lat, rng),
                [[round(lon, 6), round(lat, 6)]],
                status,
                reasons,
                ruleset,
                True,
                now,
                "",
            ]

    with transaction.atomic():
        n = _insert(Community, cols, community_rows())
        _insert(CommunityScreening, ["community_id", "assessed_at"], ([pk, now] for pk in ids))
        timings["communities_s"] = time.perf_counter() - t0

        # --- buildings, owners, units
        t0 = time.perf_counter()
        b_first, o_first, u_first = _next_id(Building), _next_id(Owner), _next_id(Unit)

        def building_rows() -> Iterable[list[Any]]:
            for i, pk in enumerate(ids):
                for b in range(BUILDINGS_PER_COMMUNITY):
                    yield [
                        b_first + i * BUILDINGS_PER_COMMUNITY + b,
                        pk,
                        str(b + 1),
                        rng.randrange(2, 18),
                        2,
                        False,
                        "brick_concrete",
                        1985,
                        None,
                        None,
                        None,
                        "",
                    ]

        _insert(
            Building,
            [
                "id",
                "community_id",
                "code",
                "floors",
                "stairwells",
                "has_elevator",
                "structure",
                "built_year",
                "lon",
                "lat",
                "archived_at",
                "archive_reason",
            ],
            building_rows(),
        )
        per_community = BUILDINGS_PER_COMMUNITY * UNITS_PER_BUILDING

        def owner_rows() -> Iterable[list[Any]]:
            for i, pk in enumerate(ids):
                leaf = district_of[pk][0]
                for k in range(per_community):
                    yield [
                        o_first + i * per_community + k,
                        leaf.pk,
                        f"业主{pk}-{k}",
                        f"1{rng.randrange(10**9, 10**10)}",
                        "",
                        "",
                        False,
                        None,
                        True,
                    ]

        _insert(
            Owner,
            [
                "id",
                "division_id",
                "name",
                "phone",
                "id_number_digest",
                "id_number_last4",
                "is_developer",
                "user_id",
                "is_sample",
            ],
            owner_rows(),
        )

        def unit_rows() -> Iterable[list[Any]]:
            for i in range(len(ids)):
                for b in range(BUILDINGS_PER_COMMUNITY):
                    for u in range(UNITS_PER_BUILDING):
                        k = b * UNITS_PER_BUILDING + u
                        yield [
                            u_first + i * per_community + k,
                            b_first + i * BUILDINGS_PER_COMMUNITY + b,
                            "1",
                            f"{1 + u // 2}0{1 + u % 2}",
                            Decimal(rng.randrange(4000, 12000)) / 100,
                            None,
                            None,
                            o_first + i * per_community + k,
                            False,
                        ]

        _insert(
            Unit,
            [
                "id",
                "building_id",
                "stairwell",
                "number",
                "area_registered_m2",
                "area_surveyed_m2",
                "area_contract_m2",
                "owner_id",
                "developer_held",
            ],
            unit_rows(),
        )
        timings["buildings_units_owners_s"] = time.perf_counter() - t0

        # --- projects with a plan and its current version, one per 10 screened communities
        t0 = time.perf_counter()
        p_first, pl_first, v_first, pc_first = (
            _next_id(Project),
            _next_id(Plan),
            _next_id(PlanVersion),
            _next_id(ProjectCommunity),
        )
        members = [pk for pk in ids if status_of[pk] in ("priority", "may_include")][
            ::COMMUNITIES_PER_PROJECT
        ]
        states = ("reserve", "planning", "implementing")
        project_rows, plan_rows, version_rows, member_rows = [], [], [], []
        for j, pk in enumerate(members):
            leaf, district = district_of[pk]
            project_rows.append(
                [
                    p_first + j,
                    f"GP-{pk:08d}",
                    f"{pk}号小区综合改造",
                    leaf.pk,
                    district.pk,
                    states[j % 3],
                    "",
                    None,
                    now,
                    now,
                    True,
                    None,
                    "",
                    [],
                ]
            )
            plan_rows.append([pl_first + j, p_first + j, "draft", None, now])
            estimate = Decimal(rng.randrange(100_000, 9_000_000))
            version_rows.append(
                [
                    v_first + j,
                    pl_first + j,
                    1,
                    "basic",
                    "",
                    [{"item_id": "facade_repair"}],
                    {"city": str(estimate)},
                    estimate,
                    estimate,
                    Decimal(0),
                    {},
                    [],
                    "",
                    None,
                    now,
                    [],
                ]
            )
            member_rows.append([pc_first + j, p_first + j, pk])
        _insert(
            Project,
            [
                "id",
                "code",
                "name",
                "division_id",
                "district_id",
                "state",
                "renovation_unit",
                "created_by_id",
                "created_at",
                "state_changed_at",
                "is_sample",
                "archived_at",
                "archive_reason",
                "conditions_at_implementing",
            ],
            project_rows,
        )
        _insert(Plan, ["id", "project_id", "state", "current_version_id", "created_at"], plan_rows)
        _insert(
            PlanVersion,
            [
                "id",
                "plan_id",
                "number",
                "mode",
                "delivery_mode",
                "items",
                "funding",
                "estimate",
                "funding_total",
                "subsidy_amount",
                "subsidy",
                "bundle",
                "note",
                "created_by_id",
                "created_at",
                "elevator_stairwells",
            ],
            version_rows,
        )
        Plan.objects.filter(pk__gte=pl_first).update(current_version_id=models_f("id") - pl_first + v_first)
        _insert(ProjectCommunity, ["id", "project_id", "community_id"], member_rows)
        timings["projects_s"] = time.perf_counter() - t0

        # --- audit events
        t0 = time.perf_counter()
        ct = ContentType.objects.get_for_model(Community).pk
        a_first = _next_id(AuditEvent)
        actions = ("create", "update", "screen", "update", "import")

        def audit_rows() -> Iterable[list[Any]]:
            k = a_first
            for pk in ids:
                leaf = district_of[pk][0]
                for a in range(AUDIT_PER_COMMUNITY):
                    yield [
                        k,
                        now - dt.timedelta(minutes=rng.randrange(0, 500_000)),
                        None,
                        "system",
                        actions[a],
                        ct,
                        str(pk),
                        f"{pk}号小区",
                        leaf.path,
                        {"households": [None, 100]},
                        "",
                    ]
                    k += 1

        _insert(
            AuditEvent,
            AUDIT_COLUMNS,
            audit_rows(),
        )
        timings["audit_s"] = time.perf_counter() - t0
        _reset_sequences(
            Community, Building, Owner, Unit, Project, Plan, PlanVersion, ProjectCommunity, AuditEvent
        )
    from django.db import connection

    from gaizao.registry.stats import community_stats_refresh

    t0 = time.perf_counter()
    community_stats_refresh()  # the rows were copied in, bypassing the services that keep the aggregates
    timings["stats_s"] = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    out = {
        "communities": n,
        "buildings": n * BUILDINGS_PER_COMMUNITY,
        "units": n * per_community,
        "owners": n * per_community,
        "projects": len(project_rows),
        "audit_events": n * AUDIT_PER_COMMUNITY,
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }
    if verbose:
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return out


def models_f(name: str) -> Any:
    from django.db.models import F

    return F(name)


def main(argv: list[str]) -> int:
    import django

    django.setup()
    generate(int(argv[0]) if argv else 20_000)
    return 0


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gaizao.web.settings")
    sys.exit(main(sys.argv[1:]))
