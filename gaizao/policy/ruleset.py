"""Rule sets: the numbers and clauses of each policy revision, loaded from data files with effective dates.

Each ``rulesets/<id>.toml`` file is one revision (``hz-2019-72``, ``hz-2022-10``). :func:`get_ruleset` returns the
one in force on a date and refuses a date no file covers. Adding a revision means adding a file; the code that
applies the rules does not change. Loading validates every key and names the file and key path of any error.

File format (see ``rulesets/hz-2022-10.toml``):

- top level: ``id`` (must equal the file name), ``document``, ``title_zh``, ``title_en``, ``effective_from``,
  optional ``effective_to`` (inclusive; absent = open-ended), ``supersedes``, ``based_on``, ``verified``
  (the default for every entry that does not say otherwise).
- ``based_on = "<id>"``: entries the file does not state are taken from that rule set; clauses citing the base
  document are re-cited to this document and marked to verify.
- parameters are inline tables ``{ value = ..., clause = "...", verified = true, note = "..." }``.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

from gaizao.policy.errors import PolicyInputError, RuleSetError

__all__ = [
    "RULESET_DIR",
    "CalendarRules",
    "Choice",
    "District",
    "Param",
    "PlanPeriod",
    "RetiredDistrict",
    "RuleSet",
    "ScopeRules",
    "SubsidyRules",
    "Target",
    "Threshold",
    "VoteRules",
    "all_rulesets",
    "get_ruleset",
    "load_rulesets",
    "resolve_ruleset",
]

RULESET_DIR = Path(__file__).with_name("rulesets")

T = TypeVar("T")
Comparison = Literal["at_least", "more_than"]


@dataclass(frozen=True, slots=True)
class Param(Generic[T]):
    """One number of a rule with the clause it comes from; ``verified=False`` means recalled, to verify."""

    value: T
    clause: str
    verified: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """An item of a fixed list the policy names (a funding source, a pool, a department ...)."""

    id: str
    name_zh: str
    name_en: str
    clause: str
    verified: bool = True


@dataclass(frozen=True, slots=True)
class District:
    """A county-level division and its municipal subsidy share (杭政办函〔2022〕10号 三(三)2).

    ``code`` is the national administrative code (GB/T 2260), or the project's internal code for 西湖风景名胜区
    (:data:`gaizao.policy.WEST_LAKE_SCENIC_AREA_CODE`). ``share`` is a fraction, e.g. ``Decimal("0.50")``.
    """

    code: str
    name_zh: str
    name_en: str
    share: Decimal
    clause: str
    verified: bool = True
    aliases: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class RetiredDistrict:
    """A division abolished by a re-division; records carrying it must be mapped by street."""

    code: str
    name_zh: str
    name_en: str
    successor: str


@dataclass(frozen=True, slots=True)
class Target:
    """A quantified target of a plan period. ``value`` is None for a qualitative target."""

    id: str
    name_zh: str
    name_en: str
    value: int | None
    comparison: str
    unit: str


@dataclass(frozen=True, slots=True)
class PlanPeriod:
    """A programme period (e.g. the 14th Five-Year Plan, 2021–2025 inclusive) and its targets."""

    id: str
    name_zh: str
    name_en: str
    start_year: int
    end_year: int
    clause: str
    targets: tuple[Target, ...]
    verified: bool = True
    note: str = ""

    def contains(self, year: int) -> bool:
        return self.start_year <= year <= self.end_year


@dataclass(frozen=True, slots=True)
class Threshold:
    """A pair of ratios (by exclusive area and by owners) and how they compare.

    ``comparison`` is ``"at_least"`` (以上, ≥, 民法典 第1259条) or ``"more_than"`` (过半数, >).
    """

    area: Fraction
    owners: Fraction
    comparison: Comparison
    clause: str
    matters: tuple[int, ...] = ()
    verified: bool = True

    @property
    def symbol(self) -> str:
        return "≥" if self.comparison == "at_least" else ">"

    @property
    def failed_symbol(self) -> str:
        return "<" if self.comparison == "at_least" else "≤"

    def passes(self, value: Fraction | None) -> bool:
        """Compare an exact ratio with this threshold; None (an empty denominator) never passes."""
        if value is None:
            return False
        return value >= self.area if self.comparison == "at_least" else value > self.area

    def passes_owners(self, value: Fraction | None) -> bool:
        if value is None:
            return False
        return value >= self.owners if self.comparison == "at_least" else value > self.owners


@dataclass(frozen=True, slots=True)
class ScopeRules:
    clause: str
    built_by: Param[date]
    recent_renovation_window_years: Param[int]


@dataclass(frozen=True, slots=True)
class ExcludedCost:
    """An investment the subsidy base excludes (三(三)2 "加装电梯和二次供水等投入"): the catalogue items it covers."""

    id: str
    name_zh: str
    name_en: str
    item_ids: tuple[str, ...]
    clause: str
    verified: bool = True


@dataclass(frozen=True, slots=True)
class SubsidyRules:
    clause: str
    applies_built_by: Param[date]
    cap_per_m2: Param[Decimal]
    excluded_costs_clause: str
    original_developer_clause: str
    districts: tuple[District, ...]
    retired_districts: tuple[RetiredDistrict, ...]
    #: the open list of excluded investments, each with its source
    excluded_costs: tuple[ExcludedCost, ...] = ()
    #: which date's rule set a project's subsidy follows ("annual_plan_approved": the commitment date)
    transitional_rule: Param[str] = Param("annual_plan_approved", "RULES §6a", False)


@dataclass(frozen=True, slots=True)
class ProgrammeRules:
    """Project decisions on points the text leaves open (RULES §6a), each configurable with its clause."""

    publication_min_days: Param[int]
    ballot_scope_clause: str
    elevator_ballot_clause: str
    plan_version_clause: str


@dataclass(frozen=True, slots=True)
class FundingRule:
    """Eligibility of one funding source (RULES §6a).

    ``rule`` is one of ``modes`` (only in ``modes``), ``original_developer`` (only, and always, for post-cutoff
    保障性安居工程 communities), ``not_project_source`` (never planned in a project) or ``at_most_subsidy`` (never more
    than the computed municipal subsidy).
    """

    source: str
    rule: str
    clause: str
    modes: tuple[str, ...] = ()
    verified: bool = True


@dataclass(frozen=True, slots=True)
class VoteRules:
    clause: str
    area_counting_clause: str
    owner_counting_clause: str
    at_least_clause: str
    quorum: Threshold
    approval: tuple[Threshold, ...]
    renovation_consent_matter: Param[int]

    def approval_for(self, matter: int) -> Threshold:
        for threshold in self.approval:
            if matter in threshold.matters:
                return threshold
        raise PolicyInputError(
            "matter", f"matter: {matter} is not one of the nine matters of 民法典 第278条 (1..9)."
        )


@dataclass(frozen=True, slots=True)
class CalendarRules:
    submission_month: int
    submission_day: int
    years_before_plan_year: int
    clause: str
    submitted_to: str
    verified: bool = True


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One policy revision, in force from ``effective_from`` to ``effective_to`` (inclusive; None = open)."""

    id: str
    document: str
    title_zh: str
    title_en: str
    effective_from: date
    effective_to: date | None
    verified: bool
    supersedes: str | None
    based_on: str | None
    scope: ScopeRules
    subsidy: SubsidyRules
    vote: VoteRules
    calendar: CalendarRules
    plan_periods: tuple[PlanPeriod, ...]
    funding_sources: tuple[Choice, ...]
    project_pools: tuple[Choice, ...]
    consultation_departments: tuple[Choice, ...]
    delivery_modes: tuple[Choice, ...]
    reviewing_bureaus: tuple[Choice, ...]
    renovation_modes: tuple[Choice, ...]
    programme: ProgrammeRules = ProgrammeRules(Param(7, "RULES §6a", False), "", "", "")
    funding_rules: tuple[FundingRule, ...] = ()
    path: str = field(default="", compare=False)
    _district_index: Mapping[str, District] = field(default_factory=dict, repr=False, compare=False)
    _retired_index: Mapping[str, RetiredDistrict] = field(default_factory=dict, repr=False, compare=False)

    def covers(self, on: date) -> bool:
        """True if this rule set is in force on ``on``."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def find_district(self, key: str) -> District | None:
        return self._district_index.get(_district_key(key))

    def find_retired_district(self, key: str) -> RetiredDistrict | None:
        return self._retired_index.get(_district_key(key))


def _district_key(text: str) -> str:
    return text.strip().casefold()


# --------------------------------------------------------------------------------------------------- loading


class _Reader:
    """Typed, validating access to one TOML table; every error names the file and key path."""

    def __init__(self, data: Mapping[str, Any], where: str, file: str, verified_default: bool) -> None:
        self.data = data
        self.where = where
        self.file = file
        self.verified_default = verified_default
        self.used: set[str] = set()

    def fail(self, key: str, problem: str) -> RuleSetError:
        path = f"{self.where}.{key}" if self.where else key
        return RuleSetError(f"{self.file}: {path}: {problem}")

    def _get(self, key: str) -> Any:
        self.used.add(key)
        if key not in self.data:
            raise self.fail(key, "missing")
        return self.data[key]

    def has(self, key: str) -> bool:
        return key in self.data

    def text(self, key: str, default: str | None = None) -> str:
        if default is not None and key not in self.data:
            self.used.add(key)
            return default
        value = self._get(key)
        if not isinstance(value, str) or (not value.strip() and default is None):
            raise self.fail(key, f"expected a non-empty string, got {value!r}")
        return value

    def optional_str(self, key: str) -> str | None:
        self.used.add(key)
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {value!r}")
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        if default is not None and key not in self.data:
            self.used.add(key)
            return default
        value = self._get(key)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def integer(self, key: str, low: int | None = None, high: int | None = None) -> int:
        value = self._get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(key, f"expected an integer, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(key, f"{value} is outside {low}..{high}")
        return value

    def day(self, key: str) -> date:
        value: object = self._get(key)
        if isinstance(value, datetime) or not isinstance(value, date):
            raise self.fail(key, f"expected a TOML date such as 2022-03-17, got {value!r}")
        return value

    def decimal(self, key: str) -> Decimal:
        value = self._get(key)
        if not isinstance(value, str):
            raise self.fail(key, f'expected a decimal string such as "0.50", got {value!r}')
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise self.fail(key, f"{value!r} is not a decimal number") from None
        if not result.is_finite() or result < 0:
            raise self.fail(key, f"{value!r} must be a finite, non-negative number")
        return result

    def fraction(self, key: str) -> Fraction:
        value = self._get(key)
        if not isinstance(value, str):
            raise self.fail(key, f'expected a fraction string such as "2/3", got {value!r}')
        try:
            result = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise self.fail(key, f"{value!r} is not a fraction") from None
        if not 0 < result <= 1:
            raise self.fail(key, f"{value} must be in (0, 1]")
        return result

    def table(self, key: str) -> _Reader:
        value = self._get(key)
        if not isinstance(value, Mapping):
            raise self.fail(key, "expected a table")
        return self.child(value, key)

    def child(self, value: Mapping[str, Any], key: str) -> _Reader:
        where = f"{self.where}.{key}" if self.where else key
        return _Reader(value, where, self.file, self.verified_default)

    def tables(self, key: str) -> Iterator[_Reader]:
        value = self._get(key)
        if not isinstance(value, list):
            raise self.fail(key, "expected an array of tables")
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise self.fail(f"{key}[{index}]", "expected a table")
            yield self.child(item, f"{key}[{index}]")

    def verified(self) -> bool:
        return self.flag("verified", self.verified_default)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(unknown[0], "unknown key (a typo?)")

    # -- composite values
    def param_date(self, key: str) -> Param[date]:
        t = self.table(key)
        result = Param(t.day("value"), t.text("clause"), t.verified(), t.text("note", ""))
        t.done()
        return result

    def param_int(self, key: str, low: int, high: int) -> Param[int]:
        t = self.table(key)
        result = Param(t.integer("value", low, high), t.text("clause"), t.verified(), t.text("note", ""))
        t.done()
        return result

    def param_decimal(self, key: str) -> Param[Decimal]:
        t = self.table(key)
        result = Param(t.decimal("value"), t.text("clause"), t.verified(), t.text("note", ""))
        t.done()
        return result

    def choices(self, key: str) -> tuple[Choice, ...]:
        result: list[Choice] = []
        for t in self.tables(key):
            result.append(
                Choice(t.text("id"), t.text("name_zh"), t.text("name_en"), t.text("clause"), t.verified())
            )
            t.done()
        _unique(self, key, [c.id for c in result])
        return tuple(result)

    def threshold(self, t: _Reader, with_matters: bool) -> Threshold:
        comparison = t.text("comparison")
        if comparison not in ("at_least", "more_than"):
            raise t.fail("comparison", f'expected "at_least" or "more_than", got {comparison!r}')
        matters: tuple[int, ...] = ()
        if with_matters:
            raw = t._get("matters")
            if not isinstance(raw, list) or not raw or not all(type(m) is int and 1 <= m <= 9 for m in raw):
                raise t.fail("matters", f"expected a list of matter numbers 1..9, got {raw!r}")
            matters = tuple(raw)
        result = Threshold(
            area=t.fraction("area"),
            owners=t.fraction("owners"),
            comparison=cast(Comparison, comparison),
            clause=t.text("clause"),
            matters=matters,
            verified=t.verified(),
        )
        t.done()
        return result


def _unique(reader: _Reader, key: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise reader.fail(key, f"duplicate id {value!r}")
        seen.add(value)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise RuleSetError(f"{path.name}: cannot be read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise RuleSetError(f"{path.name}: is not valid TOML: {error}") from None


def _recite(base: Any, base_document: str, document: str) -> Any:
    """Inherited entries: re-cite clauses of the base document to ``document`` and drop their verified flag."""
    if isinstance(base, dict):
        result = {k: _recite(v, base_document, document) for k, v in base.items() if k != "verified"}
        clause = result.get("clause")
        if isinstance(clause, str) and clause.startswith(base_document):
            result["clause"] = f"{document}（条款待核实）"
        for key, value in result.items():
            if key.endswith("_clause") and isinstance(value, str) and value.startswith(base_document):
                result[key] = f"{document}（条款待核实）"
        return result
    if isinstance(base, list):
        return [_recite(v, base_document, document) for v in base]
    return base


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; arrays and values in ``override`` replace those of ``base``."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


_INHERITED_NOT = (
    "id",
    "document",
    "title_zh",
    "title_en",
    "effective_from",
    "effective_to",
    "supersedes",
    "based_on",
    "verified",
)


def _raw_with_base(path: Path, directory: Path, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    raw = _read_toml(path)
    base_id = raw.get("based_on")
    if base_id is None:
        return raw
    if not isinstance(base_id, str) or not base_id:
        raise RuleSetError(f"{path.name}: based_on: expected a rule set id, got {base_id!r}")
    if base_id in seen or base_id == path.stem:
        raise RuleSetError(f"{path.name}: based_on: circular reference through {base_id!r}")
    base_path = directory / f"{base_id}.toml"
    if not base_path.is_file():
        raise RuleSetError(f"{path.name}: based_on: no rule set file {base_id}.toml")
    base = _raw_with_base(base_path, directory, (*seen, path.stem))
    base_document = base.get("document")
    document = raw.get("document")
    if not isinstance(base_document, str) or not isinstance(document, str):
        raise RuleSetError(f"{path.name}: document: missing (needed to re-cite inherited clauses)")
    inherited = {k: v for k, v in base.items() if k not in _INHERITED_NOT}
    return _merge(_recite(inherited, base_document, document), raw)


def _parse(raw: Mapping[str, Any], path: Path) -> RuleSet:
    top = _Reader(raw, "", path.name, True)
    verified_default = top.flag("verified")
    top.verified_default = verified_default
    top.used.add("delivery")  # read by gaizao.policy.delivery
    top.used.add("stewardship")  # read by gaizao.policy.stewardship
    ruleset_id = top.text("id")
    if ruleset_id != path.stem:
        raise top.fail("id", f"{ruleset_id!r} does not match the file name {path.name}")
    effective_from = top.day("effective_from")
    effective_to = top.day("effective_to") if top.has("effective_to") else None
    top.used.add("effective_to")
    if effective_to is not None and effective_to < effective_from:
        raise top.fail("effective_to", f"{effective_to} is before effective_from {effective_from}")

    s = top.table("scope")
    scope = ScopeRules(
        clause=s.text("clause"),
        built_by=s.param_date("built_by"),
        recent_renovation_window_years=s.param_int("recent_renovation_window_years", 1, 50),
    )
    s.done()

    sub = top.table("subsidy")
    districts: list[District] = []
    for d in sub.tables("districts"):
        share = d.decimal("share")
        if share > 1:
            raise d.fail("share", f'{share} is more than 1 (a share is a fraction such as "0.50")')
        aliases_raw = d.data.get("aliases", [])
        d.used.add("aliases")
        if not isinstance(aliases_raw, list) or not all(isinstance(a, str) and a for a in aliases_raw):
            raise d.fail("aliases", "expected a list of strings")
        districts.append(
            District(
                code=d.text("code"),
                name_zh=d.text("name_zh"),
                name_en=d.text("name_en"),
                share=share,
                clause=d.text("clause", sub.text("clause")),
                verified=d.verified(),
                aliases=tuple(aliases_raw),
                note=d.text("note", ""),
            )
        )
        d.done()
    if not districts:
        raise sub.fail("districts", "at least one district is required")
    retired: list[RetiredDistrict] = []
    for r in sub.tables("retired_districts"):
        retired.append(
            RetiredDistrict(r.text("code"), r.text("name_zh"), r.text("name_en"), r.text("successor"))
        )
        r.done()
    excluded: list[ExcludedCost] = []
    for e in sub.tables("excluded_costs"):
        items_raw = e._get("item_ids")
        if not isinstance(items_raw, list) or not items_raw or not all(isinstance(i, str) for i in items_raw):
            raise e.fail("item_ids", "expected a non-empty list of catalogue item ids")
        excluded.append(
            ExcludedCost(
                e.text("id"),
                e.text("name_zh"),
                e.text("name_en"),
                tuple(items_raw),
                e.text("clause"),
                e.verified(),
            )
        )
        e.done()
    _unique(sub, "excluded_costs", [e.id for e in excluded])
    transitional = sub.table("transitional_rule")
    rule_value = transitional.text("value")
    if rule_value not in ("annual_plan_approved",):
        raise transitional.fail("value", f'expected "annual_plan_approved", got {rule_value!r}')
    transitional_rule = Param(
        rule_value, transitional.text("clause"), transitional.verified(), transitional.text("note", "")
    )
    transitional.done()
    subsidy = SubsidyRules(
        clause=sub.text("clause"),
        applies_built_by=sub.param_date("applies_built_by"),
        cap_per_m2=sub.param_decimal("cap_per_m2"),
        excluded_costs_clause=sub.text("excluded_costs_clause"),
        original_developer_clause=sub.text("original_developer_clause"),
        districts=tuple(districts),
        retired_districts=tuple(retired),
        excluded_costs=tuple(excluded),
        transitional_rule=transitional_rule,
    )
    sub.done()
    index: dict[str, District] = {}
    for district in districts:
        for key in (district.code, district.name_zh, district.name_en, *district.aliases):
            normal = _district_key(key)
            if normal in index:
                raise sub.fail("districts", f"{key!r} names two districts")
            index[normal] = district
    retired_index: dict[str, RetiredDistrict] = {}
    for old in retired:
        for key in (old.code, old.name_zh):
            if _district_key(key) in index:
                raise sub.fail("retired_districts", f"{key!r} is both current and retired")
            retired_index[_district_key(key)] = old

    v = top.table("vote")
    quorum_reader = v.table("quorum")
    quorum = v.threshold(quorum_reader, with_matters=False)
    approvals = tuple(v.threshold(t, with_matters=True) for t in v.tables("approval"))
    covered = sorted(m for a in approvals for m in a.matters)
    if covered != list(range(1, 10)):
        raise v.fail("approval", f"the matters must cover 1..9 exactly once, got {covered}")
    vote = VoteRules(
        clause=v.text("clause"),
        area_counting_clause=v.text("area_counting_clause"),
        owner_counting_clause=v.text("owner_counting_clause"),
        at_least_clause=v.text("at_least_clause"),
        quorum=quorum,
        approval=approvals,
        renovation_consent_matter=v.param_int("renovation_consent_matter", 1, 9),
    )
    v.done()

    c = top.table("calendar")
    ps = c.table("plan_submission")
    calendar = CalendarRules(
        submission_month=ps.integer("month", 1, 12),
        submission_day=ps.integer("day", 1, 31),
        years_before_plan_year=ps.integer("years_before_plan_year", 0, 5),
        clause=ps.text("clause"),
        submitted_to=c.text("plan_submitted_to"),
        verified=ps.verified(),
    )
    try:
        date(2001, calendar.submission_month, calendar.submission_day)
    except ValueError:
        raise ps.fail("day", f"{calendar.submission_month}-{calendar.submission_day} is not a date") from None
    ps.done()
    c.done()

    periods: list[PlanPeriod] = []
    for p in top.tables("plan_periods"):
        targets: list[Target] = []
        for t in p.tables("targets"):
            value: int | None = t.integer("value", 0) if t.has("value") else None
            t.used.add("value")
            comparison = t.text("comparison")
            if comparison not in ("at_least", "at_most", "qualitative"):
                raise t.fail("comparison", f"expected at_least, at_most or qualitative, got {comparison!r}")
            if (value is None) != (comparison == "qualitative"):
                raise t.fail("value", "a qualitative target has no value; any other target needs one")
            targets.append(
                Target(
                    t.text("id"), t.text("name_zh"), t.text("name_en"), value, comparison, t.text("unit", "")
                )
            )
            t.done()
        period = PlanPeriod(
            id=p.text("id"),
            name_zh=p.text("name_zh"),
            name_en=p.text("name_en"),
            start_year=p.integer("start_year", 1949, 2200),
            end_year=p.integer("end_year", 1949, 2200),
            clause=p.text("clause"),
            targets=tuple(targets),
            verified=p.verified(),
            note=p.text("note", ""),
        )
        if period.end_year < period.start_year:
            raise p.fail("end_year", f"{period.end_year} is before start_year {period.start_year}")
        periods.append(period)
        p.done()
    _unique(top, "plan_periods", [p.id for p in periods])

    pg = top.table("programme")
    programme = ProgrammeRules(
        publication_min_days=pg.param_int("publication_min_days", 1, 90),
        ballot_scope_clause=pg.text("ballot_scope_clause"),
        elevator_ballot_clause=pg.text("elevator_ballot_clause"),
        plan_version_clause=pg.text("plan_version_clause"),
    )
    pg.done()
    funding_rules: list[FundingRule] = []
    for fr in top.tables("funding_rules"):
        rule = fr.text("rule")
        if rule not in ("modes", "original_developer", "not_project_source", "at_most_subsidy"):
            raise fr.fail("rule", f"unknown rule {rule!r}")
        modes_raw = fr.data.get("modes", [])
        fr.used.add("modes")
        if not isinstance(modes_raw, list) or not all(isinstance(m, str) for m in modes_raw):
            raise fr.fail("modes", "expected a list of renovation mode ids")
        if (rule == "modes") != bool(modes_raw):
            raise fr.fail("modes", 'a "modes" rule needs modes; other rules take none')
        funding_rules.append(
            FundingRule(fr.text("source"), rule, fr.text("clause"), tuple(modes_raw), fr.verified())
        )
        fr.done()

    ruleset = RuleSet(
        id=ruleset_id,
        document=top.text("document"),
        title_zh=top.text("title_zh"),
        title_en=top.text("title_en"),
        effective_from=effective_from,
        effective_to=effective_to,
        verified=verified_default,
        supersedes=top.optional_str("supersedes"),
        based_on=top.optional_str("based_on"),
        scope=scope,
        subsidy=subsidy,
        vote=vote,
        calendar=calendar,
        plan_periods=tuple(periods),
        funding_sources=top.choices("funding_sources"),
        project_pools=top.choices("project_pools"),
        consultation_departments=top.choices("consultation_departments"),
        delivery_modes=top.choices("delivery_modes"),
        reviewing_bureaus=top.choices("reviewing_bureaus"),
        renovation_modes=top.choices("renovation_modes"),
        programme=programme,
        funding_rules=tuple(funding_rules),
        path=str(path),
        _district_index=index,
        _retired_index=retired_index,
    )
    top.used.add("planning")  # the special plan's section is read by gaizao.policy.planning
    top.used.add("oversight")  # targets, assessment and award are read by gaizao.policy.oversight
    top.done()
    source_ids = {c.id for c in ruleset.funding_sources}
    mode_ids = {c.id for c in ruleset.renovation_modes}
    for fr_rule in ruleset.funding_rules:
        if fr_rule.source not in source_ids:
            raise RuleSetError(f"{path.name}: funding_rules: {fr_rule.source!r} is not a funding source id")
        if set(fr_rule.modes) - mode_ids:
            raise RuleSetError(
                f"{path.name}: funding_rules: {sorted(set(fr_rule.modes) - mode_ids)} are not mode ids"
            )
    if calendar.submitted_to not in {b.id for b in ruleset.reviewing_bureaus}:
        raise RuleSetError(
            f"{path.name}: calendar.plan_submitted_to: {calendar.submitted_to!r} is not a reviewing bureau id"
        )
    return ruleset


def load_rulesets(directory: Path | str = RULESET_DIR) -> tuple[RuleSet, ...]:
    """Load, validate and date-order every ``*.toml`` rule set in ``directory``.

    Raises
    ------
    RuleSetError
        A file is malformed, or two rule sets are in force on the same day.
    """
    folder = Path(directory)
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise RuleSetError(f"{folder}: no rule set files (*.toml)")
    # Files that stand alone first, so an error in a base file is reported against that file.
    paths.sort(key=lambda p: _read_toml(p).get("based_on") is not None)
    loaded = sorted((_parse(_raw_with_base(p, folder), p) for p in paths), key=lambda r: r.effective_from)
    for earlier, later in zip(loaded, loaded[1:], strict=False):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise RuleSetError(
                f"{Path(later.path).name}: effective_from: {later.effective_from} overlaps {earlier.id} "
                f"(in force {earlier.effective_from} to {earlier.effective_to or 'open'}); "
                f"give {earlier.id} an effective_to before {later.effective_from}"
            )
    return tuple(loaded)


@cache
def all_rulesets() -> tuple[RuleSet, ...]:
    """Every shipped rule set, oldest first (loaded and validated once)."""
    return load_rulesets(RULESET_DIR)


@cache
def _ruleset_on(on: date) -> RuleSet:
    for ruleset in all_rulesets():
        if ruleset.covers(on):
            return ruleset
    spans = ", ".join(f"{r.id} {r.effective_from}–{r.effective_to or '…'}" for r in all_rulesets())
    raise PolicyInputError("on", f"on: no rule set is in force on {on.isoformat()} (rule sets: {spans}).")


def get_ruleset(on: date) -> RuleSet:
    """The rule set in force on ``on``.

    Raises
    ------
    PolicyInputError
        ``on`` is not a date, or no rule set covers it (field ``on``).
    """
    if isinstance(on, datetime):
        on = on.date()
    if not isinstance(on, date):
        raise PolicyInputError("on", f"on: expected a date, got {on!r}.")
    return _ruleset_on(on)


def resolve_ruleset(ruleset: RuleSet | str | None, on: date) -> RuleSet:
    """A :class:`RuleSet` given as an object, an id (``"hz-2022-10"``), or None (= the one in force on ``on``)."""
    if ruleset is None:
        return get_ruleset(on)
    if isinstance(ruleset, RuleSet):
        return ruleset
    if isinstance(ruleset, str):
        for candidate in all_rulesets():
            if candidate.id == ruleset:
                return candidate
        known = ", ".join(r.id for r in all_rulesets())
        raise PolicyInputError("ruleset", f"ruleset: no rule set {ruleset!r} (known: {known}).")
    raise PolicyInputError("ruleset", f"ruleset: expected a RuleSet, an id or None, got {ruleset!r}.")
