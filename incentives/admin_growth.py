"""电商成长卡 in the admin: support staff look. Cards and boosts change only through the console's services
(incentives.services.growth), which post their journals to the ledger; an edit here would leave the ledger behind,
so the admin is read-only. Money shows as yuan; changes to these rows are in the audit log (shopops.audit)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from incentives.models import CardSpend, GrowthCard
from shopops.admin import MoneyAdminMixin, ReadOnlyAdmin


class CardSpendInline(MoneyAdminMixin, admin.TabularInline):
    model = CardSpend
    money_titles = {"amount_fen": _("Amount")}
    fields = ("spent_on", "live_name", "live_id", "amount_fen", "memo", "journal")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GrowthCard)
class GrowthCardAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"face_value_fen": _("Face value")}
    list_display = ("card_number", "shop", "face_value_yuan", "issued_on", "valid_until", "source", "programme_month")
    list_filter = ("source", "valid_until")
    search_fields = ("card_number", "shop__name")
    list_select_related = ("shop",)
    inlines = [CardSpendInline]


@admin.register(CardSpend)
class CardSpendAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"amount_fen": _("Amount")}
    list_display = ("spent_on", "card", "shop", "live_name", "amount_yuan", "journal")
    list_filter = ("spent_on",)
    search_fields = ("card__card_number", "live_name", "live_id", "shop__name")
    list_select_related = ("card", "shop", "journal")
    show_full_result_count = False
