"""Demo programme (示例数据): unit rates, the accounts of the consultation departments and utilities, a few
projects in 上城区 and 西湖区 in different pools and states, built on the registry's demo communities, next year's
annual plan of 上城区 in draft and 西湖区's submitted, awaiting the three bureaus' review. Idempotent and fast;
skipped gracefully when the registry demo has no communities yet.

Every write goes through the services, as the demo accounts, so the audit trail reads like real use: each
department records its own consultation opinion from its own account (:func:`answer_consultation`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.divisions.models import Division
from gaizao.programme.extensions import prepare_sample

#: City default unit rates (yuan per catalogue unit) — illustrative figures for the demo, not a price list.
RATES_BY_UNIT = {
    "m": "650",
    "m²": "180",
    "台": "600000",
    "个": "12000",
    "处": "25000",
    "户": "1500",
    "项": "200000",
}
RATES = {
    "rain_sewage_separation": "850",
    "secondary_water_supply": "350000",
    "facade_repair": "160",
    "roof_repair": "220",
    "roads": "320",
    "greening": "120",
    "parking": "15000",
    "ev_ebike_charging": "3000",
    "elderly_care": "4500",
    "community_service_center": "5000",
    "fiber_to_home": "800",
    "barrier_free": "9000",
    "lighting": "6000",
    "fire_protection": "180000",
    "security": "150000",
    "property_service": "60000",
    "maintenance_fund": "50000",
    "management_rules": "10000",
}
#: 西湖区's own rates for a few items (a district may price differently).
XIHU_RATES = {"facade_repair": "175", "roads": "340", "parking": "16000"}

BASE_ITEMS = [
    ("rain_sewage_separation", lambda c: Decimal(c.households or 200) * 3),
    ("facade_repair", lambda c: (c.building_area_m2 or Decimal(10000)) * Decimal("0.6")),
    ("roads", lambda c: Decimal(1500)),
    ("fire_protection", lambda c: Decimal(1)),
    ("security", lambda c: Decimal(1)),
    ("parking", lambda c: Decimal(20)),
    ("elevator_retrofit", lambda c: Decimal(2)),
    ("barrier_free", lambda c: Decimal(6)),
    ("property_service", lambda c: Decimal(1)),
]


#: Accounts of the consultation departments (三(二)) and the utilities besides the ``water`` account: username,
#: name, department id of the rule set, utility or not. Municipal (杭州市) scope: they answer for every district.
DEPARTMENT_ACCOUNTS = [
    ("zhujian", "住建部门（会商）", "housing_construction", False),
    ("fagai", "发改部门（会商）", "development_reform", False),
    ("caizheng", "财政部门（会商）", "finance", False),
    ("guihua", "规划和自然资源部门（会商）", "planning_natural_resources", False),
    ("yuanwen", "园林文物部门（会商）", "gardens_culture", False),
    ("chengguan", "城管部门（会商）", "urban_management", False),
    ("minzheng", "民政部门（会商）", "civil_affairs", False),
    ("dianli", "国网杭州供电公司", "power", True),
    ("ranqi", "杭州市燃气集团", "gas", True),
    ("tongxin", "杭州通信运营商", "telecom", True),
]


def load_department_accounts() -> int:
    """Create or reset the departments' and utilities' demo accounts (password ``gaizao-demo``). Idempotent."""
    from django.contrib.auth.hashers import make_password

    from gaizao.accounts.demo import DEMO_PASSWORD
    from gaizao.accounts.models import Role, User

    city = Division.objects.filter(code="330100").first()
    if city is None:
        return 0
    hashed = make_password(DEMO_PASSWORD)
    for username, name, department, utility in DEPARTMENT_ACCOUNTS:
        User.objects.update_or_create(
            username=username,
            defaults={
                "display_name": name,
                "role": Role.UTILITY if utility else Role.DEPARTMENT,
                "division": city,
                "department": "" if utility else department,
                "utility_kind": department if utility else "",
                "is_active": True,
                "password": hashed,
            },
        )
    return len(DEPARTMENT_ACCOUNTS)


def answer_consultation(
    consultation: Any,
    *,
    now: Any = None,
    skip: tuple[str, ...] = (),
    simplified_approvals: str = "施工许可与管线审批合并办理",
) -> int:
    """Each invited department (but ``skip``) agrees from its own demo account; 住建 lists the approvals it
    simplifies. Returns how many opinions were recorded."""
    from gaizao.programme import services

    load_department_accounts()  # idempotent: a demo loaded without the programme demo still has them
    n = 0
    for opinion in consultation.opinions.exclude(department__in=skip):
        account = next(iter(services.department_accounts(consultation, opinion.department)), None)
        if account is None:
            raise LookupError(f"no demo account answers for department {opinion.department!r}")
        services.consultation_record_opinion(
            actor=account,
            consultation=consultation,
            department=opinion.department,
            decision="agree",
            simplified_approvals=simplified_approvals if opinion.department == "housing_construction" else "",
            now=now,
        )
        n += 1
    return n


def _user(username: str) -> Any:
    from gaizao.accounts.models import User

    return User.objects.filter(username=username).select_related("division").first()


def load_rates() -> int:
    from gaizao.policy.catalogue import catalogue_items
    from gaizao.programme.services import unit_rate_set

    city = Division.objects.filter(code="330100").first()
    xihu = Division.objects.filter(code="330106").first()
    if city is None:
        return 0
    n = 0
    for item in catalogue_items():
        rate = RATES.get(item.id) or RATES_BY_UNIT.get(item.unit, "100000")
        unit_rate_set(actor=None, division=city, item_id=item.id, rate=rate, is_sample=True)
        n += 1
    if xihu is not None:
        for item_id, rate in XIHU_RATES.items():
            unit_rate_set(actor=None, division=xihu, item_id=item_id, rate=rate, is_sample=True)
            n += 1
    return n


def _candidates(district_code: str, *, prefer: str = "") -> list[Any]:
    from gaizao.programme.models import ProjectCommunity
    from gaizao.registry.models import Community, ScopeStatus

    busy = set(ProjectCommunity.objects.values_list("community_id", flat=True))
    qs = (
        Community.objects.filter(
            district_code=district_code,
            is_sample=True,
            archived_at__isnull=True,
            scope_status__in=[ScopeStatus.PRIORITY, ScopeStatus.MAY_INCLUDE],
        )
        .exclude(pk__in=busy)
        .select_related("division")
        .order_by("code")
    )
    rows = list(qs[:40])
    rows.sort(key=lambda c: (c.name != prefer, c.code))
    return rows


def _consent_vote(project: Any) -> None:
    """The community organiser runs the renovation consent ballot of the project on the complete roll (when the
    community has one): most owners agree door to door; the result stands for the project's consent."""
    from gaizao.participation import services as participation
    from gaizao.participation.demo import sample_scan
    from gaizao.programme import services

    organiser = _user("qingbomen")
    community = project.communities.order_by("code").first()
    if organiser is None or not community.buildings.filter(units__isnull=False).exists():
        return
    link = services.project_ballot_create(
        actor=organiser,
        project=project,
        community_id=community.pk,
        purpose="renovation_consent",
        is_sample=True,
    )
    ballot = participation.ballot_open(actor=organiser, ballot_id=link.ballot_id)
    owners = sorted(set(ballot.roll.exclude(owner__isnull=True).values_list("owner_id", flat=True)))
    for i, owner_id in enumerate(owners):
        if i % 10 == 9:
            continue  # not reached
        participation.vote_cast(
            actor=organiser,
            ballot_id=ballot.pk,
            owner_id=owner_id,
            choice="no" if i % 17 == 16 else "yes",
            channel="door_to_door",
            witness_name="示例见证人",
            scan=sample_scan(owner_id),
        )
    participation.ballot_close(actor=organiser, ballot_id=ballot.pk)


def _plan(officer: Any, project: Any, *, finalise: bool) -> None:
    """Save a plan pre-filled from the recommendations, then a second version whose funding adds up. The elevator
    retrofit concerns stairwell 1 of the first building when the community has buildings (RULES §6a)."""
    from gaizao.programme import selectors, services

    community = project.communities.order_by("code").first()
    first_building = community.buildings.order_by("code").first()
    stairwells = [{"building_id": first_building.pk, "stairwell": "1"}] if first_building is not None else []
    items: dict[str, dict[str, Any]] = {}
    for item_id, qty in BASE_ITEMS:
        items[item_id] = {
            "item_id": item_id,
            "quantity": str(qty(community).quantize(Decimal(1))),
            "origin": "manual",
        }
    for rec in selectors.plan_recommendations(project)[:4]:
        items.setdefault(rec["item_id"], {"item_id": rec["item_id"], "quantity": "1"})["origin"] = rec[
            "origin"
        ]
    first = services.plan_save(
        actor=officer,
        project=project,
        mode="comprehensive_improvement",
        delivery_mode="epc",
        items=list(items.values()),
        funding={},
        note="初稿（示例数据）/ first draft (sample data)",
        elevator_stairwells=stairwells,
    )
    estimate, subsidy = first.estimate, min(first.subsidy_amount, first.estimate)
    utilities = (estimate * Decimal("0.05")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    residents = (estimate * Decimal("0.03")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    funding = {
        "municipal_subsidy": str(subsidy),
        "utilities": str(utilities),
        "resident_payment": str(residents),
        "district_funds": str(estimate - subsidy - utilities - residents),
    }
    services.plan_save(
        actor=officer,
        project=project,
        mode="comprehensive_improvement",
        delivery_mode="epc",
        items=list(items.values()),
        funding=funding,
        note="资金平衡稿（示例数据）/ funding balanced (sample data)",
    )
    if finalise:
        services.plan_finalise(actor=officer, project=project)


@transaction.atomic
def load_demo(out: Callable[[str], None] = print) -> dict[str, int]:
    from gaizao.programme import services
    from gaizao.programme.models import AnnualPlan, Project

    rates = load_rates()
    departments = load_department_accounts()
    shangcheng, xihu = _user("shangcheng"), _user("xihu")
    if shangcheng is None or xihu is None:
        out("项目 / programme: 跳过，缺少演示账号 / skipped, demo accounts missing")
        return {"unit_rates": rates}
    created = 0
    if not Project.objects.filter(is_sample=True).exists():
        sc = _candidates("330102", prefer="清波新村")
        xh = _candidates("330106")
        if not sc and not xh:
            out("项目 / programme: 跳过，登记库没有示例小区 / skipped, no registry demo communities yet")
            return {"unit_rates": rates}
        now = timezone.now()
        if sc:
            # 清波新村: planning, plan finalised, consultation open (water, gas and 民政 still to answer), plan on
            # publication.
            a = services.project_create(actor=shangcheng, community_ids=[sc[0].pk], is_sample=True)
            services.project_move(actor=shangcheng, project=a, to="planning", reason="示例 / sample")
            _plan(shangcheng, a, finalise=True)
            _consent_vote(a)
            consultation = services.consultation_start(actor=shangcheng, project=a, now=now)
            answer_consultation(consultation, now=now, skip=("water", "gas", "civil_affairs"))
            # the district reminds those that have not answered (their accounts get a notice)
            services.consultation_remind(actor=shangcheng, consultation=consultation, now=now)
            publication = services.publication_start(actor=shangcheng, project=a, days=7, now=now)
            services.publication_comment_add(
                publication=publication,
                name="王小明",
                contact="13800001234",
                body="希望增加非机动车充电位。（示例数据）",
                now=now,
            )
            created += 1
        for community, to, with_plan in zip(sc[1:3], ["reserve", "planning"], [False, True], strict=False):
            p = services.project_create(actor=shangcheng, community_ids=[community.pk], is_sample=True)
            if to == "planning":
                services.project_move(actor=shangcheng, project=p, to="planning", reason="示例 / sample")
            if with_plan:
                _plan(shangcheng, p, finalise=False)
            created += 1
        for community, to, with_plan in zip(xh[:2], ["planning", "reserve"], [True, False], strict=False):
            p = services.project_create(actor=xihu, community_ids=[community.pk], is_sample=True)
            if to == "planning":
                services.project_move(actor=xihu, project=p, to="planning", reason="示例 / sample")
            if with_plan:
                _plan(xihu, p, finalise=True)
                services.consultation_start(actor=xihu, project=p, now=now)
            created += 1
    district = Division.objects.filter(code="330102").first()
    year = timezone.localdate().year + 1
    if district is not None and not AnnualPlan.objects.filter(district=district, plan_year=year).exists():
        services.annual_plan_compile(actor=shangcheng, district=district, plan_year=year, is_sample=True)
    submitted = _submitted_annual_plan(xihu, year)
    counts = {
        "unit_rates": rates,
        "department_accounts": departments,
        "submitted_annual_plans": submitted,
        "projects": Project.objects.filter(is_sample=True).count(),
        "created": created,
    }
    out(f"项目 / programme: {counts}（示例数据 / sample data）")
    return counts


# --- 西湖区: an implementing project and next year's annual plan submitted to the three bureaus ---------------------


def ensure_sample_roll(community: Any) -> None:
    """A community without an owners' roll gets a small sample one (one building, six owners) so it can vote."""
    from gaizao.registry.models import Building, Owner, Unit

    if Unit.objects.filter(building__community=community, owner__isnull=False).exists():
        return
    building, _ = Building.objects.get_or_create(
        community=community,
        code="示例1",
        defaults={"floors": 6, "stairwells": 1, "built_year": community.built_year},
    )
    for n in range(1, 7):
        owner = Owner.objects.create(division=community.division, name=f"示例业主{n}", is_sample=True)
        Unit.objects.create(
            building=building, stairwell="1", number=f"{n}01", area_registered_m2=Decimal("65"), owner=owner
        )
    # A complete roll (the gate before a binding ballot): the recorded households and buildings are the sample's.
    type(community).objects.filter(pk=community.pk).update(households=6, building_count=1)


def _ballot_passes(ballot_id: int, officer: Any, witness: str) -> None:
    """Open the ballot; every owner on its roll says yes door to door; close it."""
    from gaizao.participation import services as participation
    from gaizao.participation.demo import sample_scan

    ballot = participation.ballot_open(actor=officer, ballot_id=ballot_id)
    for owner_id in sorted(set(ballot.roll.exclude(owner__isnull=True).values_list("owner_id", flat=True))):
        participation.vote_cast(
            actor=officer,
            ballot_id=ballot.pk,
            owner_id=owner_id,
            choice="yes",
            channel="door_to_door",
            witness_name=witness,
            scan=sample_scan(owner_id),
        )
    participation.ballot_close(actor=officer, ballot_id=ballot.pk)


def _submitted_annual_plan(officer: Any, year: int) -> int:
    """西湖区 takes one project through every condition to 实施 and submits next year's plan listing it, so the
    three bureaus (市建委, 市发改委, 市规划和自然资源局) find it awaiting their review. Returns 1 when submitted."""
    import datetime as dt

    from gaizao.participation import services as participation
    from gaizao.programme import services
    from gaizao.programme.models import AnnualPlan, Plan

    district = Division.objects.filter(code="330106").first()
    if district is None or AnnualPlan.objects.filter(district=district, plan_year=year).exists():
        return 0
    candidates = _candidates("330106")
    if not candidates:
        return 0
    community = candidates[0]
    ensure_sample_roll(community)
    now = timezone.now()
    earlier = now - dt.timedelta(days=30)
    project = services.project_create(actor=officer, community_ids=[community.pk], is_sample=True)
    services.project_move(actor=officer, project=project, to="planning", reason="示例 / sample")
    _plan(officer, project, finalise=True)
    consultation = services.consultation_start(actor=officer, project=project, now=earlier)
    answer_consultation(consultation, now=earlier)
    services.consultation_complete(
        actor=officer,
        consultation=consultation,
        summary="各部门同意（示例）/ all agree (sample)",
        now=earlier,
    )
    services.publication_start(actor=officer, project=project, days=7, now=earlier)
    for purpose in ("renovation_consent", "plan_approval"):
        link = services.project_ballot_create(
            actor=officer, project=project, community_id=community.pk, purpose=purpose, is_sample=True
        )
        _ballot_passes(link.ballot_id, officer, "社区工作人员（示例）")
    version = Plan.objects.select_related("current_version").get(project=project).current_version
    for entry in version.elevator_stairwells if version is not None else []:
        ballot = participation.ballot_create(
            actor=officer,
            community_id=community.pk,
            purpose="elevator",
            scope_kind="stairwell",
            building_id=entry["building_id"],
            stairwell=entry["stairwell"],
            question=f"{community.name}加装电梯（示例）",
            is_sample=True,
        )
        _ballot_passes(ballot.pk, officer, "楼道长（示例）")
    # the conditions apps above programme add (the management plan of 四(四)), met through their own services
    prepare_sample(project=project, actor=officer, now=now)
    services.project_move(actor=officer, project=project, to="implementing", reason="示例 / sample", now=now)
    plan = services.annual_plan_compile(actor=officer, district=district, plan_year=year, is_sample=True)
    services.annual_plan_submit(actor=officer, annual_plan=plan, now=now)
    return 1
