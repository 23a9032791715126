"""Demo oversight (示例数据): the city coordinator sets every district's 2027 targets (the rule set's defaults) and
last year's and this year's targets, then computes and publishes last year's district assessment (the year the
delivery demo's first project was completed and handed over) and computes this year's (a draft, so the coordinator
can publish it in the demo) from whatever the delivery, money and stewardship demos recorded.

Every write goes through the services as the demo city coordinator (``city``). Idempotent: targets are set again
to the same values; a published assessment is left alone, a draft is recomputed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from gaizao.accounts.models import Role, User
from gaizao.divisions.models import DivisionLevel
from gaizao.oversight import selectors, services
from gaizao.oversight.models import Assessment, AssessmentState

TARGET_YEAR = 2027


def _coordinator() -> User | None:
    return (
        User.objects.filter(role=Role.CITY_COORDINATOR, is_active=True, division__level=DivisionLevel.CITY)
        .select_related("division")
        .order_by("pk")
        .first()
    )


def load_demo(out: Callable[[str], None] = print) -> dict[str, Any]:
    city = _coordinator()
    if city is None:
        out("监督考核 / oversight: skipped — no city coordinator account (load the accounts first).")
        return {}
    districts = selectors.districts_for(city)
    if not districts:
        out("监督考核 / oversight: skipped — no districts under the city (load the divisions first).")
        return {}
    this_year = timezone.localdate().year
    last_year = this_year - 1
    years = sorted({TARGET_YEAR, last_year, this_year})
    for year in years:
        for district in districts:
            services.target_set(
                actor=city, district=district, year=year, note="示例目标 / sample target", is_sample=True
            )
    assessments = {}
    for year in (last_year, this_year):
        existing = Assessment.objects.filter(year=year).first()
        if existing is not None and existing.state == AssessmentState.PUBLISHED:
            assessments[year] = existing
        else:
            assessments[year] = services.assessment_compute(actor=city, year=year, is_sample=True)
    # last year is over: its assessment is published; this year's stays a draft
    if assessments[last_year].state != AssessmentState.PUBLISHED:
        services.assessment_publish(actor=city, assessment=assessments[last_year])
    assessment = assessments[this_year]
    top = assessment.scores.order_by("rank", "district__code").first()
    counts = {
        "targets": len(years) * len(districts),
        "assessment_year": this_year,
        "published_year": last_year,
        "districts": len(districts),
    }
    out(
        f"监督考核 / oversight: {counts} · {TARGET_YEAR} 年目标已设定；{this_year} 年考核第一名 "
        f"{top.district.name if top else '—'}（示例数据 / sample data）"
    )
    return counts
