"""Ledger balances for a city — 3,000 projects × 50 entries — computed in the database (one ``GROUP BY`` with
filtered sums, ``gaizao.money.selectors.balances``) side by side with loading the entries and summing them in
Python (``gaizao.policy.settlement.ledger_balances``, what a spreadsheet-minded tool would do), as a ratio.

Runs on PostgreSQL when it is reachable (a throwaway database on ``GAIZAO_BENCH_PG``, default
``postgresql://postgres@127.0.0.1:5432/``; ``GAIZAO_BENCH_DB`` names it) and always on a throwaway SQLite file. Each
side is timed best of three on warm caches, and both results are checked equal to the fen before a ratio is printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.summary import Headline

REPO = Path(__file__).resolve().parent.parent
PYTHON = (
    str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
)
SERVER = os.environ.get("GAIZAO_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/")
PROJECTS = int(os.environ.get("GAIZAO_BENCH_PROJECTS", "3000"))
ENTRIES = int(os.environ.get("GAIZAO_BENCH_ENTRIES", "50"))

SCRIPT = """
import datetime as dt, json, random, time
from decimal import Decimal
from django.db import transaction
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.money.models import LedgerEntry
from gaizao.money.selectors import balances, python_balances
from gaizao.programme.models import Project

PROJECTS, ENTRIES = {projects}, {entries}
# codes of their own: the migrations may already hold Hangzhou's real divisions
city = Division.objects.create(code="BCITY", name="基准市", level=DivisionLevel.CITY, path="BCITY")
districts, streets = [], []
for d in range(10):
    district = Division.objects.create(code=f"B3301{{d:02d}}", name=f"区{{d}}", level=DivisionLevel.DISTRICT,
                                       parent=city, path=f"BCITY/B3301{{d:02d}}")
    districts.append(district)
    for s in range(10):
        code = f"B3301{{d:02d}}{{s:03d}}"
        streets.append(Division.objects.create(code=code, name=f"街道{{d}}-{{s}}", level=DivisionLevel.STREET,
                                               parent=district, path=f"{{district.path}}/{{code}}"))
projects = Project.objects.bulk_create([
    Project(code=f"B-{{i:05d}}", name=f"项目{{i}}", division=streets[i % len(streets)],
            district=streets[i % len(streets)].parent)
    for i in range(PROJECTS)
])
rng = random.Random(7)
SOURCES = ["district_funds", "central_provincial", "special_bonds", "municipal_subsidy", "utilities",
           "resident_payment", "maintenance_fund"]
KINDS = ["budget", "received", "received", "commitment", "payment", "payment", "payment", "refund", "adjustment"]
rows = []
for p in projects:
    for n in range(ENTRIES):
        kind = rng.choice(KINDS)
        amount = Decimal(rng.randrange(1, 50_000_000)) / 100
        if kind == "adjustment" and rng.random() < 0.5:
            amount = -amount
        rows.append(LedgerEntry(project=p, division=p.division, street=p.division, district=p.district,
                                source=rng.choice(SOURCES), kind=kind, amount=amount,
                                date=dt.date(2025, 1, 1) + dt.timedelta(days=n), document_number=f"D{{n}}"))
with transaction.atomic():
    LedgerEntry.objects.bulk_create(rows, batch_size=5000)

def best(fn):
    times, result = [], None
    for _ in range(3):
        t = time.perf_counter(); result = fn(); times.append(time.perf_counter() - t)
    return min(times), result

qs = LedgerEntry.objects.all()
db_s, db_rows = best(lambda: balances(qs, "project_id", "source"))
py_s, py_rows = best(lambda: python_balances(qs))
for r in db_rows:
    b = py_rows[(r["project_id"], r["source"])]
    assert (b.budgeted, b.received, b.committed, b.paid) == (r["budgeted"], r["received"], r["committed"], r["paid"])
assert len(db_rows) == len(py_rows)
city_s, city = best(lambda: balances(qs))
print("RESULT" + json.dumps({{"entries": qs.count(), "pairs": len(db_rows), "db_s": db_s, "py_s": py_s,
                             "city_s": city_s}}))
"""


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(SERVER.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _measure(env: dict[str, str]) -> dict[str, float] | None:
    subprocess.run([PYTHON, "-m", "django", "migrate", "-v0"], env=env, cwd=REPO, check=True)
    proc = subprocess.run(
        [PYTHON, "-m", "django", "shell", "-c", SCRIPT.format(projects=PROJECTS, entries=ENTRIES)],
        env=env,
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        print(proc.stderr[-3000:])
        return None
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))
    return dict(json.loads(line[6:]))


def _report(label: str, r: dict[str, float]) -> None:
    print(f"{label}: {int(r['entries']):,} entries, {int(r['pairs']):,} project × source balances")
    print(f"  in the database (GROUP BY, filtered SUM) : {r['db_s'] * 1000:8.0f} ms")
    print(f"  load entries, sum in Python            : {r['py_s'] * 1000:8.0f} ms")
    print(f"  ratio Python / database                : {r['py_s'] / r['db_s']:8.1f} ×")
    print(f"  city total in the database             : {r['city_s'] * 1000:8.0f} ms")


def run() -> list[Headline]:
    tmp = Path(tempfile.mkdtemp(prefix="gz-bench-ledger-"))
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gaizao.web.settings",
        "GAIZAO_DATA_DIR": str(tmp),
        "LOG_LEVEL": "ERROR",
    }
    name = os.environ.get("GAIZAO_BENCH_DB", f"gaizao_bench_ledger_{os.getpid()}")
    headlines: list[Headline] = []
    try:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _psql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"PostgreSQL not available at {SERVER} ({exc}); PostgreSQL skipped.")
    else:
        try:
            result = _measure({**base, "DATABASE_URL": SERVER.rstrip("/") + "/" + name})
            if result:
                _report("PostgreSQL", result)
                headlines.append(_headline("PostgreSQL", result))
        finally:
            try:
                _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:
                print(f"could not drop {name}: {exc}")
    result = _measure({**base, "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}"})
    if result:
        _report("SQLite", result)
        headlines.append(_headline("SQLite", result))
    return headlines


def _headline(label: str, r: dict[str, float]) -> Headline:
    return Headline(
        "ledger",
        f"balances: Python / database, {label}",
        r["py_s"] / r["db_s"],
        "×",
        note=f"{int(r['entries']):,} entries; database {r['db_s'] * 1000:.0f} ms",
    )
