"""Support staff's view of the 私域激励 data, all read-only: the platform's fund flows (a synced copy) and the ledger
(append-only: a correction is a reversing journal posted by the services, never an edit here)."""

from django.contrib import admin
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from incentives.models import Entry, Journal, LedgerAccount, OrderFlow
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


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "shop", "created_at")
    list_filter = ("kind",)
    search_fields = ("code", "name", "shop__name")
    list_select_related = ("shop",)


class EntryInline(MoneyAdminMixin, admin.TabularInline):
    model = Entry
    money_titles = {"amount_fen": _("Amount (debit > 0 > credit)")}
    fields = ("account", "amount_fen")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Journal)
class JournalAdmin(ReadOnlyAdmin):
    list_display = ("booked_on", "key", "kind", "shop", "reverses", "created_at")
    list_filter = ("kind", "booked_on")
    search_fields = ("key", "memo", "shop__name")
    list_select_related = ("shop", "reverses")
    inlines = [EntryInline]
    show_full_result_count = False


@admin.register(Entry)
class EntryAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"amount_fen": _("Amount (debit > 0 > credit)")}
    list_display = ("journal", "account", "amount_yuan")
    list_filter = ("account__kind",)
    search_fields = ("journal__key", "account__code")
    list_select_related = ("journal", "account")
    show_full_result_count = False


import incentives.admin_growth  # noqa: E402, F401  (the growth-card part registers its own)
import incentives.admin_staff  # noqa: E402, F401  (the staff rewards part registers its own)
from incentives import admin_rules  # noqa: E402, F401  (the rules part registers its own)
