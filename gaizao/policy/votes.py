"""Owners' decisions — 民法典 第278条, 第1259条; 法释〔2009〕7号 第8、9条 (RULES §4).

- Quorum, every matter: owners holding ≥ 2/3 of the total exclusive area **and** ≥ 2/3 of all owners take part.
- Matters (6), (7), (8): approval by ≥ 3/4 of the *participating* area and ≥ 3/4 of the *participating* owners.
- Every other matter, including (5): *more than* half of the participating area and owners.
- "以上" includes the number itself (≥); "过半数" is strictly more than half (>) — 民法典 第1259条.
- Area of a unit: register, else survey, else contract (:func:`exclusive_area`). Owners are counted by units, but one
  buyer with several units counts once and the developer's unsold or undelivered units together count once.
- Any ballot — yes, no or abstain — counts as taking part. Non-voters are never deemed to agree.

Areas are summed as exact Decimals; every comparison is made on exact Fractions, never floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, Inexact, localcontext
from fractions import Fraction
from typing import Any, Literal

from gaizao.policy._values import as_decimal, fraction_text, ratio
from gaizao.policy.errors import PolicyInputError
from gaizao.policy.reasons import Reason
from gaizao.policy.ruleset import RuleSet, Threshold, resolve_ruleset

__all__ = [
    "matter_not_lower",
    "CHOICES",
    "AreaSource",
    "Choice",
    "Unit",
    "VoteMatter",
    "VoteTally",
    "exclusive_area",
    "tally_owner_vote",
    "vote_matters",
]

Choice = Literal["yes", "no", "abstain"]
CHOICES: tuple[Choice, ...] = ("yes", "no", "abstain")
AreaSource = Literal["registered", "surveyed", "contract"]

_CIVIL_CODE_278 = "民法典 第278条第一款"
_NUMERALS = "一二三四五六七八九"


@dataclass(frozen=True, slots=True)
class VoteMatter:
    """One of the nine matters owners decide jointly (民法典 第278条第一款)."""

    number: int
    name_zh: str
    name_en: str
    clause: str


_MATTERS: tuple[VoteMatter, ...] = tuple(
    VoteMatter(i + 1, zh, en, f"{_CIVIL_CODE_278}第（{_NUMERALS[i]}）项")
    for i, (zh, en) in enumerate(
        (
            ("制定和修改业主大会议事规则", "Adopt or amend the rules of procedure of the owners' assembly"),
            ("制定和修改管理规约", "Adopt or amend the management statute"),
            ("选举业主委员会或者更换业主委员会成员", "Elect the owners' committee or replace its members"),
            (
                "选聘和解聘物业服务企业或者其他管理人",
                "Engage or dismiss the property service company or other manager",
            ),
            (
                "使用建筑物及其附属设施的维修资金",
                "Use the maintenance funds of the buildings and their facilities",
            ),
            (
                "筹集建筑物及其附属设施的维修资金",
                "Raise maintenance funds for the buildings and their facilities",
            ),
            ("改建、重建建筑物及其附属设施", "Alter or rebuild the buildings and their facilities"),
            (
                "改变共有部分的用途或者利用共有部分从事经营活动",
                "Change the use of common parts or run a business on them",
            ),
            (
                "有关共有和共同管理权利的其他重大事项",
                "Other major matters of common ownership and management",
            ),
        )
    )
)


def vote_matters() -> tuple[VoteMatter, ...]:
    """The nine matters of 民法典 第278条, numbered 1..9 (a comprehensive renovation is matter 7)."""
    return _MATTERS


@dataclass(frozen=True, slots=True)
class Unit:
    """One exclusive part (专有部分) on the owner roll.

    Attributes
    ----------
    unit_id
        Unique id of the unit.
    owner_id
        Id of its owner; several units may share one owner (counted once). All developer-held units carry the
        developer's id.
    area_m2
        Exclusive area in m² (``Decimal``), chosen with :func:`exclusive_area`.
    developer_held
        Unsold, or sold but not yet delivered: held by the developer; all such units together count as one owner.
    """

    unit_id: str
    owner_id: str
    area_m2: Decimal
    developer_held: bool = False


def exclusive_area(
    *, registered: Decimal | None = None, surveyed: Decimal | None = None, contract: Decimal | None = None
) -> tuple[Decimal, AreaSource]:
    """The exclusive area of a unit and its source, by precedence (法释〔2009〕7号 第8条).

    The real-estate register, else the surveyed area, else the area in the purchase contract.

    Raises
    ------
    PolicyInputError
        No area is given, or the chosen one is negative or zero.
    """
    candidates: tuple[tuple[AreaSource, Decimal | None], ...] = (
        ("registered", registered),
        ("surveyed", surveyed),
        ("contract", contract),
    )
    for source, value in candidates:
        if value is not None:
            return as_decimal(value, source, positive=True), source
    raise PolicyInputError(
        "registered",
        "registered: no exclusive area given; pass registered, surveyed or contract (in that order).",
    )


def _frac(numerator: Decimal | int, denominator: Decimal | int) -> Fraction | None:
    if not denominator:
        return None
    return Fraction(numerator) / Fraction(denominator)


def _frac_dict(value: Fraction | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"fraction": fraction_text(value), "value": float(value)}


@dataclass(frozen=True, slots=True)
class VoteTally:
    """The count of an owners' vote and whether it passed.

    Areas are exact ``Decimal`` m²; owner counts are integers after the counting rules of 法释〔2009〕7号 第9条.
    The ratio properties are exact ``Fraction`` (None when the denominator is zero).
    """

    matter: int
    unit_count: int
    total_area: Decimal
    total_owners: int
    participating_area: Decimal
    participating_owners: int
    yes_area: Decimal
    yes_owners: int
    no_area: Decimal
    no_owners: int
    abstain_area: Decimal
    abstain_owners: int
    quorum_met: bool
    approved: bool
    reasons: tuple[Reason, ...]
    quorum: Threshold
    approval: Threshold
    ruleset_id: str

    @property
    def participating_area_ratio(self) -> Fraction | None:
        return _frac(self.participating_area, self.total_area)

    @property
    def participating_owners_ratio(self) -> Fraction | None:
        return _frac(self.participating_owners, self.total_owners)

    @property
    def yes_area_ratio(self) -> Fraction | None:
        """Yes area over the *participating* area (the denominator of approval)."""
        return _frac(self.yes_area, self.participating_area)

    @property
    def yes_owners_ratio(self) -> Fraction | None:
        """Yes owners over the *participating* owners."""
        return _frac(self.yes_owners, self.participating_owners)

    def to_dict(self) -> dict[str, Any]:
        return {
            "matter": self.matter,
            "unit_count": self.unit_count,
            "total_area": str(self.total_area),
            "total_owners": self.total_owners,
            "participating_area": str(self.participating_area),
            "participating_owners": self.participating_owners,
            "yes_area": str(self.yes_area),
            "yes_owners": self.yes_owners,
            "no_area": str(self.no_area),
            "no_owners": self.no_owners,
            "abstain_area": str(self.abstain_area),
            "abstain_owners": self.abstain_owners,
            "participating_area_ratio": _frac_dict(self.participating_area_ratio),
            "participating_owners_ratio": _frac_dict(self.participating_owners_ratio),
            "yes_area_ratio": _frac_dict(self.yes_area_ratio),
            "yes_owners_ratio": _frac_dict(self.yes_owners_ratio),
            "quorum": {
                "area": fraction_text(self.quorum.area),
                "owners": fraction_text(self.quorum.owners),
                "comparison": self.quorum.comparison,
            },
            "approval": {
                "area": fraction_text(self.approval.area),
                "owners": fraction_text(self.approval.owners),
                "comparison": self.approval.comparison,
            },
            "quorum_met": self.quorum_met,
            "approved": self.approved,
            "ruleset": self.ruleset_id,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _ratio_reason(
    *,
    code: str,
    threshold: Threshold,
    value: Fraction | None,
    limit: Fraction,
    passed: bool,
    label_zh: str,
    label_en: str,
    numerator: str,
    denominator: str,
) -> Reason:
    symbol = threshold.symbol if passed else threshold.failed_symbol
    limit_text = fraction_text(limit)
    shown = "—" if value is None else ratio(value)
    suffix = "" if passed else "_not"
    return Reason(
        f"{code}{suffix}_met",
        threshold.clause,
        f"{label_zh} {shown} {symbol} {limit_text}（{numerator} / {denominator}）",
        f"{label_en} {shown} {symbol} {limit_text} ({numerator} / {denominator})",
    )


def tally_owner_vote(
    *,
    matter: int,
    units: Iterable[Unit],
    ballots: Mapping[str, str],
    ruleset: RuleSet | str | None = None,
) -> VoteTally:
    """Count an owners' vote on a matter of 民法典 第278条 and decide it.

    Parameters
    ----------
    matter
        The Article 278 item number, 1..9 (a comprehensive renovation is 7).
    units
        The owner roll: :class:`Unit` objects with unique ``unit_id`` and positive ``area_m2``.
    ballots
        ``owner_id -> "yes" | "no" | "abstain"``; any ballot counts as taking part. The developer votes once, under
        any one of the owner ids its units carry.
    ruleset
        A rule set or id; None = the one in force today (the Civil Code thresholds are the same in every shipped
        rule set).

    Raises
    ------
    PolicyInputError
        A matter outside 1..9, an empty roll, a duplicate unit, a negative or zero area, two ballots for the
        developer's units, a ballot from someone not on the roll, or a choice other than yes/no/abstain.
    """
    if type(matter) is not int or not 1 <= matter <= 9:
        raise PolicyInputError(
            "matter", f"matter: {matter!r} is not an item of 民法典 第278条 (an integer 1..9)."
        )
    rules = resolve_ruleset(ruleset, date.today())
    vote_rules = rules.vote
    approval = vote_rules.approval_for(matter)
    quorum = vote_rules.quorum
    if not isinstance(ballots, Mapping):
        raise PolicyInputError(
            "ballots", f"ballots: expected a mapping owner_id -> choice, got {type(ballots).__name__}."
        )

    owner_area: dict[str, Decimal] = {}
    seen_units: set[str] = set()
    developer_id: str | None = None
    developer_aliases: set[str] = set()
    developer_units = 0
    normal_owners: set[str] = set()
    unit_count = 0
    with localcontext() as ctx:
        ctx.prec = 80
        ctx.traps[Inexact] = True
        try:
            for index, unit in enumerate(units):
                unit_count += 1
                unit_id = unit.unit_id
                if unit_id in seen_units:
                    raise PolicyInputError(
                        f"units[{index}].unit_id", f"units[{index}].unit_id: {unit_id!r} appears twice."
                    )
                seen_units.add(unit_id)
                area = unit.area_m2
                if type(area) is not Decimal or not area.is_finite() or area <= 0:
                    area = as_decimal(area, f"units[{index}].area_m2", positive=True)
                owner = unit.owner_id
                if unit.developer_held:
                    # 法释〔2009〕7号 第9条: the developer's unsold or undelivered units count as one owner together,
                    # whatever owner ids they carry; they count (and vote) under the first id seen.
                    if developer_id is None:
                        developer_id = owner
                    developer_aliases.add(owner)
                    owner = developer_id
                    developer_units += 1
                else:
                    normal_owners.add(owner)
                previous = owner_area.get(owner)
                owner_area[owner] = area if previous is None else previous + area
            mixed = developer_aliases & normal_owners
            if mixed:
                raise PolicyInputError(
                    "units",
                    f"units: owner {sorted(mixed)[0]!r} holds both developer-held and other units; mark every unit the "
                    "developer holds developer_held=True.",
                )
            if not unit_count:
                raise PolicyInputError("units", "units: the owner roll is empty.")

            part_area = yes_area = no_area = abstain_area = Decimal(0)
            yes_owners = no_owners = abstain_owners = 0
            developer_voted: str | None = None
            for owner, choice in ballots.items():
                if owner in developer_aliases:
                    if developer_voted is not None:
                        raise PolicyInputError(
                            "ballots",
                            f"ballots: {developer_voted!r} and {owner!r} both vote for the developer's units, which "
                            "count as one owner (法释〔2009〕7号 第9条).",
                        )
                    developer_voted = owner
                    owner = developer_id  # type: ignore[assignment]
                area_of = owner_area.get(owner)
                if area_of is None:
                    raise PolicyInputError("ballots", f"ballots: {owner!r} is not an owner on the roll.")
                if choice == "yes":
                    yes_area += area_of
                    yes_owners += 1
                elif choice == "no":
                    no_area += area_of
                    no_owners += 1
                elif choice == "abstain":
                    abstain_area += area_of
                    abstain_owners += 1
                else:
                    raise PolicyInputError(
                        f"ballots[{owner!r}]",
                        f"ballots[{owner!r}]: {choice!r} is not one of yes, no, abstain.",
                    )
            total_area = sum(owner_area.values(), Decimal(0))
            part_area = yes_area + no_area + abstain_area
        except Inexact:
            raise PolicyInputError(
                "units", "units: areas carry more digits than can be summed exactly."
            ) from None

    total_owners = len(owner_area)
    part_owners = yes_owners + no_owners + abstain_owners
    part_area_ratio = _frac(part_area, total_area)
    part_owner_ratio = _frac(part_owners, total_owners)
    yes_area_ratio = _frac(yes_area, part_area)
    yes_owner_ratio = _frac(yes_owners, part_owners)
    quorum_area_ok = quorum.passes(part_area_ratio)
    quorum_owners_ok = quorum.passes_owners(part_owner_ratio)
    approval_area_ok = approval.passes(yes_area_ratio)
    approval_owners_ok = approval.passes_owners(yes_owner_ratio)
    quorum_met = quorum_area_ok and quorum_owners_ok
    approved = quorum_met and approval_area_ok and approval_owners_ok

    described = _MATTERS[matter - 1]
    multi = len(seen_units) - developer_units - len(normal_owners)
    notes_zh: list[str] = []
    notes_en: list[str] = []
    if multi:
        notes_zh.append(f"同一买受人拥有一个以上专有部分的按一人计算，合并 {multi} 个")
        notes_en.append(f"one buyer with several units counts once: {multi} merged")
    if developer_units:
        notes_zh.append(f"建设单位尚未出售或尚未交付的 {developer_units} 个专有部分合计按一人计算")
        notes_en.append(f"the developer's {developer_units} unsold or undelivered units count as one owner")
    counted_zh = f"共 {unit_count} 个专有部分，业主人数计 {total_owners} 人"
    counted_en = f"{unit_count} units counted as {total_owners} owners"
    if notes_zh:
        counted_zh += "（" + "；".join(notes_zh) + "）"
        counted_en += " (" + "; ".join(notes_en) + ")"
    reasons = [
        Reason(
            "vote.matter",
            described.clause,
            f"表决事项：第（{_NUMERALS[matter - 1]}）项 {described.name_zh}",
            f"Matter ({matter}): {described.name_en}",
        ),
        Reason("vote.owners_counted", vote_rules.owner_counting_clause, counted_zh, counted_en),
        Reason(
            "vote.area_counted",
            vote_rules.area_counting_clause,
            f"专有部分总面积 {total_area} m²（按不动产登记簿、实测、合同面积依次确定）",
            f"Total exclusive area {total_area} m² (register, else survey, else contract)",
        ),
        Reason(
            "vote.participation",
            vote_rules.clause,
            f"参与表决 {part_owners} 人、{part_area} m²：同意 {yes_owners} 人 {yes_area} m²，反对 {no_owners} 人 "
            f"{no_area} m²，弃权 {abstain_owners} 人 {abstain_area} m²（弃权视为参与表决）",
            f"Took part: {part_owners} owners, {part_area} m²: yes {yes_owners} / {yes_area} m², no {no_owners} / "
            f"{no_area} m², abstain {abstain_owners} / {abstain_area} m² (abstentions take part)",
        ),
        _ratio_reason(
            code="vote.quorum_area",
            threshold=quorum,
            value=part_area_ratio,
            limit=quorum.area,
            passed=quorum_area_ok,
            label_zh="参与表决专有部分面积占比",
            label_en="Participating area share",
            numerator=f"{part_area} m²",
            denominator=f"{total_area} m²",
        ),
        _ratio_reason(
            code="vote.quorum_owners",
            threshold=quorum,
            value=part_owner_ratio,
            limit=quorum.owners,
            passed=quorum_owners_ok,
            label_zh="参与表决人数占比",
            label_en="Participating owners share",
            numerator=f"{part_owners} 人",
            denominator=f"{total_owners} 人",
        ),
        _ratio_reason(
            code="vote.approval_area",
            threshold=approval,
            value=yes_area_ratio,
            limit=approval.area,
            passed=approval_area_ok,
            label_zh="同意的专有部分面积占参与表决面积",
            label_en="Yes area share of participating area",
            numerator=f"{yes_area} m²",
            denominator=f"{part_area} m²",
        ),
        _ratio_reason(
            code="vote.approval_owners",
            threshold=approval,
            value=yes_owner_ratio,
            limit=approval.owners,
            passed=approval_owners_ok,
            label_zh="同意人数占参与表决人数",
            label_en="Yes owners share of participating owners",
            numerator=f"{yes_owners} 人",
            denominator=f"{part_owners} 人",
        ),
    ]
    rule_zh = (
        "参与表决专有部分面积四分之三以上且参与表决人数四分之三以上同意"
        if approval.comparison == "at_least"
        else "参与表决专有部分面积过半数且参与表决人数过半数同意"
    )
    if approved:
        reasons.append(Reason("vote.approved", approval.clause, f"表决通过：{rule_zh}", "Approved"))
    elif not quorum_met:
        reasons.append(
            Reason(
                "vote.quorum_not_met",
                quorum.clause,
                "表决未通过：参与表决的业主未达到专有部分面积占比三分之二以上且人数占比三分之二以上",
                "Not approved: fewer than 2/3 of the area and of the owners took part",
            )
        )
    else:
        reasons.append(
            Reason(
                "vote.rejected",
                approval.clause,
                f"表决未通过：未达到{rule_zh}",
                "Not approved: the approval threshold was not reached",
            )
        )
    return VoteTally(
        matter=matter,
        unit_count=unit_count,
        total_area=total_area,
        total_owners=total_owners,
        participating_area=part_area,
        participating_owners=part_owners,
        yes_area=yes_area,
        yes_owners=yes_owners,
        no_area=no_area,
        no_owners=no_owners,
        abstain_area=abstain_area,
        abstain_owners=abstain_owners,
        quorum_met=quorum_met,
        approved=approved,
        reasons=tuple(reasons),
        quorum=quorum,
        approval=approval,
        ruleset_id=rules.id,
    )


def matter_not_lower(*, matter: int, required: int, ruleset: RuleSet | str | None = None) -> bool:
    """True when ``matter``'s approval threshold is at least as strict as ``required``'s (RULES §6a: a higher
    threshold may be chosen for consent or plan approval, never a lower one)."""
    rules = resolve_ruleset(ruleset, date.today())
    have = rules.vote.approval_for(matter)
    need = rules.vote.approval_for(required)
    if have.area < need.area or have.owners < need.owners:
        return False
    if have.area == need.area and have.owners == need.owners:
        return not (have.comparison == "at_least" and need.comparison == "more_than")
    return True
