"""How many statements one ballot paper costs through the API (issue 19 §2): the paper is appended to the chain
by one statement that also takes the ballot's lock, so nothing travels between client and server while it is held.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gaizao.accounts.services import api_token_create
from gaizao.participation import services
from gaizao.participation.models import Vote

pytestmark = pytest.mark.django_db

#: token (with its user and division) · the caller's owner · roll entry with ballot, community and division ·
#: the owner's current paper, row-locked · audit record · append (ballot lock, sequence, chain link and insert).
#: SQLite appends in three: read the ballot, insert the paper, move the head.
STATEMENTS = {"postgresql": 6, "sqlite": 8}


@pytest.fixture
def ballot(world, accounts):
    b = services.ballot_create(
        actor=accounts["qingbomen"],
        community_id=world.community.pk,
        purpose="other",
        matter=9,
        question="计数",
    )
    return services.ballot_open(actor=accounts["qingbomen"], ballot_id=b.pk)


def _vote(token: str, ballot_id: int, choice: str) -> tuple[int, list[str]]:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/participation/ballots/{ballot_id}/vote",
            {"choice": choice},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    # savepoints are the test's own transaction (a request's atomic block is the outermost one: BEGIN / COMMIT)
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    return response.status_code, statements


def test_statements_per_paper(ballot, world):
    _, token = api_token_create(user=world.residents[0], name="phone")
    _vote(token, ballot.pk, "yes")  # the token's first use is stamped once (last_used_at is throttled)
    other, other_token = world.residents[1], api_token_create(user=world.residents[1], name="phone")[1]
    _vote(other_token, ballot.pk, "no")
    # a first paper
    status, first = _vote(api_token_create(user=world.residents[2], name="phone")[1], ballot.pk, "yes")
    assert status == 201
    # a changed mind: one more statement, the previous paper's flag
    status, again = _vote(token, ballot.pk, "no")
    assert status == 201
    expected = STATEMENTS[connection.vendor]
    stamped = [q for q in first if q.startswith("UPDATE") and "last_used_at" in q]  # a new token's first use
    assert len(first) - len(stamped) == expected, "\n".join(first)
    assert len(again) == expected + 1, "\n".join(again)
    assert not [q for q in again if q.startswith("UPDATE") and "last_used_at" in q]
    assert Vote.objects.filter(ballot=ballot).count() == 4 and other.pk
    ballot.refresh_from_db()
    check = services.chain_verify(ballot)
    assert check.ok and check.count == 4, check.problems
