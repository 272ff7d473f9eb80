"""The campaign pages of the merchant console, included in the console's URLs (``console:…``). One module per
feature, like affiliates.urls."""

from django.urls import include, path

urlpatterns = [
    path("", include("campaigns.urls.coupons")),
    path("", include("campaigns.urls.previews")),
    path("", include("campaigns.urls.plays")),
    path("", include("campaigns.urls.analytics")),
]
