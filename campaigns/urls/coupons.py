"""Campaign console pages: coupons (names are ``console:campaign_coupon…``)."""

from django.urls import path

from campaigns.views import coupons

PREFIX = "shops/<uuid:shop>/campaigns/coupons/"

urlpatterns = [
    path(PREFIX, coupons.CouponListView.as_view(), name="campaign_coupons"),
    path(f"{PREFIX}new/", coupons.CouponCreateView.as_view(), name="campaign_coupon_create"),
    path(f"{PREFIX}sync/", coupons.CouponsSyncView.as_view(), name="campaign_coupons_sync"),
    path(f"{PREFIX}<int:pk>/", coupons.CouponDetailView.as_view(), name="campaign_coupon_detail"),
    path(f"{PREFIX}<int:pk>/edit/", coupons.CouponEditView.as_view(), name="campaign_coupon_edit"),
    path(f"{PREFIX}<int:pk>/<str:action>/", coupons.CouponStatusView.as_view(), name="campaign_coupon_status"),
]
