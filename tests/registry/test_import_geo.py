"""GIS files: GeoJSON, GeoPackage and zipped Shapefile — points give lon/lat, polygons a boundary and centroid;
a projected CRS is reprojected; declared GCJ-02 is converted."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
import shapely

from gaizao.registry.importing import import_file
from gaizao.registry.models import Community, Facility

pytestmark = pytest.mark.django_db

FIELDS = ["小区编码", "小区名称", "区县", "街道", "建成年份"]


def _write(path, geoms, rows, *, driver, crs="EPSG:4326", fields=FIELDS):
    from pyogrio.raw import write

    field_data = [np.array([r[i] for r in rows], dtype=object) for i in range(len(fields))]
    kind = geoms[0].geom_type
    write(
        str(path),
        shapely.to_wkb(np.array(geoms, dtype=object)),
        field_data,
        fields,
        driver=driver,
        geometry_type=kind,
        crs=crs,
        encoding="UTF-8",
    )


ROWS = [["G1", "地理一号", "上城区", "清波街道", "1990"], ["G2", "地理二号", "上城区", "清波街道", "1995"]]


def test_geopackage_points(accounts, tmp_path):
    path = tmp_path / "c.gpkg"
    _write(path, [shapely.Point(120.1661, 30.2391), shapely.Point(120.1672, 30.2402)], ROWS, driver="GPKG")
    report = import_file(
        kind="communities", data=path.read_bytes(), filename="c.gpkg", actor=accounts["shangcheng"]
    )
    assert report.ok and report.created == 2, report.errors
    c = Community.objects.get(code="G1")
    assert (round(c.lon, 4), round(c.lat, 4)) == (120.1661, 30.2391) and c.built_year == 1990


def test_zipped_shapefile_polygons_in_a_projected_crs(accounts, tmp_path):
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
    ring = [(120.165, 30.239), (120.166, 30.239), (120.166, 30.240), (120.165, 30.240)]
    polygon = shapely.Polygon([to_utm.transform(x, y) for x, y in ring])
    fields = ["code", "name", "district", "street"]
    shp = tmp_path / "c.shp"
    _write(
        shp,
        [polygon],
        [["S1", "投影小区", "上城区", "清波街道"]],
        driver="ESRI Shapefile",
        crs="EPSG:32651",
        fields=fields,
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for part in tmp_path.glob("c.*"):
            zf.write(part, part.name)
    report = import_file(
        kind="communities", data=buf.getvalue(), filename="c.zip", actor=accounts["shangcheng"]
    )
    assert report.ok, report.errors
    c = Community.objects.get(code="S1")
    assert c.boundary["type"] == "Polygon"
    assert (round(c.lon, 4), round(c.lat, 4)) == (120.1655, 30.2395)


def test_geojson_outside_hangzhou_and_gcj02(accounts):
    from gaizao.spatial import crs

    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [120.17, 30.25]},
                "properties": {
                    "设施编码": "F1",
                    "设施类别": "clinic",
                    "名称": "卫生站",
                    "区县": "上城区",
                    "街道": "清波街道",
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [121.47, 31.23]},
                "properties": {
                    "设施编码": "F2",
                    "设施类别": "clinic",
                    "名称": "上海",
                    "区县": "上城区",
                    "街道": "清波街道",
                },
            },
        ],
    }
    data = json.dumps(doc, ensure_ascii=False).encode()
    report = import_file(
        kind="facilities", data=data, filename="f.geojson", actor=accounts["shangcheng"], crs="gcj02"
    )
    assert [(e.row, e.column) for e in report.errors] == [(3, "经度")]
    assert "GCJ-02" in report.errors[0].message
    report = import_file(
        kind="facilities",
        data=data,
        filename="f.geojson",
        actor=accounts["shangcheng"],
        crs="gcj02",
        only_valid=True,
    )
    f = Facility.objects.get(code="F1")
    lon, lat = crs.to_wgs84([120.17], [30.25], "gcj02")
    assert (f.lon, f.lat) == pytest.approx((float(lon[0]), float(lat[0])), abs=1e-6)
