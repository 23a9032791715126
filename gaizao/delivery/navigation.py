from gaizao.accounts.models import CONTRACT_PARTY_ROLES, Role
from gaizao.ui.navigation import STAFF_ROLES, NavItem

_DELIVERY_ROLES = (STAFF_ROLES - {Role.UTILITY}) | CONTRACT_PARTY_ROLES

NAV = [
    NavItem("delivery:home", "项目实施", "Delivery", roles=_DELIVERY_ROLES, order=50),
    NavItem(
        "delivery:organisations",
        "参建单位",
        "Organisations",
        roles=frozenset({Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER}),
        order=52,
    ),
]
