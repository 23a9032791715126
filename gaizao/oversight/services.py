"""Writes of oversight: the city coordinator sets district targets, computes the annual district assessment
(考核) with its performance award (三(三)2), and publishes it. Each write is atomic and audited.

The assessment's lifecycle draft → published uses the one state-machine helper; a draft may be recomputed as often
as the records change, a published assessment is final.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.oversight import selectors
from gaizao.oversight.models import Assessment, AssessmentState, DistrictScore, DistrictTarget
from gaizao.policy import get_ruleset, to_fen
from gaizao.policy import oversight as rules
from gaizao.policy.errors import PolicyInputError

ASSESSMENT_MACHINE = StateMachine(
    name="oversight.assessment",
    states=AssessmentState,
    moves={AssessmentState.DRAFT: frozenset({AssessmentState.PUBLISHED})},
)

#: indicator id → the selector computing its ratio and records for (user, district, year[, target])
INDICATOR_INPUTS = {
    "fund_execution": selectors.fund_execution,
    "rectification_closure": selectors.rectification_closure,
    "satisfaction": selectors.satisfaction,
    "long_term_management": selectors.management_coverage,
}


def is_city_coordinator(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.role == Role.CITY_COORDINATOR
        and user.division_id is not None
        and user.division.level == DivisionLevel.CITY
    )


def _require_coordinator(user: Any) -> None:
    if not is_city_coordinator(user):
        raise PermissionError_("只有市级统筹可以执行此操作。/ Only the city coordinator may do this.")


def can_set_targets(user: Any) -> bool:
    return is_city_coordinator(user)


def can_compute(user: Any, year: int) -> bool:
    if not is_city_coordinator(user):
        return False
    existing = Assessment.objects.filter(year=year).first()
    return existing is None or existing.state == AssessmentState.DRAFT


def can_publish(user: Any, assessment: Assessment) -> bool:
    return is_city_coordinator(user) and ASSESSMENT_MACHINE.allows(assessment, AssessmentState.PUBLISHED)


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ApplicationError(
            "年度须为四位数字。/ year: expected a four-digit year.", field="year"
        ) from None
    if not 2000 <= year <= 2100:
        raise ApplicationError("年度须在 2000–2100 之间。/ year: expected a year 2000..2100.", field="year")
    return year


def _count(value: Any, key: str) -> int:
    try:
        n = int(str(value))
    except (TypeError, ValueError):
        raise ApplicationError(
            f"{key}：须为非负整数。/ {key}: expected a whole number ≥ 0.", field=key
        ) from None
    if n < 0:
        raise ApplicationError(f"{key}：须为非负整数。/ {key}: expected a whole number ≥ 0.", field=key)
    return n


def _share(value: Any, key: str) -> Decimal:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            f"{key}：须为 0–1 之间的比例。/ {key}: expected a share 0..1.", field=key
        ) from None
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
        raise ApplicationError(f"{key}：须为 0–1 之间的比例。/ {key}: expected a share 0..1.", field=key)
    return share.quantize(Decimal("0.0001"))


def year_rules(year: int) -> rules.OversightRules:
    """The ``[oversight]`` rules in force on 1 January of ``year``; a year no rule set covers is refused."""
    try:
        return rules.oversight_rules(dt.date(year, 1, 1))
    except PolicyInputError:
        raise ApplicationError(
            f"{year} 年没有适用的规则集。/ year: no rule set is in force in {year}.", field="year"
        ) from None


def default_targets(year: int) -> dict[str, Decimal]:
    return year_rules(year).targets


@transaction.atomic
def target_set(
    *,
    actor: Any,
    district: Division,
    year: Any,
    values: dict[str, Any] | None = None,
    note: str = "",
    is_sample: bool = False,
) -> DistrictTarget:
    """Set (or change) ``district``'s targets for ``year``; keys not given take the rule set's defaults."""
    _require_coordinator(actor)
    year = _year(year)
    if district.level != DivisionLevel.DISTRICT or not actor.division.contains(district):
        raise ApplicationError(
            "请选择本市的区县。/ district: choose a district of the city.", field="district"
        )
    defaults = default_targets(year)
    given = {k: v for k, v in (values or {}).items() if v not in (None, "")}
    unknown = sorted(set(given) - set(rules.TARGET_KEYS))
    if unknown:
        raise ApplicationError(
            f"未知的目标项：{unknown[0]}。/ {unknown[0]}: unknown target.", field=unknown[0]
        )
    clean: dict[str, Any] = {}
    for key in rules.TARGET_KEYS:
        raw = given.get(key, defaults[key])
        clean[key] = _share(raw, key) if key == "property_coverage" else _count(raw, key)
    ruleset = get_ruleset(dt.date(year, 1, 1))
    period = next((p.id for p in ruleset.plan_periods if p.contains(year)), "")
    target = DistrictTarget.objects.select_for_update().filter(district=district, year=year).first()
    before = {k: str(getattr(target, k)) for k in rules.TARGET_KEYS} if target else None
    if target is None:
        target = DistrictTarget(district=district, year=year)
    for key, value in clean.items():
        setattr(target, key, value)
    target.plan_period = period
    target.note = note.strip()
    target.set_by = actor
    target.set_at = timezone.now()
    target.is_sample = is_sample
    target.save()
    audit_record(
        actor=actor,
        action="oversight.target.set",
        obj=target,
        changes={
            "year": year,
            "district": district.code,
            "before": before,
            "after": {k: str(v) for k, v in clean.items()},
        },
    )
    return target


def _money(value: Any, field: str) -> Decimal:
    try:
        return to_fen(Decimal(str(value)), field=field)
    except (InvalidOperation, ValueError, PolicyInputError):
        raise ApplicationError(
            f"{field}：须为精确到分的金额。/ {field}: expected an amount in yuan to the fen.", field=field
        ) from None


@transaction.atomic
def assessment_compute(
    *,
    actor: Any,
    year: Any,
    award_pool: Any = None,
    award_threshold: Any = None,
    is_sample: bool = False,
) -> Assessment:
    """Score every district of the city for ``year`` from the records, rank them and split the award pool.

    Every district needs its targets for ``year`` (the progress indicator is measured against them): a missing
    target is refused, naming the district, rather than scored as zero.
    """
    _require_coordinator(actor)
    year = _year(year)
    if not can_compute(actor, year):
        raise ApplicationError(
            f"{year} 年考核已发布，不能重新计算。/ year: the {year} assessment is published and final.",
            field="year",
            code="illegal_transition",
        )
    policy = year_rules(year)
    pool = _money(award_pool if award_pool not in (None, "") else policy.award.pool_yuan, "award_pool")
    if pool < 0:
        raise ApplicationError("奖补资金池不能为负。/ award_pool: must not be negative.", field="award_pool")
    try:
        threshold = Decimal(
            str(award_threshold if award_threshold not in (None, "") else policy.award.threshold)
        )
    except InvalidOperation:
        raise ApplicationError(
            "门槛分须为数字。/ award_threshold: expected a number.", field="award_threshold"
        ) from None
    if not Decimal(0) <= threshold <= Decimal(100):
        raise ApplicationError(
            "门槛分须在 0–100 之间。/ award_threshold: expected 0..100.", field="award_threshold"
        )
    districts = selectors.districts_for(actor)
    if not districts:
        raise ApplicationError("没有可考核的区县。/ year: no districts to assess.", field="year")
    targets = selectors.targets_for(actor, year)
    missing = [d.name for d in districts if d.pk not in targets]
    if missing:
        raise ApplicationError(
            f"以下区县尚未设定 {year} 年目标：{'、'.join(missing)}。/ targets: set the {year} targets of "
            f"{len(missing)} district(s) first.",
            field="targets",
        )
    facts = selectors.project_facts(actor, detail=False, schedule=False, streets=False, plan=False)
    results: dict[str, tuple[Division, Decimal, list[dict[str, Any]]]] = {}
    for district in districts:
        indicators = []
        total = Decimal(0)
        for indicator in policy.indicators:
            if indicator.id == "progress":
                data = selectors.progress_ratio(actor, district, year, targets[district.pk], facts=facts)
            elif indicator.id in INDICATOR_INPUTS:
                data = INDICATOR_INPUTS[indicator.id](actor, district, year)
            else:
                raise ApplicationError(
                    f"规则集中的考核指标 {indicator.id} 没有计算方法。/ indicators: no computation for {indicator.id}.",
                    field="indicators",
                )
            score = rules.indicator_score(data["ratio"], indicator)
            points = rules.weighted_points(score, indicator)
            total += points
            indicators.append(
                {
                    "id": indicator.id,
                    "name_zh": indicator.name_zh,
                    "name_en": indicator.name_en,
                    "weight": str(indicator.weight),
                    "ratio": str(Decimal(data["ratio"]).quantize(Decimal("0.0001")))
                    if data["ratio"] is not None
                    else None,
                    "numerator": str(data["numerator"]) if data["numerator"] is not None else None,
                    "denominator": str(data["denominator"]),
                    "score": str(score),
                    "points": str(points),
                    "empty": indicator.empty if data["ratio"] is None else "",
                    "source": indicator.source,
                    "records": data["records"],
                }
            )
        results[district.code] = (district, total, indicators)
    shares = {
        s.key: s
        for s in rules.award_split(
            pool, {code: total for code, (_, total, _) in results.items()}, threshold=threshold
        )
    }
    assessment = Assessment.objects.select_for_update().filter(year=year).first()
    created = assessment is None
    if assessment is None:
        assessment = Assessment(year=year)
    assessment.ruleset_id = get_ruleset(dt.date(year, 1, 1)).id
    assessment.award_pool = pool
    assessment.award_threshold = threshold
    assessment.computed_at = timezone.now()
    assessment.computed_by = actor
    assessment.is_sample = is_sample
    assessment.save()
    assessment.scores.all().delete()
    ordered = sorted(results.items(), key=lambda kv: (-kv[1][1], kv[0]))
    rank = 0
    previous: Decimal | None = None
    for position, (code, (district, total, indicators)) in enumerate(ordered, start=1):
        if total != previous:
            rank, previous = position, total
        share = shares[code]
        DistrictScore.objects.create(
            assessment=assessment,
            district=district,
            total=total,
            rank=rank,
            award=share.amount,
            award_reason=share.reason,
            indicators=indicators,
        )
    audit_record(
        actor=actor,
        action="oversight.assessment.computed",
        obj=assessment,
        changes={
            "year": year,
            "created": created,
            "award_pool": str(pool),
            "award_threshold": str(threshold),
            "totals": {code: str(total) for code, (_, total, _) in results.items()},
        },
    )
    return assessment


@transaction.atomic
def assessment_publish(*, actor: Any, assessment: Assessment) -> Assessment:
    """Publish a computed assessment: its scores, ranking and awards become final and visible to the districts."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_coordinator(actor)
    assessment.published_at = timezone.now()
    ASSESSMENT_MACHINE.move(
        assessment,
        to=AssessmentState.PUBLISHED,
        actor=actor,
        changes={"award_pool": str(assessment.award_pool)},
        update_fields=["published_at"],
    )
    return assessment
