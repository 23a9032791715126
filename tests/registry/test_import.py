"""The importer through its one entry point, ``import_file``: good files, every kind of bad input, scope, re-import."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gaizao.audit.models import AuditEvent
from gaizao.registry.importing import import_file
from gaizao.registry.importing.template import template_bytes
from gaizao.registry.models import Community, ScopeStatus
from tests.registry.test_import_helpers import (
    HEADERS,
    community_row,
    csv_bytes,
    db_state,
    messages_of,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def run(data: bytes, actor=None, *, filename: str = "f.xlsx", kind: str = "communities", **kw):
    return import_file(kind=kind, data=data, filename=filename, actor=actor, **kw)


# --- good files ---------------------------------------------------------------------------------------------


def test_filled_template_imports_screens_and_audits_each_community(accounts):
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(template_bytes("communities")))
    ws = wb["小区"]
    headers = [str(c.value).rstrip("*") for c in ws[1]]
    for i in range(3):
        row = community_row(i, **{"60岁以上人口占比": "35%", "结构": "砖混", "列入年度征收计划": "否"})
        ws.append([row.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    before = AuditEvent.objects.count()

    report = run(buf.getvalue(), accounts["shangcheng"])

    assert report.ok, report.errors
    assert (report.total, report.created, report.updated) == (3, 3, 0)
    c = Community.objects.get(code="SC00001")
    assert c.name == "测试小区1" and c.division.name == "清波门社区" and c.district_code == "330102"
    assert c.built_year == 1991 and c.building_area_m2 == Decimal("10001.00") and c.households == 101
    assert (
        c.elderly_share == Decimal("0.3500") and c.structure == "brick_concrete" and c.water_supply == "fair"
    )
    assert (c.lon, c.lat) == (120.1655, 30.239)
    assert c.scope_status != ScopeStatus.UNSCREENED and c.scope_reasons
    events = AuditEvent.objects.filter(object_id=str(c.pk), action="create")
    assert events.count() == 1 and events.get().actor == accounts["shangcheng"]
    assert AuditEvent.objects.count() - before >= 3


def test_gbk_csv_imports_fine(accounts):
    data = csv_bytes(
        HEADERS, [community_row(1, 小区名称="清波门·劳动路小区"), community_row(2)], encoding="gbk"
    )
    assert data.decode("gbk")  # really GBK, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    report = run(data, accounts["shangcheng"], filename="gbk.csv")

    assert report.ok, report.errors
    assert Community.objects.get(code="SC00001").name == "清波门·劳动路小区"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(accounts, encoding):
    report = run(
        csv_bytes(HEADERS, [community_row(1)], encoding=encoding), accounts["shangcheng"], filename="x.csv"
    )
    assert report.ok and report.created == 1, report.errors


def test_names_and_codes_both_resolve_divisions(accounts):
    rows = [community_row(1, 区县="330102", 街道="330102001", 社区="330102001051"), community_row(2, 社区="")]
    report = run(xlsx_bytes(HEADERS, rows), accounts["shangcheng"])
    assert report.ok, report.errors
    assert Community.objects.get(code="SC00001").division.code == "330102001051"
    assert Community.objects.get(code="SC00002").division.name == "清波街道"


def test_reimport_updates_by_code_instead_of_duplicating(accounts):
    rows = [community_row(i) for i in range(4)]
    run(xlsx_bytes(HEADERS, rows), accounts["shangcheng"])
    rows[2]["户数"] = 999
    rows[3]["建成年份"] = 2015

    report = run(xlsx_bytes(HEADERS, rows), accounts["shangcheng"])

    assert (report.created, report.updated, report.unchanged) == (0, 2, 2)
    assert Community.objects.count() == 4
    c = Community.objects.get(code="SC00002")
    assert c.households == 999
    update = AuditEvent.objects.get(object_id=str(c.pk), action="update")
    assert update.changes == {"households": [102, 999]}
    assert Community.objects.get(code="SC00003").scope_status == ScopeStatus.OUT_OF_SCOPE


# --- bad files ----------------------------------------------------------------------------------------------


def assert_nothing_written(before):
    assert db_state() == before


def test_zero_byte_file(accounts):
    before = db_state()
    report = run(b"", accounts["shangcheng"], filename="empty.xlsx")
    assert not report.written
    assert "空的（0 字节）" in report.errors[0].message and "empty" in report.errors[0].message
    assert_nothing_written(before)


@pytest.mark.parametrize(
    "data,name",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "photo.xlsx"),
        (b"PK\x03\x04" + b"\x00" * 200, "broken.xlsx"),
        (b"%PDF-1.7\n" + b"\x00\x01\x02" * 300, "report.pdf"),
    ],
)
def test_not_a_spreadsheet(accounts, data, name):
    before = db_state()
    report = run(data, accounts["shangcheng"], filename=name)
    assert not report.written and report.errors[0].row is None
    assert (
        "不是可识别的电子表格" in report.errors[0].message and "not a spreadsheet" in report.errors[0].message
    )
    assert_nothing_written(before)


def test_wrong_sheet_names_the_expected_one(accounts):
    before = db_state()
    report = run(xlsx_bytes(HEADERS, [community_row(1)], sheet="Sheet1"), accounts["shangcheng"])
    msg = report.errors[0].message
    assert "没有名为“小区”的工作表" in msg and "Sheet1" in msg and "no sheet named '小区'" in msg
    assert_nothing_written(before)


def test_missing_required_columns_are_named(accounts):
    headers = [h for h in HEADERS if h not in {"小区名称", "街道"}]
    report = run(xlsx_bytes(headers, [community_row(1)]), accounts["shangcheng"])
    msg = report.errors[0].message
    assert "缺少必填列：小区名称、街道" in msg and "Missing required columns: Name, Street" in msg.replace(
        "name", "Name"
    )
    assert Community.objects.count() == 0


def test_header_only_file(accounts):
    report = run(xlsx_bytes(HEADERS, []), accounts["shangcheng"])
    assert "没有数据行" in report.errors[0].message


def test_wrong_types_name_row_and_column(accounts):
    before = db_state()
    rows = [
        community_row(1),
        community_row(2, 建成年份="九五年"),
        community_row(3, 户数=-5, 供水="很好"),
        community_row(4, **{"建筑面积(m²)": "大约一万", "保障性安居工程": "也许"}),
        community_row(5, 小区名称=""),
    ]
    report = run(xlsx_bytes(HEADERS, rows), accounts["shangcheng"])
    errors = messages_of(report)
    by_cell = {(row, col): msg for row, col, msg in errors}
    assert "四位年份" in by_cell[(3, "建成年份")]
    assert "不能小于 0" in by_cell[(4, "户数")]
    assert "不是可选值（良好、一般、较差、缺失）" in by_cell[(4, "供水")]
    assert "不是数字" in by_cell[(5, "建筑面积(m²)")]
    assert "应填“是”或“否”" in by_cell[(5, "保障性安居工程")]
    assert "必填" in by_cell[(6, "小区名称")]
    assert report.error_row_count == 4 and not report.written
    assert_nothing_written(before)


def test_row_numbers_skip_the_english_header_row(accounts):
    english = ["code", "name", "District", "Street"] + [""] * (len(HEADERS) - 4)
    report = run(
        xlsx_bytes(HEADERS, [community_row(1, 建成年份="x")], english=english), accounts["shangcheng"]
    )
    assert [(e.row, e.column) for e in report.errors] == [(3, "建成年份")]


def test_duplicate_codes_within_the_file(accounts):
    rows = [community_row(1), community_row(2), community_row(3, 小区编码="SC00001")]
    report = run(xlsx_bytes(HEADERS, rows), accounts["shangcheng"])
    ((row, col, msg),) = messages_of(report)
    assert (row, col) == (4, "小区编码") and "与第 2 行重复" in msg
    assert Community.objects.count() == 0


def test_unknown_district_and_street(accounts):
    rows = [
        community_row(1, 区县="火星区"),
        community_row(2, 街道="不存在街道"),
        community_row(3, 街道="西溪街道"),
    ]
    report = run(xlsx_bytes(HEADERS, rows), accounts["shangcheng"])
    by_row = {row: (col, msg) for row, col, msg in messages_of(report)}
    assert by_row[2][0] == "区县" and "区县“火星区”不存在" in by_row[2][1]
    assert by_row[3][0] == "街道" and "街道“不存在街道”不在上城区" in by_row[3][1]
    assert by_row[4][0] == "街道"  # 西溪街道 is in 西湖区, not 上城区
    assert Community.objects.count() == 0


def test_scope_a_shangcheng_officer_cannot_import_xihu_rows(accounts):
    rows = [community_row(1), community_row(2, 区县="西湖区", 街道="西溪街道", 社区="")]
    report = run(xlsx_bytes(HEADERS, rows), accounts["shangcheng"])
    ((row, col, msg),) = messages_of(report)
    assert row == 3 and col == "区县" and "不在您的管辖范围（上城区）" in msg
    assert Community.objects.count() == 0


def test_scope_a_street_cannot_import_another_street(accounts):
    rows = [community_row(1), community_row(2, 街道="湖滨街道", 社区="")]
    report = run(xlsx_bytes(HEADERS, rows), accounts["qingbo"])
    assert [e.row for e in report.errors] == [3]


def test_scope_an_existing_code_of_another_district_cannot_be_taken_over(accounts):
    run(xlsx_bytes(HEADERS, [community_row(1)]), accounts["shangcheng"])
    row = community_row(1, 区县="西湖区", 街道="西溪街道", 社区="")
    report = run(xlsx_bytes(HEADERS, [row]), accounts["xihu"])
    assert "已属于" in report.errors[0].message
    assert Community.objects.get(code="SC00001").district_code == "330102"


@pytest.mark.parametrize(
    "lon,lat,expect",
    [
        (116.397, 39.909, "可能坐标系有误"),  # Beijing
        (30.239, 120.1655, "经度和纬度似乎填反了"),
        (13378000.0, 3537000.0, "投影坐标"),  # Web Mercator metres
    ],
)
def test_points_outside_hangzhou_suggest_a_wrong_coordinate_system(accounts, lon, lat, expect):
    before = db_state()
    report = run(xlsx_bytes(HEADERS, [community_row(1, 经度=lon, 纬度=lat)]), accounts["shangcheng"])
    ((row, col, msg),) = messages_of(report)
    assert (row, col) == (2, "经度") and "不在杭州市范围内" in msg and expect in msg
    assert_nothing_written(before)


def test_half_a_point_is_refused(accounts):
    report = run(xlsx_bytes(HEADERS, [community_row(1, 纬度="")]), accounts["shangcheng"])
    assert "须同时填写" in report.errors[0].message and report.errors[0].column == "纬度"


def test_declared_gcj02_and_bd09_are_converted_to_wgs84(accounts):
    from gaizao.spatial import crs

    rows = [community_row(1), community_row(2, 坐标系="BD-09")]
    headers = [*HEADERS, "坐标系"]
    report = run(xlsx_bytes(headers, rows), accounts["shangcheng"], crs="gcj02")
    assert report.ok, report.errors
    c1, c2 = Community.objects.get(code="SC00001"), Community.objects.get(code="SC00002")
    lon, lat = crs.to_wgs84([120.1655], [30.239], "gcj02")
    assert (c1.lon, c1.lat) == pytest.approx((float(lon[0]), float(lat[0])), abs=1e-6)
    # GCJ-02 is offset by a few hundred metres in Hangzhou; the stored WGS84 point is not the typed one.
    assert 0.002 < 120.1655 - c1.lon < 0.008
    lon, lat = crs.to_wgs84([120.1655], [30.239], "bd09")
    assert (c2.lon, c2.lat) == pytest.approx((float(lon[0]), float(lat[0])), abs=1e-6)


def test_only_valid_rows(accounts):
    rows = [community_row(1), community_row(2, 建成年份="x"), community_row(3)]
    report = run(xlsx_bytes(HEADERS, rows), accounts["shangcheng"], only_valid=True)
    assert report.written and report.created == 2 and report.error_row_count == 1
    assert sorted(Community.objects.values_list("code", flat=True)) == ["SC00001", "SC00003"]


def test_report_downloads_as_excel(accounts):
    import io

    import openpyxl

    report = run(xlsx_bytes(HEADERS, [community_row(1, 建成年份="x")]), accounts["shangcheng"])
    wb = openpyxl.load_workbook(io.BytesIO(report.to_xlsx()))
    ws = wb["错误报告"]
    assert [c.value for c in ws[2]][:2] == [2, "建成年份"]


def test_database_unchanged_when_the_write_fails_midway(accounts, monkeypatch):
    """A failure while writing (after validation) rolls everything back, audit events included."""
    from gaizao.registry.importing import writing

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writing, "_audit", boom)
    before = db_state()
    with pytest.raises(RuntimeError):
        run(xlsx_bytes(HEADERS, [community_row(i) for i in range(5)]), accounts["shangcheng"])
    assert_nothing_written(before)


def test_rows_are_written_chunk_by_chunk_with_the_same_outcome(accounts, monkeypatch):
    """With chunks of two rows, five new and then five re-imported rows (two changed) are written, audited,
    screened and stamped exactly as in one piece, and the aggregates equal a rebuild."""
    from gaizao.registry.importing import writing
    from gaizao.registry.models import CommunityScreening
    from tests.registry.test_stats import _assert_current

    monkeypatch.setattr(writing, "BATCH", 2)
    officer = accounts["shangcheng"]
    seen: list[tuple[int, int, str]] = []
    report = run(
        xlsx_bytes(HEADERS, [community_row(i) for i in range(5)]),
        officer,
        progress=lambda done, total, message: seen.append((done, total, message)),
    )
    assert report.ok and (report.created, report.updated) == (5, 0), report.errors
    codes = [f"SC{i:05d}" for i in range(5)]
    assert Community.objects.filter(code__in=codes).count() == 5
    assert AuditEvent.objects.filter(action="create", reason__contains="f.xlsx").count() == 5
    assert CommunityScreening.objects.filter(community__code__in=codes).count() == 5
    assert not Community.objects.filter(code__in=codes, scope_status=ScopeStatus.UNSCREENED).exists()
    writes = [done for done, _, message in seen if message.startswith("写入中")]
    assert len(set(writes)) >= 4 and writes == sorted(writes), "the bar moves with each chunk written"
    _assert_current()

    rows = [community_row(i) for i in range(5)]
    rows[1]["建成年份"], rows[4]["户数"] = 2015, 999
    report = run(xlsx_bytes(HEADERS, rows), officer)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 3), report.errors
    assert Community.objects.get(code="SC00001").scope_status == ScopeStatus.OUT_OF_SCOPE
    assert Community.objects.get(code="SC00004").households == 999
    assert AuditEvent.objects.filter(action="update").count() == 2
    _assert_current()


def test_nothing_written_when_a_later_chunk_fails(accounts, monkeypatch):
    """The chunks are written in one transaction: a failure in the third rolls back the first two."""
    from gaizao.registry.importing import writing

    monkeypatch.setattr(writing, "BATCH", 2)
    audit = writing._audit
    calls = {"n": 0}

    def fail_third(*a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return audit(*a, **k)

    monkeypatch.setattr(writing, "_audit", fail_third)
    before = db_state()
    with pytest.raises(RuntimeError):
        run(xlsx_bytes(HEADERS, [community_row(i) for i in range(5)]), accounts["shangcheng"])
    assert calls["n"] == 3
    assert_nothing_written(before)


def test_nothing_written_when_building_a_chunk_fails_while_the_one_before_is_stored(accounts, monkeypatch):
    """The chunk before is stored by the writer thread (PostgreSQL) while this one is built: a failure in the
    building waits for the store to end, then rolls both back."""
    from gaizao.registry.importing import writing

    monkeypatch.setattr(writing, "BATCH", 2)
    screen = writing.screen_before_save
    calls = {"n": 0}

    def fail_second(communities):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("out of memory")
        return screen(communities)

    monkeypatch.setattr(writing, "screen_before_save", fail_second)
    before = db_state()
    with pytest.raises(RuntimeError, match="out of memory"):
        run(xlsx_bytes(HEADERS, [community_row(i) for i in range(5)]), accounts["shangcheng"])
    assert calls["n"] == 2
    assert_nothing_written(before)


def test_stored_screening_and_audit_are_what_the_registry_would_write(accounts, monkeypatch):
    """The screening reasons go into the rows as JSON encoded once per distinct decision and the keys come from the
    sequence: each community holds exactly what re-screening it gives, and its audit event names its key."""
    from gaizao.registry.importing import writing
    from gaizao.registry.services import communities_rescreen

    monkeypatch.setattr(writing, "BATCH", 3)
    rows = [community_row(i, 建成年份=1985 if i % 3 else 2012) for i in range(7)]
    report = run(xlsx_bytes(HEADERS, rows), accounts["shangcheng"])
    assert report.ok and report.created == 7, report.errors
    imported = Community.objects.filter(code__startswith="SC").order_by("code")
    stored = {c.code: (c.scope_status, c.scope_reasons, c.scope_ruleset, c.entrances) for c in imported}
    assert len({status for status, *_ in stored.values()}) == 2, "both outcomes occur"
    communities_rescreen(communities=imported)
    again = {c.code: (c.scope_status, c.scope_reasons, c.scope_ruleset, c.entrances) for c in imported.all()}
    assert again == stored
    assert all(reasons and entrances == [] for _, reasons, _, entrances in stored.values())
    for c in imported:
        event = AuditEvent.objects.get(object_id=str(c.pk), action="create")
        assert event.object_repr == c.name and event.changes["code"] == [None, c.code]


def test_the_fast_constructor_builds_what_the_model_builds():
    """``bulk.constructor`` equals ``Model(**data)``: the given fields, the defaults of the others (a callable
    default called for each object), a foreign key given as an object."""
    from gaizao.divisions.models import Division
    from gaizao.registry.importing.bulk import constructor as _constructor

    division = Division(pk=7, code="330102", name="上城区", path="/330102")
    data = {"code": "X1", "name": "甲", "division": division, "built_year": 1990, "households": 3}
    fast = _constructor(Community)
    a, b, ref = fast(data), fast(data), Community(**data)
    for field in Community._meta.concrete_fields:
        assert getattr(a, field.attname) == getattr(ref, field.attname), field.name
    assert a.division is division and a.division_id == 7 and a._state.adding and a.pk is None
    assert (
        a.entrances == [] and a.entrances is not b.entrances
    )  # a fresh list each, as the model's default gives
    with pytest.raises(TypeError, match="no field 'nope'"):
        fast({"nope": 1})


@pytest.mark.slow
def test_a_100000_row_csv(accounts):
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["小区编码", "小区名称", "区县", "街道", "建成年份", "户数", "经度", "纬度"])
    for i in range(100_000):
        w.writerow(
            [
                f"B{i:06d}",
                f"小区{i}",
                "上城区",
                "清波街道",
                1980 + i % 40,
                50 + i % 300,
                120.16 + (i % 100) * 1e-4,
                30.24,
            ]
        )
    data = buf.getvalue().encode("gbk")
    report = run(data, accounts["shangcheng"], filename="big.csv")

    assert report.ok and report.created == 100_000, report.errors[:3]
    assert Community.objects.count() == 100_000
    assert AuditEvent.objects.filter(action="create").count() >= 100_000
    assert Community.objects.filter(scope_status=ScopeStatus.UNSCREENED).count() == 0
    # its speed is measured side by side with django-import-export in `make bench` (bench/bench_import.py)


def test_a_workbook_calamine_refuses_is_read_with_openpyxl(monkeypatch):
    """The parse process loads openpyxl only for the workbook calamine cannot read (``parsing._LIBRARIES``)."""
    import python_calamine

    from gaizao.registry.parsing import parse_table

    class Refusing:
        @staticmethod
        def from_filelike(_):
            raise ValueError("calamine: unsupported workbook")

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Refusing)
    capped = []
    data = xlsx_bytes(HEADERS, [community_row(i) for i in range(3)])
    messages = list(parse_table(data, filename="f.xlsx", cap=lambda: capped.append(True), sheet="小区"))
    assert capped and messages[0][0] == "table" and messages[0][1].headers[:2] == ["小区编码", "小区名称"]
    assert [row[0] for row in messages[1][1]] == ["SC00000", "SC00001", "SC00002"]
