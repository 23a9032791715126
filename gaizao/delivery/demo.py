"""Demo delivery (示例数据): three 上城区 projects taken through the programme to an approved annual plan, then
through delivery to different stages — one handed over (移交) about 13 months ago (:data:`HANDED_OVER_MONTHS_AGO`;
its works, inspections, acceptance and annual plan lie in the year or so before, so that its 6- and 12-month
follow-ups after handover are due), one under construction with an overdue rectification order and a late
milestone, one in 前期 with part of its approvals; the last two are in this year's annual plan.

Call :func:`load_demo` after the divisions, the demo accounts and the registry demo (sample communities) are loaded;
it makes its own unit rates if the programme demo has not, and a small sample owners' roll (one building, six
owners) for a chosen community that has none, so that the consent and plan votes can pass. Idempotent: it does nothing when sample
deliveries exist. Every write goes through the services, as the demo accounts, so the audit trail (and the 开工 / 完工
counts computed from it) read like real use. It also creates two contract-party demo accounts, ``builder``
(contractor) and ``watcher`` (supervisor), with the demo password.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from gaizao.divisions.models import Division
from gaizao.policy.stewardship import add_months

#: How long before today the demo's first project was handed over: past its 6- and 12-month follow-ups, before the
#: 24-month one (the rule set's follow-up months).
HANDED_OVER_MONTHS_AGO = 13
#: Days from a project's move to 实施 (and its annual plan) to the completion of its works.
WORKS_DAYS = 170

PDF = b"%PDF-1.4\n% Gaizao demo approval document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00"
    b"\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)

#: Sample organisations: (key, name, first 17 characters of the credit code, kind).
ORGANISATIONS = [
    ("body", "上城区城市建设发展中心（示例）", "12330102MB0A00001", "implementing"),
    ("builder", "杭州清波建设工程有限公司（示例）", "91330102MA2AY0001", "contractor"),
    ("watcher", "杭州西子工程监理有限公司（示例）", "91330106MA2B00001", "supervisor"),
    ("water", "杭州市水务集团（示例）", "91330100MA28A0002", "utility"),
]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    """``day`` at ``hour`` o'clock, local time (the moment a back-dated demo step took place)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _user(username: str) -> Any:
    from gaizao.accounts.models import User

    return User.objects.filter(username=username).select_related("division").first()


def _party_accounts(orgs: dict[str, Any], city: Any) -> None:
    from django.contrib.auth.hashers import make_password

    from gaizao.accounts.demo import DEMO_PASSWORD
    from gaizao.accounts.models import Role, User
    from gaizao.delivery.services import organisation_member_link

    hashed = make_password(DEMO_PASSWORD)
    for username, name, role in (
        ("builder", "清波建设项目经理", Role.CONTRACTOR),
        ("watcher", "西子监理总监", Role.SUPERVISOR),
    ):
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"display_name": name, "role": role, "is_active": True, "password": hashed},
        )
        organisation_member_link(actor=city, user=user, organisation=orgs[username])


def _organisations(city: Any) -> dict[str, Any]:
    from gaizao.delivery.models import Organisation
    from gaizao.delivery.services import organisation_create
    from gaizao.policy.delivery import credit_code_check_char

    out = {}
    for key, name, prefix, kind in ORGANISATIONS:
        code = prefix + credit_code_check_char(prefix)
        existing = Organisation.objects.filter(credit_code=code).first()
        out[key] = existing or organisation_create(
            actor=city, name=name, credit_code=code, kind=kind, is_sample=True
        )
    return out


def _candidates(n: int) -> list[Any]:
    """Screened 上城区 sample communities not yet in a project, those with an owners' roll first."""
    from gaizao.programme.models import ProjectCommunity
    from gaizao.registry.models import Community, ScopeStatus

    busy = set(ProjectCommunity.objects.values_list("community_id", flat=True))
    qs = (
        Community.objects.filter(
            district_code="330102",
            is_sample=True,
            archived_at__isnull=True,
            scope_status__in=[ScopeStatus.PRIORITY, ScopeStatus.MAY_INCLUDE],
        )
        .exclude(pk__in=busy)
        .annotate(units=Count("buildings__units"))
        .select_related("division")
        .order_by("-units", "code")
    )
    rows = list(qs[:200])
    street = Division.objects.filter(code="330102001").first()
    # 清波街道's communities first: the street's demo account inspects them.
    rows.sort(key=lambda c: not (street is not None and c.division.path.startswith(street.path)))
    return rows[:n]


def _vote(project: Any, community: Any, officer: Any, purpose: str) -> None:
    """The district opens the project's community ballot; every owner says yes door to door."""
    from gaizao.participation import services as p
    from gaizao.participation.demo import sample_scan
    from gaizao.programme import services as programme
    from gaizao.registry.models import Owner

    link = programme.project_ballot_create(
        actor=officer, project=project, community_id=community.pk, purpose=purpose, is_sample=True
    )
    ballot = p.ballot_open(actor=officer, ballot_id=link.ballot_id)
    owners = Owner.objects.filter(units__building__community=community).distinct()
    for owner in owners:
        p.vote_cast(
            actor=officer,
            ballot_id=ballot.pk,
            owner_id=owner.pk,
            choice="yes",
            channel="door_to_door",
            witness_name="社区工作人员（示例）",
            scan=sample_scan(owner.pk),
        )
    p.ballot_close(actor=officer, ballot_id=ballot.pk)


def _elevator_votes(project: Any, community: Any, officer: Any) -> None:
    """Each stairwell the plan's elevator retrofit concerns holds its own ballot; its owners agree door to door."""
    from gaizao.participation import services as p
    from gaizao.participation.demo import sample_scan
    from gaizao.programme.models import Plan

    version = Plan.objects.select_related("current_version").get(project=project).current_version
    for entry in version.elevator_stairwells if version is not None else []:
        ballot = p.ballot_create(
            actor=officer,
            community_id=community.pk,
            purpose="elevator",
            scope_kind="stairwell",
            building_id=entry["building_id"],
            stairwell=entry["stairwell"],
            question=f"{community.name}加装电梯（示例）",
            is_sample=True,
        )
        ballot = p.ballot_open(actor=officer, ballot_id=ballot.pk)
        for owner_id in sorted(
            set(ballot.roll.exclude(owner__isnull=True).values_list("owner_id", flat=True))
        ):
            p.vote_cast(
                actor=officer,
                ballot_id=ballot.pk,
                owner_id=owner_id,
                choice="yes",
                channel="door_to_door",
                witness_name="楼道长（示例）",
                scan=sample_scan(owner_id),
            )
        p.ballot_close(actor=officer, ballot_id=ballot.pk)


def _implementing_project(community: Any, officer: Any, now: dt.datetime) -> Any:
    from gaizao.programme import services
    from gaizao.programme.demo import _plan, answer_consultation
    from gaizao.programme.extensions import prepare_sample

    earlier = now - dt.timedelta(days=30)
    project = services.project_create(
        actor=officer, community_ids=[community.pk], is_sample=True, now=earlier - dt.timedelta(days=30)
    )
    services.project_move(actor=officer, project=project, to="planning", reason="示例 / sample", now=earlier)
    _plan(officer, project, finalise=True)
    consultation = services.consultation_start(actor=officer, project=project, now=earlier)
    # each department agrees from its own account (the programme demo's department accounts)
    answer_consultation(
        consultation,
        now=earlier,
        simplified_approvals="施工图审查免于办理，由设计单位出具承诺书；施工许可与管线审批合并办理",
    )
    services.consultation_complete(actor=officer, consultation=consultation, now=earlier)
    services.publication_start(actor=officer, project=project, days=7, now=earlier)
    _vote(project, community, officer, "renovation_consent")
    _vote(project, community, officer, "plan_approval")
    _elevator_votes(project, community, officer)
    # the conditions apps above programme add (the management plan of 四(四)), met through their own services
    prepare_sample(project=project, actor=officer, now=now)
    return services.project_move(
        actor=officer, project=project, to="implementing", reason="示例 / sample", now=now
    )


def _approve_plan(projects: list[Any], officer: Any, now: dt.datetime | None = None) -> bool:
    """Compile, submit, review and approve 上城区's plan of the year of ``now`` (default now) listing ``projects``,
    the steps a few days apart from ``now`` on when it is in the past."""
    from gaizao.programme import services
    from gaizao.programme.models import AnnualPlan, AnnualPlanState

    district = Division.objects.get(code="330102")
    year = timezone.localdate(now).year if now is not None else timezone.localdate().year

    def at(days: int) -> dt.datetime | None:
        return None if now is None else min(now + dt.timedelta(days=days), timezone.now())

    plan = AnnualPlan.objects.filter(district=district, plan_year=year).first()
    if plan is not None and plan.state not in (AnnualPlanState.DRAFT, AnnualPlanState.RETURNED):
        return plan.state == AnnualPlanState.APPROVED and all(
            plan.projects.filter(pk=p.pk).exists() for p in projects
        )
    plan = services.annual_plan_compile(actor=officer, district=district, plan_year=year, is_sample=True)
    services.annual_plan_submit(actor=officer, annual_plan=plan, now=at(2))
    for reviewer in ("city", "ndrc", "planning"):
        services.annual_plan_review(
            actor=_user(reviewer), annual_plan=plan, decision="pass", comments="示例 / sample", now=at(5)
        )
    services.annual_plan_approve(actor=_user("city"), annual_plan=plan, note="市政府同意（示例）", now=at(10))
    return True


def _approvals(delivery: Any, officer: Any, base: dt.date, *, only: int | None = None) -> None:
    """Record the approvals, issued about five months before ``base`` (the works' planned or actual end)."""
    from gaizao.delivery import services

    consultation = delivery.project.consultations.filter(state="completed").first()
    for n, approval in enumerate(delivery.approvals.all()):
        if only is not None and n >= only:
            return
        if approval.item_id == "drawing_review" and consultation is not None:
            services.approval_waive(actor=officer, approval=approval, consultation=consultation)
            continue
        services.approval_record(
            actor=officer,
            approval=approval,
            document_number=f"上城建审〔{(base - dt.timedelta(days=150 - n)).year}〕{delivery.pk * 10 + n}号（示例）",
            issued_on=base - dt.timedelta(days=150 - n),
            file=ContentFile(PDF, name=f"{approval.item_id}.pdf"),
        )


def _contracts(delivery: Any, officer: Any, orgs: dict[str, Any], base: dt.date) -> None:
    """Sign the contracts about four months before ``base`` (the works' planned or actual end)."""
    from gaizao.delivery import services

    today = base
    version = delivery.project.plan.current_version
    for kind, party, share, suffix in (
        ("epc", "builder", "0.82", "EPC"),
        ("supervision", "watcher", "0.02", "JL"),
        ("utility_water", "water", "0.05", "GS"),
    ):
        services.contract_create(
            actor=officer,
            delivery=delivery,
            kind=kind,
            number=f"{suffix}-{delivery.project.code}（示例）",
            party=orgs[party],
            amount=(version.estimate * Decimal(share)).quantize(Decimal("0.01")),
            signed_on=today - dt.timedelta(days=130),
            starts_on=today - dt.timedelta(days=120),
            ends_on=today + dt.timedelta(days=120),
            is_sample=True,
        )


def _milestones(delivery: Any, officer: Any, base: dt.date, *, done: bool) -> None:
    """Plan the works around ``base`` (today, or the day finished works were completed)."""
    from gaizao.delivery import services

    today = base
    plan = [
        ("地下管网及雨污分流", -120, -60),
        ("外立面及屋面整治", -70, -20),
        ("道路、绿化与照明", -30, 20),
    ]
    for name, start, end in plan:
        m = services.milestone_add(
            actor=officer,
            delivery=delivery,
            name=name,
            planned_start=today + dt.timedelta(days=start),
            planned_end=today + dt.timedelta(days=end),
        )
        if done:
            services.milestone_progress(
                actor=officer,
                milestone=m,
                actual_start=today + dt.timedelta(days=start),
                actual_end=min(today, today + dt.timedelta(days=end - 5)),
            )
        elif start < -60:
            services.milestone_progress(
                actor=officer, milestone=m, actual_start=today + dt.timedelta(days=start + 5)
            )


def _inspection(delivery: Any, street: Any, orgs: dict[str, Any], now: dt.datetime | None = None) -> Any:
    from gaizao.delivery import services

    inspection = services.inspection_record(
        actor=street,
        delivery=delivery,
        now=now,
        kind="safety",
        checklist={"scaffolding": "fail", "temporary_power": "pass", "residents_passage": "pass"},
        findings=[
            {
                "description": "外脚手架未满挂安全网（示例）",
                "severity": "major",
                "checklist_item": "scaffolding",
                "photo": ContentFile(PNG, name="scaffold.png"),
                "order": {"party": orgs["builder"], "requirement": "三日内满挂密目安全网"},
            }
        ],
    )
    return inspection.findings.get().order


@transaction.atomic
def load_demo(out: Callable[[str], None] = print) -> dict[str, int]:
    """Put three sample 上城区 projects at several delivery stages (see the module docstring)."""
    from gaizao.delivery import services
    from gaizao.delivery.models import Delivery
    from gaizao.programme.demo import ensure_sample_roll, load_rates
    from gaizao.programme.models import UnitRate

    if Delivery.objects.filter(is_sample=True).exists():
        out("项目实施 / delivery: 已有示例数据 / sample data present")
        return {"deliveries": Delivery.objects.filter(is_sample=True).count()}
    officer, street, city = _user("shangcheng"), _user("qingbo"), _user("city")
    if officer is None or street is None or city is None:
        out("项目实施 / delivery: 跳过，缺少演示账号 / skipped, demo accounts missing")
        return {}
    communities = _candidates(3)
    if not communities:
        out(
            "项目实施 / delivery: 跳过，登记库没有带业主的示例小区 / skipped, no registry demo communities with owners"
        )
        return {}
    if not UnitRate.objects.exists():
        load_rates()
    now = timezone.now()
    today = timezone.localdate()
    # the first project's timeline, back from its handover about 13 months ago
    handed_on = add_months(today, -HANDED_OVER_MONTHS_AGO)
    completed_on = handed_on - dt.timedelta(days=10)
    implementing_on = completed_on - dt.timedelta(days=WORKS_DAYS)
    for community in communities:
        ensure_sample_roll(community)
    first_project = _implementing_project(communities[0], officer, _at(implementing_on))
    if not _approve_plan([first_project], officer, now=_at(implementing_on, 14)):
        out(
            "项目实施 / delivery: 跳过，往年度计划已报送未批准 / skipped, an earlier year's plan is under review"
        )
        transaction.set_rollback(True)
        return {}
    projects = [first_project] + [_implementing_project(c, officer, now) for c in communities[1:]]
    if len(projects) > 1 and not _approve_plan(projects[1:], officer):
        out("项目实施 / delivery: 跳过，本年度计划已报送未批准 / skipped, this year's plan is under review")
        transaction.set_rollback(True)
        return {}
    orgs = _organisations(city)
    _party_accounts(orgs, city)
    deliveries = [
        services.delivery_open(
            actor=officer,
            project=p,
            implementing_body=orgs["body"],
            on=implementing_on if n == 0 else None,
            is_sample=True,
        )
        for n, p in enumerate(projects)
    ]
    # 1. handed over about 13 months ago: the whole lifecycle, each step on its day
    first = deliveries[0]
    _approvals(first, officer, completed_on)
    _contracts(first, officer, orgs, completed_on)
    _milestones(first, officer, completed_on, done=True)
    started_on = completed_on - dt.timedelta(days=110)
    services.delivery_move(actor=officer, delivery=first, to="started", on=started_on)
    services.delivery_move(
        actor=officer, delivery=first, to="construction", on=started_on + dt.timedelta(days=10)
    )
    inspector = street if services.inspector_level(street, first) else officer
    inspected_on = started_on + dt.timedelta(days=30)
    order = _inspection(first, inspector, orgs, now=_at(inspected_on))
    services.order_reply(
        actor=_user("builder"),
        order=order,
        body="已满挂安全网（示例）",
        evidence=ContentFile(PNG, name="fixed.png"),
        now=_at(inspected_on + dt.timedelta(days=2)),
    )
    services.order_review(
        actor=inspector,
        order=order,
        accept=True,
        note="复查合格（示例）",
        now=_at(inspected_on + dt.timedelta(days=3)),
    )
    services.delivery_move(actor=officer, delivery=first, to="completed", on=completed_on)
    version = first.project.plan.current_version
    assert version is not None, "the programme demo approves this project's plan"
    services.acceptance_record(
        actor=officer,
        delivery=first,
        held_on=handed_on - dt.timedelta(days=5),
        items=[{"item_id": i["item_id"], "delivered": i["quantity"], "passed": True} for i in version.items],
        signatories=[
            {"role": "implementing", "name": "李建国", "organisation": orgs["body"].name},
            {"role": "contractor", "name": "王建工", "organisation": orgs["builder"].name},
            {"role": "supervisor", "name": "赵监理", "organisation": orgs["watcher"].name},
            {"role": "street", "name": "钱街道", "organisation": "清波街道"},
            {"role": "resident", "name": "孙秀英"},
            {"role": "building_lead", "name": "周建华"},
        ],
        conclusion="改造内容按批准方案完成，质量合格，同意验收。（示例）",
    )
    for kind, facility, keeper_kind, keeper, note in (
        (
            "facility",
            "小区道路、照明与监控",
            "property_service",
            "清波物业服务有限公司（示例）",
            "产权归全体业主，委托物业服务企业日常维护",
        ),
        ("pipeline", "二次供水设施", "utility", orgs["water"].name, "移交供水企业统一运行维护（三(四)）"),
    ):
        services.handover_record(
            actor=officer,
            delivery=first,
            kind=kind,
            facility=facility,
            keeper_kind=keeper_kind,
            keeper_name=keeper,
            property_rights_note=note,
            handed_on=handed_on,
        )
    services.delivery_move(actor=officer, delivery=first, to="handed_over", on=handed_on)
    # 2. under construction, with an overdue order (escalated) and a late milestone
    if len(deliveries) > 1:
        second = deliveries[1]
        _approvals(second, officer, today)
        _contracts(second, officer, orgs, today)
        _milestones(second, officer, today, done=False)
        services.delivery_move(actor=officer, delivery=second, to="started", on=today - dt.timedelta(days=90))
        services.delivery_move(
            actor=officer, delivery=second, to="construction", on=today - dt.timedelta(days=85)
        )
        # inspected five days ago: the major finding's three-day deadline has passed
        _inspection(
            second,
            street if services.inspector_level(street, second) else officer,
            orgs,
            now=_at(today - dt.timedelta(days=5)),
        )
        services.orders_escalate(user=officer)
    # 3. preliminaries: part of the approvals recorded
    if len(deliveries) > 2:
        _approvals(deliveries[2], officer, today, only=2)
    counts = {
        "deliveries": len(deliveries),
        "stages": {d.project.code: Delivery.objects.get(pk=d.pk).stage for d in deliveries},
    }
    out(f"项目实施 / delivery: {counts}（示例数据 / sample data）")
    return {"deliveries": len(deliveries)}
