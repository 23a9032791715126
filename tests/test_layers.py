"""The import-layer rule (DESIGN.md, Architecture): every package of ``gaizao`` imports only packages below it.

cores ← divisions/audit/ui ← accounts/jobs ← registry ← lifecircle, participation ← programme ← delivery, planning
← money ← stewardship ← oversight ← portal; ``web``, ``api`` and the command line gather the apps and are imported by
none of them. Function-local imports count too: a lazy import is still a dependency. A package missing from
``RANK`` fails the test, so a new app must take its place in the order explicitly.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "gaizao"

RANK: dict[str, int] = {
    "errors": 0,
    "policy": 0,
    "spatial": 0,
    "divisions": 1,
    "audit": 1,
    "ui": 1,
    "accounts": 2,
    "jobs": 2,
    "registry": 3,
    "lifecircle": 4,
    "participation": 4,
    "programme": 5,
    "delivery": 6,
    "planning": 6,
    "money": 7,
    "stewardship": 8,
    "oversight": 9,
    "portal": 10,
    "web": 11,
    "api": 11,
    "cli": 12,
    "__init__": 12,
}
#: Packages nothing below the top may import.
TOP = frozenset({"web", "api", "cli"})


def _package_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "gaizao" and len(parts) > 1:
                found.add(parts[1])
    return found


SOURCES = sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def test_every_package_has_a_rank() -> None:
    packages = {_package_of(p) for p in SOURCES}
    assert packages - RANK.keys() == set(), "give the new package its place in RANK"


def test_imports_point_downward() -> None:
    violations = []
    for path in SOURCES:
        source = _package_of(path)
        for target in _imports(path):
            if target == source:
                continue
            if target not in RANK:
                violations.append(f"{path.relative_to(ROOT.parent)} imports unknown gaizao.{target}")
            elif target in TOP or RANK[target] >= RANK[source]:
                violations.append(f"{path.relative_to(ROOT.parent)} ({source}) imports gaizao.{target}")
    assert violations == []


@pytest.mark.parametrize("core", ["policy", "spatial"])
def test_cores_never_import_django(core: str) -> None:
    offenders = []
    for path in (ROOT / core).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"django", "ninja"}]
    assert offenders == []
