from django.urls import path

from gaizao.stewardship import views

app_name = "stewardship"
urlpatterns = [
    path("", views.home, name="home"),
    path("coverage/", views.coverage, name="coverage"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("members/", views.member_link, name="member_link"),
    path("coverage.xlsx", views.coverage_export, name="coverage_export"),
    path("communities/<int:pk>/", views.community, name="community"),
    path("communities/<int:pk>/contracts/", views.contract_add, name="contract_add"),
    path("communities/<int:pk>/fund/", views.fund_add, name="fund_add"),
    path("communities/<int:pk>/disclose/", views.disclose, name="disclose"),
    path("communities/<int:pk>/conventions/", views.convention_add, name="convention_add"),
    path("communities/<int:pk>/fees/", views.fee_add, name="fee_add"),
    path("communities/<int:pk>/findings/", views.company_finding, name="company_finding"),
    path("findings/<int:pk>/order/", views.finding_order, name="finding_order"),
    path("conventions/<int:pk>/file/", views.convention_file, name="convention_file"),
    path("deliveries/<int:delivery_pk>/schedule/", views.schedule, name="schedule"),
    path("deliveries/<int:delivery_pk>/reports/<int:report_pk>/", views.report_take, name="report_take"),
    path("followups/<int:pk>/inspect/", views.inspect, name="inspect"),
    path("projects/<int:project_pk>/plan/", views.plan, name="plan"),
    path("public/communities/<int:pk>/", views.public_community, name="public_community"),
    path("public/conventions/<int:pk>/file/", views.public_convention, name="public_convention"),
]
