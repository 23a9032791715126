from django.urls import path

from gaizao.delivery import views

app_name = "delivery"
urlpatterns = [
    path("", views.home, name="home"),
    path("map.json", views.map_data, name="map"),
    path("export.xlsx", views.export, name="export"),
    path("open/", views.open_delivery, name="open"),
    path("escalate/", views.escalate, name="escalate"),
    path("organisations/", views.organisations, name="organisations"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/contracts/", views.contract_add, name="contract_add"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("<int:pk>/inspect/", views.inspect, name="inspect"),
    path("<int:pk>/report-finding/", views.report_finding, name="report_finding"),
    path("<int:pk>/acceptance/", views.acceptance, name="acceptance"),
    path("<int:pk>/acceptance.docx", views.acceptance_document, name="acceptance_document"),
    path("<int:pk>/handover/", views.handover, name="handover"),
    path("approvals/<int:pk>/", views.approval, name="approval"),
    path("milestones/<int:pk>/progress/", views.milestone_progress, name="milestone_progress"),
    path("orders/<int:pk>/reply/", views.order_reply, name="order_reply"),
    path("orders/<int:pk>/review/", views.order_review, name="order_review"),
    path("files/<str:kind>/<int:pk>/", views.file, name="file"),
]
