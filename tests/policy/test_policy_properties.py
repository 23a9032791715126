"""Property-based tests of the rules (hypothesis)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gaizao.policy import Unit, assess_scope, districts, municipal_subsidy, tally_owner_vote

CHOICES = ("yes", "no", "abstain")
areas = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
money = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000000"), places=2)


@st.composite
def rolls(draw: st.DrawFn) -> tuple[list[Unit], dict[str, str]]:
    """A roll with multi-unit owners and maybe developer-held units, and ballots from some owners."""
    n_owners = draw(st.integers(min_value=1, max_value=25))
    units: list[Unit] = []
    for owner in range(n_owners):
        for k in range(draw(st.integers(min_value=1, max_value=3))):
            units.append(Unit(f"u{owner}-{k}", f"o{owner}", draw(areas)))
    owners = [f"o{i}" for i in range(n_owners)]
    if draw(st.booleans()):
        for k in range(draw(st.integers(min_value=1, max_value=4))):
            units.append(Unit(f"dev-{k}", "developer", draw(areas), developer_held=True))
        owners.append("developer")
    voters = draw(st.lists(st.sampled_from(owners), unique=True))
    ballots = {owner: draw(st.sampled_from(CHOICES)) for owner in voters}
    return units, ballots


@settings(max_examples=200, deadline=None)
@given(data=rolls(), matter=st.integers(min_value=1, max_value=9), pick=st.integers(min_value=0))
def test_one_more_yes_never_turns_approval_into_rejection(
    data: tuple[list[Unit], dict[str, str]], matter: int, pick: int
) -> None:
    units, ballots = data
    before = tally_owner_vote(matter=matter, units=units, ballots=ballots)
    owners = sorted({u.owner_id for u in units})
    not_yes = [o for o in owners if ballots.get(o) != "yes"]
    if not not_yes:
        return
    changed = {**ballots, not_yes[pick % len(not_yes)]: "yes"}
    after = tally_owner_vote(matter=matter, units=units, ballots=changed)
    assert after.yes_area >= before.yes_area and after.yes_owners == before.yes_owners + 1
    if before.approved:
        assert after.approved
    if before.quorum_met:
        assert after.quorum_met


@settings(max_examples=150, deadline=None)
@given(data=rolls(), matter=st.integers(min_value=1, max_value=9), seed=st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_unit_order(
    data: tuple[list[Unit], dict[str, str]], matter: int, seed: object
) -> None:
    units, ballots = data
    shuffled = list(units)
    seed.shuffle(shuffled)  # type: ignore[attr-defined]
    a = tally_owner_vote(matter=matter, units=units, ballots=ballots)
    b = tally_owner_vote(matter=matter, units=shuffled, ballots=ballots)
    assert a.to_dict() == b.to_dict()
    assert a.total_area == sum((u.area_m2 for u in units), Decimal(0))


@settings(max_examples=150, deadline=None)
@given(data=rolls(), matter=st.integers(min_value=1, max_value=9))
def test_counts_are_consistent(data: tuple[list[Unit], dict[str, str]], matter: int) -> None:
    units, ballots = data
    tally = tally_owner_vote(matter=matter, units=units, ballots=ballots)
    assert tally.participating_owners == len(ballots)
    assert tally.yes_owners + tally.no_owners + tally.abstain_owners == tally.participating_owners
    assert tally.yes_area + tally.no_area + tally.abstain_area == tally.participating_area
    assert tally.participating_area <= tally.total_area
    assert tally.total_owners == len({u.owner_id for u in units})
    assert tally.approved <= tally.quorum_met


DISTRICT_CODES = [d.code for d in districts(date(2024, 1, 1))]


@settings(max_examples=300, deadline=None)
@given(
    district=st.sampled_from(DISTRICT_CODES),
    final=money,
    elevator=money,
    water=money,
    area=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500000"), places=2),
    built_year=st.integers(min_value=1950, max_value=2024),
    affordable=st.booleans(),
    on=st.dates(min_value=date(2019, 8, 15), max_value=date(2030, 12, 31)),
)
def test_subsidy_never_exceeds_share_times_cap_nor_share_times_base(
    district: str,
    final: Decimal,
    elevator: Decimal,
    water: Decimal,
    area: Decimal,
    built_year: int,
    affordable: bool,
    on: date,
) -> None:
    if elevator + water > final:
        elevator, water = Decimal(0), Decimal(0)
    if on < date(2022, 3, 17) and district in {"330113", "330114"}:
        district = "330102"  # 临平区 and 钱塘区 did not exist before the 2021 re-division
    decision = municipal_subsidy(
        district=district,
        built_year=built_year,
        affordable_housing=affordable,
        final_accounts=final,
        elevator_cost=elevator,
        secondary_water_cost=water,
        building_area_m2=area,
        on=on,
    )
    half_fen = Decimal("0.005")
    assert decision.amount >= 0
    assert decision.amount <= decision.share * 400 * area + half_fen
    assert decision.amount <= decision.share * decision.base + half_fen
    assert decision.amount.as_tuple().exponent == -2
    if decision.eligible:
        assert abs(decision.amount - decision.share * min(decision.base, 400 * area)) <= half_fen
    else:
        assert decision.amount == 0


@settings(max_examples=200, deadline=None)
@given(
    built=st.integers(min_value=1950, max_value=2024),
    assessed=st.integers(min_value=2020, max_value=2040),
    renovated_offset=st.none() | st.integers(min_value=0, max_value=60),
    flags=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_scope_always_decides_with_a_concluding_reason(
    built: int, assessed: int, renovated_offset: int | None, flags: list[bool]
) -> None:
    if built > assessed:
        built = assessed
    renovated = None if renovated_offset is None else min(built + renovated_offset, assessed)
    decision = assess_scope(
        built_year=built,
        assessed_year=assessed,
        last_comprehensive_renovation_year=renovated,
        in_expropriation_plan=flags[0],
        affordable_housing=flags[1],
        infrastructure_deficient=flags[2],
        management_deficient=flags[3],
        residents_willing=flags[4],
    )
    assert decision.status in {"priority", "may_include", "out_of_scope"}
    assert any(r.code == f"scope.{decision.status}" for r in decision.reasons)
    if decision.status == "priority":
        assert built <= 2000 and not flags[0]
    if decision.status == "may_include":
        assert built > 2000 and all(flags[1:])
