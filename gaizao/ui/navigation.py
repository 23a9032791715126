"""Navigation entries that apps declare in their ``navigation.py``; ``gaizao.web.navigation`` gathers them."""

from __future__ import annotations

from dataclasses import dataclass, field

from gaizao.accounts.models import Role

ALL_ROLES = frozenset(r.value for r in Role)
STAFF_ROLES = frozenset(
    {
        Role.CITY_COORDINATOR,
        Role.MUNICIPAL_REVIEWER,
        Role.DISTRICT_OFFICER,
        Role.STREET_IMPLEMENTER,
        Role.COMMUNITY_ORGANISER,
        Role.UTILITY,
    }
)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label_zh: str
    label_en: str
    roles: frozenset[str] = field(default=ALL_ROLES)
    order: int = 100
    anonymous: bool = False
    #: one of :data:`GROUPS` keys; "" = by the app (:func:`group_of`)
    group: str = ""
