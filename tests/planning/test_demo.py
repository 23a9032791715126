"""The demo loader: v1 approved from the proposals, v2 a draft copy, one optimiser run; loading twice adds nothing."""

from __future__ import annotations

from gaizao.planning.demo import load_demo
from gaizao.planning.models import OptimiserRun, SpecialPlan


def test_demo_loads_once(accounts, proposals, world):
    lines: list[str] = []
    assert load_demo(lines.append) == {"plans": 2, "units": 2, "runs": 1}
    assert list(SpecialPlan.objects.order_by("version").values_list("state", flat=True)) == [
        "approved",
        "draft",
    ]
    run = OptimiserRun.objects.get()
    assert run.status == "optimal" and run.chosen and run.annual_plan is None
    assert load_demo(lines.append) == {"plans": 0}
    assert SpecialPlan.objects.count() == 2 and "上城区" in lines[0]
