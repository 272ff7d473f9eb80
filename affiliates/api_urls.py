"""The agency API, included by shopops.api_urls under ``partner/`` (names are ``api:partner_…``)."""

from django.urls import path

from affiliates import api

urlpatterns = [
    path("shops/", api.PartnerShopsApi.as_view(), name="partner_shops"),
    path("products/", api.PartnerProductsApi.as_view(), name="partner_products"),
    path("commission-orders/", api.PartnerCommissionOrdersApi.as_view(), name="partner_commission_orders"),
    path("commission-orders/totals/", api.PartnerCommissionTotalsApi.as_view(), name="partner_commission_totals"),
    path(
        "commission-orders/<str:order_id>/<str:sku_id>/",
        api.PartnerCommissionOrderApi.as_view(),
        name="partner_commission_order",
    ),
]
