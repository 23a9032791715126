from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from gaizao.registry import views

app_name = "registry"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.community_list, name="list"),
    path("communities/<int:pk>/", views.community_detail, name="detail"),
    path("map/", views.community_map, name="map"),
    path("survey/", views.completeness, name="completeness"),
    path("screening/", views.screening, name="screening"),
    path("screening/rescreen/", views.rescreen, name="rescreen"),
    path("exports/<uuid:job_id>/download/", views.export_download, name="export_download"),
]

urlpatterns.append(path("", include("gaizao.registry.urls_import")))
