"""The bridge between Gaizao's records and the pure spatial core (Saleor's fetch → calculation split).

It turns communities, facilities and stock sites into ``gaizao.spatial.Points``, hands them with the life-circle
standards of ``gaizao.policy`` to ``gaizao.spatial`` and returns plain data for the services to store. No
shortest-path, joining, gap or siting logic lives here: every analysis is a call into ``gaizao.spatial``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from gaizao.lifecircle.models import PACKAGED_PREFIX, RoadNetwork

PACKAGE_DATA = Path(__file__).parent / "data"
OSM_FILE = "central_main_roads_osm.geojson"
#: Catchment polygons are simplified to this tolerance (degrees, about 3 m) and rounded to 6 decimals.
CATCHMENT_SIMPLIFY_DEG = 0.00003
CATCHMENT_DECIMALS = 6


# --- networks ------------------------------------------------------------------------------------------------


def network_file(network: RoadNetwork) -> Path:
    if network.file_path.startswith(PACKAGED_PREFIX):
        return PACKAGE_DATA / network.file_path[len(PACKAGED_PREFIX) :]
    return Path(settings.DATA_DIR) / network.file_path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_NETWORKS: dict[tuple[str, float], Any] = {}
_LOCK = threading.Lock()


def load_spatial_network(path: Path, *, sha256: str, walking_speed_m_per_min: float = 80.0) -> Any:
    """The ``gaizao.spatial.Network`` of a file, built once per process per file content (keyed by its hash)."""
    from gaizao.spatial import load_network

    key = (sha256, float(walking_speed_m_per_min))
    with _LOCK:
        cached = _NETWORKS.get(key)
    if cached is not None:
        return cached
    built = load_network(path, walking_speed_m_per_min=walking_speed_m_per_min)
    with _LOCK:
        _NETWORKS[key] = built
    return built


def network_for(network: RoadNetwork, walking_speed_m_per_min: float | None = None) -> Any:
    speed = walking_speed_m_per_min or network.walking_speed_m_per_min
    return load_spatial_network(
        network_file(network), sha256=network.file_sha256, walking_speed_m_per_min=speed
    )


def clear_network_cache() -> None:
    with _LOCK:
        _NETWORKS.clear()


def cached_network_count() -> int:
    return len(_NETWORKS)


def network_box(network: Any, margin_m: float) -> tuple[float, float, float, float]:
    """The network's lon/lat bounding box widened by ``margin_m`` (points beyond it cannot join)."""
    ll = network.node_lonlat
    x0, y0 = float(ll[:, 0].min()), float(ll[:, 1].min())
    x1, y1 = float(ll[:, 0].max()), float(ll[:, 1].max())
    dlat = margin_m / 111_320
    dlon = margin_m / (111_320 * max(0.1, float(np.cos(np.radians(max(abs(y0), abs(y1)))))))
    return (x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat)


# --- standards -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standards:
    levels: tuple[Any, ...]  # gaizao.policy LifeCircleLevel
    facilities: tuple[Any, ...]  # gaizao.policy FacilityStandard
    version: str

    def level(self, level_id: str) -> Any:
        for lv in self.levels:
            if lv.id == level_id:
                return lv
        from gaizao.errors import ApplicationError

        raise ApplicationError(
            f"未知的生活圈层级 {level_id!r}。/ Unknown life-circle level {level_id!r}.", field="level"
        )

    @property
    def catchment_levels(self) -> tuple[Any, ...]:
        """The 5-, 10- and 15-minute circles (those with walking minutes), smallest first."""
        return tuple(sorted((lv for lv in self.levels if lv.walk_minutes), key=lambda lv: lv.walk_distance_m))


def standards() -> Standards:
    from gaizao.policy import life_circle_facilities, life_circle_levels

    levels = tuple(life_circle_levels())
    facilities = tuple(life_circle_facilities())
    text = json.dumps(
        [[lv.id, lv.walk_distance_m] for lv in levels] + [[f.level, f.id, f.required] for f in facilities]
    )
    version = "GB 50180-2018 " + hashlib.sha256(text.encode()).hexdigest()[:8]
    return Standards(levels=levels, facilities=facilities, version=version)


# --- points --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origins:
    points: Any  # gaizao.spatial.Points, one per entrance (or centroid)
    community_of: np.ndarray  # (n_points,) community pk of each origin point
    community_ids: tuple[int, ...]  # communities with at least one origin point


def community_origins(communities: Iterable[Any], *, mode: str = "entrances") -> Origins:
    """Origin points of communities: every entrance, or the centroid when it has none (or ``mode="centroid"``)."""
    from gaizao.spatial import Points

    ids: list[str] = []
    lon: list[float] = []
    lat: list[float] = []
    owner: list[int] = []
    for c in communities:
        spots: list[tuple[float, float]] = []
        if mode == "entrances":
            for e in c.entrances or []:
                if isinstance(e, list | tuple) and len(e) >= 2:
                    spots.append((float(e[0]), float(e[1])))
        if not spots and c.lon is not None and c.lat is not None:
            spots.append((float(c.lon), float(c.lat)))
        for i, (x, y) in enumerate(spots):
            ids.append(f"{c.pk}#{i}")
            lon.append(x)
            lat.append(y)
            owner.append(c.pk)
    points = Points.from_arrays(ids, lon, lat, name="origins")
    return Origins(
        points=points,
        community_of=np.asarray(owner, dtype=np.int64),
        community_ids=tuple(dict.fromkeys(owner)),
    )


def facility_points(facilities: Iterable[Any]) -> Any:
    from gaizao.spatial import Points

    rows = list(facilities)
    return Points.from_arrays(
        [f.pk for f in rows],
        [f.lon for f in rows],
        [f.lat for f in rows],
        categories=[f.category for f in rows],
        name="facilities",
    )


def per_community_min(origins: Origins, values: np.ndarray) -> dict[int, np.ndarray]:
    """Row-wise minimum over each community's origin points (NaN where none reached)."""
    out: dict[int, np.ndarray] = {}
    for pk in origins.community_ids:
        rows = values[origins.community_of == pk]
        out[pk] = np.fmin.reduce(rows, axis=0)
    return out


def community_catchments(
    network: Any, origins: Origins, levels: tuple[Any, ...], snap_tolerance_m: float
) -> list[dict[str, Any]]:
    """5/10/15-minute catchments of every community (``gaizao.spatial`` isochrones and service areas).

    A community with one origin point gets ``isochrones`` (one search serves every level); one with several
    entrances gets a multi-source ``service_areas`` per level with its entrances as the sources.
    """
    from gaizao.spatial import Points, isochrones, service_areas

    level_of = {float(lv.walk_distance_m): lv.id for lv in levels}
    counts = np.bincount(np.unique(origins.community_of, return_inverse=True)[1])
    single_pks = {
        pk for pk, n in zip(np.unique(origins.community_of).tolist(), counts.tolist(), strict=True) if n == 1
    }
    single = np.asarray([int(pk) in single_pks for pk in origins.community_of.tolist()], dtype=bool)
    out: list[dict[str, Any]] = []
    if single.any():
        pts = origins.points.subset(single)
        owners = origins.community_of[single]
        owner_of = dict(zip(pts.ids, owners.tolist(), strict=True))
        for c in isochrones(network, pts, distances_m=sorted(level_of), snap_tolerance_m=snap_tolerance_m):
            out.append(
                {
                    "community_id": owner_of[c.id],
                    "level": level_of[c.distance_m],
                    "distance_m": c.distance_m,
                    "area_m2": c.area_m2,
                    "geometry": c.geometry,
                }
            )
    if (~single).any():
        pts = origins.points.subset(~single)
        multi = Points.from_arrays(
            pts.ids,
            pts.lon,
            pts.lat,
            categories=[str(pk) for pk in origins.community_of[~single].tolist()],
            name="entrances",
        )
        for dist, lid in level_of.items():
            for c in service_areas(network, multi, distance_m=dist, snap_tolerance_m=snap_tolerance_m):
                out.append(
                    {
                        "community_id": int(c.id),
                        "level": lid,
                        "distance_m": c.distance_m,
                        "area_m2": c.area_m2,
                        "geometry": c.geometry,
                    }
                )
    return out


def simplified_geojson(geometry: Any) -> dict[str, Any] | None:
    import shapely

    if geometry is None or geometry.is_empty:
        return None
    geom = shapely.simplify(geometry, CATCHMENT_SIMPLIFY_DEG, preserve_topology=True)
    geom = shapely.set_precision(geom, 10**-CATCHMENT_DECIMALS)
    return json.loads(shapely.to_geojson(geom))


# --- siting --------------------------------------------------------------------------------------------------


def siting(
    *, run: Any, results: list[Any], sites: list[Any], category: str, distance_m: float, k: int
) -> dict[str, Any]:
    """Maximal covering of the run's communities by ``k`` of ``sites`` (``gaizao.spatial.maximal_covering``).

    Demand is every community of the run weighted by its population; a community is covered by a site when any
    of its origin points (entrances or centroid, as in the run) is within ``distance_m`` along the network, and
    is already covered when the run found a ``category`` facility within ``distance_m``. Returns the fields of a
    ``SitingProposal``.
    """
    from gaizao.spatial import Points, distances_between, maximal_covering

    net = network_for(run.network, run.walking_speed_m_per_min)
    communities = [r.community for r in results]
    origins = community_origins(communities, mode=run.origin_mode)
    site_points = Points.from_arrays(
        [s.pk for s in sites], [s.lon for s in sites], [s.lat for s in sites], name="stock_sites"
    )
    pairs = distances_between(
        net, origins.points, site_points, max_distance_m=distance_m, snap_tolerance_m=run.snap_tolerance_m
    )
    row_of = {pk: i for i, pk in enumerate(r.community_id for r in results)}
    demand_rows = np.asarray(
        [row_of[int(pk)] for pk in origins.community_of[pairs.source_index]], dtype=np.int64
    )
    coverage = (
        np.column_stack([demand_rows, pairs.target_index]) if len(demand_rows) else np.zeros((0, 2), np.int64)
    )
    weights = [float(r.population or 0) for r in results]
    covered = []
    for r in results:
        d = r.distances.get(category)
        covered.append(d is not None and d <= distance_m)
    result = maximal_covering(
        coverage,
        weights=weights,
        k=k,
        demand_ids=[str(r.community_id) for r in results],
        candidate_ids=[str(s.pk) for s in sites],
        already_covered=covered,
    )
    by_id = {str(s.pk): s for s in sites}
    chosen = []
    for sid, gain in zip(result.chosen_ids, result.marginal_weight, strict=True):
        s = by_id[sid]
        chosen.append(
            {
                "id": s.pk,
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "area_m2": str(s.area_m2),
                "lon": s.lon,
                "lat": s.lat,
                "covered_new": int(round(gain)),
            }
        )
    return {
        "chosen": chosen,
        "candidate_count": len(sites),
        "residents_total": int(round(result.total_weight)),
        "covered_before": int(round(result.covered_before)),
        "covered_after": int(round(result.covered_after)),
        "solver": result.solver[:60],
        "gap": round(float(result.optimality_gap), 6),
        "newly_covered": [int(x) for x in result.newly_covered_ids],
    }
