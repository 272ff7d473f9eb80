"""The 私域激励 pages of the merchant console, included in the console's URLs (``console:incentive_…``)."""

from django.urls import path

from incentives.views import console as views

PREFIX = "shops/<uuid:shop>/incentives/"
ACCOUNT = PREFIX + "ledger/<str:code>/"  # a ledger account by its code

urlpatterns = [
    path(PREFIX + "reconciliation/", views.ReconciliationView.as_view(), name="incentive_reconciliation"),
    path(PREFIX + "ledger/", views.LedgerView.as_view(), name="incentive_ledger"),
    path(ACCOUNT, views.StatementView.as_view(), name="incentive_statement"),
    path(ACCOUNT + "statement.csv", views.StatementCsvView.as_view(), name="incentive_statement_csv"),
    path(ACCOUNT + "statement.xlsx", views.StatementXlsxView.as_view(), name="incentive_statement_xlsx"),
    path(PREFIX + "forecast/", views.ForecastView.as_view(), name="incentive_forecast"),
]
