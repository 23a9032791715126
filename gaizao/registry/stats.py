"""Materialised survey and screening aggregates (``CommunityStats``) and the map's grid cells (``CommunityCell``),
so the dashboards and the whole-scope map never scan every community.

``community_stats_refresh(division_ids=...)`` recomputes the rows of some divisions from their communities (one
grouped query on the division index) inside the caller's transaction; every community write calls it — ``Community
.save``, the importer, re-screening. ``community_stats_refresh()`` without divisions rebuilds the whole table (one
grouped scan) and the map cells (per division, added up per area), which the ``registry.stats_refresh`` job and ``gaizao registry_stats`` run after bulk loads that
bypass the services (generators, restores).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from gaizao.divisions.models import Division, DivisionLevel
from gaizao.registry.models import (
    REQUIRED_SURVEY_FIELDS,
    Community,
    CommunityCell,
    CommunityDivisionCell,
    CommunityStats,
)


def filled_q(name: str, model: Any = Community) -> Q:
    """Rows of Community where the required survey field ``name`` is answered (not NULL, not blank text)."""
    f = model._meta.get_field(name)
    q = Q(**{f"{name}__isnull": False})
    if f.get_internal_type() in {"CharField", "TextField"}:
        q &= ~Q(**{name: ""})
    return q


def any_missing_q(model: Any = Community) -> Q:
    """Rows of Community leaving at least one required survey field blank."""
    q = Q()
    for name in REQUIRED_SURVEY_FIELDS:
        q |= ~filled_q(name, model)
    return q


def _located_q() -> Q:
    return Q(lon__isnull=False, lat__isnull=False)


def grouped_stats(qs: Any, stats_model: Any = CommunityStats) -> list[Any]:
    """Unsaved ``stats_model`` rows aggregating the communities of ``qs`` (one grouped query); the model classes
    are parameters so the migrations that fill the table can pass their historical ones (each row gets the
    fields its model has)."""
    model = qs.model
    aggregates = {f"f_{name}": Count("id", filter=filled_q(name, model)) for name in REQUIRED_SURVEY_FIELDS}
    located = _located_q()
    grouped = list(
        qs.order_by()
        .values("division_id", "district_code", "scope_status", "is_sample")
        .annotate(
            n=Count("id"),
            n_missing=Count("id", filter=any_missing_q(model)),
            n_located=Count("id", filter=located),
            x0=Min("lon", filter=located),
            x1=Max("lon", filter=located),
            y0=Min("lat", filter=located),
            y1=Max("lat", filter=located),
            **aggregates,
        )
    )
    now = timezone.now()
    division_model = model._meta.get_field("division").related_model
    levels = {
        pk: (level, parent_id)
        for pk, level, parent_id in division_model.objects.filter(
            pk__in={r["division_id"] for r in grouped}
        ).values_list("pk", "level", "parent_id")
    }
    fields = {f.name for f in stats_model._meta.get_fields()}

    def street_of(division_id: int) -> int | None:
        level, parent_id = levels.get(division_id, ("", None))
        return division_id if level == "street" else parent_id if level == "community" else None

    def row(r: dict[str, Any]) -> Any:
        values = {
            "division_id": r["division_id"],
            "street_id": street_of(r["division_id"]),
            "filled_total": sum(r[f"f_{name}"] for name in REQUIRED_SURVEY_FIELDS),
            "district_code": r["district_code"] or "",
            "scope_status": r["scope_status"],
            "is_sample": r["is_sample"],
            "communities": r["n"],
            "missing": r["n_missing"],
            "filled": {name: r[f"f_{name}"] for name in REQUIRED_SURVEY_FIELDS},
            "located": r["n_located"],
            "lon_min": r["x0"],
            "lon_max": r["x1"],
            "lat_min": r["y0"],
            "lat_max": r["y1"],
            "refreshed_at": now,
            **{f"f_{name}": r[f"f_{name}"] for name in REQUIRED_SURVEY_FIELDS},
        }
        return stats_model(
            **{k: v for k, v in values.items() if k in fields or k.removesuffix("_id") in fields}
        )

    return [row(r) for r in grouped]


def cell_size(zoom: int = CommunityCell.ZOOM) -> float:
    """Degrees of longitude (and latitude) a map grid cell spans at ``zoom``: 64 pixels of 256-pixel tiles, the
    cells of ``selectors._clusters`` (exactly 90 / 2^zoom, so each zoom's cells are 2 × 2 of the next one's)."""
    return 360.0 / (256 * 2**zoom) * 64


def _areas(division_ids: Iterable[int]) -> dict[int, Division]:
    """The area of each division: the district on its path, or the division itself when none is above it."""
    divisions = list(Division.objects.filter(pk__in=set(division_ids)).only("id", "code", "level", "path"))
    codes = {code for d in divisions for code in d.path.split("/")}
    districts = {
        d.code: d
        for d in Division.objects.filter(level=DivisionLevel.DISTRICT, code__in=codes).only(
            "id", "code", "level", "path"
        )
    }
    out = {}
    for d in divisions:
        district = next((districts[c] for c in d.path.split("/") if c in districts), None)
        out[d.pk] = district or d
    return out


def _division_cells(division_ids: list[int] | None, areas: dict[int, Division]) -> set[tuple[int, int, int]]:
    """Recompute the map cells of ``division_ids`` (all when None) from their live located communities: one
    grouped query on the division index (a division holds tens of communities). Returns the (area, cx, cy)
    cells whose totals may have changed (those the divisions held before or hold now)."""
    from django.db.models import F, Sum
    from django.db.models.functions import Floor

    size = cell_size()
    live = Community.objects.filter(archived_at__isnull=True, lon__isnull=False, lat__isnull=False)
    if division_ids is None:
        CommunityDivisionCell.objects.all().delete()
    touched: set[tuple[int, int, int]] = set()
    if division_ids is not None:
        before = CommunityDivisionCell.objects.filter(division_id__in=division_ids)
        touched.update(before.values_list("area_id", "cx", "cy"))
        before.delete()
        live = live.filter(division_id__in=division_ids)
    grouped = list(
        live.order_by()
        .annotate(cx=Floor(F("lon") / size), cy=Floor(F("lat") / size))
        .values("division_id", "scope_status", "is_sample", "cx", "cy")
        .annotate(n=Count("id"), x=Sum("lon"), y=Sum("lat"))
    )
    touched.update((areas[r["division_id"]].pk, int(r["cx"]), int(r["cy"])) for r in grouped)
    CommunityDivisionCell.objects.bulk_create(
        (
            CommunityDivisionCell(
                division_id=r["division_id"],
                area=areas[r["division_id"]],
                scope_status=r["scope_status"],
                is_sample=r["is_sample"],
                cx=int(r["cx"]),
                cy=int(r["cy"]),
                communities=r["n"],
                lon_sum=r["x"],
                lat_sum=r["y"],
            )
            for r in grouped
        ),
        batch_size=5000,
    )
    return touched


#: Up to this many changed cells a write adds up only those; beyond (an import, a re-screen) whole areas.
_CELLS_ONE_BY_ONE = 300


def _area_cells(area_ids: list[int] | None, touched: set[tuple[int, int, int]] | None = None) -> None:
    """Add the division cells of ``area_ids`` (all when None) up into their areas' ``CommunityCell`` rows; with
    ``touched`` (area, cx, cy), only those cells (a single write changes a few of a district's thousand)."""
    from django.db.models import Sum

    cells = CommunityDivisionCell.objects.all()
    if area_ids is None:
        CommunityCell.objects.all().delete()
    elif touched is not None and len(touched) <= _CELLS_ONE_BY_ONE:
        if not touched:
            return
        which = Q()
        for area_id, cx, cy in sorted(touched):
            which |= Q(area_id=area_id, cx=cx, cy=cy)
        CommunityCell.objects.filter(which).delete()
        cells = cells.filter(which)
    else:
        CommunityCell.objects.filter(area_id__in=area_ids).delete()
        cells = cells.filter(area_id__in=area_ids)
    grouped = (
        cells.order_by()
        .values("area_id", "scope_status", "is_sample", "cx", "cy")
        .annotate(n=Sum("communities"), x=Sum("lon_sum"), y=Sum("lat_sum"))
    )
    CommunityCell.objects.bulk_create(
        (
            CommunityCell(
                area_id=r["area_id"],
                scope_status=r["scope_status"],
                is_sample=r["is_sample"],
                cx=r["cx"],
                cy=r["cy"],
                communities=r["n"],
                lon_sum=r["x"],
                lat_sum=r["y"],
            )
            for r in grouped
        ),
        batch_size=5000,
    )


@transaction.atomic
def community_stats_refresh(*, division_ids: Iterable[int | None] | None = None) -> int:
    """Recompute the aggregates of ``division_ids`` (all divisions when None) and the map cells of their areas;
    returns the ``CommunityStats`` rows written.

    The divisions' rows and their areas' are locked first (in id order, one statement), so two writers of the same
    division or area recompute one after the other and the second sees the first's communities."""
    live = Community.objects.filter(archived_at__isnull=True)
    if division_ids is None:
        CommunityStats.objects.all().delete()
        rows = grouped_stats(live)
        areas = _areas({r.division_id for r in rows})
        CommunityStats.objects.bulk_create(rows, batch_size=2000)
        _division_cells(None, areas)
        _area_cells(None)
        return len(rows)
    ids = sorted({i for i in division_ids if i is not None})
    if not ids:
        return 0
    areas = _areas(ids)
    lock = sorted(set(ids) | {a.pk for a in areas.values()})
    list(Division.objects.select_for_update().filter(pk__in=lock).order_by("pk").values_list("pk"))
    CommunityStats.objects.filter(division_id__in=ids).delete()
    rows = grouped_stats(live.filter(division_id__in=ids))
    CommunityStats.objects.bulk_create(rows, batch_size=2000)
    touched = _division_cells(ids, areas)
    _area_cells(sorted({a.pk for a in areas.values()}), touched)
    return len(rows)
