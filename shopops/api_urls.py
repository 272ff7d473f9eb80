from django.urls import path

from shopops import api

app_name = "api"

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="me"),
    path("auth/token/", api.TokenApi.as_view(), name="token"),
]
