from django.urls import path

from gaizao.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.home, name="home"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/map.json", views.plan_map, name="plan_map"),
    path("plans/<int:pk>/document.docx", views.plan_document, name="plan_document"),
    path("plans/<int:pk>/proposals/", views.plan_proposals, name="plan_proposals"),
    path("plans/<int:pk>/units/new/", views.unit_new, name="unit_new"),
    path("plans/<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/review/", views.plan_review, name="plan_review"),
    path("plans/<int:pk>/version/", views.plan_new_version, name="plan_new_version"),
    path("units/<int:pk>/", views.unit_edit, name="unit"),
    path("units/<int:pk>/toggle/", views.unit_toggle, name="unit_toggle"),
    path("units/<int:pk>/delete/", views.unit_delete, name="unit_delete"),
    path("optimiser/", views.optimiser, name="optimiser"),
    path("optimiser/<int:pk>/", views.run_detail, name="run"),
    path("optimiser/<int:pk>/whatif/", views.run_whatif, name="run_whatif"),
    path("optimiser/<int:pk>/save/", views.run_save, name="run_save"),
]
