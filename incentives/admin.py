"""Support staff's view of the 私域激励 data: read-only copies of the platform's fund flows."""

from django.contrib import admin
from django.utils.functional import lazy

from incentives.models import OrderFlow
from shopops.admin import MoneyAdminMixin, ReadOnlyAdmin


def _without_unit(name) -> str:
    return str(name).replace(" (fen)", "").replace("（分）", "")


@admin.register(OrderFlow)
class OrderFlowAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Synced from funds/listorderflow (incentives.flows_sync): what the platform charged each order."""

    money_titles = {
        field.name: lazy(_without_unit, str)(field.verbose_name)
        for field in OrderFlow._meta.fields
        if field.name.endswith("_fen")
    }
    list_display = (
        "order_id",
        "shop",
        "settle_state",
        "buyer_paid_yuan",
        "original_platform_commission_yuan",
        "platform_commission_yuan",
        "paid_time",
    )
    list_filter = ("settle_state",)
    search_fields = ("order_id", "shop__name")
    list_select_related = ("shop",)
    show_full_result_count = False
    ordering = ("-paid_time",)
