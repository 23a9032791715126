"""The city-wide 六有 scorecards (``/api/v1/stewardship/scorecards`` and ``/stewardship/scorecards/``) on PostgreSQL:
all cards computed together (``selectors.scorecards``: a fixed number of queries) side by side with one card at a
time (``selectors.scorecard`` per community, as the list did before), for a growing number of stewarded communities.

A throwaway database is created on the local server (``GAIZAO_BENCH_PG``, default
``postgresql://postgres@127.0.0.1:5432/``) and migrated; the worker loads the divisions and demo accounts and adds
``GAIZAO_BENCH_STEWARDED`` communities (default ``100,400,1600``) under contract, each with six months of fee
collection, a fund entry, a convention row and a disclosure. Each way is timed ``GAIZAO_BENCH_REPEAT`` times
(default 5) after one warm-up, as the city account; queries are counted with a connection execute wrapper.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.bench_pages import PYTHON, REPO, SERVER, _env, _psql
from bench.summary import Headline


def _add(n_from: int, n_to: int) -> None:
    from django.utils import timezone

    from gaizao.delivery.models import Organisation, OrganisationKind
    from gaizao.divisions.models import Division
    from gaizao.policy.delivery import credit_code_check_char
    from gaizao.registry.models import Community
    from gaizao.stewardship.models import FeeCollection, FundDisclosure, FundEntry, PropertyContract

    today = timezone.localdate()
    division = Division.objects.get(code="330102001")
    code17 = "91330102MA2BENCH0"
    company, _ = Organisation.objects.get_or_create(
        credit_code=code17 + credit_code_check_char(code17),
        defaults={"name": "基准物业（示例）", "kind": OrganisationKind.PROPERTY_SERVICE},
    )
    communities = Community.objects.bulk_create(
        [
            Community(
                code=f"BENCH-{i:06d}",
                name=f"基准小区{i}",
                division=division,
                scope_status="priority",
                built_year=1995,
                building_area_m2=Decimal("20000"),
                building_count=8,
                households=320,
            )
            for i in range(n_from, n_to)
        ]
    )
    months = [(today.replace(day=1) - dt.timedelta(days=31 * m)).replace(day=1) for m in range(6)]
    PropertyContract.objects.bulk_create(
        PropertyContract(
            community=c,
            company=company,
            mode="professional",
            number=f"BENCH-WY-{c.code}",
            starts_on=today - dt.timedelta(days=200),
            ends_on=today + dt.timedelta(days=800),
            fee_yuan_per_m2_month=Decimal("0.80"),
            scope="保洁",
        )
        for c in communities
    )
    FeeCollection.objects.bulk_create(
        FeeCollection(community=c, month=m, billed=Decimal("1000"), collected=Decimal("930"))
        for c in communities
        for m in months
    )
    FundEntry.objects.bulk_create(
        FundEntry(community=c, kind="opening", amount=Decimal("100000"), on=today, description="期初")
        for c in communities
    )
    FundDisclosure.objects.bulk_create(
        FundDisclosure(
            community=c,
            period_start=today - dt.timedelta(days=30),
            period_end=today,
            opening=Decimal("0"),
            income=Decimal("100000"),
            spending=Decimal("0"),
            closing=Decimal("100000"),
            entries=[],
            published_at=timezone.now(),
        )
        for c in communities
    )


def _time(fn: Any, repeat: int) -> tuple[float, int]:
    """Best wall time (ms) of ``fn`` after one warm-up, and the queries one call runs."""
    from django.db import connection

    count = [0]

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    fn()
    best = float("inf")
    for _ in range(repeat):
        count[0] = 0
        with connection.execute_wrapper(counter):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
    return best * 1000, count[0]


def _worker(sizes: list[int], repeat: int) -> dict[str, Any]:
    import django

    django.setup()
    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.accounts.models import User
    from gaizao.divisions.services import divisions_load_hangzhou
    from gaizao.stewardship import selectors

    divisions_load_hangzhou()
    demo_accounts_load()
    city = User.objects.get(username="city")
    rows, done = [], 0
    for size in sizes:
        _add(done, size)
        done = size
        communities = list(selectors.communities_for(city).order_by("code"))
        together_ms, together_q = _time(lambda cs=communities: selectors.scorecards(cs), repeat)
        single_ms, single_q = _time(lambda cs=communities: [selectors.scorecard(c) for c in cs], repeat)
        rows.append(
            {
                "communities": len(communities),
                "together_ms": together_ms,
                "together_queries": together_q,
                "one_by_one_ms": single_ms,
                "one_by_one_queries": single_q,
            }
        )
    return {"rows": rows}


def run() -> list[Headline]:
    sizes = [int(x) for x in os.environ.get("GAIZAO_BENCH_STEWARDED", "100,400,1600").split(",")]
    repeat = int(os.environ.get("GAIZAO_BENCH_REPEAT", "5"))
    name = f"gaizao_bench_stewardship_{os.getpid()}"
    url = SERVER.rstrip("/") + "/" + name
    env = _env(url, Path(tempfile.mkdtemp(prefix="gz-bench-stewardship-")))
    # DEBUG is off: the settings refuse the console and silent senders (no code is sent here)
    env["GAIZAO_OTP_SENDER"] = "gaizao.participation.otp.WebhookSender"
    try:
        _psql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"PostgreSQL not available at {SERVER} ({exc}); skipped.")
        return []
    try:
        subprocess.run([PYTHON, "-m", "django", "migrate", "-v0"], env=env, cwd=REPO, check=True)
        worker = subprocess.run(
            [PYTHON, "-m", "bench.bench_stewardship", "--worker", ",".join(map(str, sizes)), str(repeat)],
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
        print(
            f"{'communities':>12} {'together ms':>12} {'queries':>8} {'one by one ms':>14} {'queries':>8} {'ratio':>6}"
        )
        rows = json.loads(line[6:])["rows"]
        for r in rows:
            print(
                f"{r['communities']:>12,} {r['together_ms']:>12.0f} {r['together_queries']:>8} "
                f"{r['one_by_one_ms']:>14.0f} {r['one_by_one_queries']:>8} "
                f"{r['one_by_one_ms'] / max(r['together_ms'], 0.001):>6.1f}"
            )
        last = rows[-1]
        return [
            Headline(
                "stewardship",
                f"scorecards one by one / together, {last['communities']:,} communities",
                last["one_by_one_ms"] / max(last["together_ms"], 0.001),
                "×",
                note=f"together {last['together_ms']:.0f} ms, {last['together_queries']} queries",
            )
        ]
    finally:
        try:
            _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as exc:
            print(f"could not drop {name}: {exc}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        result = _worker(
            [int(x) for x in sys.argv[2].split(",")], int(sys.argv[3]) if len(sys.argv) > 3 else 5
        )
        print("RESULT" + json.dumps(result), flush=True)
    else:
        run()
