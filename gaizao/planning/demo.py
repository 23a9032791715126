"""Demo special plan and optimiser run (示例数据) for 上城区.

Version 1 is drafted from the life-circle analysis's unit proposals, submitted and approved by the coordination
group; version 2 is a draft copy for the visitor to edit on the map and submit. One optimiser run for next year
with a quarter of what every candidate would cost shows the chosen set, its reasons and the shadow price; it is not
saved as the annual plan (the visitor does that). Idempotent; every write goes through the services as the demo
accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone


@transaction.atomic
def load_demo(out: Callable[[str], None] = print) -> dict[str, int]:
    from gaizao.accounts.models import User
    from gaizao.divisions.models import Division
    from gaizao.planning import selectors, services
    from gaizao.planning.models import SpecialPlan

    officer = User.objects.filter(username="shangcheng").select_related("division").first()
    city = User.objects.filter(username="city").select_related("division").first()
    district = Division.objects.filter(code="330102").first()
    if officer is None or city is None or district is None:
        out("专项规划 / planning: 跳过，缺少演示账号或区划 / skipped, demo account or division missing")
        return {"plans": 0}
    if SpecialPlan.objects.filter(district=district).exists():
        return {"plans": 0}
    first = services.special_plan_create(actor=officer, district=district, is_sample=True)
    units = first.units.count()
    if units == 0:
        out("专项规划 / planning: 草稿，无生活圈单元建议 / draft without proposals (no life-circle run)")
        return {"plans": 1, "units": 0}
    services.special_plan_submit(actor=officer, plan=first)
    services.special_plan_approve(actor=city, plan=first, note="示例：同意 / sample: approved")
    second = services.special_plan_create(actor=officer, district=district, is_sample=True)
    year = timezone.localdate().year + 1
    rows, _excluded = selectors.optimiser_candidates(district, plan_year=year, on=timezone.localdate())
    budget = (sum((r.estimate - r.subsidy for r in rows), Decimal(0)) / 4).quantize(Decimal("10000"))
    run = services.optimiser_run(
        actor=officer,
        district=district,
        plan_year=year,
        budget={"district_funds": str(budget)},
        min_per_street=1,
    )
    out(
        f"专项规划 / planning: {first} 已批准（{units} 个单元），{second} 草稿；{year} 年度优化 #{run.pk}："
        f"{len(run.chosen)}/{len(rows)} 个小区 / approved v1, draft v2, optimiser run"
    )
    return {"plans": 2, "units": units, "runs": 1}
