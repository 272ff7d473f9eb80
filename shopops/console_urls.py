from django.urls import include, path

from shopops.views import auth, catalog, connection, dashboard, members, orders, shops, sync

app_name = "console"

urlpatterns = [
    path("", shops.index, name="index"),
    path("login/", auth.ConsoleLoginView.as_view(), name="login"),
    path("logout/", auth.ConsoleLogoutView.as_view(), name="logout"),
    path("password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("shops/new/", shops.ShopCreateView.as_view(), name="shop_create"),
    path("shops/<uuid:shop>/", dashboard.ShopHomeView.as_view(), name="shop_home"),
    path("shops/<uuid:shop>/settings/", shops.ShopSettingsView.as_view(), name="shop_settings"),
    path("shops/<uuid:shop>/members/", members.MemberListView.as_view(), name="members"),
    path("shops/<uuid:shop>/members/<int:pk>/role/", members.MemberRoleView.as_view(), name="member_role"),
    path("shops/<uuid:shop>/members/<int:pk>/remove/", members.MemberRemoveView.as_view(), name="member_remove"),
    path("shops/<uuid:shop>/products/", catalog.ProductListView.as_view(), name="products"),
    path("shops/<uuid:shop>/products/<str:product_id>/", catalog.ProductDetailView.as_view(), name="product_detail"),
    path("shops/<uuid:shop>/sync/", sync.SyncHealthView.as_view(), name="sync_health"),
    path("shops/<uuid:shop>/sync/progress/", sync.SyncProgressView.as_view(), name="sync_progress"),
    path("shops/<uuid:shop>/sync/now/", sync.SyncNowView.as_view(), name="sync_now"),
    path("shops/<uuid:shop>/sync/backfill/", sync.SyncBackfillView.as_view(), name="sync_backfill"),
    path("shops/<uuid:shop>/connection/", connection.ConnectionView.as_view(), name="connection"),
    path("shops/<uuid:shop>/connection/test/", connection.ConnectionTestView.as_view(), name="connection_test"),
    path("shops/<uuid:shop>/connection/push/", connection.PushSettingsGenerateView.as_view(), name="push_generate"),
    path("shops/<uuid:shop>/orders/", orders.OrderListView.as_view(), name="orders"),
    path("shops/<uuid:shop>/orders/export.csv", orders.OrderExportView.as_view(file_format="csv"), name="orders_csv"),
    path(
        "shops/<uuid:shop>/orders/export.xlsx", orders.OrderExportView.as_view(file_format="xlsx"), name="orders_xlsx"
    ),
    path("shops/<uuid:shop>/orders/<str:order_id>/", orders.OrderDetailView.as_view(), name="order_detail"),
    path("", include("linked_accounts.urls")),
    path("", include("affiliates.urls.console")),
    path("", include("campaigns.urls")),
    path("", include("incentives.urls")),
]
