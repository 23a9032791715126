"""Substring search on a community's name, code and address that an index can answer, on either database.

``LIKE '%清波%'`` cannot use a B-tree index, so at city size every search read the whole table. The search keeps
its meaning (case-insensitive substring of any of the three fields) and gets an index:

* **PostgreSQL**: ``pg_trgm`` GIN indexes on ``UPPER(name)``, ``UPPER(code)`` and ``UPPER(address)`` (migration
  ``0002``). Django's ``icontains`` compiles to ``UPPER(col::text) LIKE UPPER('%q%')``, exactly the indexed
  expression, so the planner answers it with a bitmap OR of the three trigram indexes; the query is unchanged.
* **SQLite**: an FTS5 table with the ``trigram`` tokenizer (SQLite ≥ 3.34), kept in step by triggers.
  A query of three characters or more is a phrase ``MATCH`` on that table, the same substring semantics,
  answered from the index; shorter ones (one or two characters: trigrams need three) fall back to ``LIKE``.
  FTS5 rather than a prefix search, because a prefix search would change what the search finds ("新村" must find
  "劳动新村"). The table and triggers are (re)created after every ``migrate`` (``ensure_sqlite_search``): SQLite
  rebuilds a table to alter it, which drops its triggers, so a later migration of ``Community`` would otherwise
  leave the index silently stale.
* **Two characters on PostgreSQL** (most Chinese words: "新村", "花园"): a pattern of two characters holds no
  trigram, so ``pg_trgm`` cannot narrow it and the search read every row. A GIN index over the two-character
  substrings of the three fields (``gaizao_search_bigrams``, migration ``0005``) answers it exactly: ``q`` is a
  substring of a field iff it is one of its bigrams (upper-cased on both sides, fields kept apart).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

FTS_TABLE = "registry_community_search"
FIELDS = ("name", "code", "address")
_TRIGGERS = {
    f"{FTS_TABLE}_ai": (
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON registry_community BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, name, code, address) VALUES (new.id, new.name, new.code, new.address); END"
    ),
    f"{FTS_TABLE}_ad": (
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON registry_community BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name, code, address) "
        f"VALUES ('delete', old.id, old.name, old.code, old.address); END"
    ),
    f"{FTS_TABLE}_au": (
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF name, code, address ON registry_community "
        f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name, code, address) "
        f"VALUES ('delete', old.id, old.name, old.code, old.address); "
        f"INSERT INTO {FTS_TABLE}(rowid, name, code, address) VALUES (new.id, new.name, new.code, new.address); END"
    ),
}


def community_search_q(q: str) -> Q:
    """The filter for communities whose name, code or address contains ``q`` (case-insensitive)."""
    like = Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q)
    if connection.vendor == "postgresql" and len(q) == 2 and "\x01" not in q:
        # Two characters have no trigram: the bigram index of migration 0005 answers them exactly.
        return Q(
            RawSQL(
                'gaizao_search_bigrams("registry_community"."name", "registry_community"."code", '
                '"registry_community"."address") @> ARRAY[UPPER(%s)::text]',
                (q,),
                output_field=BooleanField(),
            )
        )
    if connection.vendor != "sqlite" or len(q) < 3 or not _sqlite_search_ready():
        return like
    phrase = '"' + q.replace('"', '""') + '"'
    return Q(pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", (phrase,)))


def _sqlite_search_ready() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE])
        return cursor.fetchone() is not None


def ensure_sqlite_search(using: str = "default", **kwargs: Any) -> None:
    """Create the FTS5 trigram table and its triggers on SQLite if missing, and rebuild the index when any trigger
    was missing (a new database, or a table rebuilt by a migration). Connected to ``post_migrate``."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'registry_community'")
        if cursor.fetchone() is None:
            return
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(name, code, address, "
            "content='registry_community', content_rowid='id', tokenize='trigram')"
        )
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{FTS_TABLE}_%"]
        )
        present = {row[0] for row in cursor.fetchall()}
        for name, sql in _TRIGGERS.items():
            if name not in present:
                cursor.execute(sql)
        if present != set(_TRIGGERS):
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
