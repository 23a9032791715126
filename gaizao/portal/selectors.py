"""Public aggregates for the portal: counts only, no personal data, no unpublished records."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db.models import Count

from gaizao.divisions.models import Division, DivisionLevel

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class PublishedFigure:
    indicator: str
    value: str
    unit: str
    source_url: str


@cache
def published_figures() -> tuple[PublishedFigure, ...]:
    with open(DATA / "programme_figures.csv", encoding="utf-8-sig", newline="") as f:
        return tuple(
            PublishedFigure(r["指标"], r["数值"], r["单位"], r["来源URL"]) for r in csv.DictReader(f)
        )


def district_progress() -> list[dict[str, object]]:
    """Per district: communities by scope status and projects by pool (archived rows left out)."""
    from gaizao.programme.models import Project
    from gaizao.registry.models import Community

    rows: dict[str, dict[str, object]] = {}
    for d in Division.objects.filter(level=DivisionLevel.DISTRICT).order_by("code"):
        rows[d.code] = {"code": d.code, "name": d.name, "name_en": d.name_en, "scope": {}, "pools": {}}
    scope = (
        Community.objects.filter(archived_at__isnull=True)
        .values("district_code", "scope_status")
        .annotate(n=Count("id"))
    )
    for row in scope:
        if row["district_code"] in rows:
            rows[row["district_code"]]["scope"][row["scope_status"]] = row["n"]  # type: ignore[index]
    pools = (
        Project.objects.filter(archived_at__isnull=True)
        .values("district__code", "state")
        .annotate(n=Count("id"))
    )
    for row in pools:
        if row["district__code"] in rows:
            rows[row["district__code"]]["pools"][row["state"]] = row["n"]  # type: ignore[index]
    return list(rows.values())


def totals(progress: list[dict[str, object]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in progress:
        for group in ("scope", "pools"):
            for key, n in row[group].items():  # type: ignore[attr-defined]
                out[key] = out.get(key, 0) + n
    return out
