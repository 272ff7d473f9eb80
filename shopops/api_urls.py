from django.urls import include, path

from shopops import api

app_name = "api"

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="me"),
    path("auth/token/", api.TokenApi.as_view(), name="token"),
    path("partner/", include("affiliates.api_urls")),
]
