"""How many statements one ballot paper costs through the API (issue 19 §2): the paper is appended to the chain
by one statement that also takes the ballot's lock, so nothing travels between client and server while it is held.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gaizao.accounts.models import Role, User
from gaizao.accounts.services import api_token_create
from gaizao.audit.models import AuditEvent
from gaizao.audit.services import audit_event
from gaizao.participation import services
from gaizao.participation.models import Vote
from gaizao.participation.services._append import append_paper

pytestmark = pytest.mark.django_db

#: token (with its user and division; PostgreSQL stamps a first use in the same statement) · roll entry of the
#: caller's owner with ballot, community and division (on PostgreSQL with the owner's current paper) · on SQLite the
#: current paper, row-locked and no longer current (UPDATE … RETURNING) · append (ballot lock, sequence, chain link,
#: the paper and its audit record; on PostgreSQL also the previous paper's flag, all in one statement and its own
#: transaction). SQLite appends in four: read the ballot, insert the audit record and the paper, move the head.
STATEMENTS = {"postgresql": 3, "sqlite": 7}


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
    # a changed mind: no more statements (the previous paper's flag is taken with its lock)
    status, again = _vote(token, ballot.pk, "no")
    assert status == 201
    expected = STATEMENTS[connection.vendor]
    stamped = [q for q in first if q.startswith("UPDATE") and "last_used_at" in q]  # a new token's first use
    assert len(first) - len(stamped) == expected, "\n".join(first)
    assert len(again) == expected, "\n".join(again)
    assert not [q for q in again if q.startswith("UPDATE") and "last_used_at" in q]
    assert Vote.objects.filter(ballot=ballot).count() == 4 and other.pk
    ballot.refresh_from_db()
    check = services.chain_verify(ballot)
    assert check.ok and check.count == 4, check.problems


def test_each_paper_is_audited_by_its_own_statement(ballot, world, accounts):
    """The audit record travels in the statement that appends the paper: one per paper, the same fields as
    ``audit_record`` writes, none for a refused paper."""
    first, token = world.residents[0], api_token_create(user=world.residents[0], name="phone")[1]
    assert _vote(token, ballot.pk, "yes")[0] == 201
    assert _vote(token, ballot.pk, "no")[0] == 201  # a changed mind replaces paper 1
    events = list(AuditEvent.objects.filter(action="vote_record").order_by("id"))
    assert len(events) == 2
    assert all(e.actor_id == first.pk and e.object_id == str(ballot.pk) for e in events)
    assert events[0].object_repr == str(ballot) and events[0].division_path == world.community.division.path
    assert events[0].content_type.model == "ballot"
    # the choice stays out of the trail; the replaced paper's number is in it
    assert [e.changes for e in events] == [
        {"channel": [None, "online"], "replaces": [None, None]},
        {"channel": [None, "online"], "replaces": [None, 1]},
    ]
    assert list(Vote.objects.filter(ballot=ballot).order_by("seq").values_list("is_current", flat=True)) == [
        False,
        True,
    ]
    # an account without an owner, and a closed ballot: refused, nothing written
    stranger = User.objects.create(username="stranger", role=Role.RESIDENT, division=world.community.division)
    status, _ = _vote(api_token_create(user=stranger, name="phone")[1], ballot.pk, "yes")
    assert status == 403
    services.ballot_close(actor=accounts["qingbomen"], ballot_id=ballot.pk)
    status, _ = _vote(api_token_create(user=world.residents[1], name="phone")[1], ballot.pk, "yes")
    assert status == 409
    assert AuditEvent.objects.filter(action="vote_record").count() == 2
    assert Vote.objects.filter(ballot=ballot).count() == 2
    ballot.refresh_from_db()
    assert services.chain_verify(ballot).ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's single-statement append only")
def test_a_paper_prepared_against_a_replaced_one_is_not_written(ballot, world):
    """The statement flips the previous paper only if it is still current; if another device replaced it since it
    was read, nothing is written (``vote_cast`` then reads again and retries)."""
    resident = world.residents[0]
    assert _vote(api_token_create(user=resident, name="phone")[1], ballot.pk, "yes")[0] == 201
    first = Vote.objects.get(ballot=ballot)
    Vote.objects.filter(pk=first.pk).update(is_current=False)  # replaced meanwhile
    paper = Vote(
        ballot_id=ballot.pk,
        owner_id=first.owner_id,
        owner_key=first.owner_key,
        choice="no",
        channel="online",
        receipt_digest="0" * 64,
        cast_at=timezone.now(),
    )
    audit = audit_event(actor=resident, action="vote_record", obj=ballot)
    assert not append_paper(paper, replaces_seq=first.seq, audit=audit, flip_previous=first.pk)
    assert Vote.objects.filter(ballot=ballot).count() == 1
    assert AuditEvent.objects.filter(action="vote_record").count() == 1
    ballot.refresh_from_db()
    assert ballot.vote_seq == 1
