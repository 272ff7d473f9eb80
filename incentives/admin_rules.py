"""Incentive rule sets and accruals in the admin: support staff look. Rule sets change only through the console's
services (incentives.services.rules: a version that has earned is never edited), accruals only through the
evaluation, so the admin is read-only. Money shows as yuan."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from incentives.models import Accrual, EvaluationState, QueuedOrder, RuleSet, RuleSource
from shopops.admin import MoneyAdminMixin, ReadOnlyAdmin


class RuleSourceInline(admin.TabularInline):
    model = RuleSource
    extra = 0
    fields = ("sale_channel", "account_type")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RuleSet)
class RuleSetAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {
        "min_order_basis_fen": _("Minimum eligible amount per order"),
        "cap_per_order_fen": _("Cap per order"),
        "cap_per_month_fen": _("Cap per month"),
    }
    list_display = ("shop", "code", "version", "name", "is_example", "valid_from", "valid_to", "rate_ppm",
                    "cap_per_order_yuan", "reward_form")  # fmt: skip
    list_filter = ("reward_form", "is_example", "code")
    search_fields = ("shop__name", "code", "name")
    list_select_related = ("shop",)
    inlines = [RuleSourceInline]


@admin.register(RuleSource)
class RuleSourceAdmin(ReadOnlyAdmin):
    list_display = ("ruleset", "sale_channel", "account_type")
    list_filter = ("sale_channel", "account_type")
    search_fields = ("ruleset__code", "ruleset__shop__name")
    list_select_related = ("ruleset",)


@admin.register(Accrual)
class AccrualAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"basis_fen": _("Basis"), "amount_fen": _("Amount")}
    list_display = ("key", "shop", "kind", "channel", "account_nickname", "basis_yuan", "amount_yuan", "booked_on",
                    "posted_at")  # fmt: skip
    list_filter = ("kind", "channel", "booked_on")
    search_fields = ("key", "order_id", "sku_id", "account_id", "account_nickname")
    list_select_related = ("shop",)


@admin.register(QueuedOrder)
class QueuedOrderAdmin(ReadOnlyAdmin):
    """The orders the next hourly evaluation takes (queued by the sync, or due when an after-sale period ends)."""

    list_display = ("order_id", "shop", "due_at")
    list_filter = ("due_at",)
    search_fields = ("order_id", "shop__name")
    list_select_related = ("shop",)


@admin.register(EvaluationState)
class EvaluationStateAdmin(ReadOnlyAdmin):
    list_display = ("shop", "whole_shop_at", "evaluated_at", "rules_fingerprint")
    list_filter = ("whole_shop_at",)
    search_fields = ("shop__name",)
    list_select_related = ("shop",)
