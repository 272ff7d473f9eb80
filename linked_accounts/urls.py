"""The linked-account and cooperation-account pages, included in the console's URLs (their names are
``console:…``)."""

from django.urls import path

from linked_accounts.views import cooperation, linked_accounts

urlpatterns = [
    path("shops/<uuid:shop>/linked-accounts/", linked_accounts.LinkedAccountListView.as_view(), name="linked_accounts"),
    path(
        "shops/<uuid:shop>/linked-accounts/refresh/",
        linked_accounts.LinkedAccountRefreshView.as_view(),
        name="linked_accounts_refresh",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/invite/",
        linked_accounts.LinkedAccountInviteView.as_view(),
        name="linked_account_invite",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/record/",
        linked_accounts.LinkedAccountRecordView.as_view(),
        name="linked_account_record",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/",
        linked_accounts.LinkedAccountDetailView.as_view(),
        name="linked_account_detail",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/identity/",
        linked_accounts.LinkedAccountIdentityView.as_view(),
        name="linked_account_identity",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/display/",
        linked_accounts.LinkedAccountDisplayView.as_view(),
        name="linked_account_display",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/binding/",
        linked_accounts.LinkedAccountBindingView.as_view(),
        name="linked_account_binding",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/sidebar/",
        linked_accounts.LinkedAccountSidebarView.as_view(),
        name="linked_account_sidebar",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/staff/",
        linked_accounts.WecomStaffNameView.as_view(),
        name="wecom_staff_name",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/cancel/",
        linked_accounts.LinkedAccountCancelView.as_view(),
        name="linked_account_cancel",
    ),
    path(
        "shops/<uuid:shop>/linked-accounts/<int:pk>/unlink/",
        linked_accounts.LinkedAccountUnlinkView.as_view(),
        name="linked_account_unlink",
    ),
    path("shops/<uuid:shop>/cooperation/", cooperation.CooperationListView.as_view(), name="cooperation_accounts"),
    path(
        "shops/<uuid:shop>/cooperation/refresh/",
        cooperation.CooperationRefreshView.as_view(),
        name="cooperation_refresh",
    ),
    path(
        "shops/<uuid:shop>/cooperation/qrcode/",
        cooperation.CooperationQrcodeView.as_view(),
        name="cooperation_qrcode",
    ),
    path(
        "shops/<uuid:shop>/cooperation/<int:pk>/cancel/",
        cooperation.CooperationCancelView.as_view(),
        name="cooperation_cancel",
    ),
    path(
        "shops/<uuid:shop>/cooperation/<int:pk>/unbind/",
        cooperation.CooperationUnbindView.as_view(),
        name="cooperation_unbind",
    ),
]
