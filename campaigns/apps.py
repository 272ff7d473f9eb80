from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self):
        from campaigns.services.coupons import coupon_events_handle
        from shopops.sync import engine

        # Coupon push events go through the coupon upserts (see campaigns.coupons_sync).
        for prefix in ("channels_ec_coupon_", "channels_ec_user_coupon_"):
            if all(p != prefix for p, _h in engine.EVENT_HANDLERS):
                engine.EVENT_HANDLERS.append((prefix, coupon_events_handle))
