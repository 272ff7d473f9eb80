from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Incentives")

    def ready(self):
        # Each stored page of orders or after-sales queues its orders for the hourly evaluation of the incentives.
        from incentives.services.evaluation import orders_stored_receiver
        from shopops.sync.store import orders_stored

        orders_stored.connect(orders_stored_receiver, dispatch_uid="incentives.evaluation")
