"""Walking access on a city-sized network: gaizao.spatial vs pandana vs networkx, at two network sizes.

A perturbed 80 m street grid near Hangzhou (with removed blocks, diagonals and curved streets) of about 50,000 and
about 300,000 nodes (``SIDES``) is written to a GeoPackage, with 20 facility categories × 300 facilities and 5,000 origins as CSV. Each tool runs
end to end — read the file, build the network, join the points, nearest facility of every category within
1,000 m — in its own subprocess, so its time and peak memory are its own.

Joining rules differ: gaizao (and the networkx pipeline here, written the way a careful networkx user would) join
points at the nearest point of the nearest edge and count the connector; pandana joins to the nearest node and
ignores the connector. Distances are therefore compared gaizao vs networkx on the realistic points, and gaizao vs
pandana on a second set of points placed exactly on nodes, where the two rules coincide.

Issue 19's goals are gaizao ≥ 50× faster than pandana at 50k nodes and ≥ 100× at 300k, compared on CPU time (the
machine is shared; wall time is printed beside it). pandana does not finish at 300k nodes in reasonable time, so it
runs under a CPU-time limit of 1.25 × goal × gaizao's CPU time (``RLIMIT_CPU``; ``BENCH_PANDANA_CPU_CAP_S`` sets it
in seconds): stopped there, its CPU time so far is reported as a lower bound ("> N×"), which already decides the
goal.

Run with ``python -m bench access`` (both sizes; ``make bench`` runs every benchmark) or
``python -m bench.bench_access SIDE`` for one grid of SIDE × SIDE intersections.
"""

from __future__ import annotations

import csv
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.summary import Headline

SIDE = 460  # grid intersections per side: 211,600 plus curve vertices ≈ 300,000 nodes
#: the two sizes of issue 19 (grid side → gaizao's goal, × pandana's CPU time): ≈ 50,400 and ≈ 311,000 nodes
SIDES = {185: 50.0, SIDE: 100.0}
#: pandana's CPU limit as a multiple of what the goal needs (goal × gaizao's CPU time)
CAP_MARGIN = 1.25
BLOCK_M = 80.0
N_CATEGORIES = 20
PER_CATEGORY = 300
N_ORIGINS = 5_000
CITY_ORIGINS = 50_000
MAX_DISTANCE_M = 1_000.0
AGREE_M = 0.5
CENTRE = (120.17, 30.27)
REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------- data generation
def _generate(directory: Path, side: int, seed: int = 2022) -> dict[str, Any]:
    import pyogrio.raw
    import pyproj
    import shapely

    rng = np.random.default_rng(seed)
    to_lonlat = pyproj.Transformer.from_crs(
        f"+proj=aeqd +lat_0={CENTRE[1]} +lon_0={CENTRE[0]} +datum=WGS84 +units=m", "EPSG:4326", always_xy=True
    )
    gx, gy = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    xy = np.column_stack([gx.ravel(), gy.ravel()]) * BLOCK_M - side * BLOCK_M / 2
    xy += rng.uniform(-15, 15, xy.shape)
    idx = np.arange(side * side).reshape(side, side)
    horizontal = np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()])
    vertical = np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()])
    edges = np.concatenate([horizontal, vertical])
    edges = edges[rng.random(len(edges)) > 0.08]  # closed streets, gated blocks
    cells = idx[:-1, :-1].ravel()
    diag_cells = cells[rng.random(len(cells)) < 0.05]
    diagonals = np.column_stack([diag_cells, diag_cells + side + 1])
    edges = np.concatenate([edges, diagonals])
    a, b = xy[edges[:, 0]], xy[edges[:, 1]]
    curved = rng.random(len(edges)) < 0.25
    normal = np.column_stack([-(b - a)[:, 1], (b - a)[:, 0]])
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    mid = (a + b) / 2 + normal * rng.uniform(-8, 8, len(edges))[:, None]
    straight_lines = np.stack([a[~curved], b[~curved]], axis=1)
    curved_lines = np.stack([a[curved], mid[curved], b[curved]], axis=1)

    def lonlat(arr: np.ndarray) -> np.ndarray:
        flat = arr.reshape(-1, 2)
        lon, lat = to_lonlat.transform(flat[:, 0], flat[:, 1])
        return np.column_stack([lon, lat]).reshape(arr.shape)

    geoms = np.concatenate(
        [shapely.linestrings(lonlat(straight_lines)), shapely.linestrings(lonlat(curved_lines))]
    )
    network = directory / "streets.gpkg"
    pyogrio.raw.write(
        network,
        geometry=shapely.to_wkb(geoms),
        field_data=[np.arange(len(geoms), dtype=np.int64)],
        fields=["street_id"],
        geometry_type="LineString",
        crs="EPSG:4326",
        driver="GPKG",
    )
    extent = side * BLOCK_M / 2 - 2 * BLOCK_M

    def write_points(name: str, pts: np.ndarray, categories: list[str] | None) -> Path:
        ll = lonlat(pts)
        path = directory / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "category", "lon", "lat"] if categories else ["id", "lon", "lat"])
            for i, (lon, lat) in enumerate(ll):
                row = [f"{name[0]}{i}", *([categories[i]] if categories else []), f"{lon:.8f}", f"{lat:.8f}"]
                writer.writerow(row)
        return path

    cats = [f"cat{c:02d}" for c in range(N_CATEGORIES) for _ in range(PER_CATEGORY)]
    write_points("facilities", rng.uniform(-extent, extent, (len(cats), 2)), cats)
    write_points("origins", rng.uniform(-extent, extent, (N_ORIGINS, 2)), None)
    write_points("city_origins", rng.uniform(-extent, extent, (CITY_ORIGINS, 2)), None)
    # points exactly on intersections, for the comparison with pandana's nearest-node rule
    inner = np.flatnonzero(np.all(np.abs(xy) < extent, axis=1))
    node_cats = [f"cat{c:02d}" for c in range(3) for _ in range(PER_CATEGORY)]
    write_points(
        "node_facilities",
        xy[rng.choice(inner, len(node_cats), replace=len(inner) < len(node_cats))],
        node_cats,
    )
    write_points("node_origins", xy[rng.choice(inner, min(N_ORIGINS, len(inner)), replace=False)], None)
    return {
        "segments": int(len(geoms)),
        "intersections": int(side * side),
        "curve_vertices": int(curved.sum()),
    }


# --------------------------------------------------------------------------------------------- shared helpers
def _read_points(path: Path) -> tuple[list[str], np.ndarray, np.ndarray, list[str] | None]:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ids = [r["id"] for r in rows]
    lon = np.array([float(r["lon"]) for r in rows])
    lat = np.array([float(r["lat"]) for r in rows])
    cats = [r["category"] for r in rows] if rows and "category" in rows[0] else None
    return ids, lon, lat, cats


def _rss_mb() -> float:
    """Peak resident memory of this process so far, MB (VmHWM; ru_maxrss would include the parent's peak,
    which Linux carries across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _read_graph_arrays(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
    """Nodes (lon/lat, projected x/y) and segments with projected lengths, the way one would by hand."""
    import pyogrio.raw
    import pyproj
    import shapely

    _meta, _fids, wkb, _fields = pyogrio.raw.read(path, columns=[])
    coords, line = shapely.get_coordinates(shapely.from_wkb(wkb), return_index=True)
    keys = np.round(coords * 1e7).astype(np.int64)
    _, first, inverse = np.unique(
        keys[:, 0] * 4_000_000_000 + keys[:, 1], return_index=True, return_inverse=True
    )
    node_ll = coords[first]
    proj = pyproj.Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={CENTRE[1]} +lon_0={CENTRE[0]} +datum=WGS84 +units=m", always_xy=True
    )
    node_xy = np.column_stack(proj.transform(node_ll[:, 0], node_ll[:, 1]))
    same = line[1:] == line[:-1]
    u, v = inverse[:-1][same], inverse[1:][same]
    keep = u != v
    return node_ll, node_xy, u[keep], v[keep], proj


# --------------------------------------------------------------------------------------------- the three tools
def _worker_gaizao(d: Path) -> dict[str, Any]:
    from gaizao.spatial import load_network, nearest_facilities
    from gaizao.spatial.cli import read_points_csv

    base = _rss_mb()
    c0 = time.process_time()
    t0 = time.perf_counter()
    network = load_network(d / "streets.gpkg")
    t1 = time.perf_counter()
    facilities = read_points_csv(
        d / "facilities.csv", name="facilities", columns=("id", "category", "lon", "lat")
    )
    origins = read_points_csv(d / "origins.csv", name="origins", columns=("id", "lon", "lat"))
    t2 = time.perf_counter()
    result = nearest_facilities(network, origins, facilities, max_distance_m=MAX_DISTANCE_M)
    t3 = time.perf_counter()
    np.save(d / "gaizao_main.npy", result.distance_m)
    out: dict[str, Any] = {
        "load_s": t1 - t0,
        "points_s": t2 - t1,
        "analysis_s": t3 - t2,
        "total_s": t3 - t0,
        "cpu_s": time.process_time() - c0,
        "nodes": network.n_nodes,
        "edges": network.n_edges,
        "components": network.n_components,
        "not_joined": len(result.origins.not_joined_ids) + len(result.facilities.not_joined_ids),
        "peak_rss_mb": _rss_mb(),
        "base_rss_mb": base,
    }
    # after the figures above are recorded, so they do not inflate them
    city = read_points_csv(d / "city_origins.csv", name="origins", columns=("id", "lon", "lat"))
    t4 = time.perf_counter()
    nearest_facilities(network, city, facilities, max_distance_m=MAX_DISTANCE_M)
    out["city_analysis_s"] = time.perf_counter() - t4
    node_f = read_points_csv(
        d / "node_facilities.csv", name="facilities", columns=("id", "category", "lon", "lat")
    )
    node_o = read_points_csv(d / "node_origins.csv", name="origins", columns=("id", "lon", "lat"))
    on_nodes = nearest_facilities(network, node_o, node_f, max_distance_m=MAX_DISTANCE_M)
    np.save(d / "gaizao_nodes.npy", on_nodes.distance_m)
    return out


def _worker_pandana(d: Path) -> dict[str, Any]:
    import pandana
    import pandas as pd

    base = _rss_mb()
    c0 = time.process_time()
    # if the run is stopped at its CPU limit, the driver subtracts this (interpreter start and imports)
    print(f"CPU-AT-START {c0}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    _node_ll, node_xy, u, v, proj = _read_graph_arrays(d / "streets.gpkg")
    length = np.hypot(*(node_xy[u] - node_xy[v]).T)
    net = pandana.Network(
        pd.Series(node_xy[:, 0]),
        pd.Series(node_xy[:, 1]),
        pd.Series(u),
        pd.Series(v),
        pd.DataFrame({"distance": length}),
        twoway=True,
    )
    t1 = time.perf_counter()
    timings: dict[str, Any] = {"load_s": t1 - t0}
    for variant in ("main", "nodes"):
        prefix = "node_" if variant == "nodes" else ""
        t1 = time.perf_counter()
        _fids, flon, flat, fcats = _read_points(d / f"{prefix}facilities.csv")
        _oids, olon, olat, _ = _read_points(d / f"{prefix}origins.csv")
        fx, fy = proj.transform(flon, flat)
        ox, oy = proj.transform(olon, olat)
        origin_nodes = net.get_node_ids(pd.Series(ox), pd.Series(oy)).to_numpy()
        cats = sorted(set(fcats or []))
        t2 = time.perf_counter()
        dist = np.full((len(ox), len(cats)), np.nan)
        fcat_arr = np.asarray(fcats)
        for j, cat in enumerate(cats):
            m = fcat_arr == cat
            name = f"{variant}_{cat}"
            net.set_pois(name, MAX_DISTANCE_M, 1, pd.Series(np.asarray(fx)[m]), pd.Series(np.asarray(fy)[m]))
            nearest = net.nearest_pois(MAX_DISTANCE_M, name, num_pois=1)
            col = nearest[1].reindex(origin_nodes).to_numpy(dtype=float)
            dist[:, j] = np.where(col >= MAX_DISTANCE_M, np.nan, col)
        t3 = time.perf_counter()
        np.save(d / f"pandana_{variant}.npy", dist)
        if variant == "main":
            timings.update(
                points_s=t2 - t1,
                analysis_s=t3 - t2,
                total_s=timings["load_s"] + t3 - t1,
                cpu_s=time.process_time() - c0,
                peak_rss_mb=_rss_mb(),
                base_rss_mb=base,
            )
    return timings


def _worker_networkx(d: Path) -> dict[str, Any]:
    import networkx as nx
    import shapely

    base = _rss_mb()
    c0 = time.process_time()
    t0 = time.perf_counter()
    _node_ll, node_xy, u, v, proj = _read_graph_arrays(d / "streets.gpkg")
    length = np.hypot(*(node_xy[u] - node_xy[v]).T)
    graph = nx.Graph()
    graph.add_weighted_edges_from(zip(u.tolist(), v.tolist(), length.tolist(), strict=True))
    # parallel segments: keep the shortest (nx.Graph keeps the last one added)
    for a, b, w in zip(u.tolist(), v.tolist(), length.tolist(), strict=True):
        if graph[a][b]["weight"] > w:
            graph[a][b]["weight"] = w
    tree = shapely.STRtree(shapely.linestrings(np.stack([node_xy[u], node_xy[v]], axis=1)))
    t1 = time.perf_counter()
    fids, flon, flat, fcats = _read_points(d / "facilities.csv")
    oids, olon, olat, _ = _read_points(d / "origins.csv")
    t2 = time.perf_counter()
    names = [("f", i) for i in range(len(fids))] + [("o", i) for i in range(len(oids))]
    pxy = np.column_stack(proj.transform(np.concatenate([flon, olon]), np.concatenate([flat, olat])))
    pi, si = tree.query_nearest(shapely.points(pxy), max_distance=500.0, all_matches=False)
    a, b = node_xy[u[si]], node_xy[v[si]]
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", pxy[pi] - a, ab) / np.einsum("ij,ij->i", ab, ab), 0, 1)
    on = a + t[:, None] * ab
    connector = np.hypot(*(pxy[pi] - on).T)
    offset = t * length[si]
    by_seg: dict[int, list[tuple[float, int]]] = {}
    for k, (p, s) in enumerate(zip(pi.tolist(), si.tolist(), strict=True)):
        by_seg.setdefault(s, []).append((offset[k], p))
        graph.add_edge(("pt", p), ("on", p), weight=float(connector[k]))
    for s, items in by_seg.items():
        items.sort()
        prev: Any = int(u[s])
        prev_off = 0.0
        for off, p in items:
            graph.add_edge(prev, ("on", p), weight=float(off - prev_off))
            prev, prev_off = ("on", p), off
        graph.add_edge(prev, int(v[s]), weight=float(length[s] - prev_off))
    joined = set(pi.tolist())
    cats = sorted(set(fcats or []))
    dist = np.full((len(oids), len(cats)), np.nan)
    for j, cat in enumerate(cats):
        sources = [("pt", i) for i, c in enumerate(fcats or []) if c == cat and i in joined]
        reach = nx.multi_source_dijkstra_path_length(graph, sources, cutoff=MAX_DISTANCE_M)
        for i in range(len(oids)):
            node = ("pt", len(fids) + i)
            if node in reach:
                dist[i, j] = reach[node]
    t3 = time.perf_counter()
    del names
    np.save(d / "networkx_main.npy", dist)
    return {
        "load_s": t1 - t0,
        "points_s": t2 - t1,
        "analysis_s": t3 - t2,
        "total_s": t3 - t0,
        "cpu_s": time.process_time() - c0,
        "peak_rss_mb": _rss_mb(),
        "base_rss_mb": base,
    }


WORKERS = {"gaizao": _worker_gaizao, "pandana": _worker_pandana, "networkx": _worker_networkx}


#: wall-clock limit of one tool's run (seconds); a tool that exceeds it is reported as a lower bound
TOOL_TIMEOUT_S = float(os.environ.get("BENCH_TOOL_TIMEOUT_S", "1200"))


#: tool → (wall seconds, CPU seconds) it ran before it was stopped (CPU or wall limit)
TIMED_OUT: dict[str, tuple[float, float]] = {}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _spawn(tool: str, d: Path, cpu_cap_s: float | None = None) -> dict[str, Any] | None:
    """Run ``tool``'s worker in its own process; ``cpu_cap_s`` limits its CPU time (RLIMIT_CPU)."""

    def limit() -> None:
        if cpu_cap_s is not None:
            cap = math.ceil(cpu_cap_s)
            resource.setrlimit(resource.RLIMIT_CPU, (cap, cap + 5))

    started = time.perf_counter()
    cpu_before = _children_cpu()
    stopped = False
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_access", "--worker", tool, str(d)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            timeout=TOOL_TIMEOUT_S,
            preexec_fn=limit if cpu_cap_s is not None else None,
        )
        stderr = done.stderr
        stopped = done.returncode in (-signal.SIGXCPU, -signal.SIGKILL)
        limit_text = f"its CPU limit of {math.ceil(cpu_cap_s or 0)} s"
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        stopped = True
        limit_text = f"{TOOL_TIMEOUT_S:.0f} s wall (BENCH_TOOL_TIMEOUT_S)"
    if stopped:
        wall = time.perf_counter() - started
        at_start = next(
            (float(x.split()[1]) for x in stderr.splitlines() if x.startswith("CPU-AT-START")), 0.0
        )
        cpu = _children_cpu() - cpu_before - at_start
        TIMED_OUT[tool] = (wall, cpu)
        print(
            f"  {tool} was stopped at {limit_text}, unfinished: its end-to-end time is > {cpu:.0f} s CPU "
            f"(> {wall:.0f} s wall), a lower bound",
            flush=True,
        )
        return None
    if done.returncode != 0:
        print(f"  {tool} failed:\n{done.stderr.strip()[-2000:]}", flush=True)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _agreement(d: Path, a: str, b: str, variant: str) -> str:
    x = np.load(d / f"{a}_{variant}.npy")
    y = np.load(d / f"{b}_{variant}.npy")
    both = np.isfinite(x) & np.isfinite(y)
    # a facility exactly at the cut-off may fall on either side of it in floating point
    one = (np.isfinite(x) ^ np.isfinite(y)) & (
        np.abs(np.where(np.isfinite(x), x, y) - MAX_DISTANCE_M) > AGREE_M
    )
    diff = np.abs(x[both] - y[both])
    worst = float(diff.max()) if diff.size else 0.0
    within = int(np.count_nonzero(diff <= AGREE_M))
    verdict = "AGREE" if within == diff.size and not one.any() else "DIFFER"
    return (
        f"{verdict}: {within:,} of {diff.size:,} reachable origin×category pairs within {AGREE_M} m "
        f"(max |diff| {worst:.4f} m), {int(one.sum())} reachable by one tool only"
    )


def run(sides: dict[int, float] | None = None) -> list[Headline]:
    """Both sizes of issue 19 (``SIDES``), or ``sides`` (grid side → goal × pandana); returns the headlines."""
    out: list[Headline] = []
    for side, goal in (sides or SIDES).items():
        print(f"--- grid side {side}", flush=True)
        out.extend(_run_size(side, goal))
    return out


def _cap(goal: float, gaizao: dict[str, Any] | None) -> float | None:
    explicit = os.environ.get("BENCH_PANDANA_CPU_CAP_S")
    if explicit:
        return float(explicit)
    if gaizao is None:
        return None
    return max(30.0, CAP_MARGIN * goal * float(gaizao["cpu_s"]))


def _run_size(side: int, goal: float) -> list[Headline]:
    """Generate the city, run each tool in its own subprocess, print seconds, ratios, memory and agreement."""
    TIMED_OUT.clear()
    headlines: list[Headline] = []
    try:
        import pandana  # noqa: F401

        have_pandana = True
    except ImportError:
        have_pandana = False
    with tempfile.TemporaryDirectory(prefix="gaizao-bench-access-") as tmp:
        d = Path(tmp)
        t = time.perf_counter()
        info = _generate(d, side)
        size_mb = (d / "streets.gpkg").stat().st_size / 1e6
        print(
            f"generated {info['segments']:,} street segments ({info['intersections']:,} intersections + "
            f"{info['curve_vertices']:,} curve vertices) in a {size_mb:.0f} MB GeoPackage, "
            f"{N_CATEGORIES} categories × {PER_CATEGORY} facilities, {N_ORIGINS:,} origins "
            f"({time.perf_counter() - t:.1f} s)",
            flush=True,
        )
        tools = ["gaizao", "networkx"] + (["pandana"] if have_pandana else [])
        if not have_pandana:
            print(
                "  pandana is not installed (pip install pandana==0.8); comparing with networkx only",
                flush=True,
            )
        results: dict[str, dict[str, Any]] = {}
        for tool in tools:
            cap = _cap(goal, results.get("gaizao")) if tool == "pandana" else None
            r = _spawn(tool, d, cap)
            if r is not None:
                results[tool] = r
                print(
                    f"  {tool:9s} total {r['total_s']:7.2f} s, CPU {r['cpu_s']:7.2f} s  (read+build {r['load_s']:.2f}, points "
                    f"{r['points_s']:.2f}, join+distances {r['analysis_s']:.2f})  peak RSS {r['peak_rss_mb']:,.0f} MB "
                    f"(+{r['peak_rss_mb'] - r['base_rss_mb']:,.0f} MB over the interpreter with imports)",
                    flush=True,
                )
        g = results.get("gaizao")
        if g is not None:
            print(
                f"  network as loaded by gaizao: {g['nodes']:,} nodes, {g['edges']:,} edges, "
                f"{g['components']:,} connected pieces; {g['not_joined']} points not joined",
                flush=True,
            )
            for other in ("pandana", "networkx"):
                if other in results:
                    o = results[other]
                    headlines.append(
                        Headline(
                            "access",
                            f"gaizao vs {other}, CPU, {g['nodes'] / 1000:,.0f}k nodes",
                            o["cpu_s"] / g["cpu_s"],
                            "×",
                            goal if other == "pandana" else None,
                            "≥",
                            note=f"CPU {g['cpu_s']:.2f} s vs {o['cpu_s']:.1f} s; wall "
                            f"{o['total_s'] / g['total_s']:.1f}×",
                        )
                    )
                    print(
                        f"  gaizao vs {other}: {o['total_s'] / g['total_s']:.1f}× faster end to end "
                        f"({o['cpu_s'] / g['cpu_s']:.1f}× less CPU), "
                        f"{o['analysis_s'] / g['analysis_s']:.1f}× on join+distances, peak memory "
                        f"{g['peak_rss_mb'] / o['peak_rss_mb']:.2f}× of {other}'s",
                        flush=True,
                    )
            for other, (elapsed, cpu) in TIMED_OUT.items():
                headlines.append(
                    Headline(
                        "access",
                        f"gaizao vs {other}, CPU, {g['nodes'] / 1000:,.0f}k nodes",
                        cpu / g["cpu_s"],
                        "×",
                        goal if other == "pandana" else None,
                        "≥",
                        lower_bound=True,
                        note=f"CPU {g['cpu_s']:.2f} s vs > {cpu:.0f} s ({other} stopped unfinished); wall "
                        f"> {elapsed / g['total_s']:.0f}×",
                    )
                )
                print(
                    f"  gaizao vs {other}: > {cpu / g['cpu_s']:.0f}× less CPU, > {elapsed / g['total_s']:.0f}× "
                    f"faster end to end (lower bounds: {other} was stopped after {cpu:.0f} s CPU, "
                    f"{elapsed:.0f} s wall)",
                    flush=True,
                )
            print(
                f"  whole city, every category: {CITY_ORIGINS:,} origins × {N_CATEGORIES} categories on the loaded "
                f"network in {g['city_analysis_s']:.2f} s ({N_ORIGINS:,} origins: {g['analysis_s']:.2f} s)",
                flush=True,
            )
            if "networkx" in results:
                print(
                    f"  agreement gaizao/networkx (same joining rule): {_agreement(d, 'gaizao', 'networkx', 'main')}"
                )
            if "pandana" in results:
                print(
                    "  gaizao/pandana on the realistic points differ by design (pandana snaps to the nearest "
                    "node and drops the connector)",
                    flush=True,
                )
                print(
                    "  agreement gaizao/pandana on points placed exactly on nodes (3 categories, same processes, "
                    f"untimed): {_agreement(d, 'gaizao', 'pandana', 'nodes')}",
                    flush=True,
                )
    return headlines


def _worker_main(argv: list[str]) -> int:
    tool, directory = argv
    result = WORKERS[tool](Path(directory))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        sys.exit(_worker_main(sys.argv[2:]))
    if len(sys.argv) > 1:
        side = int(sys.argv[1])
        run({side: SIDES.get(side, 100.0 if side >= 300 else 50.0)})
    else:
        run()
