"""Reliability of ballot submission under concurrency, through the real HTTP API of a live server.

On PostgreSQL the server handles requests truly in parallel, so the ballot row lock, the "one current paper per
owner" constraint and the retry are what keep the count exact. The SQLite test database lives in memory and the live
server shares one connection between its threads; there the test server takes requests one at a time (as SQLite
serialises writers anyway), while the clients still fire them concurrently.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from gaizao.accounts.services import api_token_create
from gaizao.participation import services
from gaizao.participation.models import Ballot, Vote
from gaizao.registry.models import Building, Community, Owner, Unit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OWNERS = 300
WORKERS = 40


def _post(url: str, token: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture
def server(live_server, monkeypatch):
    """The live server; on in-memory SQLite its threads share one connection, so requests go one at a time.

    Each request runs in a new thread: persistent connections (CONN_MAX_AGE) would outlive their threads and keep
    the test database busy at teardown, so they are closed at the end of every request here.
    """
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    httpd = live_server.thread.httpd
    httpd.socket.listen(512)  # the default backlog of 5 resets connections when 40 clients arrive at once
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        app = httpd.get_app()
        lock = threading.Lock()

        def serialised(environ, start_response):
            with lock:
                return list(app(environ, start_response))

        httpd.set_app(serialised)
        yield live_server
        httpd.set_app(app)
    else:
        yield live_server


@pytest.fixture
def crowd(accounts):
    from gaizao.divisions.models import Division

    division = Division.objects.get(code="330102001051")
    community = Community.objects.create(
        code="T-CROWD",
        name="并发测试小区",
        division=division,
        is_sample=True,
        households=OWNERS,
        building_count=1,
    )
    building = Building.objects.create(community=community, code="9")
    owners = Owner.objects.bulk_create(
        [Owner(division=division, name=f"并发{i}", phone=f"137{i:08d}") for i in range(OWNERS)]
    )
    Unit.objects.bulk_create(
        [
            Unit(
                building=building,
                stairwell=str(1 + i % 6),
                number=f"{i:04d}",
                owner=o,
                area_registered_m2=Decimal("60.00") + i % 30,
            )
            for i, o in enumerate(owners)
        ]
    )
    from gaizao.accounts.models import Role, User

    users = User.objects.bulk_create(
        [User(username=f"crowd{o.pk}", role=Role.RESIDENT, division=division, password="!") for o in owners]
    )
    for owner, user in zip(owners, users, strict=True):
        owner.user = user
    Owner.objects.bulk_update(owners, ["user"])
    tokens = [api_token_create(user=u, name="device")[1] for u in users]
    _, organiser_token = api_token_create(user=accounts["qingbomen"], name="organiser")
    return community, owners, tokens, organiser_token


def _open(accounts, community, matter: int) -> Ballot:
    ballot = services.ballot_create(
        actor=accounts["qingbomen"],
        community_id=community.pk,
        purpose="other",
        matter=matter,
        question=f"并发测试 {matter}",
    )
    return services.ballot_open(actor=accounts["qingbomen"], ballot_id=ballot.pk)


def test_500_concurrent_submissions_none_lost_none_twice(server, accounts, crowd):
    community, owners, tokens, organiser_token = crowd
    ballot = _open(accounts, community, matter=9)
    url = f"{server.url}/api/v1/participation/ballots/{ballot.pk}/vote"
    barriers = {i: threading.Barrier(2, timeout=20) for i in range(100)}
    tasks: list[tuple[int, str, threading.Barrier | None]] = []
    for i in range(OWNERS):
        choice = "yes" if i % 3 else "no"
        if i < 100:  # the same owner from two devices at the same moment
            tasks.append((i, choice, barriers[i]))
            tasks.append((i, "abstain", barriers[i]))
        else:
            tasks.append((i, choice, None))
    tasks += [(i, "yes", None) for i in range(100, 200)]  # a change of mind before closing

    def submit(task: tuple[int, str, threading.Barrier | None]) -> tuple[int, int, dict]:
        i, choice, barrier = task
        if barrier is not None:
            barrier.wait()
        status, body = _post(url, tokens[i], {"choice": choice})
        return i, status, body

    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(submit, tasks))
    elapsed = time.perf_counter() - started
    assert len(results) == 500
    failures = [(i, s, b) for i, s, b in results if s != 201]
    assert not failures, failures[:5]
    # no paper lost: every accepted submission is a stored paper, with a distinct sequence number and receipt
    assert Vote.objects.filter(ballot=ballot).count() == 500
    assert sorted(Vote.objects.filter(ballot=ballot).values_list("seq", flat=True)) == list(range(1, 501))
    assert len({b["receipt"] for _, _, b in results}) == 500
    # none counted twice: one current paper per owner
    current = Vote.objects.filter(ballot=ballot, is_current=True)
    assert current.count() == OWNERS
    assert current.values("owner_id").distinct().count() == OWNERS
    # the tally (through the API) equals the stored papers
    tally = _get(f"{server.url}/api/v1/participation/ballots/{ballot.pk}/tally", organiser_token)
    assert tally["counts"]["participating_owners"] == OWNERS
    status, closed = _post(
        f"{server.url}/api/v1/participation/ballots/{ballot.pk}/transition",
        organiser_token,
        {"action": "close"},
    )
    assert status == 200 and closed["status"] == "closed"
    ballot.refresh_from_db()
    yes = current.filter(choice="yes").count()
    assert ballot.result["yes_owners"] == yes and ballot.result["participating_owners"] == OWNERS
    assert ballot.result["vote_count"] == 500
    check = services.chain_verify(ballot)
    assert check.ok, check.problems
    print(f"\n500 concurrent submissions in {elapsed:.2f} s ({500 / elapsed:.0f}/s) on {connection.vendor}")
    os.environ.setdefault("GZ_CONCURRENCY_RATE", f"{500 / elapsed:.0f}")


def test_closing_while_votes_arrive_is_consistent(server, accounts, crowd):
    community, owners, tokens, organiser_token = crowd
    ballot = _open(accounts, community, matter=5)
    url = f"{server.url}/api/v1/participation/ballots/{ballot.pk}/vote"
    started = threading.Event()
    count = threading.Semaphore(0)

    def submit(i: int) -> tuple[int, int]:
        started.wait(10)
        status, _ = _post(url, tokens[i], {"choice": "yes" if i % 2 else "no"})
        count.release()
        return i, status

    def close_midway() -> tuple[int, dict]:
        started.wait(10)
        for _ in range(60):
            count.acquire(timeout=10)
        return _post(
            f"{server.url}/api/v1/participation/ballots/{ballot.pk}/transition",
            organiser_token,
            {"action": "close"},
        )

    with ThreadPoolExecutor(WORKERS + 1) as pool:
        closer = pool.submit(close_midway)
        futures = [pool.submit(submit, i) for i in range(150)]
        started.set()
        results = [f.result() for f in futures]
        close_status, _ = closer.result()
    assert close_status == 200
    statuses = {s for _, s in results}
    assert statuses <= {201, 409}, statuses
    accepted = sum(1 for _, s in results if s == 201)
    assert 60 <= accepted < 150
    ballot.refresh_from_db()
    assert Vote.objects.filter(ballot=ballot).count() == accepted
    assert ballot.result["participating_owners"] == accepted == ballot.result["vote_count"]
    assert not Vote.objects.filter(ballot=ballot, cast_at__gt=ballot.closed_at).exists()
    check = services.chain_verify(ballot)
    assert check.ok, check.problems
