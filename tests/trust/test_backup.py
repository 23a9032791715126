"""The restore drill (issue 18, "no backup procedure"): back up a database holding ballots, restore it into a
fresh database, and every ballot's hash chain verifies. SQLite always; PostgreSQL when the server answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SEED = """
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import User
from gaizao.divisions.services import divisions_load_hangzhou
from gaizao.participation import services
from tests.participation.conftest import build_world

divisions_load_hangzhou()
demo_accounts_load()
world = build_world()
organiser = User.objects.get(username="qingbomen")
ballot = services.ballot_create(actor=organiser, community_id=world.community.pk, purpose="other", matter=7,
                                question="restore drill")
services.ballot_open(actor=organiser, ballot_id=ballot.pk)
for user in world.residents[:6]:
    services.vote_cast(actor=user, ballot_id=ballot.pk, choice="yes")
services.vote_cast(actor=organiser, ballot_id=ballot.pk, owner_id=world.owners[0].pk, choice="no", channel="paper",
                   serial_number="P-1", scan=SimpleUploadedFile("p.png", b"\\x89PNG scan", content_type="image/png"))
services.ballot_close(actor=organiser, ballot_id=ballot.pk)
print("seeded")
"""


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="gaizao.web.settings",
        GAIZAO_DATA_DIR=str(tmp),
        GAIZAO_OTP_SENDER="gaizao.participation.otp.SilentSender",
        TASKS_BACKEND="immediate",
        PYTHONPATH=str(REPO),
        **extra,
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _drill(source_env: dict[str, str], target_env: dict[str, str], out: Path, reset_target=None) -> str:
    gaizao = [sys.executable, "-m", "gaizao.cli"]
    _run([*gaizao, "migrate", "--verbosity", "0"], source_env)
    _run([sys.executable, "-c", SEED], source_env)
    _run([*gaizao, "backup", str(out)], source_env)
    assert out.stat().st_size > 0
    if reset_target is not None:
        reset_target()
    result = _run([*gaizao, "restore", str(out)], target_env)
    return result.stdout


@pytest.mark.slow
def test_sqlite_backup_restores_into_a_fresh_database_whose_chains_verify(tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir()
    target.mkdir()
    stdout = _drill(_env(source), _env(target), tmp_path / "gaizao-backup.sqlite3")
    assert "hash chains of all 1 ballots verify" in stdout
    assert (target / "gaizao.sqlite3").stat().st_size > 0


def _pg_available() -> bool:
    try:
        return (
            subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], timeout=10).returncode == 0
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False


@pytest.mark.slow
@pytest.mark.skipif(not _pg_available(), reason="needs the PostgreSQL server at 127.0.0.1:5432")
def test_postgresql_backup_restores_into_a_fresh_database_whose_chains_verify(tmp_path):
    # a database of this process's own, so that two runs of the suite at once (SQLite and PostgreSQL) never drop
    # each other's drill database
    name = os.environ.get("GAIZAO_RESTORE_DRILL_DB", f"gz_trust_{os.getpid()}")
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"

    def recreate() -> None:
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
                check=True,
                timeout=60,
            )

    recreate()
    env = _env(tmp_path, DATABASE_URL=url)
    stdout = _drill(env, env, tmp_path / "gaizao.dump", reset_target=recreate)
    assert "hash chains of all 1 ballots verify" in stdout
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            f"DROP DATABASE IF EXISTS {name}",
        ],
        check=True,
        timeout=60,
    )
