from django.urls import path

from affiliates.views import partner as views

app_name = "partner"

urlpatterns = [
    path("", views.PartnerHomeView.as_view(), name="home"),
    path("login/", views.PartnerLoginView.as_view(), name="login"),
    path("logout/", views.PartnerLogoutView.as_view(), name="logout"),
]
