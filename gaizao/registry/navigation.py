from gaizao.accounts.models import WRITER_ROLES
from gaizao.ui.navigation import STAFF_ROLES, NavItem

NAV = [
    NavItem("registry:list", "小区台账", "Communities", roles=STAFF_ROLES, order=20),
    NavItem("registry:map", "小区地图", "Community map", roles=STAFF_ROLES, order=21),
    NavItem("registry:completeness", "数据调查", "Data survey", roles=STAFF_ROLES, order=22),
    NavItem("registry:screening", "范围筛查", "Scope screening", roles=STAFF_ROLES, order=23),
    NavItem(
        "registry:import", "数据导入", "Import", roles=frozenset(r.value for r in WRITER_ROLES), order=24
    ),
]
