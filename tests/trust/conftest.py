"""Fixtures of the trust tests: the participation world (a 上城区 community whose owners have accounts) and a
西湖区 community to attack from."""

from __future__ import annotations

import csv
import io

import pytest

from gaizao.divisions.models import Division
from gaizao.registry.importing import get_kind
from gaizao.registry.models import Building, Community
from tests.participation.conftest import World, _silent_otp, accounts, build_world, divisions  # noqa: F401

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(seventeen: str) -> str:
    """A valid 18-character ID number (check digit computed) from its first 17 digits."""
    total = sum(int(c) * w for c, w in zip(seventeen, _WEIGHTS, strict=True))
    return seventeen + "10X98765432"[total % 11]


def units_csv(rows: list[dict[str, str]]) -> bytes:
    """A units import file with the Chinese headers of the given column keys."""
    spec = get_kind("units")
    keys = list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spec.column(k).zh for k in keys])
    for row in rows:
        writer.writerow([row[k] for k in keys])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def world(accounts) -> World:  # noqa: F811
    return build_world()


@pytest.fixture
def xihu_building(divisions) -> Building:  # noqa: F811
    community = Community.objects.create(
        code="T-XH-1", name="西湖测试小区", division=Division.objects.get(code="330106002051"), is_sample=True
    )
    return Building.objects.create(community=community, code="1", stairwells=1)
