"""Console pages of 优选联盟: promotion plans and the shop's enrolment state (names are ``console:…``)."""

from django.urls import path

from affiliates.views import plans as views

PREFIX = "shops/<uuid:shop>/alliance/plans/"

urlpatterns = [
    path(PREFIX, views.PlanListView.as_view(), name="affiliate_plans"),
    path(PREFIX + "new/", views.PlanCreateView.as_view(), name="affiliate_plan_create"),
    path(PREFIX + "agency/new/", views.AgencyPlanCreateView.as_view(), name="affiliate_agency_plan_create"),
    path(PREFIX + "sync/", views.PlansSyncView.as_view(), name="affiliate_plans_sync"),
    path(PREFIX + "league-check/", views.LeagueCheckView.as_view(), name="affiliate_league_check"),
    path(PREFIX + "<int:pk>/", views.PlanDetailView.as_view(), name="affiliate_plan_detail"),
    path(PREFIX + "<int:pk>/edit/", views.PlanEditView.as_view(), name="affiliate_plan_edit"),
    path(PREFIX + "<int:pk>/<slug:action>/", views.PlanActionView.as_view(), name="affiliate_plan_action"),
]
