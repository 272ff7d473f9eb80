"""Campaign console pages: live previews (直播预告), their promoters and the console notifications."""

from django.urls import path

from campaigns.views import previews as views

PREFIX = "shops/<uuid:shop>/campaigns/previews/"

urlpatterns = [
    path(PREFIX, views.PreviewListView.as_view(), name="preview_list"),
    path(f"{PREFIX}sync/", views.PreviewSyncView.as_view(), name="preview_sync"),
    path(f"{PREFIX}new/", views.PreviewPlanView.as_view(), name="preview_plan"),
    path(f"{PREFIX}<int:pk>/", views.PreviewDetailView.as_view(), name="preview_detail"),
    path(f"{PREFIX}<int:pk>/edit/", views.PreviewEditView.as_view(), name="preview_edit"),
    path(f"{PREFIX}<int:pk>/delete/", views.PreviewDeleteView.as_view(), name="preview_delete"),
    path(f"{PREFIX}<int:pk>/promoters/sharer/", views.PromoterSharerAddView.as_view(), name="preview_sharer_add"),
    path(f"{PREFIX}<int:pk>/promoters/own/", views.PromoterOwnAddView.as_view(), name="preview_own_add"),
    path(
        f"{PREFIX}<int:pk>/promoters/refresh/", views.PromotersRefreshView.as_view(), name="preview_promoters_refresh"
    ),
    path(f"{PREFIX}promoters/<int:pk>/counts/", views.PromoterCountsView.as_view(), name="preview_promoter_counts"),
    path(f"{PREFIX}promoters/<int:pk>/delete/", views.PromoterDeleteView.as_view(), name="preview_promoter_delete"),
    path(f"{PREFIX}promoters/<int:pk>/qr.svg", views.PromoterQrView.as_view(), name="preview_promoter_qr"),
    path(f"{PREFIX}promoters/<int:pk>/poster.png", views.PromoterPosterView.as_view(), name="preview_promoter_poster"),
    path(
        "shops/<uuid:shop>/campaigns/notifications/", views.NotificationListView.as_view(), name="preview_notifications"
    ),
]
