"""Parse an upload in a separate, memory-capped process, never in the process that asked.

:func:`read_table_isolated` starts a fresh interpreter (``python -m gaizao.registry.parsing``) that
receives the file on stdin, loads the reader the file's format needs, caps its own address space (``RLIMIT_AS``) at
its size at that moment plus ``settings.UPLOAD_PARSE_MEMORY``, reads the table (``readers.read_table``) and sends it
back on stdout in chunks of rows. A fresh interpreter rather than a fork: a forked child inherits the parent's
reserved but unused heap, which an address-space cap cannot see. A file whose parse needs more memory fails with
:class:`ParseMemoryError` (a clear message, nothing written) instead of taking the worker down with it.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from typing import IO, Any

from gaizao.errors import ApplicationError
from gaizao.registry.readers import ImportFileError, Table

#: Rows per message on the pipe.
CHUNK = 5000
#: The settings the reader consults, passed to the child (it configures Django's settings with them only).
_SETTINGS = ("ZIP_MAX_ENTRIES", "ZIP_MAX_TOTAL_BYTES", "ZIP_MAX_RATIO")
#: Libraries each format's reader loads, imported before the cap so the cap measures the parse alone.
_LIBRARIES = {
    "xlsx": ("python_calamine", "openpyxl"),
    "xls": ("python_calamine",),
    "csv": ("charset_normalizer",),
    "geojson": ("pyogrio", "pyogrio.raw", "shapely"),
    "gpkg": ("pyogrio", "pyogrio.raw", "shapely"),
    "shp-zip": ("pyogrio", "pyogrio.raw", "shapely"),
}


class ParseMemoryError(ApplicationError):
    """The file needs more memory to read than an upload's parse may use."""

    code = "import_parse_memory"


def memory_message(filename: str, limit: int) -> str:
    mb = limit // (1024 * 1024)
    return (
        f"读取文件“{filename}”所需内存超过上限 {mb} MB，未导入任何数据。请把文件拆分为较小的几个文件后分别导入。/ "
        f"Reading the file {filename!r} needed more than the {mb} MB of memory an upload may use; nothing was "
        "imported. Split it into smaller files and import them one by one."
    )


def _address_space() -> int:
    """This process's virtual memory size in bytes (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _send(out: IO[bytes], *message: Any) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def child_main(argv: list[str]) -> int:
    """The child: ``argv`` = [filename, sheet, limit bytes, settings JSON]; the file's bytes on stdin."""
    import importlib
    import resource

    from django.conf import settings

    filename, sheet, limit = argv[0], argv[1], int(argv[2])
    settings.configure(**json.loads(argv[3]))
    out = sys.stdout.buffer
    data = sys.stdin.buffer.read()
    try:
        from gaizao.registry.readers import read_table, sniff_format

        fmt = sniff_format(data, filename)
        for name in _LIBRARIES.get(fmt, ()):
            importlib.import_module(name)
        ceiling = _address_space() + limit
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        table = read_table(data, filename=filename, sheet=sheet)
        del data
        rows, numbers, geometries = table.rows, table.row_numbers, table.geometries
        table.rows, table.row_numbers, table.geometries = [], [], None
        _send(out, "table", table, geometries is not None)
        for start in range(0, len(rows), CHUNK):
            end = start + CHUNK
            _send(
                out,
                "rows",
                _share_repeated_texts(rows[start:end]),
                numbers[start:end],
                geometries[start:end] if geometries else None,
            )
        _send(out, "done")
    except ImportFileError as exc:
        _send(out, "file_error", exc.message, exc.field)
    except MemoryError:
        _send(out, "memory")
    except Exception as exc:  # reported to the parent, which fails the import with the message
        _send(out, "error", f"{exc.__class__.__name__}: {exc}")
    return 0


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
    from django.conf import settings

    limit = settings.UPLOAD_PARSE_MEMORY if limit is None else limit
    passed = json.dumps({name: getattr(settings, name) for name in _SETTINGS})
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "gaizao.registry.parsing", filename, sheet, str(limit), passed],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
        assert child.stdin is not None and child.stdout is not None
        try:
            try:
                child.stdin.write(data)
                child.stdin.close()
            except BrokenPipeError:
                pass
            return _receive(child.stdout, filename, limit)
        except _ChildDied:
            child.wait(timeout=30)
            stderr.seek(0)
            tail = stderr.read()[-2000:].decode("utf-8", "replace")
            if child.returncode < 0 or "MemoryError" in tail or "memory allocation" in tail:
                raise ParseMemoryError(memory_message(filename, limit), field="file") from None
            raise ApplicationError(
                f"读取文件“{filename}”失败。/ The file {filename!r} could not be read: {tail.strip()[-300:]}",
                field="file",
            ) from None
        finally:
            child.stdout.close()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


class _ChildDied(Exception):
    """The child closed its output without a final message (killed, or out of memory outside Python's reach)."""


def _receive(stream: IO[bytes], filename: str, limit: int) -> Table:
    table: Table | None = None
    while True:
        try:
            message = pickle.load(stream)
        except (EOFError, pickle.UnpicklingError):
            raise _ChildDied from None
        tag = message[0]
        if tag == "table":
            table = message[1]
            if message[2]:
                table.geometries = []
        elif tag == "rows" and table is not None:
            table.rows.extend(message[1])
            table.row_numbers.extend(message[2])
            if message[3] is not None and table.geometries is not None:
                table.geometries.extend(message[3])
        elif tag == "done" and table is not None:
            return table
        elif tag == "file_error":
            raise ImportFileError(message[1], field=message[2])
        elif tag == "memory":
            raise ParseMemoryError(memory_message(filename, limit), field="file")
        else:
            raise ApplicationError(
                f"读取文件“{filename}”失败：{message[1]}。/ The file {filename!r} could not be read: {message[1]}.",
                field="file",
            )


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
