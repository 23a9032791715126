from django.urls import path

from gaizao.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.home, name="home"),
    path("targets/", views.targets, name="targets"),
    path("returns/", views.returns, name="returns"),
    path("returns/export.xlsx", views.returns_export, name="returns_export"),
    path("returns/cell/", views.returns_cell, name="returns_cell"),
    path("inspections/", views.inspections, name="inspections"),
    path("assessment/", views.assessment, name="assessment"),
    path("assessment/compute/", views.assessment_compute, name="assessment_compute"),
    path("assessment/<int:year>/publish/", views.assessment_publish, name="assessment_publish"),
    path("assessment/<int:year>/<str:code>/", views.assessment_district, name="assessment_district"),
    path("evaluation/<int:year>/<str:code>/report.docx", views.evaluation_report, name="evaluation_report"),
    path("evaluation/projects/", views.project_evaluations, name="project_evaluations"),
    path("evaluation/projects/<int:pk>/", views.project_evaluation, name="project_evaluation"),
    path(
        "evaluation/projects/<int:pk>/report.docx",
        views.project_evaluation_report,
        name="project_evaluation_report",
    ),
    path("public/", views.public_progress, name="public_progress"),
    path("public/projects.csv", views.public_projects_csv, name="public_projects_csv"),
    path("public/projects.json", views.public_projects_json, name="public_projects_json"),
]
