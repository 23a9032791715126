"""Demo long-term management (示例数据) on a handed-over demo project: the plan agreed with the renovation plan,
the owners' ballots (matter 4 fee and company, matter 6 top-up at 3/4, matter 2 管理规约) voted door to door by
the community, the property contract with a demo company and its account ``wuye``, the maintenance fund with its
top-up and public disclosure, both conventions, six months of fee collection, the follow-up schedule, the 6-month
follow-up inspection and the 12-month one whose finding is rectified and closed through delivery's order flow —
each on its day after the handover (delivery's demo hands over about 13 months ago, so the 24-month one is still
to come).

Prerequisite: a delivery in stage 移交 (handed_over) — from delivery's demo — whose community has owners on the
registry roll. Without it the loader says so and skips. Every write goes through the services, as demo accounts.
Idempotent: a second run finds the sample plan and stops.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from gaizao.accounts.access import can_write
from gaizao.accounts.models import Role, User
from gaizao.delivery.models import (
    ContractKind,
    Delivery,
    Organisation,
    OrganisationKind,
    OrganisationMember,
    Stage,
)
from gaizao.policy import delivery as delivery_rules
from gaizao.policy.stewardship import add_months
from gaizao.registry.models import Unit
from gaizao.stewardship import services
from gaizao.stewardship.models import ManagementPlan, PropertyContract

COMPANY_CODE17 = "91330102MA2D0WY01"
#: A one-page PDF stands in for the adopted texts.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _at(day: dt.date) -> dt.datetime:
    """``day`` at 10 o'clock local time, never later than now (the moment a back-dated demo step took place)."""
    return min(timezone.make_aware(dt.datetime.combine(day, dt.time(10))), timezone.now())


def _officer(division: Any, *roles: str) -> User | None:
    for user in User.objects.filter(role__in=roles, is_active=True).select_related("division").order_by("pk"):
        if can_write(user, division):
            return user
    return None


def _ballot(actor: User, community: Any, owner_ids: list[int], *, matter: int, question: str) -> Any:
    from gaizao.participation import services as participation
    from gaizao.participation.demo import sample_scan

    ballot = participation.ballot_create(
        actor=actor,
        community_id=community.pk,
        purpose="other",
        matter=matter,
        question=question,
        is_sample=True,
    )
    participation.ballot_open(actor=actor, ballot_id=ballot.pk)
    no_every = 10  # one owner in ten votes no
    for i, owner_id in enumerate(owner_ids):
        participation.vote_cast(
            actor=actor,
            ballot_id=ballot.pk,
            owner_id=owner_id,
            choice="no" if i % no_every == no_every - 1 else "yes",
            channel="door_to_door",
            witness_name="楼道长（示例）",
            scan=sample_scan(owner_id),
        )
    return participation.ballot_close(actor=actor, ballot_id=ballot.pk)


def _company(officer: User) -> Organisation:
    from gaizao.delivery.services import organisation_create

    code = COMPANY_CODE17 + delivery_rules.credit_code_check_char(COMPANY_CODE17)
    existing = Organisation.objects.filter(credit_code=code).first()
    if existing is not None:
        return existing
    return organisation_create(
        actor=officer,
        name="杭州清波物业服务有限公司（示例）",
        credit_code=code,
        kind=OrganisationKind.PROPERTY_SERVICE,
        contact="周经理",
        phone="13800005678",
        is_sample=True,
    )


def _company_account(officer: User, company: Organisation) -> User:
    from gaizao.accounts.demo import DEMO_PASSWORD

    user = User.objects.filter(username="wuye").first()
    if user is None:
        user = User.objects.create_user(
            username="wuye",
            password=DEMO_PASSWORD,
            role=Role.PROPERTY_SERVICE,
            display_name="清波物业（示例）",
        )
    services.steward_member_link(actor=officer, user=user, organisation=company)
    return user


def _owner_ids(community: Any) -> list[int]:
    return sorted(
        set(
            Unit.objects.filter(
                building__community=community, owner__isnull=False, developer_held=False
            ).values_list("owner_id", flat=True)
        )
    )


PLAN_BALLOTS = (
    ("fee", 4, "选聘物业服务企业并确定物业服务费0.80元/㎡·月（示例）"),
    ("fund_top_up", 6, "续筹维修资金30万元（示例）"),
    ("management_rules", 2, "通过《小区管理规约》（示例）"),
)


@transaction.atomic
def agree_sample_plan(*, project: Any, actor: Any, now: Any = None) -> ManagementPlan:
    """Agree a sample project's management plan with its renovation plan (四(四)), before the move to 实施: each
    community's owners vote door to door on the fee and company (matter 4), the fund top-up (matter 6, 3/4) and the
    管理规约 (matter 2), and ``actor`` (an officer of the project) saves the plan and links the ballots.

    Registered with programme's conditions of 实施 (``gaizao.programme.extensions``) so that demo loaders below this
    app take their projects to 实施 through the same condition. Idempotent per community and decision."""
    plan = services.management_plan_save(
        actor=actor,
        project=project,
        mode="professional",
        fee_yuan_per_m2_month="0.80",
        fund_balance="120000.00",
        fund_top_up="300000.00",
        note="改造后引入专业物业，续筹维修资金，制定管理规约和居民公约（示例）",
        is_sample=True,
    )
    linked = set(plan.decisions.values_list("community_id", "decision"))
    for community in project.communities.select_related("division").order_by("code"):
        organiser = _officer(community.division, Role.COMMUNITY_ORGANISER, Role.STREET_IMPLEMENTER) or actor
        owner_ids = _owner_ids(community)
        for decision, matter, question in PLAN_BALLOTS:
            if (community.pk, decision) in linked:
                continue
            ballot = _ballot(organiser, community, owner_ids, matter=matter, question=question)
            services.plan_decision_link(
                actor=actor, plan=plan, community=community, decision=decision, ballot=ballot
            )
    return plan


@transaction.atomic
def load_demo(out: Callable[[str], None] = print) -> dict[str, int]:
    if PropertyContract.objects.filter(is_sample=True).exists():
        out("长效管理 / stewardship: 已有示例数据 / sample data present")
        return {"contracts": PropertyContract.objects.filter(is_sample=True).count()}
    delivery = (
        Delivery.objects.filter(stage=Stage.HANDED_OVER)
        .select_related("project__division")
        .order_by("-is_sample", "pk")
        .first()
    )
    if delivery is None:
        out("长效管理 / stewardship: 跳过，需要一个已移交的实施项目 / skipped, needs a handed-over delivery")
        return {}
    project = delivery.project
    community = project.communities.order_by("code").first()
    assert community is not None, "a handed-over project has its communities"
    officer = _officer(project.division, Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR)
    organiser = _officer(community.division, Role.COMMUNITY_ORGANISER, Role.STREET_IMPLEMENTER) or officer
    inspector = _officer(project.division, Role.STREET_IMPLEMENTER) or officer
    if officer is None or organiser is None or inspector is None or not _owner_ids(community):
        out(
            "长效管理 / stewardship: 跳过，缺少演示账号或业主名册 / skipped, demo accounts or owner roll missing"
        )
        return {}
    today = timezone.localdate()
    handed_on = services.handed_over_on(delivery) or today

    # the plan was agreed with the renovation plan, before the move to 实施 (delivery's demo: agree_sample_plan)
    plan = ManagementPlan.objects.filter(project=project).first()
    if plan is None:
        out(
            "长效管理 / stewardship: 跳过，项目没有长效管理方案 / skipped, the project has no management plan"
        )
        return {}
    ballots = {
        d.decision: d.ballot for d in plan.decisions.filter(community=community).select_related("ballot")
    }
    fee, top_up, rules = ballots.get("fee"), ballots.get("fund_top_up"), ballots.get("management_rules")

    company = _company(officer)
    _company_account(officer, company)
    services.property_contract_create(
        actor=officer,
        community=community,
        company=company,
        number=f"WY-{community.code}-{handed_on:%Y}",
        starts_on=handed_on,
        ends_on=add_months(handed_on, 36) - dt.timedelta(days=1),
        fee_yuan_per_m2_month="0.80",
        scope="保洁、秩序维护、绿化养护、共用部位及共用设施设备日常维修养护",
        ballot=fee,
        is_sample=True,
    )

    start = min(handed_on, today)
    services.fund_entry_record(
        actor=organiser,
        community=community,
        kind="opening",
        amount="120000.00",
        on=start,
        description="移交时维修资金余额",
        is_sample=True,
    )
    if top_up is not None:
        services.fund_entry_record(
            actor=organiser,
            community=community,
            kind="top_up",
            amount="300000.00",
            on=today,
            description="业主续筹维修资金",
            ballot=top_up,
            is_sample=True,
        )
    services.fund_disclose(
        actor=organiser,
        community=community,
        period_start=start,
        period_end=today,
        note="维修资金收支情况公示（示例）",
        is_sample=True,
    )
    if rules is not None:
        services.convention_adopt(
            actor=organiser,
            community=community,
            kind="management_rules",
            title=f"{community.name}管理规约",
            file=SimpleUploadedFile("management-rules.pdf", PDF, content_type="application/pdf"),
            adopted_on=today,
            ballot=rules,
            is_sample=True,
        )
    services.convention_adopt(
        actor=organiser,
        community=community,
        kind="residents_convention",
        title=f"{community.name}居民公约",
        file=SimpleUploadedFile("residents-convention.pdf", PDF, content_type="application/pdf"),
        adopted_on=today,
        is_sample=True,
    )
    for back in range(5, -1, -1):
        month = add_months(today.replace(day=1), -back)
        if month < handed_on.replace(day=1):
            continue
        services.fee_collection_record(
            actor=organiser,
            community=community,
            month=month,
            billed="24000.00",
            collected=f"{20400 + 300 * (5 - back)}.00",
            is_sample=True,
        )

    # follow-ups: the schedule; each one already due is inspected a few days after its due date — the 6-month one
    # found nothing, the 12-month one a leak the contractor rectified
    followups = services.followups_schedule(actor=officer, delivery=delivery)
    for followup in followups:
        if followup.months != 12 and not followup.done and followup.due_on + dt.timedelta(days=3) <= today:
            services.followup_record(
                actor=inspector,
                followup=followup,
                kind="quality",
                note=f"移交{followup.months}个月回访，未发现问题（示例）",
                now=_at(followup.due_on + dt.timedelta(days=3)),
            )
    twelve = next((f for f in followups if f.months == 12), followups[0])
    builder = delivery.project.contracts.filter(
        kind__in=[ContractKind.CONSTRUCTION, ContractKind.EPC]
    ).first()
    closed = 0
    if not twelve.done:
        # the 12-month follow-up on its day when it is due, else (a fresh handover) today
        inspected = twelve.due_on + dt.timedelta(days=3)

        def when(days: int) -> dt.datetime | None:
            return _at(inspected + dt.timedelta(days=days)) if inspected <= today else None

        inspection = services.followup_record(
            actor=inspector,
            followup=twelve,
            kind="quality",
            note="移交12个月回访（示例）",
            now=when(0),
            findings=[
                {
                    "description": "3幢屋面局部渗水（示例）",
                    "severity": "major",
                    "order": {"party": builder.party, "requirement": "保修期内修复屋面防水"}
                    if builder
                    else None,
                }
            ],
        )
        order = getattr(inspection.findings.get(), "order", None)
        member = OrganisationMember.objects.filter(organisation=order.party).first() if order else None
        if order is not None and member is not None:
            from gaizao.delivery import services as delivery_services

            delivery_services.order_reply(
                actor=member.user,
                order=order,
                body="已重做屋面防水层并闭水试验合格（示例）",
                evidence=SimpleUploadedFile(
                    "evidence.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"
                ),
                now=when(2),
            )
            delivery_services.order_review(
                actor=inspector, order=order, accept=True, note="复查合格（示例）", now=when(3)
            )
            closed = 1
    counts = {
        "plans": 1,
        "ballots": len(ballots),
        "contracts": 1,
        "followups": len(followups),
        "findings_closed": closed,
    }
    out(f"长效管理 / stewardship: {counts} · {community.name}（示例数据 / sample data）")
    return counts
