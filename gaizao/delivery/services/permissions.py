"""Who may act on a delivery: officers whose division contains the project, and inspectors by level (a
supervisor only on a project it holds a contract on)."""

from __future__ import annotations

from typing import Any

from gaizao.accounts.access import can_write
from gaizao.accounts.models import Role
from gaizao.delivery import selectors
from gaizao.delivery.models import Contract, Delivery, InspectorLevel
from gaizao.errors import PermissionError_
from gaizao.programme.models import Project

#: Officers who run delivery inside their division.
OFFICER_ROLES = frozenset({Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER})

#: Who inspects, and as which level.
INSPECTOR_LEVEL = {
    Role.STREET_IMPLEMENTER: InspectorLevel.STREET,
    Role.DISTRICT_OFFICER: InspectorLevel.DISTRICT,
    Role.SUPERVISOR: InspectorLevel.SUPERVISOR,
    Role.CITY_COORDINATOR: InspectorLevel.CITY,
}


def is_officer_for(user: Any, delivery_or_project: Delivery | Project) -> bool:
    """An officer (city, district, street) whose division contains the project."""
    project = (
        delivery_or_project.project if isinstance(delivery_or_project, Delivery) else delivery_or_project
    )
    if user is None or not user.is_authenticated:
        return False
    if user.role not in OFFICER_ROLES:
        return False
    return can_write(user, project.division)


def _require_officer(user: Any, delivery_or_project: Delivery | Project) -> None:
    if not is_officer_for(user, delivery_or_project):
        raise PermissionError_("您无权管理该项目的实施。/ You may not manage the delivery of this project.")


def _supervises(user: Any, delivery: Delivery) -> bool:
    organisation = selectors.party_organisation(user)
    if organisation is None or user.role != Role.SUPERVISOR:
        return False
    return Contract.objects.filter(project_id=delivery.project_id, party=organisation).exists()


def inspector_level(user: Any, delivery: Delivery) -> str | None:
    """The level ``user`` inspects ``delivery`` as (street, district, supervisor, city), or None."""
    if user is None or not user.is_authenticated:
        return None
    level = INSPECTOR_LEVEL.get(user.role)
    if level is None:
        return None
    if user.role == Role.SUPERVISOR:
        return level if _supervises(user, delivery) else None
    return level if is_officer_for(user, delivery) else None
