"""Console pages of 优选联盟: commissions, their differences and the report (names are ``console:…``)."""

from django.urls import path

from affiliates.views import commissions as views

PREFIX = "shops/<uuid:shop>/alliance/commissions/"

urlpatterns = [
    path(PREFIX, views.CommissionListView.as_view(), name="affiliate_commissions"),
    path(
        PREFIX + "export.csv", views.CommissionExportView.as_view(file_format="csv"), name="affiliate_commissions_csv"
    ),
    path(
        PREFIX + "export.xlsx",
        views.CommissionExportView.as_view(file_format="xlsx"),
        name="affiliate_commissions_xlsx",
    ),
    path(PREFIX + "differences/", views.DifferenceListView.as_view(), name="affiliate_differences"),
    path(PREFIX + "reports/", views.CommissionReportView.as_view(), name="affiliate_reports"),
    path(
        PREFIX + "reports/export.csv", views.ReportExportView.as_view(file_format="csv"), name="affiliate_reports_csv"
    ),
    path(
        PREFIX + "reports/export.xlsx",
        views.ReportExportView.as_view(file_format="xlsx"),
        name="affiliate_reports_xlsx",
    ),
]
