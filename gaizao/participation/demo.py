"""Demo participation data (示例数据) for 清波门社区: a published elevator vote for one stairwell, a needs survey with
answers, a supervision report and a satisfaction evaluation. Uses the registry's 清波新村 when it is there (owners
and units from ``gaizao.registry.demo``), else creates a small sample community. Idempotent and fast."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from gaizao.accounts.models import User
from gaizao.divisions.models import Division
from gaizao.participation import services
from gaizao.participation.models import (
    Ballot,
    EvaluationResponse,
    EvaluationSurvey,
    NeedsResponse,
    NeedsSurvey,
    SupervisionReport,
)
from gaizao.policy import catalogue_items, liuyou_goals
from gaizao.registry.models import Building, Community, Owner, Unit

QINGBOMEN_CODE = "330102001051"
SAMPLE_CODE = "DEMO-PZ-QBM"


#: A 1×1 PNG standing in for the scan of the paper an owner signed at the door (sample data only).
_PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def sample_scan(owner_id: int) -> SimpleUploadedFile:
    """A stand-in scan of a signed paper ballot (示例数据) for demo loaders that enter door-to-door papers."""
    return SimpleUploadedFile(f"door-{owner_id}.png", _PNG_1X1, content_type="image/png")


def demo_community() -> Community | None:
    """The registry's community in 清波门社区 that has units (清波新村), else our own sample community."""
    division = Division.objects.filter(code=QINGBOMEN_CODE).first()
    if division is None:
        return None
    with_units = (
        Community.objects.filter(division=division, buildings__units__isnull=False, archived_at__isnull=True)
        .exclude(code=SAMPLE_CODE)
        .distinct()
        .order_by("pk")
        .first()
    )
    if with_units is not None:
        return with_units
    return Community.objects.filter(code=SAMPLE_CODE).first() or _sample_community(division)


def code_login_owner() -> tuple[str, str, str] | None:
    """An owner of the demo community without an account, for trying the one-time-code login:
    ``(community, unit, phone)`` — the first such unit by building, stairwell and number."""
    community = demo_community()
    if community is None:
        return None
    unit = (
        Unit.objects.filter(
            building__community=community,
            owner__isnull=False,
            owner__user__isnull=True,
            owner__is_developer=False,
        )
        .exclude(owner__phone="")
        .select_related("building", "owner")
        .order_by("building__code", "stairwell", "number")
        .first()
    )
    if unit is None or unit.owner is None:
        return None
    return community.name, f"{unit.building.code}幢{unit.stairwell}单元{unit.number}", unit.owner.phone


def _sample_community(division: Division) -> Community:
    # A complete roll (RULES §6a): 2 buildings × 2 stairwells × 6 floors × 2 units, each with its owner and area.
    community = Community.objects.create(
        code=SAMPLE_CODE,
        name="清波门示例小区",
        division=division,
        built_year=1992,
        households=48,
        building_count=2,
        is_sample=True,
    )
    resident = User.objects.filter(username="resident").first()
    for b in (1, 2):
        building = Building.objects.create(community=community, code=str(b), floors=6, stairwells=2)
        for s in (1, 2):
            for f in range(1, 7):
                for u in (1, 2):
                    rng = random.Random(f"{b}-{s}-{f}-{u}")
                    owner = Owner.objects.create(
                        division=division,
                        name=rng.choice("王李张刘陈杨赵黄周吴")
                        + rng.choice(["建国", "秀英", "伟", "芳", "军"]),
                        phone="13" + "".join(str(rng.randrange(10)) for _ in range(9)),
                        is_sample=True,
                    )
                    if resident is not None and b == 1 and s == 1 and f == 1 and u == 1:
                        Owner.objects.filter(user=resident).update(user=None)
                        owner.user = resident
                        owner.save(update_fields=["user"])
                    Unit.objects.create(
                        building=building,
                        stairwell=str(s),
                        number=f"{f}0{u}",
                        owner=owner,
                        area_registered_m2=Decimal(str(round(rng.uniform(45, 90), 2))),
                    )
    return community


def load_demo(out: Callable[[str], None] = print) -> None:
    organiser = User.objects.filter(username="qingbomen").first()
    if organiser is None:
        return
    with transaction.atomic():
        community = demo_community()
        if community is None:
            return
        counts = _load(community, organiser)
    out(f"居民参与 / participation ({community.name}): {counts}")


def _load(community: Community, organiser: User) -> dict[str, int]:
    counts = {"ballots": 0, "needs_surveys": 0, "reports": 0, "evaluations": 0}
    building = Building.objects.filter(community=community, units__isnull=False).order_by("code").first()
    if building is not None and not Ballot.objects.filter(community=community, is_sample=True).exists():
        stairwell = (
            Unit.objects.filter(building=building)
            .order_by("stairwell")
            .values_list("stairwell", flat=True)[0]
        )
        ballot = services.ballot_create(
            actor=organiser,
            community_id=community.pk,
            purpose="elevator",
            scope_kind="stairwell",
            building_id=building.pk,
            stairwell=stairwell,
            question=f"{building.code}幢{stairwell}单元是否同意加装电梯？（示例）",
            is_sample=True,
        )
        services.ballot_open(actor=organiser, ballot_id=ballot.pk)
        street = User.objects.filter(username="qingbo").first()
        entry = ballot.roll.order_by("pk").first()
        if street is not None and entry is not None:
            # a roll correction proposed by the community and rejected by the street (two accounts, 示例)
            proposal = services.roll_correction_propose(
                actor=organiser,
                entry_id=entry.pk,
                reason="住户反映面积有误（示例）",
                area_m2=entry.area_m2 + 1,
            )
            services.roll_correction_reject(
                actor=street, proposal_id=proposal.pk, note="与不动产登记一致，不予更正（示例）"
            )
        owner_ids = sorted(set(ballot.roll.exclude(owner__isnull=True).values_list("owner_id", flat=True)))
        for i, owner_id in enumerate(owner_ids):
            if i % 7 == 6:
                continue  # not reached
            services.vote_cast(
                actor=organiser,
                ballot_id=ballot.pk,
                owner_id=owner_id,
                choice="no" if i % 5 == 4 else "yes",
                channel="door_to_door",
                witness_name="示例见证人",
                scan=sample_scan(owner_id),
            )
        services.ballot_close(actor=organiser, ballot_id=ballot.pk)
        services.ballot_publish(actor=organiser, ballot_id=ballot.pk)
        counts["ballots"] += 1
    owners = list(
        Owner.objects.filter(units__building__community=community, is_developer=False).distinct()[:30]
    )
    if not NeedsSurvey.objects.filter(community=community, is_sample=True).exists():
        items = [i.id for i in catalogue_items()][:20]
        survey = services.needs_survey_create(
            actor=organiser,
            community_id=community.pk,
            item_ids=items,
            title=f"{community.name} 改造需求调查（示例）",
            max_choices=5,
            is_sample=True,
        )
        for n, owner in enumerate(owners):
            rng = random.Random(f"needs-{n}")
            NeedsResponse.objects.create(survey=survey, owner=owner, ranking=rng.sample(items[:12], 5))
        past = services.needs_survey_create(
            actor=organiser,
            community_id=community.pk,
            item_ids=items[:8],
            title=f"{community.name} 往期需求调查（示例）",
            max_choices=3,
            is_sample=True,
        )
        services.needs_survey_close(actor=organiser, survey_id=past.pk)
        counts["needs_surveys"] += 2
    if not SupervisionReport.objects.filter(community=community, is_sample=True).exists():
        report = services.report_create(
            actor=organiser,
            community_id=community.pk,
            category="safety",
            description="脚手架下方未设置安全通道（示例）",
            location_text="1幢东侧",
            project_ref="DEMO-PRJ-1",
            is_sample=True,
        )
        services.report_respond(
            actor=organiser, report_id=report.pk, response="已通知施工单位两日内整改（示例）"
        )
        done = services.report_create(
            actor=organiser,
            community_id=community.pk,
            category="nuisance",
            description="夜间施工噪声扰民（示例）",
            location_text="2幢北侧",
            project_ref="DEMO-PRJ-1",
            is_sample=True,
        )
        services.report_respond(actor=organiser, report_id=done.pk, response="已调整施工时间（示例）")
        services.report_close(actor=organiser, report_id=done.pk, note="居民确认（示例）")
        counts["reports"] += 2
    if not EvaluationSurvey.objects.filter(community=community, is_sample=True).exists():
        evaluation = services.evaluation_create(
            actor=organiser,
            community_id=community.pk,
            project_ref="DEMO-PRJ-1",
            title=f"{community.name} 改造满意度评价（示例）",
            is_sample=True,
        )
        goals = [g.id for g in liuyou_goals()]
        for n, owner in enumerate(owners[:20]):
            rng = random.Random(f"eval-{n}")
            EvaluationResponse.objects.create(
                survey=evaluation, owner=owner, scores={g: rng.randint(3, 5) for g in goals}
            )
        past_evaluation = services.evaluation_create(
            actor=organiser,
            community_id=community.pk,
            project_ref="DEMO-PRJ-0",
            title=f"{community.name} 往期满意度评价（示例）",
            is_sample=True,
        )
        for n, owner in enumerate(owners[:10]):
            rng = random.Random(f"eval-past-{n}")
            EvaluationResponse.objects.create(
                survey=past_evaluation, owner=owner, scores={g: rng.randint(2, 5) for g in goals}
            )
        services.evaluation_close(actor=organiser, survey_id=past_evaluation.pk)
        counts["evaluations"] += 2
    return counts
