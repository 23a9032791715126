"""Who may do what with money (STYLE.md §11): each ``can_<move>`` guards the service, shows the button and answers
the API. Conditions stand one per line so coverage shows each branch."""

from __future__ import annotations

from typing import Any

from gaizao.accounts.access import can_write
from gaizao.accounts.models import Bureau, Role
from gaizao.programme.models import Project

#: Roles that keep a project's ledger and record its final accounts (the implementing bodies and their district).
BOOKKEEPER_ROLES = frozenset({Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER})
#: Roles that allocate and collect the residents' shares.
SHARE_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER, Role.COMMUNITY_ORGANISER})


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_keep_ledger(user: Any, project: Project) -> bool:
    """Record ledger entries, funding applications and final accounts of ``project``."""
    if not _authenticated(user):
        return False
    if user.role not in BOOKKEEPER_ROLES:
        return False
    return can_write(user, project.division)


def can_audit(user: Any, project: Project) -> bool:
    """Record the final accounts audit (决算审计) and approve the audited figure (核定): the district or the city."""
    if not _authenticated(user):
        return False
    if user.role not in (Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR):
        return False
    return can_write(user, project.division)


def is_city_finance(user: Any) -> bool:
    """The city approves settlements and disburses the subsidy: 市建委 coordinators and the 市财政局."""
    if not _authenticated(user):
        return False
    if user.role == Role.CITY_COORDINATOR:
        return True
    if user.role != Role.MUNICIPAL_REVIEWER:
        return False
    return bool(user.bureau == Bureau.FINANCE)


def can_approve_settlement(user: Any, project: Project) -> bool:
    if not is_city_finance(user):
        return False
    if user.division_id is None:
        return False
    return bool(user.division.contains(project.division))


def can_manage_shares(user: Any, community: Any) -> bool:
    """Allocate a community's residents' contribution and record household payments."""
    if not _authenticated(user):
        return False
    if user.role not in SHARE_ROLES:
        return False
    return can_write(user, community.division)
