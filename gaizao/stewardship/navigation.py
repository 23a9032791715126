from gaizao.accounts.models import Role
from gaizao.ui.navigation import NavItem

_READERS = frozenset(
    {
        Role.CITY_COORDINATOR,
        Role.MUNICIPAL_REVIEWER,
        Role.DISTRICT_OFFICER,
        Role.STREET_IMPLEMENTER,
        Role.COMMUNITY_ORGANISER,
        Role.PROPERTY_SERVICE,
    }
)

NAV = [
    NavItem("stewardship:home", "长效管理", "Stewardship", roles=_READERS, order=55),
    NavItem(
        "stewardship:coverage",
        "物业覆盖",
        "Property coverage",
        roles=_READERS - {Role.PROPERTY_SERVICE},
        order=56,
    ),
]
