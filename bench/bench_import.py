"""Import of communities from xlsx: Gaizao's importer vs django-import-export 4.4.3, same file, same checks.

Each side runs in its own subprocess on its own throwaway SQLite database (a temporary ``GAIZAO_DATA_DIR``, migrated
and loaded with Hangzhou's divisions before the clock starts) and reports seconds, rows/s and peak memory
(``resource.getrusage`` maxrss); for Gaizao also the CPU of the parse process it starts and, on PostgreSQL, of the
database backend that serves the import, and the load average, since on a shared machine wall time alone says
little. The same validation on both sides: required code and name, district and street
resolved by name inside the district, year built 1900–2100, non-negative area and households, the water-supply
choice by its Chinese label, 是/否 booleans, the point inside Hangzhou (prepared union of district boundaries),
codes unique in the file, update by code; and both end with every community screened by the registry's
``communities_rescreen`` rule. Gaizao also writes one audit event per community, which django-import-export does not.

django-import-export saves row by row; at 100,000 rows it takes many minutes, so by default it is measured on
10,000 rows and its 100,000-row time is extrapolated linearly (labelled as such). Set ``GAIZAO_BENCH_FULL=1`` to
run it on 100,000 rows too. Set ``GAIZAO_BENCH_ROWS`` to change the Gaizao size, ``GAIZAO_BENCH_ONLY=gaizao`` to
measure Gaizao's importer alone.

``GAIZAO_BENCH_IMPORT_PG=postgres://postgres@127.0.0.1:5432/gz_bench_import`` measures on PostgreSQL instead: each
worker gets a fresh database of that name with its side appended (dropped and created by the driver, dropped again
at the end).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.summary import Headline, import_headlines

HEADERS = [
    "小区编码",
    "小区名称",
    "区县",
    "街道",
    "建成年份",
    "建筑面积(m²)",
    "户数",
    "供水",
    "保障性安居工程",
    "经度",
    "纬度",
]
STREETS = [("上城区", "清波街道"), ("上城区", "湖滨街道"), ("西湖区", "西溪街道"), ("拱墅区", "米市巷街道")]
WATER = ["良好", "一般", "较差", "缺失"]


def make_xlsx(path: Path, rows: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("小区")
    ws.append(HEADERS)
    for i in range(rows):
        district, street = STREETS[i % len(STREETS)]
        ws.append(
            [
                f"BENCH{i:07d}",
                f"基准小区{i}",
                district,
                street,
                1975 + i % 45,
                5000 + (i % 997) * 13.5,
                80 + i % 400,
                WATER[i % 4],
                "是" if i % 7 == 0 else "否",
                120.16 + (i % 50) * 0.0004,
                30.25 + (i % 40) * 0.0004,
            ]
        )
    wb.save(path)


# --- worker side (runs in a subprocess with its own database) ---------------------------------------------------


def _setup(data_dir: str, *, with_import_export: bool) -> None:
    os.environ["GAIZAO_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "gaizao.web.settings"
    os.environ["TASKS_BACKEND"] = "immediate"
    os.environ.pop("DATABASE_URL", None)
    if os.environ.get("GAIZAO_BENCH_WORKER_DB"):
        os.environ["DATABASE_URL"] = os.environ["GAIZAO_BENCH_WORKER_DB"]
    import gaizao.web.settings as s

    if with_import_export:
        s.INSTALLED_APPS = [*s.INSTALLED_APPS, "import_export"]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.divisions.services import divisions_load_hangzhou

    divisions_load_hangzhou()
    demo_accounts_load()


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_gaizao(path: str, data_dir: str) -> dict[str, object]:
    _setup(data_dir, with_import_export=False)
    from gaizao.accounts.models import User
    from gaizao.registry.importing import import_file
    from gaizao.registry.models import Community

    actor = User.objects.select_related("division").get(username="city")
    database_cpu = _database_cpu()
    db_before = database_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    report = import_file(
        kind="communities", data=Path(path).read_bytes(), filename=Path(path).name, actor=actor
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    db_cpu = database_cpu() - db_before
    assert report.ok, report.errors[:5]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        # the parse process's CPU (the import's only child) and the PostgreSQL backend's, where it can be read
        "child_cpu_seconds": children.ru_utime + children.ru_stime,
        "db_cpu_seconds": db_cpu,
        "load": os.getloadavg()[0],
        "rows": Community.objects.count(),
        "maxrss_mb": _maxrss_mb(),
        # the file is parsed in a memory-capped child process (gaizao.registry.parsing): its peak, separately
        "child_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "errors": len(report.errors),
    }


def _database_cpu() -> Callable[[], float]:
    """A clock of the CPU seconds the import's PostgreSQL backend has used (``/proc/<pid>/stat``, readable when the
    server runs on this machine as this user or root); a clock that stays at 0 on SQLite or elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    return read


def worker_import_export(path: str, data_dir: str) -> dict[str, object]:
    _setup(data_dir, with_import_export=True)
    from decimal import Decimal

    import numpy as np
    import tablib
    from django.core.exceptions import ValidationError
    from import_export import fields, resources, widgets

    from gaizao.divisions.models import Division, DivisionLevel
    from gaizao.registry.importing.geo import inside_hangzhou
    from gaizao.registry.models import Community, Condition
    from gaizao.registry.services import communities_rescreen

    districts = {d.name: d for d in Division.objects.filter(level=DivisionLevel.DISTRICT)}
    streets = {(d.parent_id, d.name): d for d in Division.objects.filter(level=DivisionLevel.STREET)}
    water = {str(label).split(" / ")[0]: value for value, label in Condition.choices}
    seen: set[str] = set()

    class ChoiceWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):  # type: ignore[no-untyped-def]
            if value in (None, ""):
                return ""
            if value not in water:
                raise ValueError(f"“{value}”不是可选值")
            return water[value]

    class YesNoWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):  # type: ignore[no-untyped-def]
            if value in ("是", True):
                return True
            if value in ("否", False, None, ""):
                return False
            raise ValueError("应填“是”或“否”")

    class CommunityResource(resources.ModelResource):
        code = fields.Field(attribute="code", column_name="小区编码")
        name = fields.Field(attribute="name", column_name="小区名称")
        built_year = fields.Field(
            attribute="built_year", column_name="建成年份", widget=widgets.IntegerWidget()
        )
        building_area_m2 = fields.Field(
            attribute="building_area_m2", column_name="建筑面积(m²)", widget=widgets.DecimalWidget()
        )
        households = fields.Field(attribute="households", column_name="户数", widget=widgets.IntegerWidget())
        water_supply = fields.Field(attribute="water_supply", column_name="供水", widget=ChoiceWidget())
        affordable_housing = fields.Field(
            attribute="affordable_housing", column_name="保障性安居工程", widget=YesNoWidget()
        )
        lon = fields.Field(attribute="lon", column_name="经度", widget=widgets.FloatWidget())
        lat = fields.Field(attribute="lat", column_name="纬度", widget=widgets.FloatWidget())

        class Meta:
            model = Community
            import_id_fields = ("code",)
            fields = (
                "code",
                "name",
                "built_year",
                "building_area_m2",
                "households",
                "water_supply",
                "affordable_housing",
                "lon",
                "lat",
            )
            skip_unchanged = True
            use_bulk = False

        def before_import_row(self, row, **kwargs):  # type: ignore[no-untyped-def]
            code = str(row.get("小区编码") or "").strip()
            if not code or not str(row.get("小区名称") or "").strip():
                raise ValidationError("小区编码和小区名称为必填项")
            if code in seen:
                raise ValidationError(f"编码“{code}”重复")
            seen.add(code)
            district = districts.get(row.get("区县"))
            if district is None:
                raise ValidationError("区县不存在")
            street = streets.get((district.pk, row.get("街道")))
            if street is None:
                raise ValidationError("街道不在该区县")
            row["_division"] = street

        def import_instance(self, instance, row, **kwargs):  # type: ignore[no-untyped-def]
            super().import_instance(instance, row, **kwargs)
            instance.division = row["_division"]
            if instance.built_year is None or not 1900 <= instance.built_year <= 2100:
                raise ValidationError({"built_year": "建成年份应为 1900–2100"})
            if instance.households is not None and instance.households < 0:
                raise ValidationError({"households": "户数不能小于 0"})
            if instance.building_area_m2 is not None and instance.building_area_m2 < Decimal(0):
                raise ValidationError({"building_area_m2": "建筑面积不能小于 0"})
            if not inside_hangzhou(np.array([instance.lon]), np.array([instance.lat]))[0]:
                raise ValidationError({"lon": "坐标不在杭州市范围内"})

    started, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as f:
        dataset = tablib.Dataset().load(f.read(), format="xlsx")
    result = CommunityResource().import_data(
        dataset, dry_run=False, use_transactions=True, raise_errors=False
    )
    assert not result.has_errors() and not result.has_validation_errors(), (
        [e.error for e in result.base_errors[:3]],
        [r.validation_error for r in result.invalid_rows[:3]],
    )
    communities_rescreen(communities=Community.objects.all())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": Community.objects.count(),
        "maxrss_mb": _maxrss_mb(),
    }


# --- driver -------------------------------------------------------------------------------------------------------


def _pg_database(url: str, side: str, *, create: bool) -> str:
    """Drop (and with ``create``, create anew) the PostgreSQL database of ``side``; returns its URL."""
    import psycopg

    server, _, name = url.rpartition("/")
    name = f"{name}_{side}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def _run_worker(side: str, path: Path, tmp: Path) -> dict[str, object]:
    data_dir = tmp / f"db-{side}-{path.stem}"
    data_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    pg = os.environ.get("GAIZAO_BENCH_IMPORT_PG", "")
    if pg:
        env["GAIZAO_BENCH_WORKER_DB"] = _pg_database(pg, side, create=True)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bench.bench_import", "--worker", side, str(path), str(data_dir)],
            capture_output=True,
            text=True,
            env=env,
            timeout=7200,
        )
    finally:
        if pg:
            _pg_database(pg, side, create=False)
    if result.returncode != 0:
        raise RuntimeError(f"{side} worker failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run() -> list[Headline]:
    full = os.environ.get("GAIZAO_BENCH_FULL") == "1"
    big = int(os.environ.get("GAIZAO_BENCH_ROWS", "100000"))
    small = big if full or os.environ.get("GAIZAO_BENCH_ONLY") == "gaizao" else min(big, 10_000)
    with tempfile.TemporaryDirectory(prefix="gaizao-bench-import-") as tmpdir:
        tmp = Path(tmpdir)
        files = {}
        for n in sorted({small, big}):
            files[n] = tmp / f"communities-{n}.xlsx"
            t = time.perf_counter()
            make_xlsx(files[n], n)
            print(
                f"generated {n:,}-row xlsx ({files[n].stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s",
                flush=True,
            )
        results = {}
        for n in sorted({small, big}):
            results[("gaizao", n)] = _run_worker("gaizao", files[n], tmp)
            _print("gaizao", n, results[("gaizao", n)])
        if os.environ.get("GAIZAO_BENCH_ONLY") == "gaizao":
            return import_headlines(results, small, big)
        results[("die", small)] = _run_worker("die", files[small], tmp)
        _print("django-import-export 4.4.3", small, results[("die", small)])
    for measure, key in (("wall", "seconds"), ("CPU", "cpu_seconds")):
        g_small = float(results[("gaizao", small)][key])  # type: ignore[arg-type]
        d_small = float(results[("die", small)][key])  # type: ignore[arg-type]
        print(
            f"ratio at {small:,} rows, {measure} time (measured, both sides): {d_small / g_small:.1f}× faster (target ≥ 5×)"
        )
        if small != big:
            g_big = float(results[("gaizao", big)][key])  # type: ignore[arg-type]
            d_big = d_small * big / small
            print(
                f"ratio at {big:,} rows, {measure} time: Gaizao measured {g_big:.1f} s; django-import-export "
                f"EXTRAPOLATED linearly from {small:,} rows = {d_big:.0f} s (not measured; GAIZAO_BENCH_FULL=1 "
                f"measures it) → {d_big / g_big:.1f}× faster"
            )
    return import_headlines(results, small, big)


def _print(label: str, n: int, r: dict[str, object]) -> None:
    seconds = float(r["seconds"])  # type: ignore[arg-type]
    cpu = float(r.get("cpu_seconds", 0.0))  # type: ignore[arg-type]
    child = f" (parse process {float(r['child_maxrss_mb']):,.0f} MB)" if "child_maxrss_mb" in r else ""  # type: ignore[arg-type]
    more = ""
    if "child_cpu_seconds" in r:
        more = f"  CPU parse process {float(r['child_cpu_seconds']):.1f} s"  # type: ignore[arg-type]
    if float(r.get("db_cpu_seconds", 0.0)):  # type: ignore[arg-type]
        more += f", PostgreSQL backend {float(r['db_cpu_seconds']):.1f} s"  # type: ignore[arg-type]
    if "load" in r:
        more += f"  load {float(r['load']):.1f}"  # type: ignore[arg-type]
    print(
        f"{label:<28} {n:>7,} rows  {seconds:8.1f} s wall  {cpu:8.1f} s CPU  {n / seconds:9,.0f} rows/s  "
        f"peak RSS {float(r['maxrss_mb']):,.0f} MB{child}{more}",  # type: ignore[arg-type]
        flush=True,
    )


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "--worker":
        side, file, data_dir = sys.argv[2], sys.argv[3], sys.argv[4]
        out = worker_gaizao(file, data_dir) if side == "gaizao" else worker_import_export(file, data_dir)
        print(json.dumps(out))
    else:
        run()
