from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AffiliatesConfig(AppConfig):
    name = "affiliates"
    verbose_name = _("Alliance")

    def ready(self):
        # Each stored page of orders or after-sales updates its commission lines (the core sends the signal and
        # knows nothing of the alliance).
        from affiliates.services.commissions import orders_stored_receiver
        from shopops.sync.store import orders_stored

        orders_stored.connect(orders_stored_receiver, dispatch_uid="affiliates.commissions")
