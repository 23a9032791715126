"""Public aggregates for the portal: counts only, no personal data, no unpublished records."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Count
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from gaizao.delivery.models import Acceptance
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.lifecircle import selectors as lifecircle_selectors
from gaizao.money import selectors as money_selectors
from gaizao.oversight.public import district_chart
from gaizao.oversight.selectors import public_project_facts
from gaizao.programme.models import Project
from gaizao.registry.models import Community

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


# --- progress map and completed communities (issue 14 §6) -----------------------------------------------------------
#
# Read from oversight's public facts (:func:`gaizao.oversight.selectors.public_project_facts`: codes, names of
# projects and divisions, counts, dates, stages), money's per-project balances (sums by funding source), delivery's
# completion acceptance (item quantities; delivery has no public selector, so the accepted items are read from the
# ``Acceptance`` of the fact's delivery) and the life circle before / after the works
# (:func:`gaizao.lifecircle.selectors.community_access_before_after`). Nothing personal leaves: no owner, resident,
# signatory, contact or phone, no household-level record.


def completed_communities() -> list[dict[str, Any]]:
    """Every community of a completed project (first 完工 move recorded), with where it is and when it was done."""

    facts = [f for f in public_project_facts() if f.completed_on is not None]
    by_community = {cid: f for f in facts for cid in f.community_ids}
    out = []
    for c in Community.objects.filter(pk__in=by_community, archived_at__isnull=True).order_by("code"):
        f = by_community[c.pk]
        out.append(
            {
                "id": c.pk,
                "name": c.name,
                "district_code": f.district_code,
                "district": f.district_name,
                "street": f.street_name if f.street_code else "",
                "project_code": f.code,
                "completed_on": f.completed_on,
                "lon": c.lon,
                "lat": c.lat,
            }
        )
    return out


def completed_community(pk: Any) -> dict[str, Any]:
    """The public before / after page of one completed community: what it was, what was done, what it gained, how
    it was paid for. 404 for a community whose project is not completed, archived, or unknown."""

    try:
        community_id = int(pk)
    except (TypeError, ValueError):
        raise Http404("不存在 / not found") from None
    community = Community.objects.filter(pk=community_id, archived_at__isnull=True).first()
    fact = next(
        (
            f
            for f in public_project_facts()
            if f.completed_on is not None and community is not None and community.pk in f.community_ids
        ),
        None,
    )
    if community is None or fact is None:
        raise Http404("不存在 / not found")
    project = Project.objects.select_related("plan__current_version").get(pk=fact.project_id)
    plan = getattr(project, "plan", None)
    version = plan.current_version if plan is not None else None
    acceptance = (
        Acceptance.objects.filter(delivery__project_id=fact.project_id).only("held_on", "items").first()
    )
    delivered = {
        str(i.get("item_id", "")): i.get("delivered") for i in (acceptance.items if acceptance else [])
    }
    works = [
        {
            "name": item.get("name_zh") or item.get("item_id", ""),
            "unit": item.get("unit", ""),
            "planned": item.get("quantity"),
            "delivered": delivered.get(str(item.get("item_id", ""))),
        }
        for item in ((version.items or []) if version is not None else [])
    ]
    balances = money_selectors.project_balances(project)
    funding = [
        {"label": s["label"], "planned": s["planned"], "paid": s["paid"]}
        for s in balances["sources"]
        if s["planned"] or s["paid"]
    ]
    names = lifecircle_selectors.facility_names()
    around = lifecircle_selectors.community_access_before_after(
        community, before=fact.started_on, after=fact.completed_on
    )

    def gaps(access: Any) -> list[str] | None:
        if access is None:
            return None
        return [names.get(str(x), (str(x), str(x)))[0] for x in (access.gap_facilities or [])]

    return {
        "community": {
            "id": community.pk,
            "name": community.name,
            "built_year": community.built_year,
            "households": community.households,
            "buildings": community.building_count,
            "lon": community.lon,
            "lat": community.lat,
        },
        "project": {
            "code": fact.code,
            "name": fact.name,
            "district": fact.district_name,
            "street": fact.street_name if fact.street_code else "",
            "communities": fact.communities,
            "started_on": fact.started_on,
            "completed_on": fact.completed_on,
            "accepted_on": acceptance.held_on if acceptance is not None else None,
        },
        "works": works,
        "funding": funding,
        "funding_total": {
            "estimate": version.estimate if version is not None else None,
            "planned": balances["total"]["planned"],
            "paid": balances["total"]["paid"],
        },
        "life_circle": {
            "before": gaps(around["before"]),
            "after": gaps(around["after"]),
            "closed": [names.get(x, (x, x))[0] for x in around["closed"]],
            "score_before": around["before"].score if around["before"] is not None else None,
            "score_after": around["after"].score if around["after"] is not None else None,
        },
    }


def progress_map() -> dict[str, Any]:
    """The public map's data: per district communities started / completed this year and in total (from
    oversight's public chart), and the completed communities as GeoJSON points linking to their pages."""

    chart = district_chart(timezone.localdate().year)
    points = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(c["lon"], 6), round(c["lat"], 6)]},
            "properties": {
                "name": c["name"],
                "district": c["district"],
                "completed_on": c["completed_on"].isoformat(),
                "url": reverse("portal:completed", args=[c["id"]]),
            },
        }
        for c in completed_communities()
        if c["lon"] is not None and c["lat"] is not None
    ]
    return {
        "year": chart["year"],
        "districts": chart["rows"],
        "communities": {"type": "FeatureCollection", "features": points},
    }
