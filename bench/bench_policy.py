"""Policy core: screen 220,000 communities (national scale) and tally a 10,000-unit owners' vote.

There is no off-the-shelf tool to compare with (the alternative is a spreadsheet), so this reports time per item
and totals, in CPU time (the machine running it is usually shared; the cores are single-threaded Python). It never
fails on time.
"""

from __future__ import annotations

import random
import time
from datetime import date
from decimal import Decimal

from bench.summary import Headline
from gaizao.policy import Unit, assess_scope, municipal_subsidy, tally_owner_vote

N_COMMUNITIES = 220_000
N_UNITS = 10_000


def _communities(n: int, rng: random.Random) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for _ in range(n):
        built = rng.randint(1960, 2015)
        renovated = rng.choice([None, None, None, rng.randint(built, 2024)])
        rows.append(
            {
                "built_year": built,
                "assessed_year": 2024,
                "last_comprehensive_renovation_year": renovated,
                "in_expropriation_plan": rng.random() < 0.03,
                "affordable_housing": rng.random() < 0.1,
                "infrastructure_deficient": rng.random() < 0.5,
                "management_deficient": rng.random() < 0.5,
                "residents_willing": rng.random() < 0.6,
            }
        )
    return rows


def _roll(n: int, rng: random.Random) -> tuple[list[Unit], dict[str, str]]:
    units: list[Unit] = []
    for i in range(n):
        developer = i >= n - 50
        owner = "developer" if developer else f"o{i if rng.random() > 0.05 else i // 2}"
        area = Decimal(rng.randint(3500, 14000)) / 100
        units.append(Unit(f"u{i}", owner, area, developer_held=developer))
    owners = sorted({u.owner_id for u in units})
    ballots = {o: rng.choice(("yes", "yes", "yes", "no", "abstain")) for o in owners if rng.random() < 0.8}
    return units, ballots


def run() -> list[Headline]:
    rng = random.Random(20220317)
    rows = _communities(N_COMMUNITIES, rng)
    assess_scope(**rows[0])  # load the rule sets once
    started = time.process_time()
    counts: dict[str, int] = {}
    for row in rows:
        status = assess_scope(**row).status  # type: ignore[arg-type]
        counts[status] = counts.get(status, 0) + 1
    elapsed = time.process_time() - started
    screen_s = elapsed
    print(
        f"assess_scope      {N_COMMUNITIES:>9,} communities  {elapsed:7.2f} s CPU  {elapsed / N_COMMUNITIES * 1e6:8.1f} µs/community"
        f"  {counts}"
    )

    n_subsidy = 20_000
    started = time.process_time()
    for i in range(n_subsidy):
        municipal_subsidy(
            district=("上城区", "330108", "临平区")[i % 3],
            built_year=1990,
            affordable_housing=False,
            final_accounts=Decimal(3_000_000 + i),
            elevator_cost=Decimal(400_000),
            secondary_water_cost=Decimal(0),
            building_area_m2=Decimal("6500.5"),
            on=date(2024, 6, 30),
        )
    elapsed = time.process_time() - started
    print(
        f"municipal_subsidy {n_subsidy:>9,} projects     {elapsed:7.2f} s  {elapsed / n_subsidy * 1e6:8.1f} µs/project"
    )

    units, ballots = _roll(N_UNITS, rng)
    tally_owner_vote(matter=7, units=units[:10], ballots={})
    repeats = 20
    started = time.process_time()
    for _ in range(repeats):
        tally = tally_owner_vote(matter=7, units=units, ballots={k: v for k, v in ballots.items()})
    elapsed = (time.process_time() - started) / repeats
    print(
        f"tally_owner_vote  {N_UNITS:>9,} units        {elapsed * 1e3:7.2f} ms  {elapsed / N_UNITS * 1e6:8.2f} µs/unit"
        f"  ({tally.total_owners:,} owners, {tally.participating_owners:,} voted, approved={tally.approved})"
    )
    return [
        Headline("policy", f"assess_scope, {N_COMMUNITIES:,} communities, CPU", screen_s, "s"),
        Headline("policy", f"tally_owner_vote, {N_UNITS:,} units, CPU", elapsed * 1e3, "ms"),
    ]
