"""``gaizao access``: nearest facility of each category from every origin, written as CSV.

Usage::

    gaizao access --network ROADS --facilities FACILITIES.csv --origins ORIGINS.csv --max-distance M \\
                  --out OUT.csv [--crs wgs84|gcj02|bd09] [--snap-tolerance M] [--layer NAME]

Errors in the inputs are printed as one sentence on stderr with exit status 2 (no traceback).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gaizao.spatial.access import nearest_facilities
from gaizao.spatial.crs import SUPPORTED_CRS, normalise_crs
from gaizao.spatial.errors import SpatialError, SpatialInputError
from gaizao.spatial.joining import DEFAULT_SNAP_TOLERANCE_M
from gaizao.spatial.network import load_network
from gaizao.spatial.points import Points

__all__ = ["main", "read_points_csv"]

EXIT_INPUT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise SpatialInputError("arguments", f"{message} (see `gaizao access --help`)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="gaizao access",
        description="Network distance from every origin to the nearest facility of each category.",
    )
    p.add_argument("--network", required=True, help="roads: GeoJSON, GeoPackage or Shapefile of LineStrings")
    p.add_argument("--facilities", required=True, help="CSV with columns id,category,lon,lat")
    p.add_argument("--origins", required=True, help="CSV with columns id,lon,lat")
    p.add_argument("--max-distance", required=True, type=float, help="cut-off in metres")
    p.add_argument("--out", required=True, help="output CSV: origin_id,category,distance_m")
    p.add_argument("--crs", default="wgs84", help=f"datum of the CSV coordinates: {', '.join(SUPPORTED_CRS)}")
    p.add_argument(
        "--snap-tolerance",
        type=float,
        default=DEFAULT_SNAP_TOLERANCE_M,
        help="points farther than this (m) from every road are not joined (default %(default)s)",
    )
    p.add_argument("--layer", default=None, help="layer of a multi-layer network file")
    return p


def read_points_csv(path: str | Path, *, name: str, columns: Sequence[str], crs: str = "wgs84") -> Points:
    """Read a CSV of points with the given columns (``id``, ``lon``, ``lat`` and optionally ``category``).

    Raises
    ------
    SpatialInputError
        If the file is missing, empty, lacks a column, or has a non-numeric coordinate (the message names the
        file, the column and the line).
    """
    p = Path(path)
    if not p.is_file():
        raise SpatialInputError(name, f"The {name} file {str(p)!r} does not exist.")
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            if not header:
                raise SpatialInputError(name, f"The {name} file {str(p)!r} is empty.")
            missing = [c for c in columns if c not in header]
            if missing:
                raise SpatialInputError(
                    f"{name}.{missing[0]}",
                    f"The {name} file {str(p)!r} is missing the column(s) {', '.join(missing)}; "
                    f"it needs {','.join(columns)}.",
                )
            reader.fieldnames = header
            ids: list[str] = []
            lon: list[float] = []
            lat: list[float] = []
            cats: list[str] = []
            for line, row in enumerate(reader, start=2):
                values = {c: (row.get(c) or "").strip() for c in columns}
                for c in ("lon", "lat"):
                    try:
                        float(values[c])
                    except ValueError:
                        raise SpatialInputError(
                            f"{name}.{c}", f"The {name} file, line {line}: {c} {values[c]!r} is not a number."
                        ) from None
                if not values["id"]:
                    raise SpatialInputError(f"{name}.id", f"The {name} file, line {line}: the id is empty.")
                ids.append(values["id"])
                lon.append(float(values["lon"]))
                lat.append(float(values["lat"]))
                if "category" in values:
                    if not values["category"]:
                        raise SpatialInputError(
                            f"{name}.category", f"The {name} file, line {line}: the category is empty."
                        )
                    cats.append(values["category"])
    except UnicodeDecodeError as exc:
        raise SpatialInputError(name, f"The {name} file {str(p)!r} is not UTF-8 text: {exc}") from None
    if not ids:
        raise SpatialInputError(name, f"The {name} file {str(p)!r} has a header but no rows.")
    return Points.from_arrays(
        ids, lon, lat, categories=cats if "category" in columns else None, crs=crs, name=name
    )


def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    crs = normalise_crs(args.crs)
    if not (np.isfinite(args.max_distance) and args.max_distance >= 0):
        raise SpatialInputError("max_distance", "--max-distance must be a non-negative number of metres.")
    facilities = read_points_csv(
        args.facilities, name="facilities", columns=("id", "category", "lon", "lat"), crs=crs
    )
    origins = read_points_csv(args.origins, name="origins", columns=("id", "lon", "lat"), crs=crs)
    network = load_network(args.network, layer=args.layer)
    result = nearest_facilities(
        network, origins, facilities, max_distance_m=args.max_distance, snap_tolerance_m=args.snap_tolerance
    )
    out = Path(args.out)
    try:
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["origin_id", "category", "distance_m"])
            for oid, cat, d in result.rows():
                writer.writerow([oid, cat, "" if d is None else f"{d:.2f}"])
    except OSError as exc:
        raise SpatialInputError(
            "out", f"Cannot write the output file {str(out)!r}: {exc.strerror}."
        ) from None
    found = int(np.count_nonzero(np.isfinite(result.distance_m)))
    print(f"network: {network.summary()}", file=sys.stderr)
    print(result.origins.summary("origins"), file=sys.stderr)
    print(result.facilities.summary("facilities"), file=sys.stderr)
    for label, join in (("origins", result.origins), ("facilities", result.facilities)):
        if len(join.not_joined_ids):
            shown = ", ".join(join.not_joined_ids[:10])
            more = "" if len(join.not_joined_ids) <= 10 else f" and {len(join.not_joined_ids) - 10} more"
            print(f"  {label} not joined: {shown}{more}", file=sys.stderr)
    print(
        f"wrote {out}: {len(result.origin_ids) * len(result.categories):,} rows, {found:,} with a facility within "
        f"{args.max_distance:g} m ({time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``gaizao access`` with ``argv`` (without the ``access`` word); return the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
        return _run(args)
    except SpatialError as exc:
        print(f"gaizao access: error: {exc.message}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except SystemExit as exc:  # --help
        return int(exc.code or 0)


if __name__ == "__main__":
    sys.exit(main())
