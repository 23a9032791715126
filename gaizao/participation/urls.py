from django.urls import path

from gaizao.participation import views

app_name = "participation"
urlpatterns = [
    path("", views.index, name="index"),
    path("login/", views.owner_login, name="login"),
    path("ballots/new/", views.ballot_new, name="ballot_new"),
    path("ballots/close-due/", views.ballots_close_due, name="ballots_close_due"),
    path("ballots/<int:pk>/", views.ballot_detail, name="ballot"),
    path("ballots/<int:pk>/tally/", views.ballot_tally, name="ballot_tally"),
    path("ballots/<int:pk>/transition/", views.ballot_transition, name="ballot_transition"),
    path("ballots/<int:pk>/vote/", views.ballot_vote, name="ballot_vote"),
    path("ballots/<int:pk>/entries/", views.ballot_entry, name="ballot_entry"),
    path("ballots/<int:pk>/roll/", views.ballot_roll, name="ballot_roll"),
    path(
        "ballots/<int:pk>/roll/corrections/<int:cid>/",
        views.roll_correction_decide,
        name="roll_correction_decide",
    ),
    path("needs/new/", views.needs_new, name="needs_new"),
    path("needs/<int:pk>/", views.needs_detail, name="needs"),
    path("needs/<int:pk>/close/", views.needs_close, name="needs_close"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("evaluations/new/", views.evaluation_new, name="evaluation_new"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("public/", views.public_list, name="public_list"),
    path("public/ballots/<int:pk>/", views.public_ballot, name="public_ballot"),
    path("public/receipt/", views.public_receipt, name="public_receipt"),
]
