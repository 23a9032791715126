"""``gaizao import``, ``gaizao export`` and ``gaizao template`` through call_command, and once through the real
``gaizao`` entry point in a subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gaizao.registry.models import Community
from tests.registry.test_import_helpers import HEADERS, community_row, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def test_import_prints_row_errors_and_fails(accounts, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx_bytes(HEADERS, [community_row(1), community_row(2, 街道="不存在街道")]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import", "communities", str(path), "--report", str(tmp_path / "r.xlsx"), stdout=out, stderr=err
        )
    text = out.getvalue()
    assert "3\t街道\t街道“不存在街道”不在上城区" in text
    assert (tmp_path / "r.xlsx").read_bytes()[:2] == b"PK"
    assert Community.objects.count() == 0


def test_import_as_a_user_applies_scope(accounts, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes(HEADERS, [community_row(1, 区县="西湖区", 街道="西溪街道", 社区="")]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "communities", str(path), "--user", "shangcheng", "--no-progress", stdout=out)
    assert "不在您的管辖范围" in out.getvalue()


def test_import_then_export_then_reimport(accounts, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_bytes(csv_bytes(HEADERS, [community_row(i) for i in range(5)], encoding="gbk"))
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "communities", str(path), stdout=out, stderr=err)
    assert "新建 5" in out.getvalue() and Community.objects.count() == 5
    for suffix in ("xlsx", "csv", "geojson"):
        target = tmp_path / f"all.{suffix}"
        call_command("export", "communities", str(target), "--district", "330102", stdout=io.StringIO())
        out = io.StringIO()
        call_command("import", "communities", str(target), "--no-progress", stdout=out)
        assert "未变 5" in out.getvalue(), out.getvalue()
    with pytest.raises(CommandError):
        call_command("export", "communities", str(tmp_path / "x.pdf"), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_gaizao_entry_point(tmp_path):
    """The installed ``gaizao`` command runs Django management commands on its own database."""
    env = {**os.environ, "GAIZAO_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "gaizao.web.settings"}
    env.pop("DATABASE_URL", None)
    gaizao = Path(sys.executable).with_name("gaizao")
    out = tmp_path / "t.xlsx"
    result = subprocess.run(
        [str(gaizao), "template", "communities", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:2] == b"PK"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = subprocess.run(
        [str(gaizao), "import", "communities", str(empty), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "空的（0 字节）" in result.stdout and "Traceback" not in result.stderr
