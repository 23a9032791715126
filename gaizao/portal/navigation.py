from gaizao.ui.navigation import NavItem

NAV = [NavItem("portal:index", "公众门户", "Public portal", order=5, anonymous=True)]
