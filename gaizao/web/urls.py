from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from gaizao.api.api import api
from gaizao.web import views

#: app → URL prefix; every listed app provides ``urls.py`` (a missing one is an error, not a silent gap)
APP_PREFIXES = {
    "accounts": "accounts/",
    "registry": "registry/",
    "lifecircle": "lifecircle/",
    "participation": "participation/",
    "programme": "programme/",
    "delivery": "delivery/",
    "money": "money/",
    "stewardship": "stewardship/",
    "planning": "planning/",
    "oversight": "oversight/",
    "portal": "public/",
}

app_urls = [path(prefix, include(f"gaizao.{app}.urls")) for app, prefix in APP_PREFIXES.items()]

web_patterns = (
    [
        path("", views.home, name="home"),
        path("map/", views.division_map, name="map"),
        path("map/basemap.json", views.basemap, name="basemap"),
        path("tokens/", views.tokens, name="tokens"),
        path("history/<str:label>/<str:pk>/", views.history, name="history"),
        path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
        path("lang/", views.set_language, name="set_language"),
    ],
    "web",
)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("", include(web_patterns)),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    *app_urls,
]
