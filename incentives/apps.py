from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Incentives")

    def ready(self):
        from incentives.flows_sync import SETTLE_EVENT, settle_events_handle
        from shopops.sync import engine

        # A settled order's fund flow is final: refresh it on the settle push (see incentives.flows_sync).
        if all(p != SETTLE_EVENT for p, _h in engine.EVENT_HANDLERS):
            engine.EVENT_HANDLERS.append((SETTLE_EVENT, settle_events_handle))
