"""The hash chain of a ballot's papers: each paper's hash covers its content and the previous paper's hash, so a
paper changed, removed or inserted after the fact breaks every later link (and the published head).

The links are HMAC-SHA256 keyed with the server's chain key (``settings.GAIZAO_CHAIN_KEY``, derived from
``SECRET_KEY`` unless set): someone who can write the database but does not hold the key cannot rebuild a valid
chain after changing a paper. ``chain_resign`` re-signs a ballot's chain under a new key (key rotation).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by elderly owners


def chain_key() -> bytes:
    """The server's chain key (bytes) from ``settings.GAIZAO_CHAIN_KEY``; fails loudly when it is not set."""
    from django.conf import settings

    key = settings.GAIZAO_CHAIN_KEY
    if not key:
        raise RuntimeError("settings.GAIZAO_CHAIN_KEY is empty: the ballot chain cannot be keyed.")
    return str(key).encode()


def _mac(key: bytes | None, blob: str) -> str:
    return hmac.new(key if key is not None else chain_key(), blob.encode(), hashlib.sha256).hexdigest()


def genesis_hash(ballot_id: int, *, key: bytes | None = None) -> str:
    return _mac(key, f"gaizao-participation-ballot-{ballot_id}")


def canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def vote_hash(
    *,
    ballot_id: int,
    seq: int,
    owner_key: str,
    choice: str,
    channel: str,
    cast_at: dt.datetime,
    receipt_digest: str,
    replaces_seq: int | None,
    prev_hash: str,
    key: bytes | None = None,
) -> str:
    payload: dict[str, Any] = {
        "ballot": ballot_id,
        "seq": seq,
        "owner": owner_key,
        "choice": choice,
        "channel": channel,
        "cast_at": canonical_time(cast_at),
        "receipt": receipt_digest,
        "replaces": replaces_seq,
        "prev": prev_hash,
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return _mac(key, blob)


def new_receipt_code() -> str:
    """A 16-character receipt code like ``K7QM-3RTX-9WHC-PA2D`` (80 bits)."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_receipt(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def receipt_digest(code: str) -> str:
    return hashlib.sha256(f"gaizao-receipt|{normalise_receipt(code)}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    count: int
    head: str
    problems: tuple[str, ...] = field(default_factory=tuple)
