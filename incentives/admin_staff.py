"""WeCom staff rewards in the admin: support staff look. Schemes change only through the console's services (a
version that has earned is never edited), rewards only through the evaluation, payouts only through the payout
service (each posts a ledger journal), so the admin is read-only except a member's name and active flag (audited).
Money shows as yuan."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from incentives.models import StaffMember, StaffPayout, StaffReward, StaffRewardScheme
from shopops.admin import MoneyAdminMixin, ReadOnlyAdmin


@admin.register(StaffRewardScheme)
class StaffRewardSchemeAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"fixed_fen": _("Fixed amount per order")}
    list_display = ("shop", "name", "code", "version", "basis", "rate_ppm", "fixed_yuan", "valid_from",
                    "valid_until")  # fmt: skip
    list_filter = ("basis",)
    search_fields = ("shop__name", "code", "name")
    list_select_related = ("shop",)


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ("userid", "display_name", "active", "shop", "created_at")
    list_filter = ("active",)
    search_fields = ("userid", "display_name", "shop__name")
    list_select_related = ("shop",)
    fields = ("shop", "userid", "display_name", "active", "created_at")
    readonly_fields = ("shop", "userid", "created_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffReward)
class StaffRewardAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"basis_fen": _("Settled GMV"), "amount_fen": _("Amount")}
    list_display = ("key", "shop", "kind", "userid", "basis_yuan", "amount_yuan", "booked_on", "posted_at")
    list_filter = ("kind", "booked_on")
    search_fields = ("key", "order_id", "userid")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(StaffPayout)
class StaffPayoutAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"amount_fen": _("Amount")}
    list_display = ("paid_on", "member", "amount_yuan", "shop", "journal_key", "created_by")
    list_filter = ("paid_on",)
    search_fields = ("key", "journal_key", "member__userid", "shop__name")
    list_select_related = ("shop", "member", "created_by")
