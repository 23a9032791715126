"""Reads of delivery, scoped (STYLE.md §3).

Officers see the deliveries of projects in their division (``gaizao.accounts.access.scoped``). Accounts of contract
parties (contractor, supervisor, designer) see ONLY the projects on which their organisation holds a contract, and
of those only their own contracts and rectification orders addressed to them — :func:`party_organisation` is the
one place that decides which organisation an account speaks for.

The 开工 / 完工 counts are computed from the audited stage moves (``delivery.stage.started`` and
``delivery.stage.completed``), never typed in: :func:`stage_event_counts`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, ExtractYear, Substr
from django.http import Http404
from django.utils import timezone

from gaizao.accounts.access import scope_path
from gaizao.accounts.models import CONTRACT_PARTY_ROLES
from gaizao.audit.models import AuditEvent
from gaizao.delivery.models import (
    Acceptance,
    Contract,
    Delivery,
    Finding,
    Inspection,
    Milestone,
    OrderState,
    Organisation,
    OrganisationMember,
    RectificationOrder,
    Stage,
)
from gaizao.programme.selectors import projects_for

#: The audited stage moves the dashboards count.
STARTED_ACTION = "delivery.stage.started"
COMPLETED_ACTION = "delivery.stage.completed"


def _not_found() -> Http404:
    return Http404("不存在或无权查看 / not found")


def is_contract_party(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.role in CONTRACT_PARTY_ROLES)


def party_organisation(user: Any) -> Organisation | None:
    """The organisation a contractor, supervisor or designer account speaks for (None for anyone else)."""
    if not is_contract_party(user):
        return None
    if not user.is_active:
        return None
    member = OrganisationMember.objects.select_related("organisation").filter(user=user).first()
    if member is None:
        return None
    return member.organisation


# --- deliveries -----------------------------------------------------------------------------------------------------


def deliveries_for(user: Any) -> QuerySet[Delivery]:
    """Deliveries ``user`` may read."""
    # The divisions' boundaries (a district's is ~47 KB of GeoJSON) are never shown by a delivery list; decoding
    # them once per row was most of the time of every page listing deliveries.
    qs = Delivery.objects.select_related(
        "project", "project__district", "project__division", "implementing_body"
    ).defer("project__district__boundary", "project__division__boundary")
    if is_contract_party(user):
        organisation = party_organisation(user)
        if organisation is None:
            return qs.none()
        return qs.filter(project__contracts__party=organisation).distinct()
    # Officers, reviewers and utilities: exactly the projects the programme lets them read.
    return qs.filter(project__in=projects_for(user))


def get_delivery(user: Any, pk: Any) -> Delivery:
    obj = deliveries_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def delivery_of_project(user: Any, project_id: Any) -> Delivery | None:
    return deliveries_for(user).filter(project_id=project_id).first()


# --- contracts and organisations ------------------------------------------------------------------------------------


def contracts_for(user: Any) -> QuerySet[Contract]:
    """Contracts ``user`` may read: a contract party sees only its own."""
    qs = Contract.objects.select_related("project", "party")
    if is_contract_party(user):
        organisation = party_organisation(user)
        if organisation is None:
            return qs.none()
        return qs.filter(party=organisation)
    return qs.filter(project__in=projects_for(user))


def get_contract(user: Any, pk: Any) -> Contract:
    obj = contracts_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def organisations_for(user: Any) -> QuerySet[Organisation]:
    """Organisations are a shared register: officers read them all; a contract party reads only its own."""
    qs = Organisation.objects.all()
    if is_contract_party(user):
        organisation = party_organisation(user)
        if organisation is None:
            return qs.none()
        return qs.filter(pk=organisation.pk)
    if scope_path(user) is None:
        return qs.none()
    return qs


def get_organisation(user: Any, pk: Any) -> Organisation:
    obj = organisations_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def project_parties(delivery: Delivery) -> QuerySet[Organisation]:
    """Organisations holding a contract on the delivery's project (the candidates for a rectification order)."""
    return Organisation.objects.filter(contracts__project_id=delivery.project_id).distinct()


# --- inspections and orders -----------------------------------------------------------------------------------------


def inspections_for(user: Any) -> QuerySet[Inspection]:
    return Inspection.objects.filter(delivery__in=deliveries_for(user)).select_related(
        "delivery__project", "inspector"
    )


def get_inspection(user: Any, pk: Any) -> Inspection:
    obj = inspections_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def findings_for(user: Any) -> QuerySet[Finding]:
    return Finding.objects.filter(inspection__delivery__in=deliveries_for(user)).select_related(
        "inspection__delivery__project"
    )


def get_finding(user: Any, pk: Any) -> Finding:
    obj = findings_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def orders_for(user: Any) -> QuerySet[RectificationOrder]:
    """Rectification orders ``user`` may read: a contract party sees only those addressed to it."""
    qs = RectificationOrder.objects.select_related("delivery__project", "party", "finding__inspection")
    if is_contract_party(user):
        organisation = party_organisation(user)
        if organisation is None:
            return qs.none()
        return qs.filter(party=organisation)
    return qs.filter(delivery__in=deliveries_for(user))


def get_order(user: Any, pk: Any) -> RectificationOrder:
    obj = orders_for(user).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


def open_orders(delivery: Delivery) -> QuerySet[RectificationOrder]:
    """Orders not yet closed (they block 竣工验收)."""
    return delivery.orders.exclude(state=OrderState.CLOSED)


def is_overdue(order: RectificationOrder, today: dt.date | None = None) -> bool:
    """An order past its deadline and not closed."""
    today = today or timezone.localdate()
    return order.state != OrderState.CLOSED and order.deadline < today


def overdue_orders(user: Any, today: dt.date | None = None) -> QuerySet[RectificationOrder]:
    today = today or timezone.localdate()
    return orders_for(user).exclude(state=OrderState.CLOSED).filter(deadline__lt=today)


def acceptances_for(user: Any) -> QuerySet[Acceptance]:
    return Acceptance.objects.filter(delivery__in=deliveries_for(user)).select_related("delivery__project")


# --- schedule -------------------------------------------------------------------------------------------------------


def is_late(milestone: Milestone, today: dt.date | None = None) -> bool:
    """Late: finished after its planned end, or not finished and the planned end has passed."""
    today = today or timezone.localdate()
    if milestone.actual_end is not None:
        return milestone.actual_end > milestone.planned_end
    return milestone.planned_end < today


def late_milestones(user: Any, today: dt.date | None = None) -> QuerySet[Milestone]:
    today = today or timezone.localdate()
    late = Q(actual_end__isnull=True, planned_end__lt=today) | Q(
        actual_end__isnull=False, actual_end__gt=F("planned_end")
    )
    return (
        Milestone.objects.filter(delivery__in=deliveries_for(user))
        .filter(late)
        .select_related("delivery__project__district")
        .defer("delivery__project__district__boundary")
    )


@dataclass(frozen=True)
class GanttRow:
    name: str
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    late: bool


def gantt_rows(delivery: Delivery, today: dt.date | None = None) -> list[GanttRow]:
    return [
        GanttRow(m.name, m.planned_start, m.planned_end, m.actual_start, m.actual_end, is_late(m, today))
        for m in delivery.milestones.all()
    ]


def gantt_chart(delivery: Delivery, today: dt.date | None = None) -> dict[str, Any]:
    """The data of the Gantt-style chart (plain JSON for ECharts: dates as ISO strings)."""
    today = today or timezone.localdate()
    return {
        "today": today.isoformat(),
        "rows": [
            {
                "name": r.name,
                "planned": [r.planned_start.isoformat(), r.planned_end.isoformat()],
                "actual": [
                    r.actual_start.isoformat() if r.actual_start else None,
                    (r.actual_end or today).isoformat() if (r.actual_end or r.actual_start) else None,
                ],
                "late": r.late,
            }
            for r in gantt_rows(delivery, today)
        ],
    }


# --- dashboards -----------------------------------------------------------------------------------------------------


def stage_counts(user: Any) -> dict[str, int]:
    counts = dict(deliveries_for(user).values_list("stage").annotate(n=Count("id")).order_by())
    return {s.value: counts.get(s.value, 0) for s in Stage}


def _first_move_year(content_type: ContentType, action: str) -> Subquery:
    """The year of a delivery's first audited move ``action``: the move's ``on`` (YYYY-MM-DD) when it has one,
    else the local year of the event."""
    on = KeyTextTransform("on", "changes")
    year = Case(
        When(Q(changes__on__regex=r"^[0-9]{4}"), then=Cast(Substr(on, 1, 4), IntegerField())),
        default=ExtractYear("at"),
        output_field=IntegerField(),
    )
    return Subquery(
        AuditEvent.objects.filter(
            content_type=content_type, action=action, object_id=Cast(OuterRef("pk"), CharField())
        )
        .order_by("at", "id")
        .annotate(year=year)
        .values("year")[:1],
        output_field=IntegerField(),
    )


def stage_event_counts(user: Any) -> list[dict[str, Any]]:
    """开工 and 完工 per district and year, from the audited stage moves (the first of each kind per delivery).

    Returns rows ``{"district", "year", "started_projects", "started_communities", "completed_projects",
    "completed_communities"}`` sorted by year (newest first) and district.
    """
    # One row of plain values per delivery (district, number of communities, the years of its first 开工 and
    # 完工, each found through the audit index by a subquery) instead of every audit event built as a model:
    # reading a city's ~6,000 events with their JSON was most of the delivery page.
    content_type = ContentType.objects.get_for_model(Delivery)
    rows: dict[tuple[int, str], dict[str, Any]] = defaultdict(
        lambda: {
            "started_projects": 0,
            "started_communities": 0,
            "completed_projects": 0,
            "completed_communities": 0,
        }
    )
    for district, communities, started, completed in (
        deliveries_for(user)
        .select_related(None)
        .order_by()
        .annotate(
            communities=Count("project__communities", distinct=True),
            started_year=_first_move_year(content_type, STARTED_ACTION),
            completed_year=_first_move_year(content_type, COMPLETED_ACTION),
        )
        .values_list("project__district__name", "communities", "started_year", "completed_year")
    ):
        for prefix, year in (("started", started), ("completed", completed)):
            if year is not None:
                row = rows[(year, district)]
                row[f"{prefix}_projects"] += 1
                row[f"{prefix}_communities"] += communities
    return [
        {"district": district, "year": year, **counts}
        for (year, district), counts in sorted(rows.items(), key=lambda kv: (-kv[0][0], kv[0][1]))
    ]


def map_features(user: Any) -> dict[str, Any]:
    """GeoJSON points of the visible deliveries (at their communities' centroids), with their stage."""
    features = []
    for delivery in deliveries_for(user).prefetch_related("project__communities"):
        for community in delivery.project.communities.all():
            lon, lat = _community_point(community)
            if lon is None or lat is None:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {
                        "id": delivery.pk,
                        "name": delivery.project.name,
                        "community": community.name,
                        "stage": delivery.stage,
                        "stage_label": str(Stage(delivery.stage).label),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _community_point(community: Any) -> tuple[float | None, float | None]:
    return community.lon, community.lat
