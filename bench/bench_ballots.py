"""Ballots per second through the HTTP API on PostgreSQL, side by side with a bare Django view doing the same insert,
and the tally time of a 10,000-unit roll.

A throwaway database is created on the local server (``GAIZAO_BENCH_PG``, default
``postgresql://postgres@127.0.0.1:5432/``), migrated and seeded in a subprocess. Two servers run in turn in another
subprocess with ``DATABASE_URL`` pointing at it: Django's threaded development server (a new connection per request)
and gunicorn with threads and persistent connections (``CONN_MAX_AGE``), as deployed. The bare view (added to a copy
of the URLconf written to a temporary directory) is a plain Django view behind the same server, middleware and bearer
token check as the API (an unauthenticated insert is no vote anyone would accept); it inserts one ballot paper in a
transaction with no roll check, lock, hash chain, receipt or audit record: the ratio is what Gaizao's guarantees and
the API layer cost per vote.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.summary import Headline

REPO = Path(__file__).resolve().parent.parent
PYTHON = (
    str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
)
SERVER = os.environ.get("GAIZAO_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/")
ROLL_UNITS = 10_000
API_VOTES = 1_000
THREADS = 16

GUNICORN_WORKERS = 2
BENCH_SETTINGS = """
from gaizao.web.settings import *  # noqa: F401,F403
ROOT_URLCONF = "gz_bench_urls"
# runserver starts a thread per request: persistent connections would pile up past max_connections
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
"""
#: gunicorn's threads live as long as the worker: each keeps its connection, as in production
BENCH_SETTINGS_PERSISTENT = """
from gaizao.web.settings import *  # noqa: F401,F403
ROOT_URLCONF = "gz_bench_urls"
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
"""

BENCH_URLS = """
import itertools, json, os, uuid
from django.db import transaction
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from gaizao.api.auth import TokenAuth
from gaizao.participation.models import Vote
from gaizao.web.urls import urlpatterns as project_patterns

_token_auth = TokenAuth()

# one range of sequence numbers per server process (gunicorn runs several)
_seq = itertools.count(10_000 + (os.getpid() % 20_000) * 100_000)


@csrf_exempt
def bare_insert(request, ballot_id):
    # the API's own bearer token check (one statement), so both sides pay for authentication
    if _token_auth(request) is None:
        return JsonResponse({"code": "unauthenticated"}, status=401)
    body = json.loads(request.body or b"{}")
    with transaction.atomic():
        vote = Vote.objects.create(
            ballot_id=ballot_id, seq=next(_seq), owner_id=int(body["owner_id"]), owner_key="bare" + uuid.uuid4().hex,
            choice=body.get("choice", "yes"), channel="online", is_current=False, cast_at=timezone.now(),
            receipt_digest=uuid.uuid4().hex, prev_hash="", hash="",
        )
    return JsonResponse({"seq": vote.seq}, status=201)


urlpatterns = [path("bench/bare/<int:ballot_id>/", bare_insert), *project_patterns]
"""

SEED = """
import json, time
from decimal import Decimal
from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import Role, User
from gaizao.accounts.services import api_token_create
from gaizao.divisions.models import Division
from gaizao.divisions.services import divisions_load_hangzhou
from gaizao.participation import services
from gaizao.participation.models import Vote
from gaizao.registry.models import Building, Community, Owner, Unit

divisions_load_hangzhou(); demo_accounts_load()
organiser = User.objects.get(username="qingbomen")
division = Division.objects.get(code="330102001051")
community = Community.objects.create(code="BENCH", name="基准测试小区", division=division, is_sample=True,
                                     households=ROLL_UNITS, building_count=50)
buildings = [Building.objects.create(community=community, code=str(b)) for b in range(1, 51)]
owners = Owner.objects.bulk_create([Owner(division=division, name=f"业主{i}") for i in range(ROLL_UNITS)], batch_size=2000)
Unit.objects.bulk_create([Unit(building=buildings[i % 50], stairwell=str(1 + i % 4), number=str(i), owner=o,
                               area_registered_m2=Decimal("50.00") + (i % 50)) for i, o in enumerate(owners)], batch_size=2000)
users = User.objects.bulk_create([User(username=f"bench{o.pk}", role=Role.RESIDENT, division=division, password="!")
                                  for o in owners[:API_VOTES]])
for o, u in zip(owners, users):
    o.user = u
Owner.objects.bulk_update(owners[:API_VOTES], ["user"], batch_size=2000)
tokens = [api_token_create(user=u, name="bench")[1] for u in users]
started = time.perf_counter()
ballot = services.ballot_create(actor=organiser, community_id=community.pk, purpose="other", matter=7, question="bench")
services.ballot_open(actor=organiser, ballot_id=ballot.pk)
open_s = time.perf_counter() - started
ballot2 = services.ballot_create(actor=organiser, community_id=community.pk, purpose="other", matter=8, question="bench2")
services.ballot_open(actor=organiser, ballot_id=ballot2.pk)
bare = services.ballot_create(actor=organiser, community_id=community.pk, purpose="other", question="bare")
services.ballot_open(actor=organiser, ballot_id=bare.pk)
# a separate 10,000-unit roll with 7,000 current papers for the tally timing
tally_ballot = services.ballot_create(actor=organiser, community_id=community.pk, purpose="other", matter=5,
                                      question="tally")
tally_ballot = services.ballot_open(actor=organiser, ballot_id=tally_ballot.pk)
Vote.objects.bulk_create([Vote(ballot=tally_ballot, seq=i + 1, owner=o, owner_key=str(o.pk),
                               choice="yes" if i % 4 else "no", channel="paper", cast_at=tally_ballot.opened_at,
                               receipt_digest=f"t{i}", prev_hash="", hash="") for i, o in enumerate(owners[:7000])],
                         batch_size=2000)
times = []
for _ in range(3):
    t = time.perf_counter()
    tally = services.ballot_tally(tally_ballot)
    times.append(time.perf_counter() - t)
print("SEED" + json.dumps({"ballots": [ballot.pk, ballot2.pk], "bare": bare.pk, "tokens": tokens,
                           "owners": [o.pk for o in owners[:API_VOTES]], "open_s": open_s,
                           "tally_s": min(times), "tally_participating": tally.participating_owners,
                           "tally_approved": tally.approved}))
"""

PURE_TALLY = """
import time
from decimal import Decimal
from gaizao.policy import Unit, tally_owner_vote
units = [Unit(str(i), str(i), Decimal("50.00") + i % 50) for i in range(10_000)]
ballots = {str(i): ("yes" if i % 4 else "no") for i in range(7_000)}
best = min((lambda t: (tally_owner_vote(matter=7, units=units, ballots=ballots), time.perf_counter() - t)[1])(
    time.perf_counter()) for _ in range(3))
print(best)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(SERVER.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _post(url: str, payload: dict, token: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _rate(jobs: list[tuple[str, dict, str | None]]) -> tuple[float, dict[int, int]]:
    codes: dict[int, int] = {}
    lock = threading.Lock()

    def one(job: tuple[str, dict, str | None]) -> None:
        status = _post(*job)
        with lock:
            codes[status] = codes.get(status, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(one, jobs))
    return len(jobs) / (time.perf_counter() - started), codes


def _start(kind: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    if kind == "gunicorn":
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            "gaizao.web.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(GUNICORN_WORKERS),
            "--threads",
            str(THREADS // GUNICORN_WORKERS),
            "--backlog",
            "512",
        ]
    else:
        command = [PYTHON, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    return subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def run() -> list[Headline]:
    name = f"gaizao_bench_{os.getpid()}"
    headlines: list[Headline] = []
    url = SERVER.rstrip("/") + "/" + name
    tmp = Path(tempfile.mkdtemp(prefix="gz-bench-"))
    (tmp / "gz_bench_settings.py").write_text(BENCH_SETTINGS)
    (tmp / "gz_bench_settings_persistent.py").write_text(BENCH_SETTINGS_PERSISTENT)
    (tmp / "gz_bench_urls.py").write_text(BENCH_URLS)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "gz_bench_settings",
        "PYTHONPATH": f"{tmp}{os.pathsep}{REPO}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "GAIZAO_DATA_DIR": str(tmp),
        # the bench never logs in by code; production settings refuse the console and silent senders
        "GAIZAO_OTP_SENDER": "gaizao.participation.otp.WebhookSender",
        "LOG_LEVEL": "ERROR",
    }
    try:
        _psql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"PostgreSQL not available at {SERVER} ({exc}); skipped.")
        return headlines
    server = None
    try:
        subprocess.run([PYTHON, "-m", "django", "migrate", "-v0"], env=env, cwd=REPO, check=True)
        seed = subprocess.run(
            [
                PYTHON,
                "-m",
                "django",
                "shell",
                "-c",
                SEED.replace("ROLL_UNITS", str(ROLL_UNITS)).replace("API_VOTES", str(API_VOTES)),
            ],
            env=env,
            cwd=REPO,
            check=False,
            capture_output=True,
            text=True,
        )
        if seed.returncode:
            print(seed.stderr[-3000:])
            return headlines
        data = json.loads(next(line for line in seed.stdout.splitlines() if line.startswith("SEED"))[4:])
        pure = float(
            subprocess.run(
                [PYTHON, "-c", PURE_TALLY], env=env, cwd=REPO, check=True, capture_output=True, text=True
            ).stdout.strip()
        )
        print(f"roll frozen at opening: {ROLL_UNITS:,} units in {data['open_s']:.2f} s")
        servers = [
            ("dev server (runserver, a connection per request)", "gz_bench_settings", "runserver"),
            (
                f"gunicorn ({GUNICORN_WORKERS} workers x {THREADS // GUNICORN_WORKERS} threads, CONN_MAX_AGE)",
                "gz_bench_settings_persistent",
                "gunicorn",
            ),
        ]
        for (label, settings, kind), ballot_id in zip(servers, data["ballots"], strict=True):
            port = _free_port()
            server = _start(kind, port, {**env, "DJANGO_SETTINGS_MODULE": settings})
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{base}/api/v1/health", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.1)
            # warm both paths up (every gunicorn thread opens its connection once)
            for owner, token in zip(data["owners"][:THREADS], data["tokens"], strict=False):
                _post(f"{base}/bench/bare/{data['bare']}/", {"owner_id": owner}, token)
            bare_rate, bare_codes = _rate(
                [
                    (f"{base}/bench/bare/{data['bare']}/", {"owner_id": o, "choice": "yes"}, token)
                    for o, token in zip(data["owners"], data["tokens"], strict=True)
                ]
            )
            api_rate, api_codes = _rate(
                [
                    (f"{base}/api/v1/participation/ballots/{ballot_id}/vote", {"choice": "yes"}, token)
                    for token in data["tokens"]
                ]
            )
            _stop(server)
            server = None
            print(f"--- {label}")
            print(
                f"ballots via API          : {api_rate:8.1f} /s  ({API_VOTES} votes, {THREADS} threads, "
                f"codes {api_codes})"
            )
            print(
                f"bare Django view insert  : {bare_rate:8.1f} /s  (same middleware and token check; codes {bare_codes})"
            )
            print(
                f"ratio API / bare         : {api_rate / bare_rate:8.2f}  (roll check, row lock, hash chain, receipt, "
                "audit, API schema)"
            )
            headlines.append(
                Headline(
                    "ballots",
                    f"API / bare insert, {kind}",
                    api_rate / bare_rate,
                    "",
                    0.5,
                    "≥",
                    note=f"{api_rate:.0f} vs {bare_rate:.0f} ballots/s, {THREADS} client threads",
                )
            )
        print(
            f"tally of a {ROLL_UNITS:,}-unit roll, 7,000 papers: {data['tally_s'] * 1000:.0f} ms from the database "
            f"(tally_owner_vote alone {pure * 1000:.0f} ms); participating {data['tally_participating']}"
        )
    finally:
        if server is not None:
            _stop(server)
        try:
            _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as exc:
            print(f"could not drop {name}: {exc}")
    return headlines


if __name__ == "__main__":
    run()
