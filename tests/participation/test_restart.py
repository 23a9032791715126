"""A killed and restarted server loses no acknowledged ballot (issue 6, "a restarted server loses nothing").

Everything runs in subprocesses against a database that outlives the server process — a SQLite file under a
temporary ``GAIZAO_DATA_DIR``, or, when ``DATABASE_URL`` is set, a throwaway PostgreSQL database created and dropped
here on the same server. The pytest-django test database is never touched. A real ``runserver`` process takes the
ballots through the HTTP API, is killed with SIGKILL while requests are in flight, and is started again; the
submissions that got no answer are sent again. Then every paper acknowledged with 201 must be stored and counted, the
tally must equal the stored current papers, the hash chain must verify and no owner may be counted twice.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
OWNERS = 30
CHANGES = 10  # owners 0..9 change their mind: 40 papers in all
KILL_AFTER = 15  # SIGKILL the server once this many papers were acknowledged
WORKERS = 6

SETUP = r"""
import json, sys
from decimal import Decimal
import django
django.setup()
from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import Role, User
from gaizao.accounts.services import api_token_create
from gaizao.divisions.models import Division
from gaizao.divisions.services import divisions_load_hangzhou
from gaizao.participation import services
from gaizao.registry.models import Building, Community, Owner, Unit

from django.test.utils import override_settings

n = int(sys.argv[1])
divisions_load_hangzhou()
with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
    demo_accounts_load()  # the accounts log in by token here: a slow password hash would only cost time
organiser = User.objects.get(username="qingbomen")
division = Division.objects.get(code="330102001051")
community = Community.objects.create(code="T-RESTART", name="重启测试小区", division=division, is_sample=True,
                                     households=n, building_count=1)
building = Building.objects.create(community=community, code="1", stairwells=3)
tokens, owner_ids = [], []
for i in range(n):
    user = User.objects.create(username=f"restart{i}", role=Role.RESIDENT, division=division, password="!")
    owner = Owner.objects.create(division=division, name=f"重启{i}", phone=f"136{i:08d}", user=user, is_sample=True)
    Unit.objects.create(building=building, stairwell=str(1 + i % 3), number=f"{i:04d}", owner=owner,
                        area_registered_m2=Decimal("55.00") + i)
    tokens.append(api_token_create(user=user, name="phone")[1])
    owner_ids.append(owner.pk)
ballot = services.ballot_create(actor=organiser, community_id=community.pk, purpose="other", matter=9,
                                question="重启测试", open_vote=True)
services.ballot_open(actor=organiser, ballot_id=ballot.pk)
print(json.dumps({"ballot": ballot.pk, "tokens": tokens, "owners": owner_ids,
                  "organiser": api_token_create(user=organiser, name="organiser")[1]}))
"""

STORED = r"""
import json, sys
import django
django.setup()
from gaizao.participation.models import Vote
rows = Vote.objects.filter(ballot_id=int(sys.argv[1])).order_by("seq").values_list("seq", "hash", "owner_id",
                                                                                  "choice", "is_current")
print(json.dumps([list(r) for r in rows]))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def env(tmp_path) -> Iterator[dict[str, str]]:
    """The subprocesses' environment, with a database of their own that outlives each server process."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="gaizao.web.settings",
        GAIZAO_DATA_DIR=str(tmp_path / "data"),
        GAIZAO_OTP_SENDER="gaizao.participation.otp.SilentSender",
        TASKS_BACKEND="immediate",
        DEBUG="true",
        PYTHONUNBUFFERED="1",
    )
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        env.pop("DATABASE_URL", None)  # SQLite file database under GAIZAO_DATA_DIR
        yield env
        return
    import psycopg
    from psycopg import sql

    name = f"gaizao_restart_{secrets.token_hex(4)}"
    parts = urlsplit(admin_url)
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield env
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _run(env: dict[str, str], *args: str) -> str:
    # a guard against a hung step, not a time limit: migrating a fresh database takes minutes on a loaded machine
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


class Server:
    """A ``runserver`` process (no reloader, so the pid is the server itself)."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "django",
                    "runserver",
                    f"127.0.0.1:{self.port}",
                    "--noreload",
                    "--skip-checks",
                ],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=2) as response:
                    if json.loads(response.read())["status"] == "ok":
                        return
            except (OSError, ValueError):
                time.sleep(0.1)
        raise AssertionError(
            "the server did not become ready: " + self.log.read_text(errors="replace")[-3000:]
        )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def _request(url: str, token: str, payload: dict | None = None, timeout: float = 30) -> tuple[int, dict]:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method="POST" if data is not None else "GET",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_killed_server_loses_no_acknowledged_ballot(env, tmp_path):
    started = time.perf_counter()
    timings: dict[str, float] = {}
    _run(env, "-m", "django", "migrate", "--no-input", "-v", "0")
    timings["migrate"] = time.perf_counter() - started
    _run(env, "-m", "django", "createcachetable")
    world = json.loads(_run(env, "-c", SETUP, str(OWNERS)).strip().splitlines()[-1])
    timings["data"] = time.perf_counter() - started
    ballot_id, tokens, organiser = world["ballot"], world["tokens"], world["organiser"]
    owner_ids = world["owners"]
    # 40 papers: every owner once, then owners 0..9 change their mind (each change replaces the earlier paper)
    tasks = [(i, "yes" if i % 3 else "no") for i in range(OWNERS)]
    tasks += [(i, "no" if i % 3 else "abstain") for i in range(CHANGES)]

    server = Server(env, _free_port(), tmp_path / "server.log")
    try:
        server.start()
        setup_s = timings["ready"] = time.perf_counter() - started
        vote_url = f"{server.url}/api/v1/participation/ballots/{ballot_id}/vote"
        acknowledged: dict[int, dict] = {}  # task index -> 201 body
        unanswered: list[int] = []
        failures: list[tuple[int, int, dict]] = []
        lock = threading.Lock()
        killed = threading.Event()

        in_flight = [0, 0]  # requests under way now, and when the server was killed

        def submit(k: int) -> None:
            i, choice = tasks[k]
            with lock:
                in_flight[0] += 1
            try:
                status, body = _request(vote_url, tokens[i], {"choice": choice}, timeout=15)
            except (OSError, http.client.HTTPException, ValueError):  # refused, reset or cut off by the kill
                with lock:
                    in_flight[0] -= 1
                    unanswered.append(k)
                return
            with lock:
                in_flight[0] -= 1
                if status != 201:
                    failures.append((k, status, body))
                    return
                acknowledged[k] = body
                if len(acknowledged) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    in_flight[1] = in_flight[0]
                    server.kill()  # mid-stream: other requests are still being handled

        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(submit, range(OWNERS)))
        assert not failures, failures
        assert killed.is_set() and server.proc is not None and server.proc.returncode == -signal.SIGKILL
        first_run = sorted(acknowledged)
        unanswered_first = sorted(unanswered)
        assert len(first_run) >= KILL_AFTER and unanswered_first, (first_run, unanswered_first)
        assert in_flight[1] >= 1, "the kill should cut requests under way"

        timings["killed"] = time.perf_counter() - started
        # restart on the same port and send what got no answer, then the changes of mind
        server.start()
        timings["restarted"] = time.perf_counter() - started
        for k in unanswered_first:
            status, body = _request(vote_url, tokens[tasks[k][0]], {"choice": tasks[k][1]})
            assert status == 201, body
            acknowledged[k] = body
        for k in range(OWNERS, len(tasks)):
            status, body = _request(vote_url, tokens[tasks[k][0]], {"choice": tasks[k][1]})
            assert status == 201, body
            acknowledged[k] = body
        assert sorted(acknowledged) == list(range(len(tasks)))

        base = f"{server.url}/api/v1/participation/ballots/{ballot_id}"
        status, papers = _request(f"{base}/votes", organiser)
        assert status == 200, papers
        # every acknowledged paper is stored, with the sequence number and hash it was acknowledged with
        stored = {p["seq"]: p for p in papers}
        for k, body in acknowledged.items():
            assert stored.get(body["seq"], {}).get("hash") == body["hash"], (k, body)
        # nothing beyond what was sent: at most the papers that got no answer may have been committed twice
        assert len(acknowledged) <= len(papers) <= len(acknowledged) + len(unanswered_first)
        assert sorted(stored) == list(range(1, len(papers) + 1))

        # the last paper of each owner is the one counted, once: one current paper per owner
        rows = json.loads(_run(env, "-c", STORED, str(ballot_id)).strip().splitlines()[-1])
        assert len(rows) == len(papers)
        current = [r for r in rows if r[4]]
        assert sorted(r[2] for r in current) == sorted(owner_ids)
        final = {owner_ids[i]: c for i, c in tasks}  # later tasks override earlier ones
        assert {r[2]: r[3] for r in current} == final

        # the live tally through the API equals the stored current papers
        status, tally = _request(f"{base}/tally", organiser)
        assert status == 200, tally
        counts = tally["counts"]
        assert counts["participating_owners"] == OWNERS == counts["total_owners"]
        for choice in ("yes", "no", "abstain"):
            assert counts[f"{choice}_owners"] == sum(1 for c in final.values() if c == choice), (
                choice,
                counts,
            )

        # the hash chain verifies, before and after closing (closing also recounts against the stored papers)
        status, verify = _request(f"{base}/verify", organiser)
        assert status == 200 and verify["ok"], verify
        assert verify["count"] == len(papers) and verify["head"] == papers[-1]["hash"]
        status, closed = _request(f"{base}/transition", organiser, {"action": "close"})
        assert status == 200 and closed["status"] == "closed", closed
        assert closed["vote_count"] == len(papers) and closed["chain_head"] == papers[-1]["hash"]
        status, verify = _request(f"{base}/verify", organiser)
        assert status == 200 and verify["ok"], verify
        # each acknowledged paper is counted in the result, or replaced by the same owner's later paper
        for k, body in acknowledged.items():
            status, check = _request(
                f"{server.url}/api/v1/participation/public/receipts/{body['receipt']}", ""
            )
            assert status == 200 and check["found"] and check["seq"] == body["seq"], check
            replaced = k < CHANGES
            assert (check["counted"], check["replaced"]) == (not replaced, replaced), (k, check)
        timings["checked"] = elapsed = time.perf_counter() - started
        print(f"\nphases: {timings}")
        print(
            f"\nrestart on {'postgresql' if 'DATABASE_URL' in env else 'sqlite'}: {len(first_run)} acknowledged "
            f"before SIGKILL ({in_flight[1]} requests under way), {len(unanswered_first)} unanswered and re-sent, {len(papers)} papers stored; "
            f"setup {setup_s:.1f} s, total {elapsed:.1f} s"
        )
    finally:
        server.stop()
