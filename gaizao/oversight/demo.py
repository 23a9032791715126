"""Demo oversight (示例数据): the city coordinator sets every district's 2027 targets (the rule set's defaults) and
this year's targets, then computes this year's district assessment (a draft, so the coordinator can publish it
in the demo) from whatever the delivery, money and stewardship demos recorded.

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
    years = sorted({TARGET_YEAR, this_year})
    for year in years:
        for district in districts:
            services.target_set(
                actor=city, district=district, year=year, note="示例目标 / sample target", is_sample=True
            )
    existing = Assessment.objects.filter(year=this_year).first()
    if existing is not None and existing.state == AssessmentState.PUBLISHED:
        assessment = existing
    else:
        assessment = services.assessment_compute(actor=city, year=this_year, is_sample=True)
    top = assessment.scores.order_by("rank", "district__code").first()
    counts = {
        "targets": len(years) * len(districts),
        "assessment_year": this_year,
        "districts": len(districts),
    }
    out(
        f"监督考核 / oversight: {counts} · {TARGET_YEAR} 年目标已设定；{this_year} 年考核第一名 "
        f"{top.district.name if top else '—'}（示例数据 / sample data）"
    )
    return counts
