from gaizao.ui.navigation import ALL_ROLES, NavItem

NAV = [
    NavItem("participation:index", "居民参与", "Participation", roles=ALL_ROLES - {"public"}, order=40),
    NavItem("participation:reports", "报事", "Report a problem", roles=ALL_ROLES - {"public"}, order=41),
    NavItem("participation:public_list", "表决公示", "Vote results", anonymous=True, order=45),
]
