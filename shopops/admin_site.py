"""The admin site support staff use: ``settings.INSTALLED_APPS`` names ``shopops.apps.ShopOpsAdminConfig``, whose
default site is this class, so every app's ``admin.site.register`` and shopops.urls stay as they are. Kept apart
from shopops.admin, which registers models on the site this module defines."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

PRODUCT_APPS = ("shopops", "linked_accounts", "campaigns", "affiliates", "incentives")
EMULATOR_APPS = ("sandbox",)
# Third-party apps whose names do not come translated (django-axes has none; django-auditlog's msgid is kept in our
# catalogue by naming it here).
TOOL_APP_NAMES = {"auditlog": _("Audit log"), "axes": _("Sign-in protection")}


class ShopOpsAdminSite(admin.AdminSite):
    """The app list in the order support staff work: the product's own apps (core first), then the tools (users,
    audit log, task queue… by name), then the platform emulator, which is not the product. No navigation sidebar:
    the change lists get the whole width of the window."""

    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        def rank(app):
            label = app["app_label"]
            if label in PRODUCT_APPS:
                return (0, PRODUCT_APPS.index(label), "")
            return (2 if label in EMULATOR_APPS else 1, 0, app["name"].lower())

        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            app["name"] = TOOL_APP_NAMES.get(app["app_label"], app["name"])
        return sorted(app_list, key=rank)
