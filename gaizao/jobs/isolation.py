"""Parse an upload in a separate, memory-capped process, never in the process that asked.

:func:`run_isolated` starts a fresh interpreter (``python -m gaizao.jobs.isolation``) that receives the file's bytes
on stdin (or nothing, when the parser reads a stored file by path), imports the parser named by ``target``
(``"package.module:function"``, a module that imports without Django being set up) and calls it as
``parser(data, filename=..., cap=cap, **kwargs)``. The parser imports the libraries its format needs, calls
``cap()`` — which caps the process's address space (``RLIMIT_AS``) at its size at that moment plus
``settings.UPLOAD_PARSE_MEMORY``, so the cap measures the parse alone — then parses and yields picklable messages,
which come back on stdout one by one and are yielded to the caller. A fresh interpreter rather than a fork: a
forked child inherits the parent's reserved but unused heap, which an address-space cap cannot see.

A file whose parse needs more memory fails with :class:`ParseMemoryError` (a clear message, nothing written)
instead of taking the worker down with it; an ``ApplicationError`` the parser raises is raised again in the caller
(as the class of ``errors`` with the same ``code``, else as ``ApplicationError``); anything else becomes an
``ApplicationError`` saying the file could not be read. Used by the registry's imports
(``gaizao.registry.parsing``) and the life-circle road networks (``gaizao.lifecircle.parsing``).
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

from gaizao.errors import ApplicationError

#: A parser run in the child: ``parser(data, filename=..., cap=..., **kwargs)`` yields the messages to send back.
Parser = Callable[..., Iterator[Any]]


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


def unreadable_message(filename: str, detail: str) -> str:
    return f"读取文件“{filename}”失败：{detail}。/ The file {filename!r} could not be read: {detail}."


def _address_space() -> int:
    """This process's virtual memory size in bytes (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _send(out: IO[bytes], *message: Any) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def _is_memory_failure(exc: BaseException) -> bool:
    """A MemoryError anywhere in the chain, or a C library's allocation failure reported as another error."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MemoryError):
            return True
        text = str(seen).lower()
        if "out of memory" in text or "memory allocation" in text or "bad_alloc" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def child_main(argv: list[str]) -> int:
    """The child: ``argv`` = [target, filename, limit bytes, settings JSON, kwargs JSON]; the data on stdin."""
    import importlib
    import resource

    target, filename, limit = argv[0], argv[1], int(argv[2])
    passed, kwargs = json.loads(argv[3]), json.loads(argv[4])
    if passed:
        from django.conf import settings

        settings.configure(**passed)
    out = sys.stdout.buffer
    data = sys.stdin.buffer.read()
    capped = False

    def cap() -> None:
        nonlocal capped
        ceiling = _address_space() + limit
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        capped = True

    try:
        module, _, name = target.partition(":")
        parser: Parser = getattr(importlib.import_module(module), name)
        for message in parser(data, filename=filename, cap=cap, **kwargs):
            if not capped:
                raise RuntimeError(f"{target} yielded before it capped its memory")
            _send(out, "message", message)
        if not capped:
            raise RuntimeError(f"{target} never capped its memory")
        _send(out, "done")
    except ApplicationError as exc:
        if capped and _is_memory_failure(exc):
            _send(out, "memory")
        else:
            _send(out, "app_error", exc.message, exc.field, exc.code)
    except MemoryError:
        _send(out, "memory")
    except Exception as exc:  # reported to the parent, which fails the upload with the message
        if capped and _is_memory_failure(exc):
            _send(out, "memory")
        else:
            _send(out, "error", f"{exc.__class__.__name__}: {exc}")
    return 0


def run_isolated(
    target: str,
    data: bytes = b"",
    *,
    filename: str,
    kwargs: dict[str, Any] | None = None,
    settings_names: Sequence[str] = (),
    errors: Sequence[type[ApplicationError]] = (),
    limit: int | None = None,
) -> Iterator[Any]:
    """Run the parser ``target`` on ``data`` in a memory-capped child process and yield its messages.

    Parameters
    ----------
    target
        ``"package.module:function"``, a generator function importable without Django set up.
    data
        The file's bytes, sent on the child's stdin (empty when the parser reads a stored file named in
        ``kwargs``).
    filename
        The name the user knows the file by, for messages.
    kwargs
        JSON-serialisable keyword arguments for the parser.
    settings_names
        Django settings the parser consults; the child configures Django's settings with these only.
    errors
        ``ApplicationError`` subclasses the parser may raise that the caller wants back as themselves (by code).
    limit
        Bytes the parse may use above the child's size when it caps (default ``settings.UPLOAD_PARSE_MEMORY``).

    Raises
    ------
    ParseMemoryError
        The parse needed more memory than ``limit``.
    ApplicationError
        The parser raised one, failed otherwise, or the child died.
    """
    from django.conf import settings

    limit = settings.UPLOAD_PARSE_MEMORY if limit is None else limit
    passed = json.dumps({name: getattr(settings, name) for name in settings_names})
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    by_code = {cls.code: cls for cls in errors}
    with tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gaizao.jobs.isolation",
                target,
                filename,
                str(limit),
                passed,
                json.dumps(kwargs or {}),
            ],
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
            while True:
                try:
                    message = pickle.load(child.stdout)
                except (EOFError, pickle.UnpicklingError):
                    raise _ChildDied from None
                tag = message[0]
                if tag == "message":
                    yield message[1]
                elif tag == "done":
                    return
                elif tag == "memory":
                    raise ParseMemoryError(memory_message(filename, limit), field="file")
                elif tag == "app_error":
                    raise by_code.get(message[3], ApplicationError)(
                        message[1], field=message[2], code=message[3]
                    )
                else:
                    raise ApplicationError(unreadable_message(filename, message[1]), field="file")
        except _ChildDied:
            child.wait(timeout=30)
            stderr.seek(0)
            tail = stderr.read()[-2000:].decode("utf-8", "replace")
            if child.returncode < 0 or "MemoryError" in tail or "memory allocation" in tail:
                raise ParseMemoryError(memory_message(filename, limit), field="file") from None
            raise ApplicationError(unreadable_message(filename, tail.strip()[-300:]), field="file") from None
        finally:
            child.stdout.close()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


class _ChildDied(Exception):
    """The child closed its output without a final message (killed, or out of memory outside Python's reach)."""


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
