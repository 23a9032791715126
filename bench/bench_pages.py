"""Pages at scale on PostgreSQL: p50/p95 per page for the city and for a district account, re-screening speed, and a
life-circle run's store time against its compute time.

A throwaway database is created on the local server (``GAIZAO_BENCH_PG``, default
``postgresql://postgres@127.0.0.1:5432/``), migrated and filled by ``bench.scale_data`` with
``GAIZAO_BENCH_SCALE`` communities (default 5,000: a quick run; the issue's national size is 220,000).
``GAIZAO_BENCH_PAGES_DB=postgresql://.../gz_scale`` measures an existing database instead (filled once with
``python -m bench.scale_data N``, then ``python -m bench.scale_works`` for the deliveries and the ledger the
delivery, money and oversight pages list) and leaves it in place. Each page is requested through Django's test client
(the whole view, template and queries; no HTTP server) ``GAIZAO_BENCH_REPEAT`` times (default 12) after one warm-up;
``GAIZAO_BENCH_PAGES_MATCH=word,word`` keeps only the pages whose name or path holds one of the words.

The goal of issue 19 is p95 < 300 ms for every list, dashboard and detail page for the city account; the table
prints each page's city p95 against it, and the city / district ratio (how much a page grows with the scope).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = (
    str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
)
SERVER = os.environ.get("GAIZAO_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/")
GOAL_MS = 300.0


def _pages(
    deep_code: str, deep_page: int, detail_pk: int, bbox: str, project_pk: int = 0, delivery_pk: int = 0
) -> list[tuple[str, str, dict[str, Any]]]:
    """Every list, dashboard and detail page a city officer opens daily. ``project_pk`` / ``delivery_pk``: a
    project in 实施 with its delivery (``bench.scale_works``), in 上城区 so the district account sees it too."""
    return [
        ("workbench 工作台", "/", {}),
        ("registry list", "/registry/", {}),
        ("registry search 新村", "/registry/", {"q": "新村"}),
        ("registry filters", "/registry/", {"status": "priority", "built_from": "1970", "built_to": "1990"}),
        ("registry deep (offset)", "/registry/", {"page": str(deep_page)}),
        ("registry deep (keyset)", "/registry/", {"after": deep_code, "page": str(deep_page)}),
        ("survey completeness", "/registry/survey/", {}),
        ("screening", "/registry/screening/", {}),
        ("map page", "/registry/map/", {}),
        ("community detail", f"/registry/communities/{detail_pk}/", {}),
        ("programme", "/programme/", {}),
        ("programme pool filter", "/programme/", {"state": "implementing"}),
        ("project detail", f"/programme/projects/{project_pk}/", {}),
        ("annual plans", "/programme/annual/", {}),
        ("consultations", "/programme/consultations/", {}),
        ("delivery", "/delivery/", {}),
        ("delivery detail", f"/delivery/{delivery_pk}/", {}),
        ("money", "/money/", {}),
        ("money project", f"/money/projects/{project_pk}/", {}),
        ("oversight progress", "/oversight/", {}),
        ("oversight returns", "/oversight/returns/", {}),
        ("oversight inspections", "/oversight/inspections/", {}),
        ("project evaluations", "/oversight/evaluation/projects/", {}),
        ("stewardship", "/stewardship/", {}),
        ("stewardship coverage", "/stewardship/coverage/", {}),
        ("participation", "/participation/", {}),
        ("api projects", "/api/v1/programme/projects", {}),
        ("api communities", "/api/v1/registry/communities", {}),
        ("api communities deep", "/api/v1/registry/communities", {"after": deep_code}),
        ("geojson bbox", "/api/v1/registry/communities.geojson", {"bbox": bbox}),
        ("geojson no bbox", "/api/v1/registry/communities.geojson", {}),
    ]


def _worker(repeat: int) -> dict[str, Any]:
    """Inside Django: time every page for two accounts, then re-screen and run a life-circle analysis."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from gaizao.accounts.models import User
    from gaizao.divisions.models import Division
    from gaizao.registry.models import Community

    codes = list(
        Community.objects.filter(archived_at__isnull=True).order_by("code").values_list("code", flat=True)
    )
    deep_index = int(len(codes) * 0.9)
    deep_code = codes[deep_index - 1] if codes else ""
    detail = Community.objects.filter(district_code="330102").order_by("code").first()
    district = Division.objects.get(code="330102")
    lon, lat = district.center_lon or 120.17, district.center_lat or 30.25
    bbox = f"{lon - 0.02},{lat - 0.02},{lon + 0.02},{lat + 0.02}"
    from gaizao.delivery.models import Delivery
    from gaizao.programme.models import Project

    delivery = Delivery.objects.filter(project__district__code="330102").order_by("pk").first()
    project = (
        delivery.project
        if delivery is not None
        else Project.objects.filter(district__code="330102").order_by("pk").first()
    )
    pages = _pages(
        deep_code,
        deep_index // 50 + 1,
        detail.pk if detail else 0,
        bbox,
        project.pk if project else 0,
        delivery.pk if delivery else 0,
    )
    # GAIZAO_BENCH_PAGES_MATCH=delivery,money measures only the pages whose name or path holds one of the words
    match = [w for w in os.environ.get("GAIZAO_BENCH_PAGES_MATCH", "").split(",") if w]
    if match:
        pages = [p for p in pages if any(w in p[0] or w in p[1] for w in match)]
    # as gaizao.web.wsgi does in a server process: start-up objects out of the collector's generations
    gc.collect()
    gc.freeze()
    results: dict[str, Any] = {"communities": len(codes), "pages": {}}
    for username in ("city", "shangcheng"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for name, url, params in pages:
            response = client.get(url, params)  # warm-up
            times = []
            counted: list[str] = []

            def count(execute: Any, sql: str, *args: Any, _seen: list[str] = counted) -> Any:
                _seen.append(sql)
                return execute(sql, *args)

            with connection.execute_wrapper(count):
                client.get(url, params)
            for _ in range(repeat):
                t = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            results["pages"].setdefault(name, {})[username] = {
                "status": response.status_code,
                "p50": statistics.median(times),
                "p95": times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))],
                "queries": len(counted),
                "kb": len(response.content) / 1024,
            }
    only = os.environ.get("GAIZAO_BENCH_PAGES_ONLY") == "1"
    results["rescreen"] = None if only else _rescreen()
    results["lifecircle"] = None if only else _lifecircle()
    return results


def _rescreen() -> dict[str, Any]:
    """Re-screen every community of the city the way the background job does (audit events for changed rows)."""
    from django.db.models import Count

    from gaizao.accounts.models import User
    from gaizao.audit.models import AuditEvent
    from gaizao.jobs.models import Job
    from gaizao.registry.jobs import rescreen_scope

    user = User.objects.get(username="city")
    job = Job.objects.create(kind="registry.rescreen", title="bench", owner=user, params={"user_id": user.pk})
    before = AuditEvent.objects.filter(action="screen").aggregate(n=Count("id"))["n"]
    t = time.perf_counter()
    out = rescreen_scope(job, user_id=user.pk)
    seconds = time.perf_counter() - t
    audited = AuditEvent.objects.filter(action="screen").aggregate(n=Count("id"))["n"] - before
    return {
        "communities": out["total"],
        "seconds": seconds,
        "per_s": out["total"] / seconds,
        "audited": audited,
    }


def _lifecircle() -> dict[str, Any]:
    """A whole-city life-circle run on the packaged OSM roads: compute time (network, reading, distances, gaps,
    renovation units) against the time to store its results."""
    from gaizao.accounts.models import User
    from gaizao.lifecircle.models import RoadNetwork
    from gaizao.lifecircle.services import (
        analysis_run_execute,
        analysis_run_start,
        network_register_packaged_osm,
    )

    user = User.objects.get(username="city")
    network = RoadNetwork.objects.filter(is_default=True).first() or network_register_packaged_osm(actor=user)
    run = analysis_run_start(actor=user, network=network)
    t = time.perf_counter()
    analysis_run_execute(run=run, draw_catchments=False)
    total = time.perf_counter() - t
    run.refresh_from_db()
    timings = dict(run.summary.get("timings", {}))
    store = float(timings.get("store_s", 0.0))
    return {"communities": run.community_count, "total_s": total, "store_s": store, "timings": timings}


def _print(results: dict[str, Any]) -> None:
    print(f"{results['communities']:,} communities in the registry")
    head = (
        f"{'page':26} {'city p50':>9} {'city p95':>9} {'dist p50':>9} {'dist p95':>9} {'city/dist':>9} "
        f"{'p95/goal':>8} {'queries':>8} {'KB city':>9}"
    )
    print(head)
    print("-" * len(head))
    worst = 0.0
    for name, by_user in results["pages"].items():
        c, d = by_user["city"], by_user["shangcheng"]
        worst = max(worst, c["p95"])
        flag = "" if c["status"] == 200 else f"  (HTTP {c['status']})"
        print(
            f"{name:26} {c['p50']:8.0f}ms {c['p95']:8.0f}ms {d['p50']:8.0f}ms {d['p95']:8.0f}ms "
            f"{c['p95'] / max(d['p95'], 0.1):8.1f}× {c['p95'] / GOAL_MS:7.2f}  {c['queries']:>3}/{d['queries']:<3} "
            f"{c['kb']:8.0f}{flag}"
        )
    print(
        f"worst city p95: {worst:.0f} ms (goal < {GOAL_MS:.0f} ms: {'met' if worst < GOAL_MS else 'not met'})"
    )
    r = results["rescreen"]
    if r is None:
        return
    print(
        f"re-screen the whole registry: {r['communities']:,} communities in {r['seconds']:.1f} s = "
        f"{r['per_s']:,.0f} communities/s ({r['audited']:,} status changes audited); "
        f"220,000 would take {220_000 / r['per_s']:.0f} s (goal < 60 s)"
    )
    lc = results["lifecircle"]
    compute = sum(v for k, v in lc["timings"].items() if k != "store_s")
    ratio = lc["store_s"] / compute if compute else float("nan")
    print(
        f"life-circle run, {lc['communities']:,} communities: compute {compute:.1f} s, store {lc['store_s']:.2f} s, "
        f"store / compute = {ratio:.2f} (goal ≤ 0.3)  [{', '.join(f'{k} {v:.2f}' for k, v in lc['timings'].items())}]"
    )


def _env(url: str, tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "gaizao.web.settings",
        "PYTHONPATH": str(REPO),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "GAIZAO_DATA_DIR": str(tmp),
        "TASKS_BACKEND": "database",
        "LOG_LEVEL": "ERROR",
        # DEBUG off refuses the console OTP sender; the benchmark sends no codes, so a webhook nobody listens on
        "GAIZAO_OTP_SENDER": "gaizao.participation.otp.WebhookSender",
        "GAIZAO_OTP_WEBHOOK_URL": "http://127.0.0.1:9/otp",
    }


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(SERVER.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def run() -> list[Any]:
    """Print the tables; return the headline figures (``bench.summary.Headline``)."""
    from bench.summary import pages_headlines

    existing = os.environ.get("GAIZAO_BENCH_PAGES_DB", "")
    size = int(os.environ.get("GAIZAO_BENCH_SCALE", "5000"))
    repeat = int(os.environ.get("GAIZAO_BENCH_REPEAT", "12"))
    name = f"gaizao_bench_pages_{os.getpid()}"
    url = existing or SERVER.rstrip("/") + "/" + name
    tmp = Path(tempfile.mkdtemp(prefix="gz-bench-pages-"))
    env = _env(url, tmp)
    if not existing:
        try:
            _psql(f'CREATE DATABASE "{name}"')
        except Exception as exc:
            print(f"PostgreSQL not available at {SERVER} ({exc}); skipped.")
            return []
    try:
        subprocess.run([PYTHON, "-m", "django", "migrate", "-v0"], env=env, cwd=REPO, check=True)
        if not existing:
            t = time.perf_counter()
            subprocess.run([PYTHON, "-m", "bench.scale_data", str(size)], env=env, cwd=REPO, check=True)
            # deliveries, schedules, orders, contracts and the ledger of the projects in 实施 (the delivery, money and
            # oversight pages list them); an existing database gets them with ``python -m bench.scale_works``
            subprocess.run([PYTHON, "-m", "bench.scale_works"], env=env, cwd=REPO, check=True)
            print(f"generated {size:,} communities in {time.perf_counter() - t:.0f} s", flush=True)
        worker = subprocess.run(
            [PYTHON, "-m", "bench.bench_pages", "--worker", str(repeat)],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        if worker.returncode:
            print(worker.stdout[-2000:], worker.stderr[-4000:])
            return []
        line = next(x for x in worker.stdout.splitlines() if x.startswith("RESULT"))
        _print(json.loads(line[6:]))
        return pages_headlines(json.loads(line[6:]), GOAL_MS)
    finally:
        if not existing:
            try:
                _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:
                print(f"could not drop {name}: {exc}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print("RESULT" + json.dumps(_worker(int(sys.argv[2]) if len(sys.argv) > 2 else 12)), flush=True)
    else:
        run()
