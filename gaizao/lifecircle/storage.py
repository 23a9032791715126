"""The compact per-run storage of life-circle results (issue 19 §3).

A whole-city run has one ``CommunityAccess`` row per community. Its bulky parts used to be JSON objects repeating
the same keys, names and catalogue items in every row (``{category: distance}``, ``{level: {facility: met}}`` and
the gap list with names and items), so storing a run cost half as long as computing it. Now the run keeps its
*layout* once (``AnalysisRun.result_layout``: the category order and the requirement checks with their level
distance, names and catalogue items) and each row keeps two small binary arrays:

* ``distance_blob`` — little-endian float32 per category in the layout's order, NaN for "none within the cut-off"
  (values are metres rounded to 0.1 m, which float32 holds exactly enough to round back);
* ``met_bits`` — one bit per requirement check (``numpy.packbits``, layout order), set when the check is met.

``distances``, ``reachable`` and ``gaps`` are rebuilt from these on read with exactly the shape they had before,
so pages, API, exports and selectors read the rows as they did. The small lists the other apps filter on
(``gap_facilities``, ``gap_items``) and the scalars (score, joined, connector, population, gap count) stay columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

LAYOUT_VERSION = 1
_F32 = np.dtype("<f4")


def layout_for(
    categories: Sequence[str],
    checks: Iterable[tuple[str, str, float]],
    *,
    names: Mapping[str, tuple[str, str]],
    items_of: Mapping[tuple[str, str], Sequence[str]],
) -> dict[str, Any]:
    """The run's layout: ``checks`` are ``(level, facility, level_distance_m)`` in the gap report's order."""
    return {
        "version": LAYOUT_VERSION,
        "categories": list(categories),
        "checks": [
            {
                "level": level,
                "facility": facility,
                "level_distance_m": level_distance_m,
                "name_zh": names.get(facility, (facility, facility))[0],
                "name_en": names.get(facility, (facility, facility))[1],
                "items": list(items_of.get((facility, level), ())),
            }
            for level, facility, level_distance_m in checks
        ],
    }


def pack_distances(values: Sequence[float | None]) -> bytes:
    """Distances in the layout's category order (``None`` for none within reach) as float32 bytes."""
    return np.asarray([np.nan if v is None else v for v in values], dtype=_F32).tobytes()


def pack_distance_row(row: np.ndarray) -> bytes:
    """A row of the per-community distance matrix (NaN = none within reach), rounded to 0.1 m, as float32 bytes."""
    return np.round(np.asarray(row, dtype=np.float64), 1).astype(_F32).tobytes()


def pack_met(met: Sequence[bool]) -> bytes:
    return np.packbits(np.asarray(met, dtype=bool)).tobytes()


def unpack_distances(layout: Mapping[str, Any], blob: bytes | memoryview | None) -> dict[str, float | None]:
    categories = layout.get("categories", [])
    values = np.frombuffer(bytes(blob or b""), dtype=_F32)
    return {
        cat: (None if np.isnan(v) else round(float(v), 1))
        for cat, v in zip(categories, values.tolist(), strict=False)
    }


def unpack_met(layout: Mapping[str, Any], bits: bytes | memoryview | None) -> list[bool]:
    n = len(layout.get("checks", []))
    flags: Any = np.unpackbits(np.frombuffer(bytes(bits or b""), dtype=np.uint8), count=n) if n else []
    return [bool(x) for x in flags]


def reachable(layout: Mapping[str, Any], met: Sequence[bool]) -> dict[str, dict[str, bool]]:
    """``{level: {facility: met}}`` as the analysis reported it."""
    out: dict[str, dict[str, bool]] = {}
    for chk, ok in zip(layout.get("checks", []), met, strict=False):
        out.setdefault(chk["level"], {})[chk["facility"]] = ok
    return out


def gaps(
    layout: Mapping[str, Any], met: Sequence[bool], distances: Mapping[str, float | None]
) -> list[dict[str, Any]]:
    """The unmet checks, level by level: ``[{"level", "facility", "name_zh", "name_en", "distance_m",
    "level_distance_m", "items"}]``."""
    return [
        {
            "level": chk["level"],
            "facility": chk["facility"],
            "name_zh": chk["name_zh"],
            "name_en": chk["name_en"],
            "distance_m": distances.get(chk["facility"]),
            "level_distance_m": chk["level_distance_m"],
            "items": list(chk["items"]),
        }
        for chk, ok in zip(layout.get("checks", []), met, strict=False)
        if not ok
    ]


def layout_from_rows(rows: Iterable[Mapping[str, Any]], categories: Sequence[str]) -> dict[str, Any]:
    """A layout rebuilt from results stored in the former JSON shape (the migration): the checks in the order of
    the first row's ``reachable``, names and items from the gaps that name them, else from the standards."""
    from gaizao.policy import life_circle_facilities, life_circle_levels

    std_names = {f.id: (f.name_zh, f.name_en) for f in life_circle_facilities()}
    std_items = {(f.id, f.level): tuple(f.catalogue_items) for f in life_circle_facilities()}
    level_m = {lv.id: lv.walk_distance_m for lv in life_circle_levels()}
    order: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    meta: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        for level, checks in (row.get("reachable") or {}).items():
            for facility in checks:
                if (level, facility) not in seen:
                    seen.add((level, facility))
                    order.append((level, facility))
        for g in row.get("gaps") or []:
            meta.setdefault((g["level"], g["facility"]), g)
    # The gap report's order: level by level, levels and facilities in the standards' order.
    level_rank = {lid: k for k, lid in enumerate(level_m)}
    facility_rank = {(f.level, f.id): k for k, f in enumerate(life_circle_facilities())}
    order.sort(
        key=lambda lf: (level_rank.get(lf[0], len(level_rank)), facility_rank.get(lf, len(facility_rank)))
    )
    checks = []
    for level, facility in order:
        g = meta.get((level, facility), {})
        name = std_names.get(facility, (facility, facility))
        checks.append(
            {
                "level": level,
                "facility": facility,
                "level_distance_m": g.get("level_distance_m", level_m.get(level)),
                "name_zh": g.get("name_zh", name[0]),
                "name_en": g.get("name_en", name[1]),
                "items": list(g.get("items", std_items.get((facility, level), ()))),
            }
        )
    return {"version": LAYOUT_VERSION, "categories": list(categories), "checks": checks}
