"""Materialised survey and screening aggregates (``CommunityStats``), so the dashboards never scan every community.

``community_stats_refresh(division_ids=...)`` recomputes the rows of some divisions from their communities (one
grouped query on the division index) inside the caller's transaction; every community write calls it — ``Community
.save``, the importer, re-screening. ``community_stats_refresh()`` without divisions rebuilds the whole table (one
grouped scan), which the ``registry.stats_refresh`` job and ``gaizao registry_stats`` run after bulk loads that
bypass the services (generators, restores).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from gaizao.divisions.models import Division
from gaizao.registry.models import REQUIRED_SURVEY_FIELDS, Community, CommunityStats


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


def grouped_stats(qs: Any, stats_model: Any = CommunityStats) -> list[Any]:
    """Unsaved ``stats_model`` rows aggregating the communities of ``qs`` (one grouped query); the model classes
    are parameters so the migration that fills the table can pass its historical ones."""
    model = qs.model
    aggregates = {f"f_{name}": Count("id", filter=filled_q(name, model)) for name in REQUIRED_SURVEY_FIELDS}
    grouped = list(
        qs.order_by()
        .values("division_id", "district_code", "scope_status", "is_sample")
        .annotate(n=Count("id"), n_missing=Count("id", filter=any_missing_q(model)), **aggregates)
    )
    now = timezone.now()
    division_model = model._meta.get_field("division").related_model
    levels = {
        pk: (level, parent_id)
        for pk, level, parent_id in division_model.objects.filter(
            pk__in={r["division_id"] for r in grouped}
        ).values_list("pk", "level", "parent_id")
    }

    def street_of(division_id: int) -> int | None:
        level, parent_id = levels.get(division_id, ("", None))
        return division_id if level == "street" else parent_id if level == "community" else None

    return [
        stats_model(
            division_id=r["division_id"],
            street_id=street_of(r["division_id"]),
            filled_total=sum(r[f"f_{name}"] for name in REQUIRED_SURVEY_FIELDS),
            district_code=r["district_code"] or "",
            scope_status=r["scope_status"],
            is_sample=r["is_sample"],
            communities=r["n"],
            missing=r["n_missing"],
            filled={name: r[f"f_{name}"] for name in REQUIRED_SURVEY_FIELDS},
            refreshed_at=now,
        )
        for r in grouped
    ]


@transaction.atomic
def community_stats_refresh(*, division_ids: Iterable[int | None] | None = None) -> int:
    """Recompute the aggregates of ``division_ids`` (all divisions when None); returns the rows written.

    The divisions' rows are locked first (in id order), so two writers of the same division recompute one after
    the other and the second sees the first's communities."""
    live = Community.objects.filter(archived_at__isnull=True)
    if division_ids is None:
        CommunityStats.objects.all().delete()
        rows = grouped_stats(live)
    else:
        ids = sorted({i for i in division_ids if i is not None})
        if not ids:
            return 0
        list(Division.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        CommunityStats.objects.filter(division_id__in=ids).delete()
        rows = grouped_stats(live.filter(division_id__in=ids))
    CommunityStats.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
