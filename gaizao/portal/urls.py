from django.urls import path

from gaizao.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("progress.json", views.progress_json, name="progress_json"),
    path("map.json", views.map_json, name="map_json"),
    path("completed/", views.completed_list, name="completed_list"),
    path("completed/<int:pk>/", views.completed, name="completed"),
]
