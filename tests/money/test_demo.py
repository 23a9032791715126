"""The demo loader builds a completed project whose money reconciles, and is idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gaizao.money import demo, selectors
from gaizao.money.models import FinalAccounts, HouseholdPayment, Settlement
from gaizao.policy import municipal_subsidy

D = Decimal


def test_demo_project_is_complete_and_idempotent(accounts):
    lines: list[str] = []
    result = demo.load_demo(lines.append)
    assert result["created"] and "示例项目" in lines[0]
    fa = FinalAccounts.objects.get(project_id=result["project"])
    assert (fa.state, fa.audited_total, fa.audited_elevator) == ("approved", D("5513579.63"), D("1000000.00"))
    settlement = Settlement.objects.get(project_id=result["project"])
    expected = municipal_subsidy(
        district="上城区",
        built_year=1992,
        affordable_housing=False,
        final_accounts=D("5513579.63"),
        elevator_cost=D("1000000.00"),
        secondary_water_cost=D("0.00"),
        building_area_m2=D("18000.00"),
        on=dt.date.today(),
    )
    assert settlement.subsidy_total == expected.amount == D("2256789.82")
    assert settlement.state == "disbursed" and settlement.estimate_total > 0
    balances = {r["source"]: r for r in selectors.project_balances(fa.project)["sources"]}
    assert {"district_funds", "central_provincial", "utilities"} <= {
        s for s, r in balances.items() if r["paid"]
    }
    assert selectors.project_balances(fa.project)["total"]["paid"] == D("5600000.00")
    assert HouseholdPayment.objects.filter(share__contribution__project=fa.project).count() == 2
    assert demo.load_demo(lines.append)["created"] is False
