"""Reads of the money app, scoped through ``gaizao.accounts.access`` (out of scope → 404).

Balances are computed by the database: one ``GROUP BY`` with filtered sums (``SUM … FILTER``) over the ledger,
grouped by project × source, or rolled up by street, district and the city. ``gaizao.policy.settlement`` holds the
same arithmetic on plain data and the tests check both agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from statistics import median
from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from gaizao.accounts.access import mask_name, sees_personal_data
from gaizao.money.models import (
    EntryKind,
    FinalAccounts,
    FinalAccountsState,
    FundingApplication,
    HouseholdShare,
    LedgerEntry,
    ProjectAccount,
    ResidentContribution,
    Settlement,
)
from gaizao.policy import funding_sources
from gaizao.programme import selectors as programme_selectors
from gaizao.programme.models import Project

ZERO = Decimal("0.00")
_DEC: DecimalField[Any, Any] = DecimalField(max_digits=18, decimal_places=2)


def _not_found() -> Http404:
    return Http404("不存在或无权查看 / not found")


def projects_for(user: Any) -> QuerySet[Project]:
    return programme_selectors.projects_for(user)


def get_project(user: Any, pk: Any) -> Project:
    return programme_selectors.get_project(user, pk)


def get_account(user: Any, pk: Any) -> ProjectAccount:
    obj = ProjectAccount.objects.filter(pk=pk, project__in=projects_for(user)).first()
    if obj is None:
        raise _not_found()
    return obj


def entries_for(user: Any) -> QuerySet[LedgerEntry]:
    """Entries of the projects ``user`` may read (a utility: only the projects whose consultation invites it)."""
    return LedgerEntry.objects.filter(project__in=projects_for(user))


def get_entry(user: Any, pk: Any) -> LedgerEntry:
    obj = entries_for(user).select_related("project").filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def project_entries(project: Project) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(project=project)
        .select_related("community", "reverses", "commitment")
        .annotate(reversed_by_id=F("reversed_by__id"))
        .order_by("date", "id")
    )


def applications_for(user: Any) -> QuerySet[FundingApplication]:
    return FundingApplication.objects.select_related("project").filter(project__in=projects_for(user))


def get_application(user: Any, pk: Any) -> FundingApplication:
    obj = applications_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def get_final_accounts(user: Any, pk: Any) -> FinalAccounts:
    obj = (
        FinalAccounts.objects.select_related("project").filter(pk=pk, project__in=projects_for(user)).first()
    )
    if obj is None:
        raise _not_found()
    return obj


def settlements_for(user: Any) -> QuerySet[Settlement]:
    return (
        Settlement.objects.select_related("project", "project__district")
        .defer("project__district__boundary")
        .filter(project__in=projects_for(user))
    )


def get_settlement(user: Any, pk: Any) -> Settlement:
    obj = settlements_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def get_contribution(user: Any, pk: Any) -> ResidentContribution:
    qs = ResidentContribution.objects.select_related("project", "community")
    obj = qs.filter(pk=pk, project__in=projects_for(user)).first()
    if obj is None:
        raise _not_found()
    return obj


def get_share(user: Any, pk: Any) -> HouseholdShare:
    qs = HouseholdShare.objects.select_related("contribution__community", "contribution__project")
    obj = qs.filter(pk=pk, contribution__project__in=projects_for(user)).first()
    if obj is None:
        raise _not_found()
    return obj


# --- balances -------------------------------------------------------------------------------------------------------


def _sum_when(q: Q) -> Any:
    """``SUM(amount) FILTER (WHERE q)`` on PostgreSQL, ``SUM(CASE WHEN q …)`` on SQLite; zero when nothing matches."""
    return Sum("amount", filter=q, default=Value(ZERO), output_field=_DEC)


BALANCE_AGGREGATES = {
    "budgeted": lambda: _sum_when(Q(kind__in=[EntryKind.BUDGET, EntryKind.ADJUSTMENT])),
    "received_gross": lambda: _sum_when(Q(kind=EntryKind.RECEIVED)),
    "refunded": lambda: _sum_when(Q(kind=EntryKind.REFUND)),
    "committed": lambda: _sum_when(Q(kind=EntryKind.COMMITMENT)),
    "paid": lambda: _sum_when(Q(kind=EntryKind.PAYMENT)),
}


FEN = Decimal("0.01")


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    for key in BALANCE_AGGREGATES:
        row[key] = Decimal(row[key] or 0).quantize(FEN)
    row["received"] = row.pop("received_gross") - row.pop("refunded")
    row["remaining"] = row["budgeted"] - row["paid"]
    row["available"] = row["received"] - row["paid"]
    row["uncommitted"] = row["budgeted"] - row["committed"]
    row["execution_rate"] = (row["paid"] / row["budgeted"]) if row["budgeted"] > 0 else None
    return row


def balances(qs: QuerySet[LedgerEntry], *group: str) -> list[dict[str, Any]]:
    """Balances of ``qs`` grouped by ``group`` fields (none = one total row), summed in the database."""
    aggregates = {name: make() for name, make in BALANCE_AGGREGATES.items()}
    if not group:
        return [_finish(dict(qs.aggregate(**aggregates)))]
    rows = qs.values(*group).annotate(**aggregates, entries=Count("id")).order_by(*group)
    return [_finish(dict(r)) for r in rows]


def source_labels() -> dict[str, str]:
    return {c.id: c.name_zh for c in funding_sources()}


def planned_funding(project: Project) -> dict[str, Decimal]:
    """The funding plan of the project's current plan version (``{source: amount}``; empty without a plan)."""
    from gaizao.programme.models import Plan

    plan = Plan.objects.filter(project=project).select_related("current_version").first()
    if plan is None or plan.current_version is None:
        return {}
    return {k: Decimal(str(v)).quantize(FEN) for k, v in (plan.current_version.funding or {}).items()}


def project_balances(project: Project) -> dict[str, Any]:
    """Balances of one project by source, with a total row; ``planned`` is the plan-time funding plan of the source
    (sources planned but not yet on the ledger appear with zero balances)."""
    qs = LedgerEntry.objects.filter(project=project)
    labels = source_labels()
    planned = planned_funding(project)
    rows = balances(qs, "source")
    seen = {r["source"] for r in rows}
    empty = _finish({key: ZERO for key in BALANCE_AGGREGATES})
    rows += [{"source": s, **empty, "entries": 0} for s in sorted(planned) if s not in seen]
    for row in rows:
        row["label"] = labels.get(row["source"], row["source"])
        row["planned"] = planned.get(row["source"], ZERO)
    total = balances(qs)[0]
    total["planned"] = sum(planned.values(), ZERO)
    return {"sources": rows, "total": total}


ROLLUP_LEVELS = {
    "project": ("project_id", "project__name"),
    "street": ("street_id", "street__name"),
    "district": ("district_id", "district__name"),
}


def rollup(user: Any, level: str) -> list[dict[str, Any]]:
    """Balances of everything ``user`` may read, grouped by ``level``: project, street, district or city."""
    qs = entries_for(user)
    if level == "city":
        return [{"id": None, "name": "全市 / city", **balances(qs)[0]}]
    if level not in ROLLUP_LEVELS:
        raise Http404
    key, name = ROLLUP_LEVELS[level]
    return [{"id": r.pop(key), "name": r.pop(name), **r} for r in balances(qs, key, name)]


def _summed(rows: list[dict[str, Any]], key: Any) -> dict[Any, dict[str, Any]]:
    """Unfinished balance rows (the database's sums) added up by ``key(row)``, then finished. Decimal sums are exact,
    so a group's figures equal those one ``GROUP BY`` on the group's key gives."""
    out: dict[Any, dict[str, Any]] = {}
    for r in rows:
        k = key(r)
        acc = out.get(k)
        if acc is None:
            out[k] = acc = {**dict.fromkeys(BALANCE_AGGREGATES, ZERO), "entries": 0}
        for name in BALANCE_AGGREGATES:
            acc[name] += Decimal(r[name] or 0)
        acc["entries"] += r["entries"]
    return {k: _finish(v) for k, v in out.items()}


def scope_balances(user: Any) -> dict[str, Any]:
    """The money page's roll-ups from one pass over the ledger in scope, grouped by district × source in the
    database (a hundred rows for the city) and added up in Python into ``districts`` (as ``rollup(user,
    "district")``), ``city`` (as ``rollup(user, "city")[0]``) and ``sources`` (as ``balances(entries_for(user),
    "source")``). The page scanned the ledger once for each before."""
    aggregates = {name: make() for name, make in BALANCE_AGGREGATES.items()}
    raw = [
        dict(r)
        for r in entries_for(user)
        .values("district_id", "district__name", "source")
        .annotate(**aggregates, entries=Count("id"))
        .order_by()
    ]
    districts = _summed(raw, lambda r: (r["district_id"], r["district__name"]))
    sources = _summed(raw, lambda r: r["source"])
    city = _summed(raw, lambda r: None).get(None) or _finish(dict.fromkeys(BALANCE_AGGREGATES, ZERO))
    return {
        # ordered as the database orders ``GROUP BY district_id, name`` (nulls last)
        "districts": [
            {"id": d, "name": n, **row}
            for (d, n), row in sorted(
                districts.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or 0, kv[0][1])
            )
        ],
        "city": {"id": None, "name": "全市 / city", **city},
        "sources": [{"source": k, **row} for k, row in sorted(sources.items())],
    }


def python_balances(qs: QuerySet[LedgerEntry]) -> dict[tuple[int, str], Any]:
    """The same balances by loading entries and summing in Python (the benchmark's comparison)."""
    from gaizao.policy.settlement import LedgerLine, ledger_balances

    lines: dict[int, list[LedgerLine]] = defaultdict(list)
    for project_id, source, kind, amount in qs.values_list("project_id", "source", "kind", "amount").iterator(
        chunk_size=20_000
    ):
        lines[project_id].append(LedgerLine(source, kind, amount))
    return {(p, s): b for p, ls in lines.items() for s, b in ledger_balances(ls).items()}


def commitments(project: Project) -> list[dict[str, Any]]:
    from gaizao.money.services import commitment_outstanding

    out = []
    for c in LedgerEntry.objects.filter(
        project=project, kind=EntryKind.COMMITMENT, reverses__isnull=True, reversed_by__isnull=True
    ):
        out.append({"entry": c, "outstanding": commitment_outstanding(c)})
    return out


# --- residents' shares ----------------------------------------------------------------------------------------------


def household_rows(user: Any, contribution: ResidentContribution) -> list[dict[str, Any]]:
    """Households of a contribution with what each owes and has paid; owner names masked unless the role needs them."""
    unmasked = sees_personal_data(user)
    shares = (
        HouseholdShare.objects.filter(contribution=contribution)
        .select_related("owner")
        .annotate(paid=Coalesce(Sum("payments__amount"), Value(ZERO), output_field=_DEC))
        .order_by("unit_label")
    )
    rows = []
    for s in shares:
        s.paid = Decimal(s.paid).quantize(FEN)
        name = s.owner.name if s.owner else ""
        rows.append(
            {
                "id": s.pk,
                "unit": s.unit_label,
                "owner": (name if unmasked else mask_name(name)) if name else "",
                "area_m2": s.area_m2,
                "area_source": s.area_source,
                "amount": s.amount,
                "paid": s.paid,
                "due": s.amount - s.paid,
                "settled": s.paid >= s.amount,
            }
        )
    return rows


def channel_totals(contribution: ResidentContribution) -> list[dict[str, Any]]:
    from gaizao.money.models import HouseholdPayment, PaymentChannel

    sums = dict(
        HouseholdPayment.objects.filter(share__contribution=contribution)
        .values_list("channel")
        .annotate(t=Sum("amount"))
        .values_list("channel", "t")
    )
    return [
        {"channel": c.value, "label": c.label, "amount": Decimal(sums.get(c.value) or 0).quantize(FEN)}
        for c in PaymentChannel
    ]


# --- budget performance ---------------------------------------------------------------------------------------------

#: A project whose cost per m² is outside [1/OUTLIER_FACTOR, OUTLIER_FACTOR] × its district's median is flagged.
OUTLIER_FACTOR = Decimal("1.5")


#: Payments running this far ahead of the works (share of milestones completed) are flagged.
AHEAD_MARGIN = Decimal("0.20")


def milestone_progress(project_ids: Any) -> dict[int, dict[str, Any]]:
    """``{project_id: {"milestones", "done", "contracts"}}`` from the delivery records (milestones completed, the
    total of the project's contracts)."""
    from gaizao.delivery.models import Contract, Milestone

    out: dict[int, dict[str, Any]] = {}
    rows = (
        Milestone.objects.filter(delivery__project_id__in=project_ids)
        .values("delivery__project_id")
        .annotate(n=Count("id"), done=Count("id", filter=Q(actual_end__isnull=False)))
    )
    for r in rows:
        out[r["delivery__project_id"]] = {"milestones": r["n"], "done": r["done"], "contracts": ZERO}
    for project_id, total in (
        Contract.objects.filter(project_id__in=project_ids)
        .values_list("project_id")
        .annotate(t=Sum("amount"))
    ):
        out.setdefault(project_id, {"milestones": 0, "done": 0, "contracts": ZERO})["contracts"] = total
    return out


def _payment_against_milestones(
    balance: dict[str, Any] | None, progress: dict[str, Any] | None
) -> dict[str, Any]:
    """Payment progress (paid ÷ contract total, else ÷ budget) beside works progress (milestones done ÷ all)."""
    paid = balance["paid"] if balance else ZERO
    basis = (progress or {}).get("contracts") or (balance["budgeted"] if balance else ZERO)
    payment = (paid / basis) if basis else None
    works = (
        (Decimal(progress["done"]) / progress["milestones"]) if progress and progress["milestones"] else None
    )
    ahead = bool(payment is not None and works is not None and payment > works + AHEAD_MARGIN)
    return {
        "payment_progress": payment.quantize(Decimal("0.0001")) if payment is not None else None,
        "milestone_progress": works.quantize(Decimal("0.0001")) if works is not None else None,
        "milestones": progress["milestones"] if progress else 0,
        "paying_ahead": ahead,
    }


@dataclass(frozen=True)
class ProjectRef:
    """What the performance table shows of a project (and totals over its communities)."""

    pk: int
    code: str
    name: str
    district_name: str
    area: Decimal | None
    households: int | None


def _project_refs(projects: QuerySet[Project]) -> list[ProjectRef]:
    """Plain values of ``projects`` with their communities' floor area and households summed and the district's
    name (every project of the scope built as a model with its divisions was most of the money page)."""
    return [
        ProjectRef(**row)
        for row in projects.annotate(
            area=Sum("communities__building_area_m2"),
            households=Sum("communities__households"),
            district_name=F("district__name"),
        ).values("pk", "code", "name", "district_name", "area", "households")
    ]


def performance(user: Any, limit: int | None = None) -> list[dict[str, Any]]:
    """Budget performance (三(三)3) per project: execution rate, cost per m² and per household against the district
    and city medians, flagged when outside ×1.5 of the district median. Cost is the approved final accounts when
    there are some, else what has been paid.

    ``limit``: only the first ``limit`` projects of the scope (by code) are returned, the medians still over the
    whole scope; only the projects that can have a cost (a payment on the ledger or approved final accounts) are
    read besides them (their payments summed, not their whole balances) — a project without one has no cost per m²
    and counts in no median."""
    scope = projects_for(user)
    # the scope as a subquery, not a list of 15,000 ids to compile into each statement
    in_scope: Any = scope.order_by().values("pk")
    approved = dict(
        FinalAccounts.objects.filter(project__in=in_scope, state=FinalAccountsState.APPROVED).values_list(
            "project_id", "audited_total"
        )
    )
    paid: dict[int, Decimal] = {}
    if limit is None:
        shown: Any = in_scope
        bal = {r["project_id"]: r for r in balances(entries_for(user), "project_id")}
        projects = _project_refs(scope)
    else:
        shown = list(scope.values_list("pk", flat=True)[:limit])
        bal = {
            r["project_id"]: r for r in balances(entries_for(user).filter(project_id__in=shown), "project_id")
        }
        paid = {
            pk: Decimal(total).quantize(FEN)
            for pk, total in entries_for(user)
            .filter(kind=EntryKind.PAYMENT)
            .values_list("project_id")
            .annotate(total=Sum("amount"))
            .values_list("project_id", "total")
        }
        # the city's 15,000 projects joined to their communities' areas was most of the money page; the ~5,000 with
        # a payment or approved final accounts are what the medians need (two semi-joins: an OR with the shown ids
        # made PostgreSQL test every project against both and compile the plan with JIT)
        costed = scope.filter(
            Q(pk__in=LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).values("project_id"))
            | Q(pk__in=FinalAccounts.objects.filter(state=FinalAccountsState.APPROVED).values("project_id"))
        )
        refs = {p.pk: p for p in _project_refs(scope.filter(pk__in=shown))}
        refs.update((p.pk, p) for p in _project_refs(costed) if p.pk not in refs)
        projects = list(refs.values())
    # milestones and contracts only show in the rows returned; no median depends on them
    progress = milestone_progress(shown)
    listed = None if limit is None else set(shown)
    per_district: dict[str, list[Decimal]] = defaultdict(list)
    rows: list[dict[str, Any]] = []
    for p in projects:
        b = bal.get(p.pk)
        cost = approved.get(p.pk) or (b["paid"] if b else paid.get(p.pk, ZERO))
        area = p.area or Decimal(0)
        per_m2 = (cost / area).quantize(Decimal("0.01")) if area and cost else None
        if per_m2 is not None:
            per_district[p.district_name].append(per_m2)
        if listed is not None and p.pk not in listed:
            continue  # read for the medians only
        households = p.households or 0
        rows.append(
            {
                "project": p,
                "district": p.district_name,
                "budgeted": b["budgeted"] if b else ZERO,
                "paid": b["paid"] if b else ZERO,
                "execution_rate": b["execution_rate"] if b else None,
                "cost": cost,
                "cost_basis": "final_accounts" if p.pk in approved else "paid",
                "per_m2": per_m2,
                "per_household": (cost / households).quantize(Decimal("0.01"))
                if households and cost
                else None,
            }
        )
    all_values = [v for vs in per_district.values() for v in vs]
    city_median = median(all_values) if all_values else None
    # each district's median once (it was recomputed, sorting the district's values, for every row)
    medians = {district: median(values) for district, values in per_district.items() if values}
    if limit is not None:
        # the first projects by code
        by_pk = {r["project"].pk: r for r in rows}
        rows = [by_pk[pk] for pk in shown if pk in by_pk]
    for r in rows:
        r.update(_payment_against_milestones(bal.get(r["project"].pk), progress.get(r["project"].pk)))
        r["district_median_per_m2"] = medians.get(r["district"])
        r["city_median_per_m2"] = city_median
        ref = r["district_median_per_m2"]
        r["outlier"] = bool(
            r["per_m2"] is not None
            and ref
            and (r["per_m2"] > ref * OUTLIER_FACTOR or r["per_m2"] < ref / OUTLIER_FACTOR)
        )
    return rows
