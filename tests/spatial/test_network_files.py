"""Reading networks from GeoJSON, GeoPackage and Shapefile, with and without their own CRS."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyogrio.raw
import pyproj
import pytest
import shapely

from gaizao.spatial import NetworkReadError, load_network, network_from_lines
from tests.spatial.conftest import lonlat

LINES = [[(0, 0), (500, 0), (800, 300)], [(500, 0), (500, -400)], [(3000, 0), (3100, 0)]]


def _write(path: Path, driver: str, crs: str = "EPSG:4326", multi: bool = False) -> Path:
    lines = [lonlat(line) for line in LINES]
    if crs != "EPSG:4326":
        t = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        lines = [list(zip(*t.transform(*np.array(line).T), strict=True)) for line in lines]
    geoms = shapely.linestrings(lines[0]), shapely.linestrings(lines[1]), shapely.linestrings(lines[2])
    geometry = [shapely.multilinestrings([geoms[0], geoms[1]]), geoms[2]] if multi else list(geoms)
    pyogrio.raw.write(
        path,
        geometry=shapely.to_wkb(np.array(geometry, dtype=object)),
        field_data=[np.arange(len(geometry))],
        fields=["id"],
        geometry_type="MultiLineString" if multi else "LineString",
        crs=crs,
        driver=driver,
    )
    return path


@pytest.mark.parametrize(
    ("name", "driver", "crs"),
    [
        ("roads.geojson", "GeoJSON", "EPSG:4326"),
        ("roads.gpkg", "GPKG", "EPSG:4326"),
        ("roads.shp", "ESRI Shapefile", "EPSG:4326"),
        ("roads_utm.shp", "ESRI Shapefile", "EPSG:32650"),
        ("roads_cgcs.gpkg", "GPKG", "EPSG:4547"),
    ],
)
def test_every_format_gives_the_same_network(tmp_path: Path, name: str, driver: str, crs: str) -> None:
    reference = network_from_lines([lonlat(line) for line in LINES])
    network = load_network(_write(tmp_path / name, driver, crs))
    assert network.n_nodes == reference.n_nodes == 6
    assert network.n_components == 2
    np.testing.assert_allclose(
        np.sort(network.edge_length_m),
        np.sort(reference.edge_length_m),
        atol=0.01 if crs == "EPSG:4326" else 0.05,
    )


def test_multilinestring_parts_are_not_joined_end_to_start(tmp_path: Path) -> None:
    network = load_network(_write(tmp_path / "multi.gpkg", "GPKG", multi=True))
    assert network.n_edges == 4
    assert network.edge_length_m.sum() == pytest.approx(500 + np.hypot(300, 300) + 400 + 100, abs=0.01)


def test_unreadable_and_empty_networks(tmp_path: Path) -> None:
    (tmp_path / "bad.geojson").write_text("{", encoding="utf-8")
    with pytest.raises(NetworkReadError) as err:
        load_network(tmp_path / "bad.geojson")
    assert err.value.field == "network"
    points = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [120, 30]}}
        ],
    }
    (tmp_path / "points.geojson").write_text(json.dumps(points), encoding="utf-8")
    with pytest.raises(NetworkReadError, match="no LineString"):
        load_network(tmp_path / "points.geojson")
    with pytest.raises(NetworkReadError, match="does not exist"):
        load_network(tmp_path / "missing.shp")
