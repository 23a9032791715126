"""``gaizao access``: the DESIGN.md contract, and clean errors with exit status 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gaizao.spatial.cli import main
from gaizao.spatial.crs import wgs84_to_gcj02
from tests.spatial.conftest import lonlat


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    road = lonlat([(0, 0), (1000, 0), (1000, 1000)])
    (tmp_path / "roads.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "LineString", "coordinates": road},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    (f1, f2, o1, o2, o3) = lonlat([(700, -30), (1000, 500), (200, 50), (1020, 900), (500, 3000)])
    facilities = _write_csv(
        tmp_path / "facilities.csv",
        ["id", "category", "lon", "lat"],
        [["f1", "school", *f1], ["f2", "clinic", *f2]],
    )
    origins = _write_csv(
        tmp_path / "origins.csv", ["id", "lon", "lat"], [["o1", *o1], ["o2", *o2], ["o3", *o3]]
    )
    return {
        "network": tmp_path / "roads.geojson",
        "facilities": facilities,
        "origins": origins,
        "dir": tmp_path,
    }


def _args(inputs: dict[str, Path], **over: object) -> list[str]:
    args = {
        "--network": inputs["network"],
        "--facilities": inputs["facilities"],
        "--origins": inputs["origins"],
        "--max-distance": 1000,
        "--out": inputs["dir"] / "out.csv",
    }
    args.update({k: v for k, v in over.items()})  # type: ignore[misc]
    return [str(x) for pair in args.items() for x in pair]


def test_good_run_writes_one_row_per_origin_and_category(
    inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(inputs)) == 0
    rows = list(csv.DictReader((inputs["dir"] / "out.csv").open(encoding="utf-8")))
    table = {(r["origin_id"], r["category"]): r["distance_m"] for r in rows}
    assert list(rows[0]) == ["origin_id", "category", "distance_m"]
    assert len(rows) == 6
    assert float(table["o1", "school"]) == pytest.approx(50 + 500 + 30, abs=0.01)
    assert table["o1", "clinic"] == ""  # 50 + 800 + 500 > 1000
    assert float(table["o2", "clinic"]) == pytest.approx(20 + 400, abs=0.01)
    assert table["o3", "school"] == ""
    err = capsys.readouterr().err
    assert "3 nodes, 2 edges, 1 connected pieces" in err
    assert "o3" in err and "farther than 500 m" in err


def test_gcj02_coordinates_are_converted(inputs: dict[str, Path]) -> None:
    for name in ("facilities", "origins"):
        rows = list(csv.reader(inputs[name].open(encoding="utf-8")))
        header, body = rows[0], rows[1:]
        for row in body:
            lon, lat = wgs84_to_gcj02(float(row[-2]), float(row[-1]))
            row[-2], row[-1] = repr(float(lon)), repr(float(lat))
        _write_csv(inputs[name], header, body)  # type: ignore[arg-type]
    assert main(_args(inputs, **{"--crs": "gcj02"})) == 0
    rows = list(csv.DictReader((inputs["dir"] / "out.csv").open(encoding="utf-8")))
    table = {(r["origin_id"], r["category"]): r["distance_m"] for r in rows}
    assert float(table["o1", "school"]) == pytest.approx(580, abs=0.05)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing_column", "missing the column(s) category"),
        ("empty_file", "is empty"),
        ("header_only", "has a header but no rows"),
        ("unknown_crs", "'utm50' is not supported"),
        ("bad_number", "line 2: lon 'east' is not a number"),
        ("unreadable_network", "cannot be read"),
        ("missing_network", "does not exist"),
        ("missing_argument", "--out"),
    ],
)
def test_errors_are_one_sentence_and_exit_2(
    inputs: dict[str, Path], capsys: pytest.CaptureFixture[str], case: str, message: str
) -> None:
    d = inputs["dir"]
    over: dict[str, object] = {}
    if case == "missing_column":
        over["--facilities"] = _write_csv(d / "f.csv", ["id", "lon", "lat"], [["f", 120.1, 30.2]])
    elif case == "empty_file":
        (d / "empty.csv").write_text("", encoding="utf-8")
        over["--origins"] = d / "empty.csv"
    elif case == "header_only":
        over["--origins"] = _write_csv(d / "h.csv", ["id", "lon", "lat"], [])
    elif case == "unknown_crs":
        over["--crs"] = "utm50"
    elif case == "bad_number":
        over["--origins"] = _write_csv(d / "b.csv", ["id", "lon", "lat"], [["o", "east", 30.2]])
    elif case == "unreadable_network":
        (d / "bad.geojson").write_text("{not json", encoding="utf-8")
        over["--network"] = d / "bad.geojson"
    elif case == "missing_network":
        over["--network"] = d / "nope.gpkg"
    args = _args(inputs, **over)
    if case == "missing_argument":
        args = args[:-2]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (d / "out.csv").exists()


def test_installed_command_dispatches_here(inputs: dict[str, Path]) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from gaizao.cli import main; sys.exit(main(sys.argv[1:]))",
            "access",
            *_args(inputs, **{"--crs": "bd-09x"}),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "not supported" in done.stderr and "Traceback" not in done.stderr


def test_the_core_never_imports_django() -> None:
    code = (
        "import sys, gaizao.spatial, gaizao.spatial.cli, gaizao.spatial.siting, gaizao.spatial.catchments; "
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
