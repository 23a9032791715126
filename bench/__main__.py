"""Run every benchmark module: ``python -m bench [NAME ...]``.

Each ``bench/bench_*.py`` module exposes ``run() -> None`` that measures Gaizao side by side with the tool a user
would otherwise choose and prints ratios. Benchmarks report; they never fail the build on time.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    wanted = set(argv)
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    for name in names:
        short = name.removeprefix("bench_")
        if wanted and short not in wanted and name not in wanted:
            continue
        print(f"\n=== {short} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        module.run()
        print(f"--- {short} took {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
