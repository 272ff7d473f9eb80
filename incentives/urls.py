"""The 私域激励 pages of the merchant console, included in the console's URLs (``console:incentive_…``)."""

from django.urls import path

from incentives.views import console as views
from incentives.views import rules as rule_views
from incentives.views import staff as staff_views

PREFIX = "shops/<uuid:shop>/incentives/"
ACCOUNT = PREFIX + "ledger/<str:code>/"  # a ledger account by its code
STAFF = PREFIX + "staff/"  # 员工激励: WeCom staff rewards

urlpatterns = [
    path(PREFIX + "reconciliation/", views.ReconciliationView.as_view(), name="incentive_reconciliation"),
    path(PREFIX + "ledger/", views.LedgerView.as_view(), name="incentive_ledger"),
    path(ACCOUNT, views.StatementView.as_view(), name="incentive_statement"),
    path(ACCOUNT + "statement.csv", views.StatementCsvView.as_view(), name="incentive_statement_csv"),
    path(ACCOUNT + "statement.xlsx", views.StatementXlsxView.as_view(), name="incentive_statement_xlsx"),
    path(PREFIX + "forecast/", views.ForecastView.as_view(), name="incentive_forecast"),
    path(PREFIX + "rules/", rule_views.RuleSetListView.as_view(), name="incentive_rules"),
    path(
        PREFIX + "rules/<int:pk>/new-version/",
        rule_views.RuleSetNewVersionView.as_view(),
        name="incentive_rules_new_version",
    ),
    path(PREFIX + "rules/<int:pk>/edit/", rule_views.RuleSetEditView.as_view(), name="incentive_rules_edit"),
    path(STAFF, staff_views.StaffListView.as_view(), name="incentive_staff"),
    path(STAFF + "schemes/", staff_views.StaffSchemeListView.as_view(), name="incentive_staff_schemes"),
    path(STAFF + "schemes/new/", staff_views.StaffSchemeCreateView.as_view(), name="incentive_staff_scheme_create"),
    path(
        STAFF + "schemes/<int:pk>/new-version/",
        staff_views.StaffSchemeNewVersionView.as_view(),
        name="incentive_staff_scheme_new_version",
    ),
    path(STAFF + "<int:pk>/", staff_views.StaffStatementView.as_view(), name="incentive_staff_statement"),
    path(
        STAFF + "<int:pk>/statement.csv",
        staff_views.StaffStatementCsvView.as_view(),
        name="incentive_staff_statement_csv",
    ),
    path(STAFF + "<int:pk>/edit/", staff_views.StaffMemberEditView.as_view(), name="incentive_staff_member_edit"),
    path(STAFF + "<int:pk>/payout/", staff_views.StaffPayoutView.as_view(), name="incentive_staff_payout"),
]

# 电商成长卡 (incentives.views.growth)
from incentives.views import growth as growth_views  # noqa: E402

CARD = PREFIX + "growth-cards/<int:pk>/"
urlpatterns += [
    path(PREFIX + "growth-cards/", growth_views.GrowthCardListView.as_view(), name="growth_card_list"),
    path(PREFIX + "growth-cards/new/", growth_views.GrowthCardCreateView.as_view(), name="growth_card_create"),
    path(CARD, growth_views.GrowthCardDetailView.as_view(), name="growth_card_detail"),
    path(
        CARD + "boosts/<int:spend>/reverse/",
        growth_views.CardSpendReverseView.as_view(),
        name="growth_card_spend_reverse",
    ),
]
