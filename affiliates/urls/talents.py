"""Console pages of 优选联盟: talents, thresholds, exclusive terms and agency cooperations (names are
``console:…``)."""

from django.urls import path

from affiliates.views import agencies, talents

PREFIX = "shops/<uuid:shop>/alliance/"

urlpatterns = [
    path(f"{PREFIX}talents/", talents.TalentListView.as_view(), name="affiliate_talents"),
    path(f"{PREFIX}talents/sync/", talents.TalentsSyncView.as_view(), name="affiliate_talents_sync"),
    path(f"{PREFIX}talents/invite/", talents.TalentInviteView.as_view(), name="affiliate_talent_invite"),
    path(f"{PREFIX}talents/thresholds/", talents.ThresholdsView.as_view(), name="affiliate_thresholds"),
    path(f"{PREFIX}talents/<int:pk>/", talents.TalentDetailView.as_view(), name="affiliate_talent_detail"),
    path(f"{PREFIX}talents/<int:pk>/<str:action>/", talents.TalentActionView.as_view(), name="affiliate_talent_action"),
    path(
        f"{PREFIX}talents/<int:pk>/exclusive/new/",
        talents.ExclusiveCreateView.as_view(),
        name="affiliate_exclusive_create",
    ),
    path(f"{PREFIX}exclusive/<int:pk>/edit/", talents.ExclusiveEditView.as_view(), name="affiliate_exclusive_edit"),
    path(
        f"{PREFIX}exclusive/<int:pk>/delete/", talents.ExclusiveDeleteView.as_view(), name="affiliate_exclusive_delete"
    ),
    path(f"{PREFIX}agencies/", agencies.AgencyListView.as_view(), name="affiliate_agencies"),
    path(f"{PREFIX}agencies/refresh/", agencies.AgencyRefreshView.as_view(), name="affiliate_agencies_refresh"),
    path(f"{PREFIX}agencies/invite/", agencies.AgencyInviteView.as_view(), name="affiliate_agency_invite"),
    path(
        f"{PREFIX}agencies/<int:pk>/<str:action>/", agencies.AgencyActionView.as_view(), name="affiliate_agency_action"
    ),
]
