from django.urls import path

from shopops import views
from shopops.views import accounts, catalog, dashboard, orders, sync

app_name = "console"

urlpatterns = [
    path("", views.index, name="index"),
    path("login/", views.ConsoleLoginView.as_view(), name="login"),
    path("logout/", views.ConsoleLogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("shops/new/", views.ShopCreateView.as_view(), name="shop_create"),
    path("shops/<uuid:shop>/", dashboard.ShopHomeView.as_view(), name="shop_home"),
    path("shops/<uuid:shop>/settings/", views.ShopSettingsView.as_view(), name="shop_settings"),
    path("shops/<uuid:shop>/members/", views.MemberListView.as_view(), name="members"),
    path("shops/<uuid:shop>/members/<int:pk>/role/", views.MemberRoleView.as_view(), name="member_role"),
    path("shops/<uuid:shop>/members/<int:pk>/remove/", views.MemberRemoveView.as_view(), name="member_remove"),
    path("shops/<uuid:shop>/products/", catalog.ProductListView.as_view(), name="products"),
    path("shops/<uuid:shop>/products/<str:product_id>/", catalog.ProductDetailView.as_view(), name="product_detail"),
    path("shops/<uuid:shop>/sync/", sync.SyncHealthView.as_view(), name="sync_health"),
    path("shops/<uuid:shop>/sync/progress/", sync.SyncProgressView.as_view(), name="sync_progress"),
    path("shops/<uuid:shop>/sync/now/", sync.SyncNowView.as_view(), name="sync_now"),
    path("shops/<uuid:shop>/sync/backfill/", sync.SyncBackfillView.as_view(), name="sync_backfill"),
    path("shops/<uuid:shop>/connection/", sync.ConnectionView.as_view(), name="connection"),
    path("shops/<uuid:shop>/connection/test/", sync.ConnectionTestView.as_view(), name="connection_test"),
    path("shops/<uuid:shop>/connection/push/", sync.PushSettingsGenerateView.as_view(), name="push_generate"),
    path("shops/<uuid:shop>/orders/", orders.OrderListView.as_view(), name="orders"),
    path("shops/<uuid:shop>/orders/export.csv", orders.OrderExportView.as_view(file_format="csv"), name="orders_csv"),
    path(
        "shops/<uuid:shop>/orders/export.xlsx", orders.OrderExportView.as_view(file_format="xlsx"), name="orders_xlsx"
    ),
    path("shops/<uuid:shop>/orders/<str:order_id>/", orders.OrderDetailView.as_view(), name="order_detail"),
    path("shops/<uuid:shop>/linked-accounts/", accounts.LinkedAccountListView.as_view(), name="linked_accounts"),
    path(
        "shops/<uuid:shop>/linked-accounts/refresh/",
        accounts.LinkedAccountRefreshView.as_view(),
        name="linked_accounts_refresh",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/invite/",
        accounts.LinkedAccountInviteView.as_view(),
        name="linked_account_invite",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/",
        accounts.LinkedAccountDetailView.as_view(),
        name="linked_account_detail",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/identity/",
        accounts.LinkedAccountIdentityView.as_view(),
        name="linked_account_identity",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/display/",
        accounts.LinkedAccountDisplayView.as_view(),
        name="linked_account_display",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/binding/",
        accounts.LinkedAccountBindingView.as_view(),
        name="linked_account_binding",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/sidebar/",
        accounts.LinkedAccountSidebarView.as_view(),
        name="linked_account_sidebar",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/staff/",
        accounts.WecomStaffNameView.as_view(),
        name="wecom_staff_name",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/cancel/",
        accounts.LinkedAccountCancelView.as_view(),
        name="linked_account_cancel",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/unlink/",
        accounts.LinkedAccountUnlinkView.as_view(),
        name="linked_account_unlink",
    ),
    path("shops/<uuid:shop>/cooperation/", accounts.CooperationListView.as_view(), name="cooperation_accounts"),
    path(
        "shops/<uuid:shop>/cooperation/refresh/",
        accounts.CooperationRefreshView.as_view(),
        name="cooperation_refresh",
    ),
    path(
        "shops/<uuid:shop>/cooperation/qrcode/",
        accounts.CooperationQrcodeView.as_view(),
        name="cooperation_qrcode",
    ),
    path(
        "shops/<uuid:shop>/cooperation/<int:pk>/cancel/",
        accounts.CooperationCancelView.as_view(),
        name="cooperation_cancel",
    ),
    path(
        "shops/<uuid:shop>/cooperation/<int:pk>/unbind/",
        accounts.CooperationUnbindView.as_view(),
        name="cooperation_unbind",
    ),
]
