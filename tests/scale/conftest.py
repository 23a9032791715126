"""A registry that can grow: a city with two districts whose boundaries are large (as real ones are), the demo
accounts, and factories for n communities and n projects, so a test can compare a list of 5 with a list of 50."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import User
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.registry.models import Community

TREE = [
    ("330100", "杭州市", DivisionLevel.CITY, None),
    ("330102", "上城区", DivisionLevel.DISTRICT, "330100"),
    ("330102001", "清波街道", DivisionLevel.STREET, "330102"),
    ("330102001051", "清波门社区", DivisionLevel.COMMUNITY, "330102001"),
    ("330106", "西湖区", DivisionLevel.DISTRICT, "330100"),
    ("330106002", "北山街道", DivisionLevel.STREET, "330106"),
]


def big_boundary(lon: float, lat: float, n: int = 2000) -> dict[str, Any]:
    """A polygon of ``n`` vertices (~50 KB of GeoJSON, the size of a district boundary)."""
    import math

    ring = [
        [lon + 0.1 * math.cos(2 * math.pi * i / n), lat + 0.1 * math.sin(2 * math.pi * i / n)]
        for i in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@pytest.fixture
def divs(db) -> dict[str, Division]:
    out: dict[str, Division] = {}
    for code, name, level, parent in TREE:
        parent_div = out.get(parent) if parent else None
        boundary = big_boundary(120.15, 30.25) if level == DivisionLevel.DISTRICT else None
        out[code] = Division.objects.create(
            code=code,
            name=name,
            level=level,
            parent=parent_div,
            path=f"{parent_div.path}/{code}" if parent_div else code,
            boundary=boundary,
        )
    return out


@pytest.fixture
def accounts(divs) -> dict[str, User]:
    demo_accounts_load()
    return {u.username: u for u in User.objects.select_related("division")}


def make_communities(divs: dict[str, Division], n: int, *, start: int = 0, **fields: Any) -> list[Community]:
    """``n`` screened communities under 上城区 (alternately a street and a 社区), each with a boundary polygon."""
    from gaizao.registry.services import communities_rescreen

    rows = []
    for i in range(start, start + n):
        division = divs["330102001051"] if i % 2 else divs["330102001"]
        rows.append(
            Community(
                code=f"S{i:05d}",
                name=f"规模测试{i}号小区",
                address=f"清波街{i}号",
                division=division,
                district_code="330102",
                built_year=1980 + i % 20,
                households=100 + i,
                lon=120.16 + 0.0001 * i,
                lat=30.24 + 0.0001 * i,
                boundary=big_boundary(120.16 + 0.0001 * i, 30.24, 1000),
                elderly_share=Decimal("0.2"),
                **fields,
            )
        )
    created = Community.objects.bulk_create(rows)
    communities_rescreen(communities=Community.objects.filter(pk__in=[c.pk for c in created]))
    return created
