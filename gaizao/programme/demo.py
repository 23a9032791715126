"""Demo programme (示例数据): unit rates, a few projects in 上城区 and 西湖区 in different pools and states, built on
the registry's demo communities, and next year's annual plan of 上城区 in draft. Idempotent and fast; skipped
gracefully when the registry demo has no communities yet.

Every write goes through the services, as the demo accounts, so the audit trail reads like real use.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.divisions.models import Division

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
            # 清波新村: planning, plan finalised, consultation open (water still to answer), plan on publication.
            a = services.project_create(actor=shangcheng, community_ids=[sc[0].pk], is_sample=True)
            services.project_move(actor=shangcheng, project=a, to="planning", reason="示例 / sample")
            _plan(shangcheng, a, finalise=True)
            _consent_vote(a)
            consultation = services.consultation_start(actor=shangcheng, project=a, now=now)
            for opinion in consultation.opinions.exclude(department__in=["water", "gas"]):
                services.consultation_record_opinion(
                    actor=shangcheng,
                    consultation=consultation,
                    department=opinion.department,
                    decision="agree",
                    simplified_approvals="施工许可与管线审批合并办理"
                    if opinion.department == "housing_construction"
                    else "",
                    now=now,
                )
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
    counts = {
        "unit_rates": rates,
        "projects": Project.objects.filter(is_sample=True).count(),
        "created": created,
    }
    out(f"项目 / programme: {counts}（示例数据 / sample data）")
    return counts
