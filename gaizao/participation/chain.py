"""The hash chain of a ballot's papers: each paper's hash covers its content and the previous paper's hash, so a
paper changed, removed or inserted after the fact breaks every later link (and the published head)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by elderly owners


def genesis_hash(ballot_id: int) -> str:
    return hashlib.sha256(f"gaizao-participation-ballot-{ballot_id}".encode()).hexdigest()


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
    return hashlib.sha256(blob.encode()).hexdigest()


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
