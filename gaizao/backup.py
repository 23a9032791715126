"""``gaizao backup OUT`` and ``gaizao restore IN``: a consistent copy of the database and its return.

- SQLite: the SQLite online backup API (a consistent copy while the server runs; WAL content included).
- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists --no-owner`` (the client tools of
  the server's major version must be on PATH).

After a restore every ballot's hash chain is verified (``verify_chains``): a restore that does not give back the
legally binding votes exactly fails loudly. Uploaded files (ballot scans, authorisations) live under
``MEDIA_ROOT`` and are copied with the file system (docs/deployment.md).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any


def _database() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.DATABASES["default"])


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is not on PATH: install the PostgreSQL client tools (postgresql-client).")
    return path


def backup(out: Path) -> Path:
    """Write a backup of the default database to ``out``; returns ``out``."""
    from django.db import connections

    db = _database()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        connections["default"].close()
        source = sqlite3.connect(str(db["NAME"]))
        target = sqlite3.connect(str(out))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return out
    if engine.endswith("postgresql"):
        args, env = _pg_env(db)
        subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out), *args],
            env=env,
            check=True,
        )
        return out
    raise RuntimeError(f"gaizao backup supports SQLite and PostgreSQL, not {engine}.")


def restore(source_file: Path) -> None:
    """Replace the default database's content with the backup ``source_file``."""
    from django.db import connections

    db = _database()
    source_file = Path(source_file)
    if not source_file.is_file():
        raise FileNotFoundError(f"No backup at {source_file}.")
    engine = db["ENGINE"]
    connections["default"].close()
    if engine.endswith("sqlite3"):
        source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
        target = sqlite3.connect(str(db["NAME"]))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return
    if engine.endswith("postgresql"):
        args, env = _pg_env(db)
        subprocess.run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                *args,
                str(source_file),
            ],
            env=env,
            check=True,
        )
        return
    raise RuntimeError(f"gaizao restore supports SQLite and PostgreSQL, not {engine}.")


def verify_chains() -> tuple[int, list[str]]:
    """Verify the hash chain of every ballot; returns (ballots checked, problems)."""
    from gaizao.participation.models import Ballot
    from gaizao.participation.services import chain_verify

    problems: list[str] = []
    count = 0
    for ballot in Ballot.objects.order_by("pk").iterator():
        count += 1
        check = chain_verify(ballot)
        if not check.ok:
            problems.extend(f"ballot {ballot.pk}: {p}" for p in check.problems)
    return count, problems


def rekey_chains(old_key: str) -> tuple[int, list[str]]:
    """Re-sign every ballot's chain, verified under ``old_key``, with the current ``GAIZAO_CHAIN_KEY``."""
    from gaizao.errors import ApplicationError
    from gaizao.participation.models import Ballot
    from gaizao.participation.services import ballot_chain_resign

    problems: list[str] = []
    count = 0
    for pk in Ballot.objects.order_by("pk").values_list("pk", flat=True):
        count += 1
        try:
            check = ballot_chain_resign(ballot_id=pk, old_key=old_key.encode())
        except ApplicationError as exc:
            problems.append(f"ballot {pk}: {exc.message}")
            continue
        problems.extend(f"ballot {pk}: {p}" for p in check.problems)
    return count, problems


def main(command: str, args: list[str]) -> int:
    """Entry point of ``gaizao backup OUT`` / ``gaizao restore IN`` (Django is set up by the caller)."""
    if command == "rekey-chains":
        old = os.environ.get("GAIZAO_CHAIN_KEY_PREVIOUS", "")
        if not old:
            print("usage: GAIZAO_CHAIN_KEY_PREVIOUS=<old key> GAIZAO_CHAIN_KEY=<new key> gaizao rekey-chains")
            return 2
        count, problems = rekey_chains(old)
        for p in problems:
            print(f"  {p}")
        print(
            f"{count} 个表决已处理，{len(problems)} 处问题 / {count} ballots re-signed, {len(problems)} problems"
        )
        return 1 if problems else 0
    if len(args) != 1:
        print(f"usage: gaizao {command} {'OUT' if command == 'backup' else 'IN'}")
        return 2
    if command == "backup":
        path = backup(Path(args[0]))
        print(f"备份已写入 / backup written: {path} ({path.stat().st_size} bytes)")
        return 0
    restore(Path(args[0]))
    count, problems = verify_chains()
    for p in problems:
        print(f"  {p}")
    if problems:
        print(
            f"恢复后有 {len(problems)} 处哈希链问题 / restored, but {len(problems)} chain problems were found"
        )
        return 1
    print(
        f"已恢复，{count} 个表决的哈希链全部通过校验。/ Restored; the hash chains of all {count} ballots verify."
    )
    return 0
