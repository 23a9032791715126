from gaizao.ui.navigation import STAFF_ROLES, NavItem

NAV = [
    NavItem("lifecircle:index", "生活圈", "Life circles", roles=STAFF_ROLES, order=30),
]
