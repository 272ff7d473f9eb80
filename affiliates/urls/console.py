"""The alliance (优选联盟) pages of the merchant console, included in the console's URLs (``console:…``)."""

from django.urls import include, path

urlpatterns = [
    path("", include("affiliates.urls.plans")),
    path("", include("affiliates.urls.talents")),
    path("", include("affiliates.urls.commissions")),
]
