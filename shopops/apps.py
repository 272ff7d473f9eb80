from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopOpsConfig(AppConfig):
    name = "shopops"
    verbose_name = _("Shops")

    def ready(self):
        from shopops import audit

        audit.register_models()
