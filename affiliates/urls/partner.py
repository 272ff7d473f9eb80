"""The partner portal (/partner/, names ``partner:…``): every page is the signed-in agency's own."""

from django.urls import path

from affiliates.views import partner as views

app_name = "partner"

urlpatterns = [
    path("", views.PartnerHomeView.as_view(), name="home"),
    path("login/", views.PartnerLoginView.as_view(), name="login"),
    path("logout/", views.PartnerLogoutView.as_view(), name="logout"),
    path("shops/", views.ShopsView.as_view(), name="shops"),
    path("invitations/<int:pk>/", views.InvitationDecideView.as_view(), name="invitation_decide"),
    path("products/", views.ProductsView.as_view(), name="products"),
    path("products/<int:pk>/qr.png", views.ProductQrView.as_view(), name="product_qr"),
    path("commissions/", views.CommissionsView.as_view(), name="commissions"),
    path("commissions/export.csv", views.CommissionExportView.as_view(file_format="csv"), name="commissions_csv"),
    path("commissions/export.xlsx", views.CommissionExportView.as_view(file_format="xlsx"), name="commissions_xlsx"),
    path("sharers/", views.SharersView.as_view(), name="sharers"),
    path("sharers/<int:pk>/", views.SharerEditView.as_view(), name="sharer_edit"),
    path("funds/", views.FundsView.as_view(), name="funds"),
    path("api-keys/", views.APIKeysView.as_view(), name="api_keys"),
    path("api-keys/new/", views.APIKeyCreateView.as_view(), name="api_key_create"),
    path("api-keys/<slug:prefix>/revoke/", views.APIKeyRevokeView.as_view(), name="api_key_revoke"),
]
