"""Catchments (生活圈范围): the 5/10/15-minute areas of a run's communities — drawn (pure, from the network) and
kept as rows; drawn on first view for a run that did not draw them up front."""

from __future__ import annotations

from typing import Any

from gaizao.lifecircle import engine
from gaizao.lifecircle.models import AnalysisRun, Catchment, RunStatus
from gaizao.registry.models import Community


def catchment_areas(
    net: Any, origins: engine.Origins, levels: tuple[Any, ...], snap_tolerance_m: float
) -> list[dict[str, Any]]:
    """Each community's catchment polygon per level as plain data (``community_id``, ``level``, ``distance_m``,
    ``area_m2``, ``geometry`` — simplified GeoJSON); areas that simplify to nothing are left out. No database."""
    areas = []
    for area in engine.community_catchments(net, origins, levels, snap_tolerance_m):
        geometry = engine.simplified_geojson(area["geometry"])
        if geometry is None:
            continue
        areas.append(
            {
                "community_id": area["community_id"],
                "level": area["level"],
                "distance_m": area["distance_m"],
                "area_m2": round(area["area_m2"], 1),
                "geometry": geometry,
            }
        )
    return areas


def catchment_rows(run: AnalysisRun, areas: list[dict[str, Any]]) -> list[Catchment]:
    """The unsaved rows of ``areas`` for ``run``."""
    return [Catchment(run=run, **area) for area in areas]


def catchments_fill(*, run: AnalysisRun, community: Community) -> int:
    """Draw and keep one community's catchments for ``run`` when the run did not draw them (a city run).

    Derived data, a cache of ``gaizao.spatial`` output for the run's own inputs: no audit event. Returns the
    number of polygons stored (0 when the community has no location or does not join the network).
    """
    if run.status != RunStatus.SUCCEEDED or Catchment.objects.filter(run=run, community=community).exists():
        return 0
    net = engine.network_for(run.network, run.walking_speed_m_per_min)
    origins = engine.community_origins([community], mode=run.origin_mode)
    if not origins.community_ids:
        return 0
    areas = catchment_areas(net, origins, engine.standards().catchment_levels, run.snap_tolerance_m)
    rows = catchment_rows(run, areas)
    Catchment.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
