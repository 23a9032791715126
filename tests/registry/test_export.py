"""Exports: the import columns, scope and filters, personal data, and round trips (export → import = no change)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import openpyxl
import pytest

from gaizao.registry.exporting import ExportFilters, export_bytes
from gaizao.registry.importing import import_file
from gaizao.registry.models import Building, Community, Facility, Owner, StockSite, Unit
from tests.registry.test_import_helpers import community_row, db_state, xlsx_bytes

pytestmark = pytest.mark.django_db

RICH = [
    "小区编码",
    "小区名称",
    "区县",
    "街道",
    "社区",
    "地址",
    "板块",
    "建成年份",
    "占地面积(m²)",
    "建筑面积(m²)",
    "楼栋数",
    "户数",
    "人口",
    "60岁以上人口占比",
    "结构",
    "最高层数",
    "物业管理",
    "最近综合改造年份",
    "列入年度征收计划",
    "保障性安居工程",
    "基础设施明显不足",
    "物业管理不完善",
    "居民改造意愿强烈",
    "供水",
    "雨污分流",
    "供电",
    "燃气",
    "消防",
    "安防",
    "道路",
    "照明",
    "停车位",
    "电梯数",
    "小区内服务设施",
    "绿地面积(m²)",
    "历史文化特色",
    "经度",
    "纬度",
    "坐标系",
    "出入口坐标",
]


def rich_row(i: int) -> dict:
    return community_row(
        i,
        地址=f"清波街{i}号",
        板块="湖滨",
        **{
            "占地面积(m²)": "12345.67",
            "楼栋数": 12,
            "人口": 900 + i,
            "60岁以上人口占比": "0.3125",
            "结构": "砖混",
            "最高层数": 6,
            "物业管理": "业主自治",
            "最近综合改造年份": "",
            "列入年度征收计划": "否",
            "基础设施明显不足": "是",
            "物业管理不完善": "是",
            "居民改造意愿强烈": "是",
            "雨污分流": "较差",
            "燃气": "缺失",
            "停车位": 40,
            "电梯数": 0,
            "小区内服务设施": "老年食堂；快递柜",
            "绿地面积(m²)": 800.5,
            "历史文化特色": "" if i % 2 else "民国里弄",
            "坐标系": "WGS84",
            "出入口坐标": "120.1651,30.2391;120.1659,30.2388",
        },
    )


def snapshot() -> dict:
    skip = {"updated_at"}
    return {
        c.code: {
            f.attname: getattr(c, f.attname) for f in Community._meta.concrete_fields if f.attname not in skip
        }
        for c in Community.objects.all()
    }


@pytest.fixture
def imported(accounts):
    report = import_file(
        kind="communities",
        data=xlsx_bytes(RICH, [rich_row(i) for i in range(6)]),
        filename="rich.xlsx",
        actor=accounts["shangcheng"],
    )
    assert report.ok and report.created == 6, report.errors
    return accounts


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "geojson"])
def test_an_exported_file_imports_back_unchanged(imported, fmt):
    user = imported["shangcheng"]
    before, counts = snapshot(), db_state()
    data = export_bytes("communities", fmt, user=user)

    report = import_file(kind="communities", data=data, filename=f"export.{fmt}", actor=user)

    assert report.ok, report.errors
    assert (report.total, report.created, report.updated, report.unchanged) == (6, 0, 0, 6)
    assert snapshot() == before and db_state() == counts


def test_export_round_trip_keeps_boundaries_from_geojson(imported):
    user = imported["shangcheng"]
    square = [[120.165, 30.239], [120.166, 30.239], [120.166, 30.240], [120.165, 30.240], [120.165, 30.239]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [square]},
                "properties": {
                    "小区编码": "SC00001",
                    "小区名称": "测试小区1",
                    "区县": "上城区",
                    "街道": "清波街道",
                },
            }
        ],
    }
    report = import_file(kind="communities", data=json.dumps(doc).encode(), filename="b.geojson", actor=user)
    assert report.ok and report.updated == 1, report.errors
    c = Community.objects.get(code="SC00001")
    assert c.boundary["type"] == "Polygon"
    # the point comes from the file's lon/lat when given, else the polygon's centroid
    assert (round(c.lon, 4), round(c.lat, 4)) == (120.1655, 30.2395)
    before = snapshot()
    again = import_file(
        kind="communities",
        data=export_bytes("communities", "geojson", user=user),
        filename="e.geojson",
        actor=user,
    )
    assert again.ok and again.unchanged == 6 and snapshot() == before


def test_export_headers_match_the_template(imported):
    wb = openpyxl.load_workbook(io.BytesIO(export_bytes("communities", "xlsx", user=imported["city"])))
    ws = wb["小区"]
    assert [c.value for c in ws[1]][:4] == ["小区编码*", "小区名称*", "区县*", "街道*"]
    assert ws.max_row == 2 + 6
    values = {c.value for c in ws[3]}
    assert {
        "测试小区0",
        "上城区",
        "清波街道",
        "清波门社区",
        "砖混",
        "业主自治",
        "是",
        "否",
        "WGS84",
    } <= values


def test_export_is_scoped_and_filtered(imported):
    assert b"SC00001" not in export_bytes("communities", "csv", user=imported["xihu"])
    assert b"SC00001" in export_bytes("communities", "csv", user=imported["qingbomen"])
    filtered = export_bytes("communities", "csv", user=imported["city"], filters=ExportFilters(q="测试小区3"))
    assert filtered.decode("utf-8-sig").count("\n") == 2
    assert (
        export_bytes("communities", "csv", filters=ExportFilters(district="330106"))
        .decode("utf-8-sig")
        .count("\n")
        == 1
    )


def test_buildings_units_and_owners(imported):
    user = imported["shangcheng"]
    bheaders = ["小区编码", "楼栋号", "层数", "单元数", "有电梯", "结构", "建成年份"]
    brows = [
        {
            "小区编码": "SC00001",
            "楼栋号": str(b),
            "层数": 6,
            "单元数": 2,
            "有电梯": "否",
            "结构": "砖混",
            "建成年份": 1991,
        }
        for b in (1, 2)
    ]
    r = import_file(
        kind="buildings", data=xlsx_bytes(bheaders, brows, sheet="楼栋"), filename="b.xlsx", actor=user
    )
    assert r.ok and r.created == 2, r.errors
    uheaders = [
        "小区编码",
        "楼栋号",
        "单元",
        "室号",
        "登记面积(m²)",
        "业主姓名",
        "业主手机号",
        "业主身份证号",
    ]
    urows = [
        {
            "小区编码": "SC00001",
            "楼栋号": "1",
            "单元": "1",
            "室号": "101",
            "登记面积(m²)": 55.5,
            "业主姓名": "张三丰",
            "业主手机号": "13812345678",
            "业主身份证号": "11010519491231002X",
        },
        {
            "小区编码": "SC00001",
            "楼栋号": "1",
            "单元": "1",
            "室号": "102",
            "登记面积(m²)": 60,
            "业主姓名": "李四",
            "业主手机号": "13900001111",
            "业主身份证号": "",
        },
        {"小区编码": "SC00001", "楼栋号": "9", "单元": "1", "室号": "101", "业主姓名": "王五"},
        {
            "小区编码": "SC00001",
            "楼栋号": "2",
            "单元": "1",
            "室号": "201",
            "业主身份证号": "110105194912310021",
        },
    ]
    before = db_state()
    r = import_file(
        kind="units", data=xlsx_bytes(uheaders, urows, sheet="房屋"), filename="u.xlsx", actor=user
    )
    rows = {(e.row, e.column) for e in r.errors}
    assert (4, "楼栋号") in rows and (5, "业主身份证号") in rows and not r.written
    assert db_state() == before

    r = import_file(
        kind="units", data=xlsx_bytes(uheaders, urows[:2], sheet="房屋"), filename="u.xlsx", actor=user
    )
    assert r.ok and r.created == 2, r.errors
    owner = Owner.objects.get(name="张三丰")
    assert owner.id_number_last4 == "002X" and len(owner.id_number_digest) == 64
    assert "11010519491231002X" not in json.dumps(list(Owner.objects.values()), default=str)
    assert Unit.objects.get(number="101").owner == owner

    # Export for a role that sees personal data: names in clear, never the ID number; re-import changes nothing.
    data = export_bytes("units", "xlsx", user=user)
    assert b"002X" not in data
    before = db_state()
    again = import_file(kind="units", data=data, filename="units.xlsx", actor=user)
    assert again.ok and again.unchanged == 2, again.errors
    assert db_state() == before
    assert Owner.objects.get(pk=owner.pk).id_number_digest == owner.id_number_digest
    # Masked for a role that does not; a masked file re-imported still changes nothing.
    masked = export_bytes("units", "csv", user=imported["city"]).decode("utf-8-sig")
    assert "张**" in masked and "138****5678" in masked and "张三丰" not in masked
    again = import_file(kind="units", data=masked.encode(), filename="m.csv", actor=user)
    assert again.ok and again.unchanged == 2, again.errors
    assert Owner.objects.get(pk=owner.pk).name == "张三丰"
    assert Building.objects.count() == 2


def test_facilities_and_stock_sites(imported):
    user = imported["shangcheng"]
    fheaders = ["设施编码", "设施类别", "名称", "区县", "街道", "经度", "纬度", "规模"]
    frows = [
        {
            "设施编码": "F1",
            "设施类别": "community_service_center",
            "名称": "清波社区服务中心",
            "区县": "上城区",
            "街道": "清波街道",
            "经度": 120.166,
            "纬度": 30.240,
            "规模": 200,
        }
    ]
    r = import_file(
        kind="facilities", data=xlsx_bytes(fheaders, frows, sheet="设施"), filename="f.xlsx", actor=user
    )
    assert r.ok and Facility.objects.get(code="F1").capacity == 200, r.errors
    sheaders = ["编码", "类型", "名称", "区县", "街道", "所属小区编码", "面积(m²)", "经度", "纬度"]
    srows = [
        {
            "编码": "S1",
            "类型": "闲置用房",
            "名称": "原粮站",
            "区县": "上城区",
            "街道": "清波街道",
            "所属小区编码": "SC00002",
            "面积(m²)": "320.5",
            "经度": 120.1662,
            "纬度": 30.2401,
        },
        {
            "编码": "S2",
            "类型": "空地",
            "名称": "缺面积",
            "区县": "上城区",
            "街道": "清波街道",
            "经度": 120.1662,
            "纬度": 30.2401,
        },
    ]
    r = import_file(
        kind="stock_sites", data=xlsx_bytes(sheaders, srows, sheet="存量空间"), filename="s.xlsx", actor=user
    )
    assert [(e.row, e.column) for e in r.errors] == [(3, "面积(m²)")]
    r = import_file(
        kind="stock_sites",
        data=xlsx_bytes(sheaders, srows[:1], sheet="存量空间"),
        filename="s.xlsx",
        actor=user,
    )
    site = StockSite.objects.get(code="S1")
    assert (
        r.ok
        and site.kind == "idle_building"
        and site.area_m2 == Decimal("320.50")
        and site.community.code == "SC00002"
    )
    for kind in ("facilities", "stock_sites"):
        for fmt in ("xlsx", "csv", "geojson"):
            again = import_file(
                kind=kind, data=export_bytes(kind, fmt, user=user), filename=f"x.{fmt}", actor=user
            )
            assert again.ok and again.unchanged == 1, (kind, fmt, again.errors)
