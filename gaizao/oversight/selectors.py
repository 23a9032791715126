"""Reads of oversight, scoped (STYLE.md §3): progress against targets, the statistical returns and the records
behind every figure.

Every count comes from another app's records, read through that app's scoped selectors:

- 开工 / 完工 — the first ``delivery.stage.started`` / ``delivery.stage.completed`` audited move of each delivery the
  user may see (:data:`gaizao.delivery.selectors.STARTED_ACTION`, the same events as delivery's dashboard
  :func:`~gaizao.delivery.selectors.stage_event_counts`), dated by the move's ``on``. Delivery's dashboard selector
  counts per year only; the returns need the day and the project ids behind each cell, so the events are read here
  (``AuditEvent`` of the deliveries :func:`~gaizao.delivery.selectors.deliveries_for` returns).
- investment — payments in money's ledger (:func:`gaizao.money.selectors.entries_for`), reversals included.
- schedules — delivery's milestones (``Delivery.milestones``; delivery has no selector for a year's schedule, so
  they are read through the scoped deliveries).
- property-service coverage and satisfaction — :func:`gaizao.stewardship.selectors.coverage` and
  :func:`~gaizao.stewardship.selectors.scorecard`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from gaizao.accounts.models import Role
from gaizao.audit.models import AuditEvent
from gaizao.delivery import selectors as delivery_selectors
from gaizao.delivery.models import Delivery, OrderState, RectificationOrder, Stage
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import ApplicationError
from gaizao.money import selectors as money_selectors
from gaizao.money.models import EntryKind
from gaizao.oversight.models import Assessment, DistrictScore, DistrictTarget
from gaizao.policy import funding_sources
from gaizao.policy import oversight as rules
from gaizao.policy.errors import PolicyInputError
from gaizao.registry.models import Community
from gaizao.stewardship import selectors as stewardship_selectors

#: Roles that read oversight pages (targets, progress, returns, assessment).
READER_ROLES = frozenset(
    {Role.CITY_COORDINATOR, Role.MUNICIPAL_REVIEWER, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER}
)
ZERO = Decimal("0.00")
#: target key → (中文, English) labels, in the order of the forms
TARGET_LABELS = {
    "communities_started": ("开工小区(个)", "Communities started"),
    "communities_completed": ("完工小区(个)", "Communities completed"),
    "households": ("开工户数(户)", "Households (started)"),
    "buildings": ("开工楼栋(栋)", "Buildings (started)"),
    "elevators_added": ("加装电梯(台)", "Elevators added"),
    "property_coverage": ("物业服务覆盖率", "Property-service coverage"),
}
NO_STREET = "(区直属 / no street)"


def _not_found() -> Http404:
    return Http404("不存在或无权查看 / not found")


def is_reader(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.role in READER_ROLES
        and user.division_id is not None
    )


def require_reader(user: Any) -> None:
    """Oversight pages answer 404 to accounts that do not read them (never 403 with data)."""
    if not is_reader(user):
        raise _not_found()


def districts_for(user: Any) -> list[Division]:
    """The districts whose figures ``user`` may read: all under the city for city staff, else the user's own."""
    if not is_reader(user):
        return []
    division = user.division
    if division.level == DivisionLevel.CITY:
        return list(
            Division.objects.defer("boundary")
            .filter(parent=division, level=DivisionLevel.DISTRICT)
            .order_by("code")
        )
    district = division if division.level == DivisionLevel.DISTRICT else division.district
    return [district] if district is not None else []


def get_district(user: Any, code: str) -> Division:
    for district in districts_for(user):
        if district.code == code:
            return district
    raise _not_found()


def _street_of(division: Division | None) -> Division | None:
    node = division
    while node is not None and node.level not in (DivisionLevel.STREET, DivisionLevel.DISTRICT):
        node = node.parent
    return node if node is not None and node.level == DivisionLevel.STREET else None


# --- project facts --------------------------------------------------------------------------------------------------


@dataclass
class ProjectFacts:
    """What the returns count of one delivered project (plain data, no personal data)."""

    project_id: int
    code: str
    name: str
    district_id: int
    district_code: str
    district_name: str
    street_id: int | None
    street_code: str
    street_name: str
    stage: str
    communities: int
    households: int
    buildings: int
    elevators: int
    estimate: Decimal
    started_on: dt.date | None = None
    completed_on: dt.date | None = None
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    lon: float | None = None
    lat: float | None = None
    community_ids: list[int] = field(default_factory=list)
    #: catalogue item id → quantity: delivered at the completion acceptance when recorded, else planned
    quantities: dict[str, Decimal] = field(default_factory=dict)


def _event_day(event: AuditEvent) -> dt.date:
    return _event_day_of(event.changes, event.at)


def _event_day_of(changes: Any, at: dt.datetime) -> dt.date:
    on = (changes or {}).get("on")
    if isinstance(on, str):
        try:
            return dt.date.fromisoformat(on[:10])
        except ValueError:
            pass
    return timezone.localtime(at).date()


def _quantity(value: Any) -> Decimal:
    try:
        out = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return Decimal(0)
    return out if out.is_finite() else Decimal(0)


def project_facts(
    user: Any, *, detail: bool = True, schedule: bool = True, streets: bool = True, plan: bool = True
) -> list[ProjectFacts]:
    """One :class:`ProjectFacts` per delivery ``user`` may see, with its first 开工 and 完工 day (``quantities``: see
    :func:`_facts`)."""
    return _facts(
        delivery_selectors.deliveries_for(user), detail=detail, schedule=schedule, streets=streets, plan=plan
    )


def public_project_facts() -> list[ProjectFacts]:
    """The same facts for the public portal and open data: every delivery of a project not archived.

    Delivery has no public selector; the facts carry no personal data (codes, names of projects and divisions,
    counts, dates, amounts), so they are read from the deliveries directly.
    """
    return _facts(Delivery.objects.filter(project__archived_at__isnull=True))


#: Large JSON columns a delivery's page never reads (division boundaries, plan details).
_HEAVY = (
    "project__district__boundary",
    "project__division__boundary",
    "project__division__parent__boundary",
    "project__division__parent__parent__boundary",
    "project__plan__current_version__funding",
    "project__plan__current_version__subsidy",
    "project__plan__current_version__bundle",
)


def _facts(
    qs: QuerySet[Delivery],
    *,
    detail: bool = True,
    schedule: bool = True,
    streets: bool = True,
    plan: bool = True,
) -> list[ProjectFacts]:
    """The facts of the deliveries of ``qs``, read as plain values in five queries whatever their number (the
    deliveries with their project, district, plan version and acceptance columns; the projects' communities; the
    milestones' span; the divisions up to the street; the first 开工 / 完工 events). Building every delivery with its
    project, divisions, plan, communities and milestones as models was most of the oversight pages' time.

    ``detail=False`` leaves :attr:`ProjectFacts.quantities`, ``community_ids`` and the centre (``lon``, ``lat``)
    empty, skips reading the plans' and acceptances' item lists (JSON parsed per delivery) and sums each project's
    communities in SQL: progress, the progress return and the evaluation list never read them.
    ``schedule=False`` leaves ``planned_start`` / ``planned_end`` empty (only progress's forecast reads them) and
    ``streets=False`` the street (progress counts per district); each saves a query over the whole scope.
    ``plan=False`` leaves ``elevators`` and ``estimate`` at zero without joining the plans (``detail`` needs them).
    The divisions and the events' ``on`` day are read as values, not models or whole ``changes`` documents (most of
    the remaining time at 5,000 deliveries)."""
    from django.db.models import CharField, Count, Max, Min
    from django.db.models.fields.json import KeyTextTransform
    from django.db.models.functions import Cast

    from gaizao.delivery.models import Milestone
    from gaizao.programme.models import ProjectCommunity

    fields = [
        "pk",
        "stage",
        "project_id",
        "project__code",
        "project__name",
        "project__division_id",
        "project__district_id",
        "project__district__code",
        "project__district__name",
    ]
    plan = plan or detail
    if plan:
        fields += [
            "project__plan__current_version__elevator_stairwells",
            "project__plan__current_version__estimate",
            "project__plan__current_version_id",
        ]
    if detail:
        fields += ["project__plan__current_version__items", "acceptance__items"]
    deliveries = list(qs.order_by("project__code").values(*fields))
    if not deliveries:
        return []
    # the scope as subqueries, not thousands of ids compiled into each statement
    project_ids: Any = qs.order_by().values("project_id")
    delivery_ids: Any = qs.order_by().values("pk")
    members: dict[int, list[tuple[int, int | None, int | None, float | None, float | None]]] = defaultdict(
        list
    )
    # without detail, each project's community count, households and buildings summed in SQL (one row a project,
    # not one a community; its community ids and centre are left out)
    counts: dict[int, tuple[int, int, int]] = {}
    if detail:
        for row in (
            ProjectCommunity.objects.filter(project_id__in=project_ids)
            .order_by("project_id", "community__code")
            .values_list(
                "project_id",
                "community_id",
                "community__households",
                "community__building_count",
                "community__lon",
                "community__lat",
            )
        ):
            members[row[0]].append(row[1:])
    else:
        counts = {
            r["project_id"]: (r["n"], r["households"] or 0, r["buildings"] or 0)
            for r in ProjectCommunity.objects.filter(project_id__in=project_ids)
            .order_by()
            .values("project_id")
            .annotate(
                n=Count("pk"),
                households=Sum("community__households"),
                buildings=Sum("community__building_count"),
            )
        }
    spans = (
        {
            r["delivery_id"]: (r["start"], r["end"])
            for r in Milestone.objects.filter(delivery_id__in=delivery_ids)
            .order_by()
            .values("delivery_id")
            .annotate(start=Min("planned_start"), end=Max("planned_end"))
        }
        if schedule
        else {}
    )
    street_of = _streets_of(qs.order_by().values("project__division_id")) if streets else {}
    content_type = ContentType.objects.get_for_model(Delivery)
    first: dict[tuple[int, str], dt.date] = {}
    for object_id, action, at, on in (
        AuditEvent.objects.filter(
            content_type=content_type,
            action__in=(delivery_selectors.STARTED_ACTION, delivery_selectors.COMPLETED_ACTION),
            object_id__in=qs.order_by().annotate(oid=Cast("pk", CharField())).values("oid"),
        )
        .annotate(on=KeyTextTransform("on", "changes"))
        .order_by("at", "id")
        .values_list("object_id", "action", "at", "on")
    ):
        key = (int(object_id), action)
        if key not in first:
            first[key] = _event_day_of({"on": on} if on is not None else None, at)
    out = []
    for d in deliveries:
        communities = members.get(d["project_id"], [])
        street = street_of.get(d["project__division_id"])
        has_version = plan and d["project__plan__current_version_id"] is not None
        amounts: dict[str, Decimal] = defaultdict(Decimal)
        if detail:
            for item in (d["project__plan__current_version__items"] or []) if has_version else []:
                amounts[str(item.get("item_id", ""))] += _quantity(item.get("quantity"))
            accepted = d["acceptance__items"]
            if accepted:
                amounts = defaultdict(Decimal)
                for item in accepted:
                    amounts[str(item.get("item_id", ""))] += _quantity(item.get("delivered"))
        lons = [c[3] for c in communities if c[3] is not None]
        lats = [c[4] for c in communities if c[4] is not None]
        planned_start, planned_end = spans.get(d["pk"], (None, None))
        out.append(
            ProjectFacts(
                project_id=d["project_id"],
                code=d["project__code"],
                name=d["project__name"],
                district_id=d["project__district_id"],
                district_code=d["project__district__code"],
                district_name=d["project__district__name"],
                street_id=street[0] if street else None,
                street_code=street[1] if street else "",
                street_name=street[2] if street else NO_STREET,
                stage=d["stage"],
                communities=len(communities) if detail else counts.get(d["project_id"], (0, 0, 0))[0],
                households=sum(c[1] or 0 for c in communities)
                if detail
                else counts.get(d["project_id"], (0, 0, 0))[1],
                buildings=sum(c[2] or 0 for c in communities)
                if detail
                else counts.get(d["project_id"], (0, 0, 0))[2],
                elevators=len(d["project__plan__current_version__elevator_stairwells"] or [])
                if has_version
                else 0,
                estimate=d["project__plan__current_version__estimate"] if has_version else ZERO,
                started_on=first.get((d["pk"], delivery_selectors.STARTED_ACTION)),
                completed_on=first.get((d["pk"], delivery_selectors.COMPLETED_ACTION)),
                planned_start=planned_start,
                planned_end=planned_end,
                lon=sum(lons) / len(lons) if lons else None,
                lat=sum(lats) / len(lats) if lats else None,
                community_ids=[c[0] for c in communities],
                quantities=dict(amounts),
            )
        )
    return out


def _streets_of(division_ids: Any) -> dict[int, tuple[int, str, str] | None]:
    """Division id → its street's (id, code, name), as :func:`_street_of` finds it, from one query of plain values
    over the division and its two parents (a project's division is a street or a community); a deeper division
    (none today) is walked as a model. ``division_ids``: ids or a subquery of them."""
    levels = ("", "parent__", "parent__parent__")
    names = [f"{p}{f}" for p in levels for f in ("id", "level", "code", "name")]
    out: dict[int, tuple[int, str, str] | None] = {}
    for row in Division.objects.filter(pk__in=division_ids).order_by().values_list(*names):
        found: tuple[int, str, str] | None = None
        walked = False
        for i in range(len(levels)):
            pk, level, code, name = row[4 * i : 4 * i + 4]
            if pk is None:
                walked = True
                break
            if level == DivisionLevel.STREET:
                found, walked = (pk, code, name), True
                break
            if level == DivisionLevel.DISTRICT:
                walked = True
                break
        if not walked:
            street = _street_of(Division.objects.defer("boundary").get(pk=row[0]))
            found = (street.pk, street.code, street.name) if street is not None else None
        out[row[0]] = found
    return out


# --- targets and progress -------------------------------------------------------------------------------------------


def targets_for(user: Any, year: int) -> dict[int, DistrictTarget]:
    ids = [d.pk for d in districts_for(user)]
    return {t.district_id: t for t in DistrictTarget.objects.filter(year=year, district_id__in=ids)}


def _in_year(day: dt.date | None, year: int) -> bool:
    return day is not None and day.year == year


def progress(user: Any, year: int, *, on: dt.date | None = None) -> dict[str, Any]:
    """Progress of each district the user may read against its ``year`` targets, with pace flags and a forecast.

    Actual figures count the projects whose first 开工 (started) or 完工 (completed) move is dated in ``year`` and
    not after ``on``; households and buildings are those of the started projects' communities; elevators those of
    the completed projects' plans. The forecast adds the deliveries whose schedule (milestones) puts their start or
    end inside ``year`` but which have not reached it yet.
    """
    day = on or timezone.localdate()
    try:
        policy = rules.oversight_rules(dt.date(year, 1, 1))
    except PolicyInputError:
        raise ApplicationError(
            f"{year} 年没有适用的规则集。/ year: no rule set is in force in {year}.", field="year"
        ) from None
    targets = targets_for(user, year)
    facts = project_facts(user, detail=False, streets=False)
    year_end = dt.date(year, 12, 31)
    # the coverage of every district from one reading of the user's scope (its per-district rows), not one per
    # district
    shares = {
        row["district"]: row["share"]
        for row in stewardship_selectors.coverage(user, on=min(day, year_end))["districts"]
    }
    by_district: dict[int, list[ProjectFacts]] = defaultdict(list)
    for f in facts:
        by_district[f.district_id].append(f)
    rows = []
    for district in districts_for(user):
        mine = by_district.get(district.pk, [])
        started = [f for f in mine if _in_year(f.started_on, year) and f.started_on <= day]  # type: ignore[operator]
        completed = [f for f in mine if _in_year(f.completed_on, year) and f.completed_on <= day]  # type: ignore[operator]
        forecast_started = started + [
            f
            for f in mine
            if f.started_on is None and f.planned_start is not None and f.planned_start <= year_end
        ]
        forecast_completed = completed + [
            f
            for f in mine
            if f.completed_on is None
            and f.started_on is not None
            and f.planned_end is not None
            and f.planned_end <= year_end
        ]
        share = shares.get(district.name)
        actual = {
            "communities_started": sum(f.communities for f in started),
            "communities_completed": sum(f.communities for f in completed),
            "households": sum(f.households for f in started),
            "buildings": sum(f.buildings for f in started),
            "elevators_added": sum(f.elevators for f in completed),
            "property_coverage": Decimal(str(share)) if share is not None else None,
        }
        records = {
            "communities_started": [f.project_id for f in started],
            "communities_completed": [f.project_id for f in completed],
            "households": [f.project_id for f in started],
            "buildings": [f.project_id for f in started],
            "elevators_added": [f.project_id for f in completed],
            "property_coverage": [],
        }
        forecast = {
            "communities_started": sum(f.communities for f in forecast_started),
            "communities_completed": sum(f.communities for f in forecast_completed),
        }
        target = targets.get(district.pk)
        behind: list[str] = []
        items = []
        for key in rules.TARGET_KEYS:
            goal = Decimal(getattr(target, key)) if target is not None else None
            value = actual[key]
            flagged = False
            if goal is not None and value is not None and key != "property_coverage":
                flagged = rules.is_behind_pace(
                    Decimal(value), goal, on=day, year=year, tolerance=policy.pace_tolerance
                )
            elif goal is not None and key == "property_coverage" and day >= year_end:
                flagged = value is None or value < goal
            if flagged:
                behind.append(key)
            items.append(
                {
                    "key": key,
                    "label_zh": TARGET_LABELS[key][0],
                    "label_en": TARGET_LABELS[key][1],
                    "target": goal,
                    "actual": value,
                    "ratio": (Decimal(value) / goal).quantize(Decimal("0.0001"))
                    if goal and value is not None
                    else None,
                    "forecast": forecast.get(key),
                    "behind": flagged,
                    "records": records[key],
                }
            )
        rows.append(
            {
                "district": district,
                "target": target,
                "items": items,
                "behind": behind,
                "forecast": forecast,
            }
        )
    return {
        "year": year,
        "on": day,
        "expected_share": rules.expected_share(day, year),
        "tolerance": policy.pace_tolerance,
        "rows": rows,
    }


# --- statistical returns --------------------------------------------------------------------------------------------

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:(?:Q(?P<q>[1-4]))|(?:-(?P<m>0[1-9]|1[0-2])))?$")


@dataclass(frozen=True)
class Period:
    key: str
    start: dt.date
    end: dt.date
    #: "year", "quarter" or "month"
    kind: str

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年"


def parse_period(text: str) -> Period:
    """``2027`` (a year), ``2027Q1`` (a quarter) or ``2027-03`` (a month).

    Raises
    ------
    ApplicationError
        Anything else (field ``period``).
    """
    match = _PERIOD.match(text or "")
    if match is None:
        raise ApplicationError(
            f"统计期应为 2027、2027Q1 或 2027-03 的形式，收到 {text!r}。/ period: expected 2027, 2027Q1 or 2027-03.",
            field="period",
        )
    year = int(match["year"])
    if match["q"]:
        q = int(match["q"])
        start = dt.date(year, 3 * q - 2, 1)
        end = (dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)) - dt.timedelta(days=1)
        return Period(text, start, end, "quarter")
    if match["m"]:
        m = int(match["m"])
        start = dt.date(year, m, 1)
        end = (dt.date(year + 1, 1, 1) if m == 12 else dt.date(year, m + 1, 1)) - dt.timedelta(days=1)
        return Period(text, start, end, "month")
    return Period(text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year")


@dataclass(frozen=True)
class Column:
    key: str
    label_zh: str
    label_en: str
    unit: str
    group_zh: str


def return_columns() -> list[Column]:
    """The columns of the progress return (see docs/oversight.md), investment by the rule set's funding sources."""
    cols = [
        Column("started_communities", "小区数", "Communities", "个", "本期开工"),
        Column("started_households", "户数", "Households", "户", "本期开工"),
        Column("started_buildings", "楼栋数", "Buildings", "栋", "本期开工"),
        Column("completed_communities", "小区数", "Communities", "个", "本期完工"),
        Column("completed_households", "户数", "Households", "户", "本期完工"),
        Column("completed_buildings", "楼栋数", "Buildings", "栋", "本期完工"),
        Column("investment_total", "合计", "Total", "元", "完成投资"),
    ]
    for source in funding_sources():
        cols.append(Column(f"investment_{source.id}", source.name_zh, source.name_en, "元", "完成投资"))
    return cols


#: The effects form (改造成效): per column the catalogue items whose quantities it sums, counted at 完工.
EFFECTS = (
    ("effect_elevators", "加装电梯", "Elevators added", "台", ("elevator_retrofit",)),
    ("effect_parking", "增设停车位", "Parking spaces", "个", ("parking",)),
    ("effect_charging", "充电设施", "Charging points", "个", ("ev_ebike_charging",)),
    ("effect_elderly_care", "养老服务设施", "Elderly care", "m²", ("elderly_care",)),
    ("effect_childcare", "托育服务设施", "Childcare", "m²", ("childcare",)),
    ("effect_elderly_friendly", "适老设施", "Age-friendly facilities", "处", ("elderly_friendly",)),
    ("effect_water_pipes", "改造供水管网", "Water pipes renewed", "m", ("water_supply",)),
    ("effect_gas_pipes", "改造燃气管网", "Gas pipes renewed", "m", ("gas",)),
    ("effect_drains", "雨污分流改造", "Rain-sewage separation", "m", ("rain_sewage_separation",)),
)
FORMS = {
    "plan": "城镇老旧小区改造年度计划表",
    "progress": "城镇老旧小区改造进度情况表",
    "effects": "城镇老旧小区改造成效情况表",
}


def effect_columns() -> list[Column]:
    cols = [Column("effect_communities", "完工小区数", "Communities completed", "个", "本期完工")]
    cols += [Column(key, zh, en, unit, "改造成效") for key, zh, en, unit, _ in EFFECTS]
    return cols


def plan_columns() -> list[Column]:
    """The columns of the annual plan form: what the approved annual plans list (see docs/oversight.md)."""
    cols = [
        Column("plan_projects", "项目数", "Projects", "个", "计划改造"),
        Column("plan_communities", "小区数", "Communities", "个", "计划改造"),
        Column("plan_households", "户数", "Households", "户", "计划改造"),
        Column("plan_buildings", "楼栋数", "Buildings", "栋", "计划改造"),
        Column("plan_area", "建筑面积", "Floor area", "m²", "计划改造"),
        Column("plan_investment_total", "合计", "Total", "元", "计划投资"),
    ]
    for source in funding_sources():
        cols.append(Column(f"plan_investment_{source.id}", source.name_zh, source.name_en, "元", "计划投资"))
    return cols


def columns_of(form: str) -> list[Column]:
    if form == "plan":
        return plan_columns()
    if form == "progress":
        return return_columns()
    if form == "effects":
        return effect_columns()
    raise ApplicationError(f"未知的报表 {form!r}。/ form: expected plan, progress or effects.", field="form")


@dataclass
class Contribution:
    """One record's part of one cell: a project's count, or a ledger entry's amount."""

    column: str
    value: Decimal
    district_id: int
    street_key: str
    project_id: int
    entry_id: int | None = None


@dataclass
class ReturnRow:
    level: str
    code: str
    name: str
    cells: dict[str, Decimal]
    parent_code: str = ""


def _root(user: Any, code: str | None) -> Division:
    """The division a return is made for: ``code`` (inside the user's scope) or the user's own."""
    require_reader(user)
    own: Division = user.division
    if not code:
        return own
    division = Division.objects.defer("boundary").filter(code=code).first()
    if division is None or not own.contains(division):
        raise _not_found()
    return division


def _contributions(
    user: Any, period: Period, root: Division, *, effects: bool = True
) -> tuple[list[Contribution], dict[int, Division]]:
    """The records of the progress and effects forms; ``effects=False`` leaves out the effects columns (and the
    item quantities they are read from)."""
    inside = Q(path=root.path) | Q(path__startswith=root.path + "/")
    districts = {
        d.pk: d
        for d in Division.objects.defer("boundary")
        .filter(level=DivisionLevel.DISTRICT)
        .filter(inside | Q(pk=root.district.pk if root.district else 0))
    }
    out: list[Contribution] = []
    facts = [
        f
        for f in project_facts(user, detail=effects, schedule=False, plan=effects)
        if f.district_id in districts
    ]
    if root.level in (DivisionLevel.STREET, DivisionLevel.COMMUNITY):
        facts = [f for f in facts if f.street_code and f.street_code.startswith(root.code[:9])]
    for f in facts:
        street_key = f.street_code or f"{f.district_code}-none"
        for prefix, day in (("started", f.started_on), ("completed", f.completed_on)):
            if day is None or not period.start <= day <= period.end:
                continue
            for what, value in (
                ("communities", f.communities),
                ("households", f.households),
                ("buildings", f.buildings),
            ):
                out.append(
                    Contribution(f"{prefix}_{what}", Decimal(value), f.district_id, street_key, f.project_id)
                )
            if prefix == "completed" and effects:
                out.extend(_effects(f, street_key))
    project_ids = {f.project_id for f in facts}
    street_of_project = {f.project_id: f.street_code or f"{f.district_code}-none" for f in facts}
    entries = (
        money_selectors.entries_for(user)
        .filter(
            kind=EntryKind.PAYMENT, date__gte=period.start, date__lte=period.end, district_id__in=districts
        )
        .values_list("pk", "project_id", "district_id", "source", "amount")
        .order_by("pk")
    )
    for pk, project_id, district_id, source, amount in entries:
        if root.level in (DivisionLevel.STREET, DivisionLevel.COMMUNITY) and project_id not in project_ids:
            continue
        street_key = street_of_project.get(project_id) or _entry_street_key(pk, project_id)
        for column in ("investment_total", f"investment_{source}"):
            out.append(Contribution(column, Decimal(amount), district_id, street_key, project_id, pk))
    return out, districts


def _plan_contributions(
    user: Any, period: Period, root: Division
) -> tuple[list[Contribution], dict[int, Division], list[dict[str, Any]]]:
    """The annual plan form's records: the rows of each district's **approved** annual plan for the period's year,
    as frozen at approval (``AnnualPlanVersion`` kind ``approved``), read through
    :func:`gaizao.programme.selectors.annual_plans_for`. Each row is one project; its street is the project's.
    Also returns each district's plan state, so districts without an approved plan are shown, not silently zero."""
    from gaizao.programme import selectors as programme_selectors
    from gaizao.programme.models import AnnualPlanState, AnnualPlanVersion, Project

    if period.kind != "year":
        raise ApplicationError(
            f"年度计划表按年度填报，统计期应为 2027 的形式，收到 {period.key!r}。/ period: the annual plan form "
            "is for a year (e.g. 2027).",
            field="period",
        )
    year = period.start.year
    inside = Q(path=root.path) | Q(path__startswith=root.path + "/")
    districts = {
        d.pk: d
        for d in Division.objects.defer("boundary")
        .filter(level=DivisionLevel.DISTRICT)
        .filter(inside | Q(pk=root.district.pk if root.district else 0))
    }
    plans = {
        p.district_id: p
        for p in programme_selectors.annual_plans_for(user)
        .filter(plan_year=year, district_id__in=districts)
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=AnnualPlanVersion.objects.filter(kind=AnnualPlanVersion.Kind.APPROVED).order_by(
                    "-number"
                ),
            ),
            Prefetch(
                "projects",
                queryset=Project.objects.select_related("division__parent__parent").defer(
                    "division__boundary", "division__parent__boundary", "division__parent__parent__boundary"
                ),
            ),
        )
    }
    status = []
    out: list[Contribution] = []
    for district in sorted(districts.values(), key=lambda d: d.code):
        plan = plans.get(district.pk)
        status.append(
            {
                "district": district,
                "state": plan.state if plan is not None else "",
                "annual_plan": plan.pk if plan is not None else None,
            }
        )
        if plan is None or plan.state != AnnualPlanState.APPROVED:
            continue
        approved = next(iter(plan.versions.all()), None)
        if approved is None:
            continue
        projects = {p.code: p for p in plan.projects.all()}
        for row in approved.rows:
            project = projects.get(row.get("project_code", ""))
            if project is None:
                raise ApplicationError(
                    f"{district.name} {year} 年度计划的项目 {row.get('project_code')!r} 不在计划的项目清单中。"
                    f"/ annual plan {plan.pk}: project {row.get('project_code')!r} is not among its projects.",
                    field="annual_plan",
                )
            street = _street_of(project.division)
            street_key = street.code if street is not None else f"{district.code}-none"
            if root.level in (DivisionLevel.STREET, DivisionLevel.COMMUNITY) and not street_key.startswith(
                root.code[:9]
            ):
                continue
            names = [n for n in str(row.get("communities") or "").split("、") if n]
            funding = row.get("funding") or {}
            values = [
                ("plan_projects", Decimal(1)),
                ("plan_communities", Decimal(len(names))),
                ("plan_households", Decimal(int(row.get("households") or 0))),
                ("plan_buildings", Decimal(int(row.get("buildings") or 0))),
                ("plan_area", _quantity(row.get("building_area_m2"))),
                ("plan_investment_total", _quantity(row.get("estimate"))),
            ] + [(f"plan_investment_{source}", _quantity(amount)) for source, amount in funding.items()]
            for column, value in values:
                out.append(Contribution(column, value, district.pk, street_key, project.pk))
    return out, districts, status


def _form_contributions(
    user: Any, period: Period, root: Division, form: str
) -> tuple[list[Contribution], dict[int, Division], list[dict[str, Any]]]:
    if form == "plan":
        return _plan_contributions(user, period, root)
    contributions, districts = _contributions(user, period, root, effects=form == "effects")
    return contributions, districts, []


def _effects(f: ProjectFacts, street_key: str) -> list[Contribution]:
    """A completed project's part of the effects form (elevators fall back to the plan's elevator stairwells)."""
    out = [
        Contribution("effect_communities", Decimal(f.communities), f.district_id, street_key, f.project_id)
    ]
    for key, _zh, _en, _unit, items in EFFECTS:
        value = sum((f.quantities.get(i, Decimal(0)) for i in items), Decimal(0))
        if key == "effect_elevators" and not value:
            value = Decimal(f.elevators)
        if value:
            out.append(Contribution(key, value, f.district_id, street_key, f.project_id))
    return out


def _entry_street_key(entry_pk: int, project_id: int) -> str:
    """The street of a ledger entry whose project has no delivery yet (money records the street on each entry)."""
    from gaizao.money.models import LedgerEntry

    entry = LedgerEntry.objects.select_related("street", "district").get(pk=entry_pk)
    return entry.street.code if entry.street else f"{entry.district.code}-none"


def statistical_return(
    user: Any, period_text: str, *, division: str | None = None, form: str = "progress"
) -> dict[str, Any]:
    """The return (``form``: plan, progress or effects) for ``period_text`` at ``division`` (default the user's
    own): a top row, one row per district, one per street under it; each total computed from the records
    independently, then reconciled (top == Σ districts, district == Σ its streets)."""
    period = parse_period(period_text)
    columns = columns_of(form)
    root = _root(user, division)
    contributions, districts, plan_status = _form_contributions(user, period, root, form)
    wanted = {c.key for c in columns}
    contributions = [c for c in contributions if c.column in wanted]
    # with their district (street.district walks the parents: one query per street otherwise)
    streets = {
        d.code: d
        for d in Division.objects.select_related("parent__parent")
        .defer("boundary", "parent__boundary", "parent__parent__boundary")
        .filter(code__in={c.street_key for c in contributions if not c.street_key.endswith("-none")})
    }

    def empty() -> dict[str, Decimal]:
        return {c.key: Decimal(0) for c in columns}

    top = empty()
    by_district: dict[int, dict[str, Decimal]] = defaultdict(empty)
    by_street: dict[str, dict[str, Decimal]] = defaultdict(empty)
    for c in contributions:
        top[c.column] += c.value
        by_district[c.district_id][c.column] += c.value
        by_street[c.street_key][c.column] += c.value
    rows = [ReturnRow(root.level, root.code, root.name, top)]
    checks = []
    shown_districts = [d for d in sorted(districts.values(), key=lambda d: d.code)]
    if root.level != DivisionLevel.CITY:
        shown_districts = [d for d in shown_districts if d.pk in by_district or d.pk == root.pk]
    for d in shown_districts:
        cells = by_district[d.pk]
        if root.level == DivisionLevel.CITY:
            rows.append(ReturnRow("district", d.code, d.name, cells, parent_code=root.code))
        street_keys = sorted(k for k, _ in by_street.items() if _street_district(k, streets) == d.code)
        street_sum = empty()
        for key in street_keys:
            name = streets[key].name if key in streets else NO_STREET
            if root.level in (DivisionLevel.CITY, DivisionLevel.DISTRICT):
                rows.append(ReturnRow("street", key, name, by_street[key], parent_code=d.code))
            for col in columns:
                street_sum[col.key] += by_street[key][col.key]
        checks.append(_check(f"{d.name} = Σ 街道 / streets", cells, street_sum, columns))
    district_sum = empty()
    for d in shown_districts:
        for col in columns:
            district_sum[col.key] += by_district[d.pk][col.key]
    checks.insert(0, _check(f"{root.name} = Σ 区县 / districts", top, district_sum, columns))
    return {
        "form": form,
        "title": FORMS[form],
        "period": period,
        "root": root,
        "columns": columns,
        "rows": rows,
        "checks": checks,
        "reconciled": all(c["ok"] for c in checks),
        "plan_status": plan_status,
        "generated_at": timezone.now(),
    }


def _street_district(key: str, streets: dict[str, Division]) -> str:
    if key.endswith("-none"):
        return key[: -len("-none")]
    street = streets.get(key)
    district = street.district if street is not None else None
    return district.code if district is not None else ""


def _check(
    label: str, total: dict[str, Decimal], parts: dict[str, Decimal], columns: list[Column]
) -> dict[str, Any]:
    wrong = [c.key for c in columns if total[c.key] != parts[c.key]]
    return {"label": label, "ok": not wrong, "columns": wrong}


def cell_records(user: Any, period_text: str, *, division: str, column: str) -> dict[str, Any]:
    """The records behind one cell of the return: the project ids (and ledger entry ids for investment)."""
    period = parse_period(period_text)
    if column not in {c.key for c in return_columns() + effect_columns() + plan_columns()}:
        raise _not_found()
    root = _root(user, None)
    form = "plan" if column.startswith("plan_") else "effects" if column.startswith("effect_") else "progress"
    contributions, _, _ = _form_contributions(user, period, root, form)
    target = Division.objects.defer("boundary").filter(code=division).first()
    if division.endswith("-none"):
        district = Division.objects.defer("boundary").filter(code=division[: -len("-none")]).first()
        if district is None or not root.contains(district):
            raise _not_found()
        picked = [c for c in contributions if c.street_key == division]
    elif target is None or not (root.contains(target) or target.contains(root)):
        raise _not_found()
    elif target.level == DivisionLevel.STREET:
        picked = [c for c in contributions if c.street_key == target.code]
    elif target.level == DivisionLevel.DISTRICT:
        picked = [c for c in contributions if c.district_id == target.pk]
    else:
        picked = contributions
    picked = [c for c in picked if c.column == column]
    return {
        "period": period.key,
        "division": division,
        "column": column,
        "value": sum((c.value for c in picked), Decimal(0)),
        "projects": sorted({c.project_id for c in picked}),
        "entries": sorted({c.entry_id for c in picked if c.entry_id is not None}),
    }


def cell_projects(user: Any, ids: list[int]) -> list[dict[str, Any]]:
    """The projects behind a cell, for the page: delivered ones with their 开工 / 完工 days; planned ones (the
    annual plan form) read through :func:`gaizao.programme.selectors.projects_for`."""
    from gaizao.programme import selectors as programme_selectors

    facts = {f.project_id: f for f in project_facts(user, detail=False, schedule=False, plan=False)}
    out = [
        {
            "project_id": f.project_id,
            "code": f.code,
            "name": f.name,
            "street_name": f.street_name,
            "started_on": f.started_on,
            "completed_on": f.completed_on,
        }
        for i in ids
        if (f := facts.get(i)) is not None
    ]
    rest = [i for i in ids if i not in facts]
    if rest:
        for p in programme_selectors.projects_for(user).filter(pk__in=rest):
            street = _street_of(p.division)
            out.append(
                {
                    "project_id": p.pk,
                    "code": p.code,
                    "name": p.name,
                    "street_name": street.name if street is not None else NO_STREET,
                    "started_on": None,
                    "completed_on": None,
                }
            )
    return sorted(out, key=lambda r: r["project_id"])


# --- assessment -----------------------------------------------------------------------------------------------------


def assessments_for(user: Any) -> QuerySet[Assessment]:
    """City staff see every assessment; district and street accounts only published ones."""
    if not is_reader(user):
        return Assessment.objects.none()
    qs = Assessment.objects.all()
    if user.division.level != DivisionLevel.CITY:
        qs = qs.filter(state="published")
    return qs


def get_assessment(user: Any, year: Any) -> Assessment:
    obj = assessments_for(user).filter(year=year).first()
    if obj is None:
        raise _not_found()
    return obj


def scores_of(user: Any, assessment: Assessment) -> QuerySet[DistrictScore]:
    """A published assessment's scores are public to every reader (a ranking); a draft only to city staff."""
    return assessment.scores.select_related("district").order_by("rank", "district__code")


def get_score(user: Any, assessment: Assessment, district_code: str) -> DistrictScore:
    score = scores_of(user, assessment).filter(district__code=district_code).first()
    if score is None:
        raise _not_found()
    return score


# --- indicator inputs (used by services.assessment_compute and the evaluation report) -------------------------------


def fund_execution(user: Any, district: Division, year: int) -> dict[str, Any]:
    """Payments ÷ budget of the district's projects, entries dated up to 31 December of ``year``."""
    qs = money_selectors.entries_for(user).filter(district=district, date__lte=dt.date(year, 12, 31))
    budget = (
        qs.filter(kind__in=[EntryKind.BUDGET, EntryKind.ADJUSTMENT]).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    paid = qs.filter(kind=EntryKind.PAYMENT).aggregate(s=Sum("amount"))["s"] or ZERO
    return {
        "numerator": paid,
        "denominator": budget,
        "ratio": (paid / budget) if budget > 0 else None,
        "records": {"projects": sorted(set(qs.values_list("project_id", flat=True)))},
    }


def rectification_closure(user: Any, district: Division, year: int) -> dict[str, Any]:
    """Rectification orders issued in ``year`` on the district's deliveries: closed ÷ issued."""
    orders: QuerySet[RectificationOrder] = delivery_selectors.orders_for(user).filter(
        delivery__project__district=district, issued_at__year=year
    )
    ids = sorted(orders.values_list("pk", flat=True))
    closed = orders.filter(state=OrderState.CLOSED).count()
    return {
        "numerator": closed,
        "denominator": len(ids),
        "ratio": Decimal(closed) / Decimal(len(ids)) if ids else None,
        "records": {"rectification_orders": ids},
    }


def satisfaction(user: Any, district: Division, year: int) -> dict[str, Any]:
    """Residents' mean of the 六有 evaluations of the district's stewarded communities, 1..5 mapped to 0..1."""
    inside = Q(division__path=district.path) | Q(division__path__startswith=district.path + "/")
    communities = stewardship_selectors.communities_for(user).filter(inside).order_by("code")
    means: list[Decimal] = []
    ids = []
    for community in communities:
        card = stewardship_selectors.scorecard(community, dt.date(year, 12, 31))
        values = [Decimal(g["evaluation_mean"]) for g in card["goals"] if g["evaluation_mean"] is not None]
        if values:
            ids.append(community.pk)
            means.extend(values)
    mean = sum(means, Decimal(0)) / len(means) if means else None
    return {
        "numerator": mean.quantize(Decimal("0.01")) if mean is not None else None,
        "denominator": 5,
        "ratio": (mean - 1) / 4 if mean is not None else None,
        "records": {"communities": ids},
    }


def management_coverage(user: Any, district: Division, year: int) -> dict[str, Any]:
    cover = stewardship_selectors.coverage(user, division=district, on=dt.date(year, 12, 31))
    inside = Q(division__path=district.path) | Q(division__path__startswith=district.path + "/")
    base = (
        stewardship_selectors.communities_for(user)
        .filter(inside, programme_projects__delivery__stage=Stage.HANDED_OVER)
        .distinct()
    )
    return {
        "numerator": cover["covered"],
        "denominator": cover["communities"],
        "ratio": Decimal(str(cover["share"])) if cover["share"] is not None else None,
        "records": {"communities": sorted(base.values_list("pk", flat=True))},
    }


def progress_ratio(
    user: Any,
    district: Division,
    year: int,
    target: DistrictTarget,
    *,
    facts: list[ProjectFacts] | None = None,
) -> dict[str, Any]:
    """Mean of started ÷ target and completed ÷ target (each capped at 1); ``facts`` saves re-reading them."""
    facts = [
        f
        for f in (
            project_facts(user, detail=False, schedule=False, streets=False, plan=False)
            if facts is None
            else facts
        )
        if f.district_id == district.pk
    ]
    started = [f for f in facts if _in_year(f.started_on, year)]
    completed = [f for f in facts if _in_year(f.completed_on, year)]
    n_started = sum(f.communities for f in started)
    n_completed = sum(f.communities for f in completed)
    parts = []
    for n, goal in ((n_started, target.communities_started), (n_completed, target.communities_completed)):
        parts.append(min(Decimal(n) / Decimal(goal), Decimal(1)) if goal else Decimal(1))
    return {
        "numerator": f"{n_started}/{n_completed}",
        "denominator": f"{target.communities_started}/{target.communities_completed}",
        "ratio": sum(parts, Decimal(0)) / len(parts),
        "records": {"projects": sorted({f.project_id for f in started + completed})},
    }


# --- performance evaluation (五, 三(三)3) ----------------------------------------------------------------------------


def evaluation(user: Any, district: Division, year: int) -> dict[str, Any]:
    """The district's performance evaluation for ``year``: outputs against plan, budget execution per project,
    rectification, the 六有 scorecards, and the assessment result when one is published."""
    prog = progress(user, year, on=min(timezone.localdate(), dt.date(year, 12, 31)))
    row = next((r for r in prog["rows"] if r["district"].pk == district.pk), None)
    if row is None:
        raise _not_found()
    entries = money_selectors.entries_for(user).filter(district=district, date__lte=dt.date(year, 12, 31))
    budget_rows = money_selectors.balances(entries, "project_id", "project__code", "project__name")
    budget_total = money_selectors.balances(entries)[0]
    orders = delivery_selectors.orders_for(user).filter(
        delivery__project__district=district, issued_at__year=year
    )
    today = timezone.localdate()
    rectification = {
        "issued": orders.count(),
        "closed": orders.filter(state=OrderState.CLOSED).count(),
        "open": orders.exclude(state=OrderState.CLOSED).count(),
        "overdue": sum(1 for o in orders.exclude(state=OrderState.CLOSED) if o.deadline < today),
    }
    inside = Q(division__path=district.path) | Q(division__path__startswith=district.path + "/")
    cards = [
        stewardship_selectors.scorecard(c, dt.date(year, 12, 31))
        for c in stewardship_selectors.communities_for(user).filter(inside).order_by("code")
    ]
    published = Assessment.objects.filter(year=year, state="published").first()
    score = published.scores.filter(district=district).first() if published else None
    return {
        "district": district,
        "year": year,
        "progress": row,
        "budget_rows": budget_rows,
        "budget_total": budget_total,
        "rectification": rectification,
        "scorecards": cards,
        "score": score,
    }


def evaluated_projects(user: Any, year: int | None = None) -> list[ProjectFacts]:
    """The delivered projects ``user`` may read (optionally those started in ``year``), for the evaluation list."""
    facts = project_facts(user)
    if year is not None:
        facts = [f for f in facts if f.started_on is not None and f.started_on.year == year]
    return facts


def evaluated_projects_page(user: Any, limit: int) -> tuple[list[ProjectFacts], int]:
    """The first ``limit`` of :func:`evaluated_projects` (by project code) and how many there are: the facts of the
    rows shown only, not of every delivery in the city (as /programme/ shows its first rows with the total)."""
    qs = delivery_selectors.deliveries_for(user)
    shown = list(qs.order_by("project__code").values_list("pk", flat=True)[:limit])
    return _facts(Delivery.objects.filter(pk__in=shown), detail=False, schedule=False, plan=False), qs.count()


def _days(late: dt.date | None, due: dt.date | None) -> int | None:
    return (late - due).days if late is not None and due is not None else None


def _ended_or_today(ended: dt.date | None, due: dt.date | None, day: dt.date) -> dt.date | None:
    """The day a task ended, or today when it is unfinished and past due (its delay so far)."""
    if ended is not None:
        return ended
    return day if due is not None and day > due else None


def project_evaluation(user: Any, project_id: Any, *, on: dt.date | None = None) -> dict[str, Any]:
    """One project's performance evaluation (五, 三(三)3), every figure read from the records:

    - outputs: each plan item's planned quantity against the quantity delivered at the completion acceptance;
    - cost: the plan's estimate and funding plan per source against the ledger (budget, received, paid);
    - timeliness: planned against actual start and end (milestones and the first 开工 / 完工 moves);
    - quality: inspections, findings and rectification orders (issued, closed, open, overdue);
    - effects: the 六有 scorecard of each community (stewardship) and its life-circle gaps before and after the
      works (:func:`gaizao.lifecircle.selectors.community_access_before_after`);
    - satisfaction: the residents' 六有 evaluation means.
    """
    from gaizao.lifecircle import selectors as lifecircle_selectors

    try:
        pk = int(project_id)
    except (TypeError, ValueError):
        raise _not_found() from None
    qs = delivery_selectors.deliveries_for(user).filter(project_id=pk)
    facts = _facts(qs)
    if not facts:
        raise _not_found()
    f = facts[0]
    day = on or timezone.localdate()
    d = (
        qs.select_related("acceptance", "project__plan__current_version")
        .defer(*[h for h in _HEAVY if h.startswith("project__plan")])
        .prefetch_related("milestones")
        .get()
    )
    project = d.project
    plan = getattr(project, "plan", None)
    version = plan.current_version if plan is not None else None
    acceptance = getattr(d, "acceptance", None)
    delivered = {str(i.get("item_id", "")): i for i in (acceptance.items if acceptance is not None else [])}
    outputs = []
    for item in (version.items or []) if version is not None else []:
        planned = _quantity(item.get("quantity"))
        got = delivered.get(str(item.get("item_id", "")))
        qty = _quantity(got.get("delivered")) if got is not None else None
        outputs.append(
            {
                "item_id": item.get("item_id", ""),
                "name": item.get("name_zh") or item.get("item_id", ""),
                "unit": item.get("unit", ""),
                "planned": planned,
                "delivered": qty,
                "ratio": (qty / planned).quantize(Decimal("0.0001")) if qty is not None and planned else None,
                "passed": got.get("passed") if got is not None else None,
            }
        )
    money = money_selectors.project_balances(project)
    estimate = version.estimate if version is not None else ZERO
    paid = money["total"]["paid"]
    milestones = [
        {
            "name": m.name,
            "planned_start": m.planned_start,
            "planned_end": m.planned_end,
            "actual_start": m.actual_start,
            "actual_end": m.actual_end,
            "days_late": max(0, _days(_ended_or_today(m.actual_end, m.planned_end, day), m.planned_end) or 0),
        }
        for m in sorted(d.milestones.all(), key=lambda m: (m.order, m.planned_start))
    ]
    inspections = list(
        delivery_selectors.inspections_for(user).filter(delivery=d).prefetch_related("findings")
    )
    orders = list(delivery_selectors.orders_for(user).filter(delivery=d))
    communities = list(
        stewardship_selectors.communities_for(user).filter(pk__in=f.community_ids).order_by("code")
    )
    cards = [stewardship_selectors.scorecard(c, day) for c in communities]
    all_communities = Community.objects.filter(pk__in=f.community_ids).order_by("code")
    names = lifecircle_selectors.facility_names()
    life = []
    for c in all_communities:
        around = lifecircle_selectors.community_access_before_after(
            c, before=f.started_on, after=f.completed_on
        )
        life.append(
            {
                "community": c.name,
                "before_score": around["before"].score if around["before"] is not None else None,
                "after_score": around["after"].score if around["after"] is not None else None,
                "before_on": around["before"].run.finished_at if around["before"] is not None else None,
                "after_on": around["after"].run.finished_at if around["after"] is not None else None,
                "reachable_before": around["reachable_before"],
                "reachable_after": around["reachable_after"],
                "gaps_before": len(around["before"].gap_facilities or []) if around["before"] else None,
                "gaps_after": len(around["after"].gap_facilities or []) if around["after"] else None,
                "closed": [names.get(x, (x, x))[0] for x in around["closed"]],
                "opened": [names.get(x, (x, x))[0] for x in around["opened"]],
            }
        )
    means = [
        Decimal(g["evaluation_mean"])
        for card in cards
        for g in card["goals"]
        if g["evaluation_mean"] is not None
    ]
    mean = (sum(means, Decimal(0)) / len(means)).quantize(Decimal("0.01")) if means else None
    return {
        "facts": f,
        "project": project,
        "on": day,
        "outputs": outputs,
        "accepted_on": acceptance.held_on if acceptance is not None else None,
        "cost": {
            "estimate": estimate,
            "sources": money["sources"],
            "total": money["total"],
            "cost_ratio": (paid / estimate).quantize(Decimal("0.0001")) if estimate else None,
        },
        "timeliness": {
            "planned_start": f.planned_start,
            "planned_end": f.planned_end,
            "started_on": f.started_on,
            "completed_on": f.completed_on,
            "start_delay_days": _days(f.started_on, f.planned_start),
            "end_delay_days": _days(_ended_or_today(f.completed_on, f.planned_end, day), f.planned_end),
            "milestones": milestones,
        },
        "quality": {
            "inspections": len(inspections),
            "findings": sum(len(i.findings.all()) for i in inspections),
            "orders": len(orders),
            "closed": sum(1 for o in orders if o.state == OrderState.CLOSED),
            "open": sum(1 for o in orders if o.state != OrderState.CLOSED),
            "overdue": sum(1 for o in orders if o.state != OrderState.CLOSED and o.deadline < day),
            "order_ids": sorted(o.pk for o in orders),
        },
        "scorecards": cards,
        "life_circle": life,
        "satisfaction": {
            "mean": mean,
            "ratio": ((mean - 1) / 4).quantize(Decimal("0.0001")) if mean is not None else None,
            "answers": len(means),
        },
    }


# --- city inspections (督查) ------------------------------------------------------------------------------------------


def city_inspections(user: Any, year: int) -> dict[str, Any]:
    """The city's inspections (督查) of the districts' works in ``year`` and the follow-up of their findings.

    A city inspection is a delivery inspection recorded at level 市级 (:class:`~gaizao.delivery.models.Inspection`
    through delivery's ``inspection_record``); its findings raise rectification orders in delivery's flow. This
    summarises them per district: inspections, findings, orders issued, closed, open and overdue.
    """
    from gaizao.delivery.models import InspectorLevel

    today = timezone.localdate()
    inspections = list(
        delivery_selectors.inspections_for(user)
        .filter(level=InspectorLevel.CITY, inspected_at__year=year)
        .select_related("delivery__project__district")
        .prefetch_related("findings__order")
        .order_by("-inspected_at", "-pk")
    )
    rows: dict[int, dict[str, Any]] = {
        d.pk: {
            "district": d,
            "inspections": 0,
            "findings": 0,
            "orders": 0,
            "closed": 0,
            "open": 0,
            "overdue": 0,
        }
        for d in districts_for(user)
    }
    items = []
    for inspection in inspections:
        project = inspection.delivery.project
        row = rows.get(project.district_id)
        if row is None:
            continue
        findings = list(inspection.findings.all())
        orders = [o for o in (getattr(f, "order", None) for f in findings) if o is not None]
        row["inspections"] += 1
        row["findings"] += len(findings)
        row["orders"] += len(orders)
        row["closed"] += sum(1 for o in orders if o.state == OrderState.CLOSED)
        row["open"] += sum(1 for o in orders if o.state != OrderState.CLOSED)
        row["overdue"] += sum(1 for o in orders if o.state != OrderState.CLOSED and o.deadline < today)
        items.append(
            {
                "id": inspection.pk,
                "delivery": inspection.delivery_id,
                "project": project.name,
                "district": project.district.name,
                "kind": inspection.kind,
                "inspected_at": timezone.localtime(inspection.inspected_at).date(),
                "findings": len(findings),
                "open_orders": sum(1 for o in orders if o.state != OrderState.CLOSED),
            }
        )
    return {"year": year, "rows": list(rows.values()), "inspections": items}
