from django.urls import path

from gaizao.money import views

app_name = "money"
urlpatterns = [
    path("", views.home, name="home"),
    path("ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("projects/<int:pk>/entries/", views.entry_create, name="entry_create"),
    path("projects/<int:pk>/close/", views.account_close, name="account_close"),
    path("projects/<int:pk>/applications/", views.application_create, name="application_create"),
    path("projects/<int:pk>/final-accounts/", views.final_accounts, name="final_accounts"),
    path("projects/<int:pk>/shares/", views.shares, name="shares"),
    path("projects/<int:pk>/ledger.xlsx", views.project_ledger_export, name="project_ledger_export"),
    path("projects/<int:pk>/statement.xlsx", views.funding_statement, name="funding_statement"),
    path("entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("applications/<int:pk>/decision/", views.application_decide, name="application_decide"),
    path("applications/<int:pk>/receipts/", views.application_receive, name="application_receive"),
    path("settlements/<int:pk>/", views.settlement, name="settlement"),
    path("settlements/<int:pk>/settlement.xlsx", views.settlement_export, name="settlement_export"),
]
