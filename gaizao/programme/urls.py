from django.urls import path

from gaizao.programme import views

app_name = "programme"
urlpatterns = [
    path("", views.home, name="home"),
    path("city/", views.city, name="city"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/move/", views.project_move, name="project_move"),
    path("projects/<int:pk>/ballots/", views.project_ballot_create, name="project_ballot_create"),
    path(
        "projects/<int:pk>/conditions.docx",
        views.project_conditions_document,
        name="project_conditions_document",
    ),
    path("projects/<int:pk>/plan/", views.plan_edit, name="plan"),
    path("projects/<int:pk>/plan/preview/", views.plan_preview, name="plan_preview"),
    path("projects/<int:pk>/plan/finalise/", views.plan_finalise, name="plan_finalise"),
    path("projects/<int:pk>/plan/reopen/", views.plan_reopen, name="plan_reopen"),
    path("projects/<int:pk>/consultation/", views.consultation_start, name="consultation_start"),
    path("projects/<int:pk>/publish/", views.publication_start, name="publication_start"),
    path("plan-versions/<int:pk>/", views.plan_version, name="plan_version"),
    path("consultations/", views.consultation_list, name="consultations"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation"),
    path("consultations/<int:pk>/remind/", views.consultation_remind, name="consultation_remind"),
    path("consultations/<int:pk>/complete/", views.consultation_complete, name="consultation_complete"),
    path("consultations/<int:pk>/document.docx", views.consultation_document, name="consultation_document"),
    path("publications/<int:pk>/", views.publication_detail, name="publication"),
    path("comments/<int:pk>/reply/", views.comment_reply, name="comment_reply"),
    path("public/", views.public_list, name="public_list"),
    path("public/<uuid:public_id>/", views.public_publication, name="public_publication"),
    path("annual/", views.annual_list, name="annual_list"),
    path("annual/<int:pk>/", views.annual_detail, name="annual"),
    path("annual/<int:pk>/submit/", views.annual_submit, name="annual_submit"),
    path("annual/<int:pk>/review/", views.annual_review, name="annual_review"),
    path("annual/<int:pk>/approve/", views.annual_approve, name="annual_approve"),
    path("annual/<int:pk>/export.xlsx", views.annual_export, name="annual_export"),
    path("unit-rates/", views.unit_rates, name="unit_rates"),
]
