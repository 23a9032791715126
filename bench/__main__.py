"""Run every benchmark module: ``python -m bench [NAME ...]``.

Each ``bench/bench_*.py`` module exposes ``run() -> list[Headline]`` that measures Gaizao side by side with the tool
a user would otherwise choose, prints its own tables and returns its headline figures (``bench.summary``). After
the run one closing table puts every headline beside its goal (met / not met) and the same is written as JSON to
``var/bench/summary-<UTC date and time>.json``. Benchmarks report; they never fail the build on time.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.summary import Headline, table, write_json


def main(argv: list[str]) -> int:
    wanted = set(argv)
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    started_at = datetime.now(UTC)
    headlines: list[Headline] = []
    sections: dict[str, float] = {}
    failed: list[str] = []
    for name in names:
        short = name.removeprefix("bench_")
        if wanted and short not in wanted and name not in wanted:
            continue
        print(f"\n=== {short} ===", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            headlines.extend(module.run() or [])
        except Exception:  # one broken benchmark must not lose the others' figures
            traceback.print_exc()
            failed.append(short)
        sections[short] = round(time.perf_counter() - started, 1)
        print(f"--- {short} took {sections[short]:.1f} s", flush=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n=== goal vs measured ({started_at:%Y-%m-%d %H:%M} UTC; load average now {load}) ===")
    print(table(headlines))
    if failed:
        print(f"FAILED (see the tracebacks above): {', '.join(failed)}")
    path = write_json(headlines, sections, started_at)
    print(f"written to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
