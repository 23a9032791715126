"""Read an import's table in a separate, memory-capped process, never in the process that asked.

:func:`read_table_isolated` runs :func:`parse_table` through ``gaizao.jobs.isolation.run_isolated``: a fresh
interpreter receives the file on stdin, loads the reader the file's format needs, caps its own address space
(``RLIMIT_AS``) at its size at that moment plus ``settings.UPLOAD_PARSE_MEMORY``, reads the table
(``readers.read_table``) and sends it back in chunks of rows. A file whose parse needs more memory fails with
``ParseMemoryError`` (a clear message, nothing written) instead of taking the worker down with it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

from gaizao.errors import ApplicationError
from gaizao.jobs.isolation import ParseMemoryError, memory_message, run_isolated
from gaizao.registry.readers import ImportFileError, Table

__all__ = ["CHUNK", "ParseMemoryError", "memory_message", "parse_table", "read_table_isolated"]

#: Rows per message on the pipe.
CHUNK = 5000
#: The settings the reader consults, passed to the child (it configures Django's settings with them only).
_SETTINGS = ("ZIP_MAX_ENTRIES", "ZIP_MAX_TOTAL_BYTES", "ZIP_MAX_RATIO")
#: Libraries each format's reader loads, imported before the cap so the cap measures the parse alone. Not openpyxl,
#: which reads only the rare workbook calamine refuses: its import cost every upload 0.2 s of CPU and about 1 s of
#: wall time on the loaded machine before the parse began; in that rare case its import counts within the cap.
_LIBRARIES = {
    "xlsx": ("python_calamine",),
    "xls": ("python_calamine",),
    "csv": ("charset_normalizer",),
    "geojson": ("pyogrio", "pyogrio.raw", "shapely"),
    "gpkg": ("pyogrio", "pyogrio.raw", "shapely"),
    "shp-zip": ("pyogrio", "pyogrio.raw", "shapely"),
}


def parse_table(data: bytes, *, filename: str, cap: Callable[[], None], sheet: str) -> Iterator[Any]:
    """In the child: the table's header, then its rows ``CHUNK`` at a time (a parser for ``run_isolated``)."""
    from gaizao.registry.readers import read_table, sniff_format

    fmt = sniff_format(data, filename)
    for name in _LIBRARIES.get(fmt, ()):
        importlib.import_module(name)
    cap()
    table = read_table(data, filename=filename, sheet=sheet)
    del data
    rows, numbers, geometries = table.rows, table.row_numbers, table.geometries
    table.rows, table.row_numbers, table.geometries = [], [], None
    yield ("table", table, geometries is not None)
    for start in range(0, len(rows), CHUNK):
        end = start + CHUNK
        yield (
            "rows",
            _share_repeated_texts(rows[start:end]),
            numbers[start:end],
            geometries[start:end] if geometries else None,
        )


#: Distinct texts per column below which a column's equal texts are sent as one object (``_share_repeated_texts``).
_SHARED_TEXTS = 1000


def _share_repeated_texts(rows: list[list[Any]]) -> list[list[Any]]:
    """Make equal texts of a column one object (a district, a street, a choice label repeat on every row), so
    pickle sends each once per chunk and the parent holds one copy instead of one per row; a column with many
    distinct texts (names, codes) is left alone after the first ``_SHARED_TEXTS``."""
    pools: dict[int, dict[str, str]] = {}
    for row in rows:
        for i, cell in enumerate(row):
            if type(cell) is str:
                pool = pools.setdefault(i, {})
                if len(pool) < _SHARED_TEXTS:
                    row[i] = pool.setdefault(cell, cell)
                else:
                    row[i] = pool.get(cell, cell)
    return rows


def read_table_isolated(data: bytes, *, filename: str, sheet: str, limit: int | None = None) -> Table:
    """``read_table`` in a memory-capped child process; see the module docstring."""
    table: Table | None = None
    for message in run_isolated(
        "gaizao.registry.parsing:parse_table",
        data,
        filename=filename,
        kwargs={"sheet": sheet},
        settings_names=_SETTINGS,
        errors=(ImportFileError,),
        limit=limit,
    ):
        if message[0] == "table":
            table = message[1]
            if message[2]:
                table.geometries = []
        elif table is not None:
            table.rows.extend(message[1])
            table.row_numbers.extend(message[2])
            if message[3] is not None and table.geometries is not None:
                table.geometries.extend(message[3])
    if table is None:
        raise ApplicationError(
            f"读取文件“{filename}”失败。/ The file {filename!r} could not be read.", field="file"
        )
    return table
