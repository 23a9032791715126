"""The import-layer rule (DESIGN.md, Architecture): every package of ``gaizao`` imports only packages below it.

cores ← divisions/audit ← accounts/jobs ← ui ← registry ← lifecircle, participation ← programme ← delivery, planning
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
    "office_text": 0,
    "rows": 0,
    "policy": 0,
    "spatial": 0,
    "divisions": 10,
    "audit": 10,
    "accounts": 20,
    "jobs": 20,
    "ui": 25,
    "registry": 30,
    "lifecircle": 40,
    "participation": 40,
    "programme": 50,
    "delivery": 60,
    "planning": 60,
    "money": 70,
    "stewardship": 80,
    "oversight": 90,
    "portal": 100,
    "api": 110,
    "web": 120,
    "backup": 125,
    "cli": 130,
    "__init__": 130,
}
#: Modules ranked above their package: audit's scoped reads go through the accounts scope (accounts itself writes
#: audit records, so the package as a whole sits below accounts).
MODULE_RANK: dict[str, int] = {
    "audit/selectors.py": 25,
    "audit/api.py": 25,
}
#: Packages that gather the apps; no app imports them.
TOP = frozenset({"api", "web", "backup", "cli"})


def _package_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py")


def _rank_of(path: Path) -> int:
    return MODULE_RANK.get(path.relative_to(ROOT).as_posix(), RANK[_package_of(path)])


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
            elif (target in TOP and source not in TOP) or RANK[target] >= _rank_of(path):
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
