from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ShopOpsConfig(AppConfig):
    name = "shopops"
    verbose_name = _("Shops")

    def ready(self):
        from shopops import audit

        audit.register_models()


class ShopOpsAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with ShopOps's admin site (named in INSTALLED_APPS instead of django.contrib.admin)."""

    default = False  # shopops's own config stays ShopOpsConfig
    default_site = "shopops.admin_site.ShopOpsAdminSite"
