"""Public figures and open data of oversight: progress by district for the portal chart, and the projects as CSV
and as an OC4IDS-style JSON package (Open Contracting for Infrastructure Data Standard, project level).

Nothing here is personal: project and division codes and names, counts, dates, stages and amounts. Budget and
payments come from money's ledger (summed per project; money has no public selector, so the entries are read here).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gaizao.divisions.models import Division, DivisionLevel
from gaizao.money import selectors as money_selectors
from gaizao.money.models import LedgerEntry
from gaizao.oversight.models import DistrictTarget
from gaizao.oversight.selectors import ProjectFacts, public_project_facts

#: delivery stage → OC4IDS projectStatus codelist
OC4IDS_STATUS = {
    "preliminary": "preparation",
    "started": "implementation",
    "construction": "implementation",
    "suspended": "implementation",
    "completed": "completion",
    "accepted": "completed",
    "handed_over": "completed",
}
CSV_FIELDS = [
    "project_code",
    "project_name",
    "district_code",
    "district",
    "street_code",
    "street",
    "stage",
    "communities",
    "households",
    "buildings",
    "elevators_added",
    "started_on",
    "completed_on",
    "planned_start",
    "planned_end",
    "estimate_yuan",
    "budget_yuan",
    "paid_yuan",
    "lon",
    "lat",
]


def _money_by_project(ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = money_selectors.balances(LedgerEntry.objects.filter(project_id__in=ids), "project_id")
    return {r["project_id"]: r for r in rows}


def _row(f: ProjectFacts, money: dict[int, dict[str, Any]]) -> dict[str, Any]:
    m = money.get(f.project_id, {})
    return {
        "project_code": f.code,
        "project_name": f.name,
        "district_code": f.district_code,
        "district": f.district_name,
        "street_code": f.street_code,
        "street": f.street_name if f.street_code else "",
        "stage": f.stage,
        "communities": f.communities,
        "households": f.households,
        "buildings": f.buildings,
        "elevators_added": f.elevators,
        "started_on": f.started_on.isoformat() if f.started_on else "",
        "completed_on": f.completed_on.isoformat() if f.completed_on else "",
        "planned_start": f.planned_start.isoformat() if f.planned_start else "",
        "planned_end": f.planned_end.isoformat() if f.planned_end else "",
        "estimate_yuan": str(f.estimate),
        "budget_yuan": str(m.get("budgeted", Decimal("0.00"))),
        "paid_yuan": str(m.get("paid", Decimal("0.00"))),
        "lon": round(f.lon, 6) if f.lon is not None else "",
        "lat": round(f.lat, 6) if f.lat is not None else "",
    }


def projects_csv() -> bytes:
    facts = public_project_facts()
    money = _money_by_project([f.project_id for f in facts])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for f in facts:
        writer.writerow(_row(f, money))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def projects_oc4ids() -> dict[str, Any]:
    """An OC4IDS-style project package (schema 0.9 field names; to verify against the standard's validator)."""
    facts = public_project_facts()
    money = _money_by_project([f.project_id for f in facts])
    projects = []
    for f in facts:
        m = money.get(f.project_id, {})
        project: dict[str, Any] = {
            "id": f"gaizao-{f.code}",
            "title": f.name,
            "description": f"城镇老旧小区改造：{f.communities} 个小区，{f.households} 户，{f.buildings} 栋。",
            "status": OC4IDS_STATUS.get(f.stage, "implementation"),
            "type": "rehabilitation",
            "sector": ["socialHousing"],
            "purpose": "杭政办函〔2022〕10号 城镇老旧小区综合改造提升",
            "period": {
                k: v
                for k, v in (
                    ("startDate", f.planned_start.isoformat() if f.planned_start else None),
                    ("endDate", f.planned_end.isoformat() if f.planned_end else None),
                )
                if v
            },
            "budget": {"amount": {"amount": float(m.get("budgeted", f.estimate)), "currency": "CNY"}},
            "parties": [
                {
                    "id": f"division-{f.district_code}",
                    "name": f"{f.district_name}人民政府",
                    "roles": ["publicAuthority"],
                }
            ],
            "locations": [],
            "additionalClassifications": [
                {"scheme": "GB/T 2260", "id": f.district_code, "description": f.district_name}
            ],
        }
        if f.lon is not None and f.lat is not None:
            project["locations"].append(
                {
                    "id": "1",
                    "description": f.street_name if f.street_code else f.district_name,
                    "geometry": {"type": "Point", "coordinates": [round(f.lon, 6), round(f.lat, 6)]},
                    "address": {
                        "region": f.district_name,
                        "locality": f.street_name if f.street_code else "",
                    },
                }
            )
        if f.completed_on:
            project["completion"] = {
                "endDate": f.completed_on.isoformat(),
                "finalValue": {"amount": float(m.get("paid", Decimal(0))), "currency": "CNY"},
            }
        projects.append(project)
    return {
        "uri": "/oversight/public/open-data/projects.json",
        "version": "0.9",
        "publishedDate": timezone.now().isoformat(),
        "publisher": {"name": "杭州市城镇老旧小区改造工作领导小组办公室（示例）"},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "projects": projects,
    }


def district_chart(year: int) -> dict[str, Any]:
    """Per district: communities started and completed in ``year`` (first audited moves) against the targets."""
    districts = list(Division.objects.defer("boundary").filter(level=DivisionLevel.DISTRICT).order_by("code"))
    facts = public_project_facts()
    targets = {t.district_id: t for t in DistrictTarget.objects.filter(year=year)}
    rows = []
    for d in districts:
        mine = [f for f in facts if f.district_id == d.pk]
        target = targets.get(d.pk)
        rows.append(
            {
                "code": d.code,
                "name": d.name,
                "started": sum(f.communities for f in mine if f.started_on and f.started_on.year == year),
                "completed": sum(
                    f.communities for f in mine if f.completed_on and f.completed_on.year == year
                ),
                "target_started": target.communities_started if target else None,
                "target_completed": target.communities_completed if target else None,
                "lon": d.center_lon,
                "lat": d.center_lat,
            }
        )
    return {"year": year, "as_of": dt.date.today().isoformat(), "rows": rows}
