from gaizao.accounts.models import Role
from gaizao.ui.navigation import NavItem

NAV = [
    NavItem(
        "money:home",
        "资金台账",
        "Money",
        roles=frozenset(
            {
                Role.CITY_COORDINATOR,
                Role.MUNICIPAL_REVIEWER,
                Role.DISTRICT_OFFICER,
                Role.STREET_IMPLEMENTER,
                Role.COMMUNITY_ORGANISER,
            }
        ),
        order=50,
    ),
]
