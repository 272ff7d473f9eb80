"""Promotion plans in the admin, for support staff: read-only (a plan changes only through the console's services,
which check the platform's rules first and call it), each plan with its product's title and its terms over time.

The lead registers these in affiliates/admin.py:
``admin.site.register(PromotionPlan, PromotionPlanAdmin)`` and ``admin.site.register(PlanTerms, PlanTermsAdmin)``.
"""

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from affiliates.models import PlanTerms
from shopops.admin import ReadOnlyAdmin
from shopops.models import Product


class PlanTermsInline(admin.TabularInline):
    """A plan's terms over time, newest first: what a commission is checked against at an order's pay time."""

    model = PlanTerms
    fields = ("valid_from", "valid_to", "listed", "ratio_percent", "service_ratio_percent", "talent_appids")
    readonly_fields = fields
    ordering = ("-valid_from", "-id")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PromotionPlanAdmin(ReadOnlyAdmin):
    list_display = (
        "product_id",
        "product_title",
        "shop",
        "type",
        "status",
        "ratio_percent",
        "service_ratio_percent",
        "headsupplier_appid",
        "updated_at",
    )
    list_filter = ("type", "status", "forever", "is_banned")
    search_fields = ("product_id", "info_id", "promotion_plan_id", "shop__name", "shop__appid", "headsupplier_appid")
    list_select_related = ("shop",)
    inlines = [PlanTermsInline]
    fieldsets = (
        (None, {"fields": ("shop", "type", "product_id", "product_title", "status", "headsupplier_appid")}),
        (_("Terms"), {"fields": ("ratio_percent", "service_ratio_percent", "commission_type", "talent_appids")}),
        (_("Period"), {"fields": ("begin_time", "end_time", "forever")}),
        (
            _("Platform"),
            {"fields": ("info_id", "promotion_plan_id", "is_sale_forbidden", "is_banned", "synced_at", "raw")},
        ),
    )
    readonly_fields = ("product_title",)

    def get_queryset(self, request):
        titles = Product.objects.filter(shop=OuterRef("shop"), product_id=OuterRef("product_id")).values("title")[:1]
        return super().get_queryset(request).annotate(_product_title=Subquery(titles))

    @admin.display(description=_("product"), ordering="_product_title")
    def product_title(self, plan):
        return plan._product_title or "—"


class PlanTermsAdmin(ReadOnlyAdmin):
    list_display = ("plan", "shop", "product_id", "type", "listed", "ratio_percent", "valid_from", "valid_to")
    list_filter = ("type", "listed")
    search_fields = ("product_id", "shop__name", "headsupplier_appid")
    list_select_related = ("shop", "plan")
    date_hierarchy = "valid_from"
