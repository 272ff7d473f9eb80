from django.urls import path

from shopops import views

app_name = "console"

urlpatterns = [
    path("", views.index, name="index"),
    path("login/", views.ConsoleLoginView.as_view(), name="login"),
    path("logout/", views.ConsoleLogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("shops/new/", views.ShopCreateView.as_view(), name="shop_create"),
    path("shops/<uuid:shop>/", views.ShopHomeView.as_view(), name="shop_home"),
    path("shops/<uuid:shop>/settings/", views.ShopSettingsView.as_view(), name="shop_settings"),
    path("shops/<uuid:shop>/members/", views.MemberListView.as_view(), name="members"),
    path("shops/<uuid:shop>/members/<int:pk>/role/", views.MemberRoleView.as_view(), name="member_role"),
    path("shops/<uuid:shop>/members/<int:pk>/remove/", views.MemberRemoveView.as_view(), name="member_remove"),
]
