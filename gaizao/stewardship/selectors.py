"""Reads of long-term management, scoped (STYLE.md §3).

Officers and community organisers read the communities of their division (``gaizao.accounts.access.scoped``).
A property service company's account (Role.PROPERTY_SERVICE) reads ONLY the communities where its company holds or
held a property contract — :func:`communities_for` is the one place that decides. Out of scope answers 404.

A community is *stewarded* once a project covering it has been handed over, or once it has a property contract.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from gaizao.accounts.access import scoped
from gaizao.accounts.models import Role
from gaizao.delivery.models import Delivery, Finding, OrderState, RectificationOrder, Stage
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.participation.models import EvaluationSurvey, ReportStatus, SupervisionReport, SurveyStatus
from gaizao.policy import stewardship as rules
from gaizao.policy.catalogue import liuyou_goals
from gaizao.programme.models import Project
from gaizao.programme.services import Condition
from gaizao.registry.models import Community
from gaizao.stewardship import services
from gaizao.stewardship.models import (
    PROFESSIONAL_MODES,
    Convention,
    ConventionKind,
    Decision,
    FeeCollection,
    FollowUp,
    FundDisclosure,
    FundEntry,
    ManagementPlan,
    PropertyContract,
)

STAFF_READERS = frozenset(
    {
        Role.CITY_COORDINATOR,
        Role.MUNICIPAL_REVIEWER,
        Role.DISTRICT_OFFICER,
        Role.STREET_IMPLEMENTER,
        Role.COMMUNITY_ORGANISER,
    }
)


def _not_found() -> Http404:
    return Http404("不存在或无权查看 / not found")


def stewarded_q() -> Q:
    """Communities of a handed-over project or with a property contract: one ``id IN (… UNION …)``, which the
    database answers from the few stewarded rows, where the two joined conditions OR-ed together (and the DISTINCT
    they needed) scanned every community of the registry."""
    from gaizao.programme.models import ProjectCommunity

    handed_over = (
        ProjectCommunity.objects.filter(project__delivery__stage=Stage.HANDED_OVER)
        .order_by()
        .values("community_id")
    )
    contracted = PropertyContract.objects.order_by().values("community_id")
    return Q(pk__in=handed_over.union(contracted))


# --- communities ----------------------------------------------------------------------------------------------------


def communities_for(user: Any) -> QuerySet[Community]:
    """Stewarded communities ``user`` may read."""
    qs = (
        Community.objects.filter(stewarded_q())
        .select_related("division")
        .defer("boundary", "division__boundary")
    )
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.role == Role.PROPERTY_SERVICE:
        company = services.company_of(user)
        if company is None:
            return qs.none()
        return qs.filter(property_contracts__company=company).distinct()
    if user.role not in STAFF_READERS:
        return qs.none()
    return scoped(qs, user, field="division__path")


def get_community(user: Any, pk: Any) -> Community:
    obj = communities_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def public_community(pk: Any) -> Community:
    """A stewarded community for the public page (no login)."""
    obj = Community.objects.filter(stewarded_q()).filter(pk=pk).distinct().first()
    if obj is None:
        raise _not_found()
    return obj


def handed_over_deliveries(community: Community) -> QuerySet[Delivery]:
    return Delivery.objects.filter(project__communities=community, stage=Stage.HANDED_OVER).select_related(
        "project"
    )


# --- management plans -----------------------------------------------------------------------------------------------


def plans_for(user: Any) -> QuerySet[ManagementPlan]:
    if user is None or not user.is_authenticated or user.role not in STAFF_READERS:
        return ManagementPlan.objects.none()
    return scoped(ManagementPlan.objects.select_related("project"), user, field="project__division__path")


def get_plan(user: Any, pk: Any) -> ManagementPlan:
    obj = plans_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def projects_without_plan(user: Any) -> QuerySet[Project]:
    """Projects in scope, in the planning or implementing pool, with no management plan yet (officers only)."""
    from gaizao.programme.models import ProjectState
    from gaizao.programme.selectors import projects_for

    if user is None or not user.is_authenticated or user.role not in services.OFFICER_ROLES:
        return Project.objects.none()
    # NOT EXISTS, not the LEFT JOIN of ``management_plan__isnull``: the planner guessed the join kept 50 of 10,000
    # projects and sorted them all by code (56 ms at 220k); the anti-join walks the code index to the first rows
    no_plan = ~Exists(ManagementPlan.objects.filter(project_id=OuterRef("pk")))
    return (
        projects_for(user)
        .filter(no_plan, state__in=[ProjectState.PLANNING, ProjectState.IMPLEMENTING])
        .order_by("code")
    )


def project_for_plan(user: Any, project_id: Any) -> Project:
    from gaizao.programme.selectors import get_project

    project = get_project(user, project_id)
    if user.role not in STAFF_READERS:
        raise _not_found()
    return project


def plan_of(project: Project) -> ManagementPlan | None:
    return ManagementPlan.objects.filter(project=project).first()


def management_plan_conditions(project: Project) -> list[Condition]:
    """The long-term management conditions of a project (四(四)), met or not, in programme's shape
    (``Condition(code, met, message, clause, community)``): a plan is agreed, and each owners' decision it needs is
    taken by a ballot that the gate accepts (its community, matter, purpose and result)."""
    section = rules.section_clause()
    plan = plan_of(project)
    if plan is None:
        return [
            Condition(
                "stewardship.plan",
                False,
                "尚未制定长效管理方案（在“长效管理”中制定）。/ No long-term management plan is agreed (agree it under "
                "Stewardship).",
                section,
            )
        ]
    out = [
        Condition(
            "stewardship.plan",
            True,
            f"长效管理方案已制定（{plan.get_mode_display().split(' / ')[0]}，物业费 {plan.fee_yuan_per_m2_month} 元/㎡·月）。"
            f"/ A long-term management plan is agreed ({plan.mode}, fee {plan.fee_yuan_per_m2_month} yuan/m²/month).",
            section,
        )
    ]
    links = {(d.community_id, d.decision): d.ballot for d in plan.decisions.select_related("ballot")}
    for decision in services.required_decisions(plan):
        rule = rules.matter_rule(decision)
        label = str(Decision(decision).label)
        zh, en = label.split(" / ")[0], label.split(" / ")[-1]
        for community in project.communities.order_by("code"):
            ballot = links.get((community.pk, decision))
            problems = services.ballot_problems(ballot, community=community, decision=decision)
            if ballot is not None and not problems:
                message = (
                    f"小区“{community.name}”{zh}已经业主表决通过（表决 #{ballot.pk}）。/ {community.name}: {en} "
                    f"approved by the owners (ballot #{ballot.pk})."
                )
            else:
                message = f"小区“{community.name}”{zh}：" + " ".join(problems)
            out.append(
                Condition(f"stewardship.{decision}", not problems, message, rule.clause, community.name)
            )
    return out


# --- contracts and coverage -----------------------------------------------------------------------------------------


def contracts_for(user: Any) -> QuerySet[PropertyContract]:
    qs = PropertyContract.objects.select_related("community", "company")
    return qs.filter(community__in=communities_for(user))


def get_contract(user: Any, pk: Any) -> PropertyContract:
    obj = contracts_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def active_contract(community: Community, on: dt.date | None = None) -> PropertyContract | None:
    day = on or timezone.localdate()
    return (
        PropertyContract.objects.filter(community=community, starts_on__lte=day, ends_on__gte=day)
        .select_related("company")
        .first()
    )


def community_rows(user: Any, *, limit: int = 300, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The first ``limit`` stewarded communities of ``user`` by code, each with its contract in force, its fund's
    balance and whether a disclosure is due — the answers of :func:`active_contract`,
    :func:`gaizao.stewardship.services.fund_balance` and :func:`disclosure_due`, read for the whole page in four
    queries instead of three per community."""
    from django.db.models import Case, DecimalField, When

    from gaizao.stewardship.models import FUND_INCOME

    day = on or timezone.localdate()
    ids = list(communities_for(user).order_by("code").values_list("pk", flat=True)[:limit])
    communities = list(
        Community.objects.filter(pk__in=ids).only("id", "code", "name", "is_sample").order_by("code")
    )
    contracts: dict[int, PropertyContract] = {}
    for contract in (
        PropertyContract.objects.filter(community_id__in=ids, starts_on__lte=day, ends_on__gte=day)
        .select_related("company")
        .order_by("community_id", "-starts_on", "id")
    ):
        contracts.setdefault(contract.community_id, contract)  # active_contract's first: the latest start
    signed = Case(
        When(kind__in=FUND_INCOME, then=F("amount")),
        default=-F("amount"),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )
    balances = dict(
        FundEntry.objects.filter(community_id__in=ids)
        .order_by()
        .values("community_id")
        .annotate(balance=Sum(signed))
        .values_list("community_id", "balance")
    )
    last_end: dict[int, dt.date] = {}
    for community_id, period_end in (
        FundDisclosure.objects.filter(community_id__in=ids)
        .order_by("community_id", "-period_end", "-id")
        .values_list("community_id", "period_end")
    ):
        last_end.setdefault(community_id, period_end)  # disclosures(community)'s first: the latest period
    interval = rules.disclosure_interval_months(day)
    rows = []
    for c in communities:
        end = last_end.get(c.pk)
        rows.append(
            {
                "community": c,
                "contract": contracts.get(c.pk),
                "balance": balances.get(c.pk, Decimal("0.00")),
                "disclosure_due": c.pk in balances if end is None else rules.add_months(end, interval) < day,
            }
        )
    return rows


def coverage(user: Any, *, division: Division | None = None, on: dt.date | None = None) -> dict[str, Any]:
    """Professional property service coverage (有长效管理) of renovated communities on ``on`` per street.

    The base is the communities of handed-over projects in the user's scope (below ``division`` when given); a
    community is covered when a contract of a professional company or a community operator is in force that day.
    """
    day = on or timezone.localdate()
    return coverage_on_days(user, division=division, days=[day])[0]


def coverage_on_days(
    user: Any, *, division: Division | None = None, days: list[dt.date]
) -> list[dict[str, Any]]:
    """:func:`coverage` on each of ``days``, in two queries whatever the number of days and communities.

    The database counts, per division of a handed-over community, the communities and, for each day, those with a
    professional contract in force (``COUNT(DISTINCT id) FILTER (WHERE EXISTS …)``); the divisions read are only
    those counted and their ancestors (by path), as plain values. Computing each day apart built every division
    with its parent and grandparent as model instances once per day (nine days on the coverage page: ~20,000
    instances at 220k communities, most of the page's second)."""
    from gaizao.programme.models import ProjectCommunity

    handed_over = (
        ProjectCommunity.objects.filter(project__delivery__stage=Stage.HANDED_OVER)
        .order_by()
        .values("community_id")
    )
    base = communities_for(user).filter(pk__in=handed_over)
    if division is not None:
        base = base.filter(
            Q(division__path=division.path) | Q(division__path__startswith=division.path + "/")
        )

    def in_force(day: dt.date) -> Exists:
        return Exists(
            PropertyContract.objects.filter(
                community_id=OuterRef("pk"), starts_on__lte=day, ends_on__gte=day, mode__in=PROFESSIONAL_MODES
            )
        )

    # DISTINCT: a property company's scope joins its contracts (communities_for), one row per contract
    counted = list(
        base.order_by()
        .values("division_id", "division__path")
        .annotate(
            n=Count("pk", distinct=True),
            **{f"c{i}": Count("pk", distinct=True, filter=in_force(day)) for i, day in enumerate(days)},
        )
    )
    paths: set[str] = set()
    for row in counted:
        parts = row["division__path"].split("/")
        paths.update("/".join(parts[: k + 1]) for k in range(len(parts)))
    nodes: dict[int, dict[str, Any]] = {
        d["id"]: dict(d)
        for d in Division.objects.filter(path__in=paths).values("id", "code", "name", "level", "parent_id")
    }

    def up_to(node: dict[str, Any] | None, level: str) -> dict[str, Any] | None:
        # the division itself or its nearest ancestor at ``level`` (Division.district, _street_of)
        while node is not None and node["level"] != level:
            node = nodes.get(node["parent_id"])
        return node

    # each counted division → (its street, or itself when it has none; the street's district name)
    streets: dict[int, tuple[dict[str, Any], str]] = {}
    for row in counted:
        leaf = nodes[row["division_id"]]
        street = up_to(leaf, DivisionLevel.STREET) or leaf
        district = up_to(street, DivisionLevel.DISTRICT)
        streets[row["division_id"]] = (street, district["name"] if district else "")
    return [_coverage_of_day(day, counted, streets, f"c{i}") for i, day in enumerate(days)]


def _coverage_of_day(
    day: dt.date,
    counted: list[dict[str, Any]],
    streets: dict[int, tuple[dict[str, Any], str]],
    covered_key: str,
) -> dict[str, Any]:
    rows: dict[int, dict[str, Any]] = {}
    for count in counted:
        street, district = streets[count["division_id"]]
        row = rows.setdefault(
            street["id"],
            {
                "street": street["name"],
                "street_code": street["code"],
                "district": district,
                "communities": 0,
                "covered": 0,
            },
        )
        row["communities"] += count["n"]
        row["covered"] += count[covered_key]
    out = sorted(rows.values(), key=lambda r: r["street_code"])
    for row in out:
        row["share"] = round(row["covered"] / row["communities"], 4) if row["communities"] else None
    by_district: dict[str, dict[str, Any]] = {}
    for row in out:
        d = by_district.setdefault(
            row["district"], {"district": row["district"], "communities": 0, "covered": 0}
        )
        d["communities"] += row["communities"]
        d["covered"] += row["covered"]
    for d in by_district.values():
        d["share"] = round(d["covered"] / d["communities"], 4) if d["communities"] else None
    total = sum(r["communities"] for r in out)
    covered = sum(r["covered"] for r in out)
    return {
        "on": day.isoformat(),
        "streets": out,
        "districts": list(by_district.values()),
        "communities": total,
        "covered": covered,
        "share": round(covered / total, 4) if total else None,
    }


def coverage_series(
    user: Any, *, division: Division | None = None, quarters: int = 8
) -> list[dict[str, Any]]:
    """Coverage at the end of each of the last ``quarters`` quarters (and today, the last), oldest first — two
    queries for all of them (:func:`coverage_on_days`)."""
    today = timezone.localdate()
    days = []
    year, quarter = today.year, (today.month - 1) // 3  # the quarter before the current one
    for _ in range(quarters):
        if quarter == 0:
            year, quarter = year - 1, 4
        end_month = quarter * 3
        days.append(rules.add_months(dt.date(year, end_month, 1), 1) - dt.timedelta(days=1))
        quarter -= 1
    days = sorted(days) + [today]
    return coverage_on_days(user, division=division, days=days)


def districts_for(user: Any) -> list[Division]:
    """Districts the user may pick on the coverage page."""
    if user.division_id is None:
        return []
    division = user.division
    if division.level == DivisionLevel.DISTRICT:
        return [division]
    if division.level == DivisionLevel.CITY:
        return list(
            Division.objects.filter(parent=division, level=DivisionLevel.DISTRICT)
            .defer("boundary")
            .order_by("code")
        )
    return []


# --- maintenance fund -----------------------------------------------------------------------------------------------


def fund_entries(community: Community) -> QuerySet[FundEntry]:
    return FundEntry.objects.filter(community=community).select_related("ballot").order_by("on", "id")


def disclosures(community: Community) -> QuerySet[FundDisclosure]:
    return FundDisclosure.objects.filter(community=community).order_by("-period_end", "-id")


def conventions(community: Community) -> QuerySet[Convention]:
    return Convention.objects.filter(community=community).select_related("ballot")


def get_convention(user: Any, pk: Any) -> Convention:
    obj = Convention.objects.filter(pk=pk, community__in=communities_for(user)).first()
    if obj is None:
        raise _not_found()
    return obj


def public_convention(pk: Any) -> Convention:
    obj = Convention.objects.filter(pk=pk).select_related("community").first()
    if obj is None:
        raise _not_found()
    public_community(obj.community_id)
    return obj


def disclosure_due(community: Community, on: dt.date | None = None) -> bool:
    """Whether the fund's last disclosure is older than the rule set's interval (or there is none)."""
    day = on or timezone.localdate()
    last = disclosures(community).first()
    if last is None:
        return FundEntry.objects.filter(community=community).exists()
    return rules.add_months(last.period_end, rules.disclosure_interval_months(day)) < day


# --- follow-ups, issues and health ----------------------------------------------------------------------------------


def followups_for(user: Any) -> QuerySet[FollowUp]:
    from gaizao.delivery.selectors import deliveries_for

    return FollowUp.objects.filter(delivery__in=deliveries_for(user)).select_related(
        "delivery__project", "inspection"
    )


def get_followup(user: Any, pk: Any) -> FollowUp:
    obj = followups_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def finding_community(user: Any, finding: Finding) -> Community:
    """The first community of a finding's project that ``user`` reads (the page to go back to)."""
    community = (
        communities_for(user)
        .filter(pk__in=finding.inspection.delivery.project.communities.values("pk"))
        .order_by("code")
        .first()
    )
    if community is None:
        raise _not_found()
    return community


def is_late(followup: FollowUp, on: dt.date | None = None) -> bool:
    """A follow-up not done by its due date plus the rule set's window."""
    day = on or timezone.localdate()
    window = dt.timedelta(days=rules.followup_rules(day).window_days)
    return not followup.done and followup.due_on + window < day


def community_followups(community: Community) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(delivery__project__communities=community)
        .select_related("delivery__project", "inspection", "report", "company")
        .distinct()
    )


def followup_findings(community: Community) -> QuerySet[Finding]:
    return (
        Finding.objects.filter(inspection__followup__in=community_followups(community))
        .select_related("inspection__followup", "order__party")
        .order_by("inspection__inspected_at", "id")
    )


def is_closed(finding: Finding) -> bool:
    order = getattr(finding, "order", None)
    return order is not None and order.state == OrderState.CLOSED


def open_issues(community: Community, at: dt.datetime) -> int:
    """Residents' reports not closed and follow-up orders not closed at ``at``."""
    reports = SupervisionReport.objects.filter(community=community, created_at__lte=at).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=at)
    )
    orders = RectificationOrder.objects.filter(
        finding__inspection__followup__delivery__project__communities=community, issued_at__lte=at
    ).filter(Q(closed_at__isnull=True) | Q(closed_at__gt=at))
    return reports.count() + orders.distinct().count()


def _satisfaction(community: Community, at: dt.datetime) -> float | None:
    survey = (
        EvaluationSurvey.objects.filter(community=community, status=SurveyStatus.CLOSED, closed_at__lte=at)
        .order_by("-closed_at")
        .first()
    )
    if survey is None or not survey.results:
        return None
    value = survey.results.get("overall_mean")
    return float(value) if value is not None else None


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = rules.add_months(day, 1)
    return out


def health_series(community: Community, *, months: int = 24) -> dict[str, Any]:
    """The community's health month by month since handover (at most ``months``): open issues, fee collection
    rate, fund balance and residents' satisfaction (mean 1..5 of the latest closed evaluation)."""
    today = timezone.localdate()
    starts = [
        services.handed_over_on(d) for d in handed_over_deliveries(community) if services.handed_over_on(d)
    ]
    first = min([d for d in starts if d is not None], default=today)
    first = max(first, rules.add_months(today.replace(day=1), -(months - 1)))
    fees = {f.month: f for f in FeeCollection.objects.filter(community=community)}
    labels, issues, collection, balance, satisfaction = [], [], [], [], []
    for month in _month_starts(first, today):
        end = min(rules.add_months(month, 1) - dt.timedelta(days=1), today)
        at = timezone.make_aware(dt.datetime.combine(end, dt.time.max))
        labels.append(f"{month:%Y-%m}")
        issues.append(open_issues(community, at))
        fee = fees.get(month)
        collection.append(round(float(fee.collected / fee.billed), 4) if fee else None)
        balance.append(str(services.fund_balance(community, end)))
        satisfaction.append(_satisfaction(community, at))
    return {
        "months": labels,
        "open_issues": issues,
        "fee_collection": collection,
        "fund_balance": balance,
        "satisfaction": satisfaction,
    }


# --- the 六有 scorecard ---------------------------------------------------------------------------------------------


#: Names of the scorecard's facts (zh, en).
FACT_NAMES = {
    "followups_on_time": ("回访按时完成", "follow-ups on time"),
    "findings_closed": ("回访问题已销号", "follow-up findings closed"),
    "reports_closed": ("居民报事已办结", "residents' reports closed"),
    "reports_answered": ("居民报事已答复", "residents' reports answered"),
    "property_contract": ("有物业服务合同", "property contract in force"),
    "management_rules": ("已制定管理规约", "management rules adopted"),
    "residents_convention": ("已制定居民公约", "residents' convention adopted"),
    "fund_disclosed": ("维修资金按期公开", "fund disclosed on time"),
    "fee_collection": ("物业费收缴率（近12个月）", "fee collection (12 months)"),
}


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def scorecard_facts(community: Community, on: dt.date | None = None) -> dict[str, bool | Decimal | None]:
    """The recorded facts the 六有 scorecard weighs (booleans or shares 0..1; None: not applicable yet)."""
    return scorecard_facts_many([community.pk], on)[community.pk]


def scorecard_facts_many(
    community_ids: list[int], on: dt.date | None = None
) -> dict[int, dict[str, bool | Decimal | None]]:
    """:func:`scorecard_facts` of many communities at once, in a fixed number of queries (one per kind of record,
    whatever the number of communities)."""
    day = on or timezone.localdate()
    ids = list(community_ids)
    window = dt.timedelta(days=rules.followup_rules(day).window_days)
    cid = F("delivery__project__communities")
    # handed over since: the last handover recorded, else the day of the stage move (services.handed_over_on)
    since: dict[int, dt.date] = {}
    for row in (
        Delivery.objects.filter(stage=Stage.HANDED_OVER, project__communities__in=ids)
        .annotate(cid=F("project__communities"), last=Max("handovers__handed_on"))
        .values("cid", "last", "stage_changed_at")
    ):
        changed = row["stage_changed_at"] or timezone.now()
        handed = row["last"] or timezone.localtime(changed).date()
        since[row["cid"]] = min(since.get(row["cid"], handed), handed)
    followups: dict[int, list[bool]] = {i: [] for i in ids}
    for row in (
        FollowUp.objects.filter(delivery__project__communities__in=ids, months__isnull=False, due_on__lte=day)
        .annotate(cid=cid)
        .values("cid", "due_on", "inspection__inspected_at")
        .distinct()
    ):
        at = row["inspection__inspected_at"]
        followups[row["cid"]].append(
            at is not None and timezone.localtime(at).date() <= row["due_on"] + window
        )
    findings: dict[int, list[bool]] = {i: [] for i in ids}
    for row in (
        Finding.objects.filter(inspection__followup__delivery__project__communities__in=ids)
        .annotate(cid=F("inspection__followup__delivery__project__communities"))
        .values("cid", "pk", "order__state")
        .distinct()
    ):
        findings[row["cid"]].append(row["order__state"] == OrderState.CLOSED)
    reports: dict[int, list[str]] = {i: [] for i in ids}
    for report in SupervisionReport.objects.filter(community__in=ids).values(
        "community_id", "status", "created_at"
    ):
        first = since.get(report["community_id"])
        if first is None or timezone.localtime(report["created_at"]).date() >= first:
            reports[report["community_id"]].append(report["status"])
    fees = {
        row["community_id"]: (row["billed"], row["collected"])
        for row in FeeCollection.objects.filter(community__in=ids, month__gte=rules.add_months(day, -12))
        .values("community_id")
        .annotate(billed=Sum("billed"), collected=Sum("collected"))
    }
    contracted = set(
        PropertyContract.objects.filter(community__in=ids, starts_on__lte=day, ends_on__gte=day).values_list(
            "community_id", flat=True
        )
    )
    conventions = set(Convention.objects.filter(community__in=ids).values_list("community_id", "kind"))
    with_fund = set(FundEntry.objects.filter(community__in=ids).values_list("community_id", flat=True))
    last_disclosed = dict(
        FundDisclosure.objects.filter(community__in=ids)
        .values("community_id")
        .annotate(last=Max("period_end"))
        .values_list("community_id", "last")
    )
    interval = rules.disclosure_interval_months(day)
    out: dict[int, dict[str, bool | Decimal | None]] = {}
    for i in ids:
        statuses = reports[i]
        billed, collected = fees.get(i, (None, None))
        last = last_disclosed.get(i)
        due = i in with_fund if last is None else rules.add_months(last, interval) < day
        out[i] = {
            "followups_on_time": _share(sum(followups[i]), len(followups[i])),
            "findings_closed": _share(sum(findings[i]), len(findings[i])),
            "reports_closed": _share(sum(1 for x in statuses if x == ReportStatus.CLOSED), len(statuses)),
            "reports_answered": _share(sum(1 for x in statuses if x != ReportStatus.OPEN), len(statuses)),
            "property_contract": i in contracted,
            "management_rules": (i, ConventionKind.MANAGEMENT_RULES) in conventions,
            "residents_convention": (i, ConventionKind.RESIDENTS_CONVENTION) in conventions,
            "fund_disclosed": (not due) if i in with_fund else None,
            "fee_collection": (collected / billed).quantize(Decimal("0.0001")) if billed else None,
        }
    return out


def _evaluation_means_many(community_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Per community the goal means of its latest closed evaluation (one query)."""
    out: dict[int, dict[str, Decimal]] = {}
    seen: set[int] = set()
    for survey in EvaluationSurvey.objects.filter(
        community__in=community_ids, status=SurveyStatus.CLOSED
    ).order_by("community_id", "-closed_at", "-id"):
        if survey.community_id in seen:
            continue
        seen.add(survey.community_id)
        out[survey.community_id] = {
            g["goal"]: Decimal(str(g["mean"]))
            for g in (survey.results or {}).get("goals", [])
            if g.get("mean") is not None
        }
    return out


def scorecard(community: Community, on: dt.date | None = None) -> dict[str, Any]:
    """The 六有 scorecard of a community after handover: per goal the residents' mean (latest closed evaluation),
    the facts, the weights of the rule set and the score 0..100; the overall score is the mean of scored goals."""
    return scorecards([community], on)[0]


def scorecards(communities: list[Community], on: dt.date | None = None) -> list[dict[str, Any]]:
    """The scorecards of ``communities`` (in that order), computed together in a fixed number of queries."""
    day = on or timezone.localdate()
    table = rules.scorecard_rules(day)
    weights = {g.goal: g for g in table.goals}
    ids = [c.pk for c in communities]
    facts_of = scorecard_facts_many(ids, day)
    means_of = _evaluation_means_many(ids)
    liuyou = [(goal, weights[goal.id]) for goal in liuyou_goals() if goal.id in weights]
    out: list[dict[str, Any]] = []
    for community in communities:
        facts, means = facts_of[community.pk], means_of.get(community.pk, {})
        goals: list[dict[str, Any]] = []
        for goal, w in liuyou:
            score = rules.goal_score(w, evaluation_mean=means.get(goal.id), facts=facts)
            goals.append(
                {
                    "goal": goal.id,
                    "name_zh": goal.name_zh,
                    "name_en": goal.name_en,
                    "evaluation_mean": str(means[goal.id]) if goal.id in means else None,
                    "evaluation_weight": str(w.evaluation),
                    "facts_weight": str(w.facts),
                    "facts": {f: _fact_out(facts.get(f)) for f in w.fact_ids},
                    "fact_rows": [_fact_row(f, facts.get(f)) for f in w.fact_ids],
                    "score": str(score) if score is not None else None,
                }
            )
        scored = [Decimal(g["score"]) for g in goals if g["score"] is not None]
        overall = (sum(scored, Decimal(0)) / len(scored)).quantize(Decimal("0.1")) if scored else None
        out.append(
            {
                "community": community.pk,
                "community_name": community.name,
                "on": day.isoformat(),
                "clause": table.clause,
                "verified": table.verified,
                "goals": goals,
                "overall": str(overall) if overall is not None else None,
            }
        )
    return out


def _fact_row(fact_id: str, value: bool | Decimal | None) -> dict[str, str]:
    zh, en = FACT_NAMES.get(fact_id, (fact_id, fact_id))
    if value is None:
        text = "—"
    elif isinstance(value, bool):
        text = "是 / yes" if value else "否 / no"
    else:
        text = f"{(value * 100).quantize(Decimal('0.1'))}%"
    return {"id": fact_id, "name_zh": zh, "name_en": en, "value": text}


def _fact_out(value: bool | Decimal | None) -> bool | str | None:
    if isinstance(value, Decimal):
        return str(value)
    return value


def scorecards_for(user: Any, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The scorecards of every stewarded community ``user`` reads, in a fixed number of queries."""
    return scorecards(list(communities_for(user).order_by("code")), on)
