from gaizao.accounts.models import Role
from gaizao.ui.navigation import STAFF_ROLES, NavItem

_PROJECT_ROLES = STAFF_ROLES - {Role.UTILITY}

NAV = [
    NavItem("programme:home", "改造项目", "Projects", roles=_PROJECT_ROLES, order=40),
    NavItem(
        "programme:consultations",
        "联合会商",
        "Consultations",
        roles=STAFF_ROLES | {Role.DEPARTMENT},
        order=42,
    ),
    NavItem(
        "programme:annual_list",
        "年度计划",
        "Annual plans",
        roles=frozenset({Role.DISTRICT_OFFICER, Role.CITY_COORDINATOR, Role.MUNICIPAL_REVIEWER}),
        order=44,
    ),
    NavItem(
        "programme:city",
        "全市计划审查",
        "City review",
        roles=frozenset({Role.CITY_COORDINATOR, Role.MUNICIPAL_REVIEWER}),
        order=46,
    ),
    NavItem("programme:public_list", "方案公示", "Plans on publication", order=48, anonymous=True),
]
