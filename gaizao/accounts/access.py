"""Security choke points (STYLE.md §3): every read of scoped data goes through these functions.

A row is visible to an account when its division lies at or below the account's scope. Anything outside is
answered as "not found" (404), never "forbidden" with its data, so ids cannot be probed.
Each condition stands on its own line so coverage shows every branch is tested.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from gaizao.accounts.models import PERSONAL_DATA_ROLES, WRITER_ROLES, Role
from gaizao.divisions.models import Division
from gaizao.divisions.selectors import division_scope_q
from gaizao.errors import PermissionError_

M = TypeVar("M", bound=Model)

#: Roles that read scoped registry and programme data (residents and the public read through their own pages).
READER_ROLES = frozenset(
    {
        Role.CITY_COORDINATOR,
        Role.MUNICIPAL_REVIEWER,
        Role.DISTRICT_OFFICER,
        Role.STREET_IMPLEMENTER,
        Role.COMMUNITY_ORGANISER,
        Role.UTILITY,
    }
)


#: Roles that read only what they are invited to: their division's data is not theirs to browse. A selector that
#: filters by invitation (programme's consultations) asks for the scope with ``invited=True``; every other read
#: (registry units and owners, rolls, reports, life-circle runs) gives them nothing. Municipal and district
#: departments (``Role.DEPARTMENT``) read only the consultations that invite their department.
INVITED_ROLES = frozenset({Role.UTILITY, Role.DEPARTMENT})


def scope_path(user: Any, *, invited: bool = False) -> str | None:
    """The division path whose data ``user`` may read, or None for no scoped data at all.

    ``invited``: the caller restricts the rows to those ``user`` is invited to, so invited-only roles get their
    division's path too.
    """
    if user is None or not user.is_authenticated:
        return None
    if not user.is_active:
        return None
    if user.role not in READER_ROLES | INVITED_ROLES:
        return None
    if user.role in INVITED_ROLES and not invited:
        return None
    if user.division_id is None:
        return None
    return str(user.division.path)


def scoped(
    qs: QuerySet[M], user: Any, *, field: str = "division__path", invited: bool = False
) -> QuerySet[M]:
    """Restrict ``qs`` to the rows ``user`` may read (``invited``: see :func:`scope_path`)."""
    path = scope_path(user, invited=invited)
    if path is None:
        return qs.none()
    return qs.filter(division_scope_q(path, field))


def get_scoped(qs: QuerySet[M], user: Any, *, field: str = "division__path", **lookup: Any) -> M:
    """One row by ``lookup`` inside the user's scope; Http404 when absent or out of scope."""
    obj = scoped(qs, user, field=field).filter(**lookup).first()
    if obj is None:
        raise Http404("不存在或无权查看 / not found")
    return obj


def can_write(user: Any, division: Division) -> bool:
    """Whether ``user`` may change programme data that belongs to ``division``."""
    if user is None or not user.is_authenticated:
        return False
    if user.role not in WRITER_ROLES:
        return False
    if user.division_id is None:
        return False
    return bool(user.division.contains(division))


def require_write(user: Any, division: Division) -> None:
    if not can_write(user, division):
        raise PermissionError_("您无权修改该区划的数据。/ You may not change data of this division.")


def require_role(user: Any, *roles: str) -> None:
    if user is None or not user.is_authenticated or user.role not in roles:
        raise PermissionError_("您的角色无权执行此操作。/ Your role may not do this.")


def sees_personal_data(user: Any) -> bool:
    """Whether residents' names and phone numbers are shown unmasked to ``user`` (inside its scope)."""
    return bool(user is not None and user.is_authenticated and user.role in PERSONAL_DATA_ROLES)


def mask_name(name: str) -> str:
    """张三丰 → 张**; keeps the family name only."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
