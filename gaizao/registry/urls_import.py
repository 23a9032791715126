"""Import, template and export URLs; included inside the ``registry`` namespace by ``gaizao/registry/urls.py``."""

from __future__ import annotations

from django.urls import path

from gaizao.registry import views_import

urlpatterns = [
    path("import/", views_import.import_page, name="import"),
    path("import/<uuid:job_id>/", views_import.import_result, name="import_result"),
    path("import/<uuid:job_id>/report.xlsx", views_import.import_report, name="import_report"),
    path("import/templates/<str:kind>.xlsx", views_import.import_template, name="import_template"),
    path("export/", views_import.export_view, name="export"),
]
