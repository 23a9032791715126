"""Insert a run's results in bulk."""

from __future__ import annotations

from typing import Any


def bulk_store(model: Any, objs: list[Any]) -> None:
    """Insert ``objs`` (unsaved, without pk) into ``model``'s table: ``COPY`` on PostgreSQL, one prepared
    ``executemany`` elsewhere.

    Django's ``bulk_create`` on PostgreSQL sends JSON columns as UNNEST text arrays that psycopg escapes value by
    value (4.5× the CPU of a plain VALUES insert); a whole-city run spent as long storing its results as computing
    them. ``COPY ... FROM STDIN`` streams the rows with the JSON serialised once by ``json.dumps``, compressed
    with lz4 where the server has it. Must run inside the caller's transaction (it writes on the same
    connection)."""
    import json

    from django.db import connection, models

    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    if connection.vendor != "postgresql":
        # One prepared single-row INSERT run for every row (``executemany``): on SQLite, ``bulk_create`` splits
        # the rows into statements of at most 999 parameters and compiles each.
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] for obj in objs],
            )
        return
    is_json = [isinstance(f, models.JSONField) for f in fields]
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        # The JSON columns exceed the TOAST threshold: lz4 compresses them in about half pglz's time (this
        # transaction only; servers built without lz4 keep their default).
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL default_toast_compression = 'lz4'")
        raw = cursor.connection.cursor()
        with raw.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [
                        json.dumps(getattr(obj, name), ensure_ascii=False) if j else getattr(obj, name)
                        for name, j in zip(names, is_json, strict=True)
                    ]
                )
