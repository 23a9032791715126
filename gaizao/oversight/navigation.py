from gaizao.oversight.selectors import READER_ROLES
from gaizao.ui.navigation import NavItem

NAV = [
    NavItem("oversight:home", "目标与进度", "Targets and progress", roles=READER_ROLES, order=60),
    NavItem("oversight:returns", "统计报表", "Statistical returns", roles=READER_ROLES, order=61),
    NavItem("oversight:inspections", "督查", "City inspections", roles=READER_ROLES, order=62),
    NavItem("oversight:assessment", "区县考核", "District assessment", roles=READER_ROLES, order=63),
    NavItem(
        "oversight:project_evaluations", "项目绩效评价", "Project evaluation", roles=READER_ROLES, order=63
    ),
    NavItem("oversight:public_progress", "改造进度公开", "Progress by district", anonymous=True, order=64),
]
