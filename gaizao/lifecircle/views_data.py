"""Plain payloads shared by the pages and the API (so both show the same thing)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gaizao.lifecircle import engine, selectors
from gaizao.lifecircle.models import CommunityAccess, SitingProposal
from gaizao.registry.models import Community

#: Half-size of the road extract drawn around a community, metres.
ROADS_RADIUS_M = 1400.0


def level_names() -> dict[str, dict[str, Any]]:
    return {
        lv.id: {
            "name_zh": lv.name_zh,
            "name_en": lv.name_en,
            "distance_m": lv.walk_distance_m,
            "minutes": lv.walk_minutes,
        }
        for lv in engine.standards().levels
    }


def access_row(a: CommunityAccess) -> dict[str, Any]:
    c = a.community
    return {
        "community_id": c.pk,
        "code": c.code,
        "name": c.name,
        "division": c.division.name,
        "population": a.population,
        "joined": a.joined,
        "connector_m": a.connector_m,
        "score": a.score,
        "gap_count": a.gap_count,
        "gap_facilities": a.gap_facilities,
        "gap_items": a.gap_items,
        "distances": a.distances,
        "url": f"/lifecircle/communities/{c.pk}/",
    }


def gaps_by_level(access: CommunityAccess) -> list[dict[str, Any]]:
    """The gaps grouped by level, smallest circle first, with the level's names."""
    names = level_names()
    order = sorted(names, key=lambda lid: names[lid]["distance_m"])
    out = []
    for lid in order:
        checks = access.reachable.get(lid, {})
        gaps = [g for g in access.gaps if g["level"] == lid]
        out.append(
            {
                "id": lid,
                **names[lid],
                "required": len(checks),
                "met": sum(1 for v in checks.values() if v),
                "gaps": gaps,
            }
        )
    return out


def roads_near(network: Any, lon: float, lat: float, radius_m: float = ROADS_RADIUS_M) -> dict[str, Any]:
    """The network's segments in a box around (lon, lat), as one GeoJSON MultiLineString."""
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(0.1, np.cos(np.radians(lat))))
    return roads_in_box(network, (lon - dlon, lat - dlat, lon + dlon, lat + dlat))


def roads_in_box(network: Any, box: tuple[float, float, float, float]) -> dict[str, Any]:
    """The network's segments with an end inside ``box`` (min lon, min lat, max lon, max lat) as a MultiLineString
    (coordinates rounded to 6 decimals, about 0.1 m)."""
    ll = network.node_lonlat
    inside = (ll[:, 0] >= box[0]) & (ll[:, 0] <= box[2]) & (ll[:, 1] >= box[1]) & (ll[:, 1] <= box[3])
    keep = inside[network.edge_u] | inside[network.edge_v]
    a = np.round(ll[network.edge_u[keep]], 6).tolist()
    b = np.round(ll[network.edge_v[keep]], 6).tolist()
    return {
        "type": "Feature",
        "properties": {"kind": "roads", "segments": len(a)},
        "geometry": {"type": "MultiLineString", "coordinates": [[p, q] for p, q in zip(a, b, strict=True)]},
    }


def run_roads(run: Any, margin_m: float = 500.0) -> dict[str, Any]:
    """The run's network around its communities (the box of their locations plus ``margin_m``)."""
    from django.db.models import Max, Min

    box = selectors.run_results(run).aggregate(
        x0=Min("community__lon"), y0=Min("community__lat"), x1=Max("community__lon"), y1=Max("community__lat")
    )
    net = engine.network_for(run.network, run.walking_speed_m_per_min)
    if box["x0"] is None:
        return roads_in_box(net, (0.0, 0.0, 0.0, 0.0))
    dlat = margin_m / 111_320
    dlon = margin_m / (111_320 * max(0.1, np.cos(np.radians(box["y0"]))))
    feature = roads_in_box(net, (box["x0"] - dlon, box["y0"] - dlat, box["x1"] + dlon, box["y1"] + dlat))
    feature["properties"]["attribution"] = run.network.attribution
    return feature


def community_payload(user: Any, community: Community) -> dict[str, Any]:
    access = selectors.community_access_latest(community)
    names = selectors.facility_names()
    facilities = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
            "properties": {
                "id": f.pk,
                "name": f.name,
                "category": f.category,
                "category_name": names.get(f.category, (f.category,))[0],
            },
        }
        for f in selectors.facilities_near(community)
    ]
    payload: dict[str, Any] = {
        "community": {
            "id": community.pk,
            "code": community.code,
            "name": community.name,
            "lon": community.lon,
            "lat": community.lat,
            "entrances": community.entrances,
            "population": community.population,
        },
        "facilities": {"type": "FeatureCollection", "features": facilities},
        "run": None,
        "levels": [],
        "catchments": {"type": "FeatureCollection", "features": []},
        "roads": None,
        "attribution": "",
    }
    if access is None:
        return payload
    from gaizao.lifecircle.services import catchments_fill

    catchments_fill(run=access.run, community=community)
    visible = selectors.run_visible_to(user, access.run)
    payload["run"] = {
        "id": access.run_id,
        "url": f"/lifecircle/runs/{access.run_id}/" if visible else None,
        "finished_at": access.run.finished_at,
    }
    payload.update(
        {
            "score": access.score,
            "joined": access.joined,
            "connector_m": access.connector_m,
            "distances": access.distances,
            "gap_items": access.gap_items,
            "levels": gaps_by_level(access),
            "catchments": selectors.community_catchments(access),
            "attribution": access.run.network.attribution,
        }
    )
    if community.lon is not None and community.lat is not None:
        net = engine.network_for(access.run.network, access.run.walking_speed_m_per_min)
        payload["roads"] = roads_near(net, community.lon, community.lat)
    return payload


def proposal_payload(p: SitingProposal) -> dict[str, Any]:
    names = selectors.facility_names()
    return {
        "id": p.pk,
        "run_id": p.run_id,
        "category": p.category,
        "category_name_zh": names.get(p.category, (p.category, p.category))[0],
        "category_name_en": names.get(p.category, (p.category, p.category))[1],
        "level": p.level,
        "distance_m": p.distance_m,
        "k": p.k,
        "chosen": p.chosen,
        "candidate_count": p.candidate_count,
        "residents_total": p.residents_total,
        "covered_before": p.covered_before,
        "covered_after": p.covered_after,
        "newly_covered": p.newly_covered,
        "solver": p.solver,
        "gap": p.gap,
        "saved": p.saved,
        "note": p.note,
        "url": f"/lifecircle/siting/{p.pk}/",
    }
