"""Demo special plan (示例数据): 上城区's first special plan version, drafted from the life-circle analysis's unit
proposals (or empty when the demo has no analysis run), left as a draft for the visitor to edit and submit.
Idempotent; every write goes through the services as the demo district officer."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction


@transaction.atomic
def load_demo(out: Callable[[str], None] = print) -> dict[str, int]:
    from gaizao.accounts.models import User
    from gaizao.divisions.models import Division
    from gaizao.planning import services
    from gaizao.planning.models import SpecialPlan

    officer = User.objects.filter(username="shangcheng").select_related("division").first()
    district = Division.objects.filter(code="330102").first()
    if officer is None or district is None:
        out("专项规划 / planning: 跳过，缺少演示账号或区划 / skipped, demo account or division missing")
        return {"plans": 0}
    if SpecialPlan.objects.filter(district=district).exists():
        return {"plans": 0}
    plan = services.special_plan_create(actor=officer, district=district, is_sample=True)
    units = plan.units.count()
    out(f"专项规划 / planning: {plan} 草稿，{units} 个改造单元 / draft with {units} units")
    return {"plans": 1, "units": units}
