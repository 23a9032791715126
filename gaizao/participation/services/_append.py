"""Append one paper to its ballot's hash chain: take the next sequence number and the chain head, hash the paper
onto it and store it — the only step that holds the ballot's lock.

On PostgreSQL this is one statement: an ``UPDATE`` of the ballot row (which takes the row lock, re-reads the row if
another paper or the closing got there first, and refuses a ballot no longer open) computes the link's
HMAC-SHA256 in the server from the head it finds, and the same statement inserts the paper. No client round trip
happens while the lock is held; the lock ends with the commit that follows at once. The HMAC is the standard
construction (RFC 2104) over PostgreSQL's built-in ``sha256()``, with the inner and outer keys computed here, so
``gaizao.participation.chain.vote_hash`` recomputes exactly the same link. Elsewhere (SQLite serialises writers
anyway) the ballot row is read, the link hashed in Python and the paper saved, under the same lock.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from django.db import connection
from django.db.models import Field
from django.utils import timezone

from gaizao.audit.models import AuditEvent
from gaizao.participation.chain import canonical_time, chain_key, genesis_hash, vote_hash
from gaizao.participation.models import Ballot, Vote

_PREV = "@@gaizao-prev@@"
_SEQ = -7_777_777_771
#: the columns the statement fills from the ballot row; every other column comes from the unsaved paper
_CHAINED = ("id", "seq", "prev_hash", "hash")


def append_paper(
    vote: Vote, *, replaces_seq: int | None, audit: AuditEvent, flip_previous: int | None = None
) -> bool:
    """Give ``vote`` (unsaved; ``cast_at`` set) its sequence number and chain link and insert it with its audit
    event (unsaved, ``gaizao.audit.services.audit_event``), unless the ballot is no longer open at ``vote.cast_at``
    (then nothing is written and ``False`` is returned).

    ``flip_previous`` (PostgreSQL): the id of the owner's paper this one replaces, made no longer current by the
    same statement; if it is no longer current by then (another device replaced it), nothing is written either."""
    if connection.vendor == "postgresql":
        return _append_postgresql(vote, replaces_seq=replaces_seq, audit=audit, flip_previous=flip_previous)
    if flip_previous is not None:
        raise ValueError("flip_previous is PostgreSQL's single-statement append only")
    return _append_locked(vote, replaces_seq=replaces_seq, audit=audit)


def _hmac_keys() -> tuple[bytes, bytes]:
    key = chain_key()
    if len(key) > 64:  # sha256's block size
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def _message_parts(vote: Vote, replaces_seq: int | None) -> tuple[str, str, str]:
    """``vote_hash``'s JSON message split around the previous hash and the sequence number, which the server
    fills in: ``head + prev + middle + str(seq) + tail``."""
    payload = {
        "ballot": vote.ballot_id,
        "seq": _SEQ,
        "owner": vote.owner_key,
        "choice": vote.choice,
        "channel": vote.channel,
        "cast_at": canonical_time(vote.cast_at),
        "receipt": vote.receipt_digest,
        "replaces": replaces_seq,
        "prev": _PREV,
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    head, rest = blob.split(f'"{_PREV}"')
    middle, tail = rest.split(str(_SEQ))
    return head + '"', '"' + middle, tail


@functools.cache
def _postgresql_statement() -> tuple[str, tuple[Field[Any, Any], ...], tuple[Field[Any, Any], ...]]:
    """The append statement (composed once per process), the paper's fields it takes as ``%(v<i>)s`` and the audit
    event's as ``%(a<i>)s``: the event is inserted by the same statement, only when the paper is."""
    fields = tuple(f for f in Vote._meta.concrete_fields if f.column not in _CHAINED)
    audit_fields = tuple(f for f in AuditEvent._meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    audit_columns = ", ".join(quote(f.column) for f in audit_fields)
    sql = f"""
        WITH p AS (
            UPDATE {quote(Vote._meta.db_table)} SET is_current = false WHERE id = %(previous)s AND is_current
            RETURNING id
        ), b AS (
            UPDATE {quote(Ballot._meta.db_table)}
            SET vote_seq = vote_seq + 1,
                chain_prev = COALESCE(NULLIF(chain_head, ''), %(genesis)s),
                chain_head = encode(sha256(%(okey)s::bytea || sha256(%(ikey)s::bytea || convert_to(
                    %(head)s || COALESCE(NULLIF(chain_head, ''), %(genesis)s) || %(middle)s
                    || (vote_seq + 1)::text || %(tail)s, 'UTF8'))), 'hex')
            WHERE id = %(ballot)s AND status = 'open'
                AND (opens_at IS NULL OR opens_at <= %(now)s) AND (closes_at IS NULL OR closes_at >= %(now)s)
                AND (SELECT count(*) FROM p) = %(flips)s
            RETURNING vote_seq, chain_prev, chain_head
        ), a AS (
            INSERT INTO {quote(AuditEvent._meta.db_table)} ({audit_columns})
            SELECT {", ".join(f"%(a{i})s" for i in range(len(audit_fields)))} FROM b
        )
        INSERT INTO {quote(Vote._meta.db_table)} ({columns}, seq, prev_hash, hash)
        SELECT {", ".join(f"%(v{i})s" for i in range(len(fields)))}, b.vote_seq, b.chain_prev, b.chain_head FROM b
        RETURNING id, seq, prev_hash, hash
    """
    return sql, fields, audit_fields


def _append_postgresql(
    vote: Vote, *, replaces_seq: int | None, audit: AuditEvent, flip_previous: int | None
) -> bool:
    ikey, okey = _hmac_keys()
    head, middle, tail = _message_parts(vote, replaces_seq)
    sql, fields, audit_fields = _postgresql_statement()
    values = [f.get_db_prep_save(f.pre_save(vote, True), connection) for f in fields]
    audit_values = [f.get_db_prep_save(f.pre_save(audit, True), connection) for f in audit_fields]
    params = {
        "genesis": genesis_hash(vote.ballot_id),
        "ikey": ikey,
        "okey": okey,
        "head": head,
        "middle": middle,
        "tail": tail,
        "ballot": vote.ballot_id,
        "now": vote.cast_at,
        "previous": flip_previous,
        "flips": 0 if flip_previous is None else 1,
        **{f"v{i}": value for i, value in enumerate(values)},
        **{f"a{i}": value for i, value in enumerate(audit_values)},
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    vote.pk, vote.seq, vote.prev_hash, vote.hash = row
    vote._state.adding = False
    vote._state.db = connection.alias
    return True


def _append_locked(vote: Vote, *, replaces_seq: int | None, audit: AuditEvent) -> bool:
    locked = (
        Ballot.objects.select_for_update(of=("self",))
        .only("status", "opens_at", "closes_at", "vote_seq", "chain_head")
        .get(pk=vote.ballot_id)
    )
    now = vote.cast_at or timezone.now()
    if (
        locked.status != "open"
        or (locked.opens_at is not None and now < locked.opens_at)
        or (locked.closes_at is not None and now > locked.closes_at)
    ):
        return False
    prev_hash = locked.chain_head or genesis_hash(vote.ballot_id)
    vote.seq = locked.vote_seq + 1
    vote.prev_hash = prev_hash
    vote.hash = vote_hash(
        ballot_id=vote.ballot_id,
        seq=vote.seq,
        owner_key=vote.owner_key,
        choice=vote.choice,
        channel=vote.channel,
        cast_at=now,
        receipt_digest=vote.receipt_digest,
        replaces_seq=replaces_seq,
        prev_hash=prev_hash,
    )
    audit.save(force_insert=True)
    vote.save()
    Ballot.objects.filter(pk=vote.ballot_id).update(
        vote_seq=vote.seq, chain_head=vote.hash, chain_prev=prev_hash
    )
    return True
