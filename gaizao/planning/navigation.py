from gaizao.accounts.models import Role
from gaizao.ui.navigation import NavItem

_PLANNERS = frozenset({Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR, Role.MUNICIPAL_REVIEWER})

NAV = [
    NavItem("planning:home", "专项规划", "Special plan", roles=_PLANNERS, order=38),
    NavItem(
        "planning:optimiser",
        "年度项目优化",
        "Programme optimiser",
        roles=frozenset({Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR}),
        order=39,
    ),
]
