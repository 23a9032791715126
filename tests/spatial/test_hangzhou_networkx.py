"""The real central-Hangzhou main-road network and its bus stops, checked against networkx.

The reference is built independently of ``gaizao.spatial``: the GeoJSON is parsed with ``json``, segment lengths
are geodesic (``pyproj.Geod``), the nearest segment is found by brute force, and the graph is split at the join
points by hand — the same joining rule, a different implementation.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pyproj
import pytest

from gaizao.spatial import Points, load_network, nearest_facilities
from tests.spatial.conftest import BUS_STOPS, ROADS

CUTOFF_M = 1500.0
SNAP_M = 500.0


def _reference_network(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nodes (lon/lat), segment ends and geodesic lengths, built from the raw GeoJSON."""
    data = json.loads(path.read_text(encoding="utf-8"))
    key_to_node: dict[tuple[int, int], int] = {}
    nodes: list[tuple[float, float]] = []
    us: list[int] = []
    vs: list[int] = []
    for feature in data["features"]:
        geom = feature["geometry"]
        parts = [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
        for part in parts:
            ids = []
            for lon, lat in part:
                key = (round(lon * 1e7), round(lat * 1e7))
                if key not in key_to_node:
                    key_to_node[key] = len(nodes)
                    nodes.append((lon, lat))
                ids.append(key_to_node[key])
            for a, b in zip(ids[:-1], ids[1:], strict=True):
                if a != b:
                    us.append(a)
                    vs.append(b)
    ll = np.asarray(nodes)
    u, v = np.asarray(us), np.asarray(vs)
    _, _, length = pyproj.Geod(ellps="WGS84").inv(ll[u, 0], ll[u, 1], ll[v, 0], ll[v, 1])
    return ll, u, v, np.asarray(length)


def _brute_force_join(xy_nodes, u, v, length, pxy):  # type: ignore[no-untyped-def]
    """For each point: (segment, offset from u in metres, connector) by checking every segment."""
    a, b = xy_nodes[u], xy_nodes[v]
    ab = b - a
    denom = (ab**2).sum(1)
    out = []
    for p in pxy:
        t = np.clip(((p - a) * ab).sum(1) / denom, 0, 1)
        d = np.hypot(*(a + t[:, None] * ab - p).T)
        k = int(np.argmin(d))
        out.append((k, float(t[k] * length[k]), float(d[k])))
    return out


def _reference_distances(roads: Path, origins: Points, facilities: Points) -> dict[str, np.ndarray]:
    ll, u, v, length = _reference_network(roads)
    proj = pyproj.Transformer.from_crs(
        "EPSG:4326", "+proj=aeqd +lat_0=30.278 +lon_0=120.182 +datum=WGS84 +units=m", always_xy=True
    )
    xy_nodes = np.column_stack(proj.transform(ll[:, 0], ll[:, 1]))
    graph = nx.Graph()
    for a, b, w in zip(u.tolist(), v.tolist(), length.tolist(), strict=True):
        if not graph.has_edge(a, b) or graph[a][b]["weight"] > w:
            graph.add_edge(a, b, weight=w)
    joins: dict[str, tuple[int, float, float]] = {}
    for pts in (origins, facilities):
        pxy = np.column_stack(proj.transform(pts.lon, pts.lat))
        for pid, join in zip(pts.ids, _brute_force_join(xy_nodes, u, v, length, pxy), strict=True):
            if join[2] <= SNAP_M:
                joins[f"{pts.name}:{pid}"] = join
    by_segment: dict[int, list[tuple[float, str]]] = {}
    for name, (seg, offset, connector) in joins.items():
        by_segment.setdefault(seg, []).append((offset, name))
        graph.add_edge(("point", name), ("on", name), weight=connector)
    for seg, items in by_segment.items():
        items.sort()
        prev, prev_offset = int(u[seg]), 0.0
        for offset, name in items:
            graph.add_edge(prev, ("on", name), weight=offset - prev_offset)  # type: ignore[arg-type]
            prev, prev_offset = ("on", name), offset  # type: ignore[assignment]
        graph.add_edge(prev, int(v[seg]), weight=float(length[seg]) - prev_offset)
    out: dict[str, np.ndarray] = {}
    assert facilities.categories is not None
    for cat in sorted(set(facilities.categories)):
        sources = [
            ("point", f"facilities:{fid}")
            for fid, c in zip(facilities.ids, facilities.categories, strict=True)
            if c == cat and f"facilities:{fid}" in joins
        ]
        dist = nx.multi_source_dijkstra_path_length(graph, sources, cutoff=CUTOFF_M)
        out[cat] = np.array([dist.get(("point", f"origins:{oid}"), np.nan) for oid in origins.ids])
    return out


@pytest.fixture(scope="module")
def hangzhou_points() -> tuple[Points, Points]:
    rows = list(csv.DictReader(BUS_STOPS.open(encoding="utf-8")))
    facilities = Points.from_arrays(
        [r["osm_id"] for r in rows],
        [float(r["lon"]) for r in rows],
        [float(r["lat"]) for r in rows],
        categories=[r["kind"] for r in rows],
        name="facilities",
    )
    rng = np.random.default_rng(5)
    n_random = 120
    lon = rng.uniform(120.092, 120.272, n_random)
    lat = rng.uniform(30.228, 30.329, n_random)
    # and origins a few metres from bus stops, often on the same segment as the stop
    near = rng.choice(len(rows), 60, replace=False)
    lon = np.concatenate([lon, facilities.lon[near] + rng.normal(0, 2e-4, 60)])
    lat = np.concatenate([lat, facilities.lat[near] + rng.normal(0, 2e-4, 60)])
    origins = Points.from_arrays([f"o{i}" for i in range(len(lon))], lon, lat, name="origins")
    return origins, facilities


def test_real_network_matches_readme_counts() -> None:
    network = load_network(ROADS)
    assert network.n_nodes == 5283
    assert int(network.component_sizes[0]) == 5128


def test_distances_agree_with_networkx_on_the_same_joining_rule(
    hangzhou_points: tuple[Points, Points],
) -> None:
    origins, facilities = hangzhou_points
    network = load_network(ROADS)
    result = nearest_facilities(
        network, origins, facilities, max_distance_m=CUTOFF_M, snap_tolerance_m=SNAP_M
    )
    reference = _reference_distances(ROADS, origins, facilities)
    compared = 0
    for j, cat in enumerate(result.categories):
        ours, theirs = result.distance_m[:, j], reference[cat]
        both = np.isfinite(ours) & np.isfinite(theirs)
        np.testing.assert_allclose(ours[both], theirs[both], atol=0.01, rtol=0)
        only_one = np.isfinite(ours) ^ np.isfinite(theirs)
        edge_cases = np.where(np.isfinite(ours), ours, theirs)[only_one]
        assert np.all(np.abs(edge_cases - CUTOFF_M) < 0.01)
        compared += int(both.sum())
    assert compared > 100
    # origins far from the main roads are reported, not joined
    assert 0 < len(result.origins.not_joined_ids) < len(origins)
    same_segment = np.isin(result.origins.edge, result.facilities.edge[result.facilities.joined])
    assert same_segment.sum() >= 10
