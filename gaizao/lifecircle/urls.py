from django.urls import path

from gaizao.lifecircle import views

app_name = "lifecircle"

urlpatterns = [
    path("", views.index, name="index"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/siting/", views.siting, name="siting"),
    path("siting/<int:pk>/", views.proposal, name="proposal"),
    path("siting/<int:pk>/save/", views.proposal_save, name="proposal_save"),
    path("communities/<int:pk>/", views.community, name="community"),
    path("networks/", views.networks, name="networks"),
]
