from django.urls import path

from gaizao.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("progress.json", views.progress_json, name="progress_json"),
]
