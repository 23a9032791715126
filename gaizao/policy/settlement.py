"""Money as it actually flowed — 杭政办函〔2022〕10号 三(三), 三(四) (RULES §3, §7), as pure calculations on plain data.

- :func:`ledger_balances` folds ledger lines into balances per funding source (budgeted, received, committed, paid,
  remaining). The Django app computes the same figures with database aggregates; this is the reference (and the
  Python side of the benchmark).
- :func:`settle_subsidy` settles the municipal subsidy of a project on its approved (核定) final accounts: for a
  project of several communities the final accounts and the excluded investments are shared out by building area
  with the largest-remainder method, then :func:`gaizao.policy.municipal_subsidy` decides each community.
- :func:`allocate_contribution` shares a residents' contribution out to households by exclusive area (or by another
  weight the owners approved), to the fen.

No Django here. Money is ``Decimal`` yuan with two places; more precision is refused, never rounded away.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gaizao.policy.errors import PolicyInputError
from gaizao.policy.money import split_largest_remainder, to_fen
from gaizao.policy.ruleset import RuleSet
from gaizao.policy.subsidy import SubsidyDecision, municipal_subsidy

__all__ = [
    "KINDS",
    "Balance",
    "CommunityInput",
    "CommunitySettlement",
    "Household",
    "LedgerLine",
    "allocate_contribution",
    "ledger_balances",
    "settle_subsidy",
]

#: Ledger entry kinds: 预算 budget, 资金到位 allocation received, 合同承诺 commitment, 支付 payment, 退回 refund (money
#: returned to its source, lowers ``received``), 调整 adjustment (a budget adjustment, signed).
KINDS = ("budget", "received", "commitment", "payment", "refund", "adjustment")
_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One ledger entry reduced to what a balance needs: ``amount`` is signed (a reversal is negative)."""

    source: str
    kind: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Balance:
    """Balances of one funding source, yuan to the fen.

    ``remaining`` is the budget not yet paid (budgeted − paid); ``available`` the cash on hand (received − paid);
    ``uncommitted`` the budget not yet committed by contract (budgeted − committed).
    """

    source: str
    budgeted: Decimal
    received: Decimal
    committed: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budgeted - self.paid

    @property
    def available(self) -> Decimal:
        return self.received - self.paid

    @property
    def uncommitted(self) -> Decimal:
        return self.budgeted - self.committed

    @property
    def execution_rate(self) -> Decimal | None:
        """paid ÷ budgeted (None without a budget)."""
        if self.budgeted <= 0:
            return None
        return self.paid / self.budgeted


def _bucket(kind: str) -> tuple[str, int]:
    if kind in ("budget", "adjustment"):
        return "budgeted", 1
    if kind == "received":
        return "received", 1
    if kind == "refund":
        return "received", -1
    if kind == "commitment":
        return "committed", 1
    if kind == "payment":
        return "paid", 1
    raise PolicyInputError(
        "kind", f"kind: unknown ledger entry kind {kind!r}; expected one of {', '.join(KINDS)}."
    )


def ledger_balances(lines: Iterable[LedgerLine]) -> dict[str, Balance]:
    """Balances per source from ledger lines (any order); sources without lines are absent."""
    sums: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        bucket, sign = _bucket(line.kind)
        row = sums.setdefault(
            line.source, {"budgeted": _ZERO, "received": _ZERO, "committed": _ZERO, "paid": _ZERO}
        )
        row[bucket] += sign * line.amount
    return {source: Balance(source=source, **row) for source, row in sorted(sums.items())}


# --- subsidy settlement ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommunityInput:
    """A community of the project as the subsidy rule sees it."""

    key: str
    district: str
    built_year: int
    affordable_housing: bool
    building_area_m2: Decimal


@dataclass(frozen=True, slots=True)
class CommunitySettlement:
    """One community's row of the settlement table the finance bureau signs."""

    key: str
    building_area_m2: Decimal
    final_accounts: Decimal
    elevator_cost: Decimal
    secondary_water_cost: Decimal
    decision: SubsidyDecision

    @property
    def exclusions(self) -> Decimal:
        return self.elevator_cost + self.secondary_water_cost

    @property
    def developer_charge(self) -> Decimal:
        """What the original developer pays (post-2000 保障性安居工程): the community's whole final accounts."""
        return self.final_accounts if self.decision.payer == "original_developer" else _ZERO


def settle_subsidy(
    *,
    final_accounts: Decimal,
    elevator_cost: Decimal,
    secondary_water_cost: Decimal,
    communities: Sequence[CommunityInput],
    on: date,
    ruleset: RuleSet | str | None = None,
) -> list[CommunitySettlement]:
    """Settle the municipal subsidy of a project on its approved final accounts (三(三)2).

    Parameters
    ----------
    final_accounts, elevator_cost, secondary_water_cost
        The approved (核定) final accounts of the whole project and its excluded investments, yuan to the fen.
    communities
        The project's communities; one or more. With several, each amount is split by ``building_area_m2`` with
        the largest-remainder method so the rows add up to the project exactly.
    on
        The date that selects the rule set (the annual plan approval: RULES §6, transitional rule).

    Raises
    ------
    PolicyInputError
        More than two decimals, negative money, exclusions larger than the final accounts, no community, or a
        building area that is missing, zero or negative; the message names the field.
    """
    final = to_fen(final_accounts, field="final_accounts")
    elevator = to_fen(elevator_cost, field="elevator_cost")
    water = to_fen(secondary_water_cost, field="secondary_water_cost")
    for name, value in (
        ("final_accounts", final),
        ("elevator_cost", elevator),
        ("secondary_water_cost", water),
    ):
        if value < 0:
            raise PolicyInputError(name, f"{name}: must not be negative, got {value}.")
    if elevator + water > final:
        raise PolicyInputError(
            "exclusions",
            f"exclusions: elevator {elevator} + secondary water {water} yuan exceed the final accounts {final} yuan "
            "(三(三)2: the base is the final accounts minus these investments).",
        )
    if not communities:
        raise PolicyInputError("communities", "communities: a settlement needs at least one community.")
    areas = []
    for c in communities:
        if not isinstance(c.building_area_m2, Decimal) or not c.building_area_m2.is_finite():
            raise PolicyInputError(
                "building_area_m2", f"building_area_m2: community {c.key} has no building area."
            )
        if c.building_area_m2 <= 0:
            raise PolicyInputError(
                "building_area_m2",
                f"building_area_m2: community {c.key} has area {c.building_area_m2}; it must be more than zero.",
            )
        areas.append(c.building_area_m2)
    finals = split_largest_remainder(final, areas, field="final_accounts")
    elevators = split_largest_remainder(elevator, areas, field="elevator_cost")
    waters = split_largest_remainder(water, areas, field="secondary_water_cost")
    _rebalance(finals, elevators, waters)
    rows = []
    for c, f, e, w in zip(communities, finals, elevators, waters, strict=True):
        decision = municipal_subsidy(
            district=c.district,
            built_year=c.built_year,
            affordable_housing=c.affordable_housing,
            final_accounts=f,
            elevator_cost=e,
            secondary_water_cost=w,
            building_area_m2=c.building_area_m2,
            on=on,
            ruleset=ruleset,
        )
        rows.append(
            CommunitySettlement(
                key=c.key,
                building_area_m2=c.building_area_m2,
                final_accounts=f,
                elevator_cost=e,
                secondary_water_cost=w,
                decision=decision,
            )
        )
    return rows


def _rebalance(finals: list[Decimal], elevators: list[Decimal], waters: list[Decimal]) -> None:
    """Rounding can leave a community's exclusions a few fens above its share of the final accounts when the
    exclusions are nearly the whole project; move those fens to the communities with room, keeping every total."""
    for i in range(len(finals)):
        excess = elevators[i] + waters[i] - finals[i]
        while excess > 0:
            j = max(range(len(finals)), key=lambda k: finals[k] - elevators[k] - waters[k])
            room = finals[j] - elevators[j] - waters[j]
            step = min(excess, room)
            if step <= 0:  # cannot happen when the exclusions are within the final accounts
                raise PolicyInputError(
                    "exclusions", "exclusions: cannot be shared within each community's part."
                )
            source = waters if waters[i] > 0 else elevators
            step = min(step, source[i])
            source[i] -= step
            source[j] += step
            excess -= step


# --- residents' contributions ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Household:
    """A household (专有部分) and its weight: exclusive area in m², or 1 for an equal share per household."""

    key: str
    weight: Decimal


def allocate_contribution(total: Decimal, households: Sequence[Household]) -> list[Decimal]:
    """Share ``total`` yuan out to ``households`` by weight; the parts add up to ``total`` to the fen
    (largest remainder, 三(三)4 and 民法典 第283条: costs shared by exclusive area unless the owners agree otherwise).

    Raises
    ------
    PolicyInputError
        A negative or missing weight (``area_m2``), more than two decimals or a negative total (``total``).
    """
    for h in households:
        if not isinstance(h.weight, Decimal) or not h.weight.is_finite():
            raise PolicyInputError("area_m2", f"area_m2: household {h.key} has no area.")
        if h.weight < 0:
            raise PolicyInputError("area_m2", f"area_m2: household {h.key} has a negative area {h.weight}.")
    if not households:
        raise PolicyInputError("households", "households: there is no household to share the contribution.")
    return split_largest_remainder(total, [h.weight for h in households], field="total")
