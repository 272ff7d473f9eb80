from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from shopops.models import (
    AfterSale,
    AfterSaleStatusChange,
    ApiCall,
    CallbackNonce,
    InboundEvent,
    Membership,
    Order,
    OrderLine,
    PlatformToken,
    Product,
    Shop,
    ShopAlert,
    Sku,
    SyncCursor,
    SyncState,
    User,
)


class AuditedAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Base admin for support staff: every change lands in the audit log, linked from each row."""

    show_auditlog_history_link = True


@admin.register(User)
class UserAdmin(AuditlogHistoryAdminMixin, BaseUserAdmin):
    show_auditlog_history_link = True
    list_display = ("username", "email", "is_active", "is_staff", "last_login", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Shop)
class ShopAdmin(AuditedAdmin):
    list_display = ("name", "appid", "status", "public_id", "secrets_set", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("name", "appid", "public_id")
    readonly_fields = ("public_id", "created_at", "updated_at")
    # The encrypted secrets are never shown; owners set them in the console.
    fields = ("name", "appid", "status", "public_id", "created_at", "updated_at")
    inlines = [MembershipInline]

    @admin.display(description=_("Secrets set"), boolean=True)
    def secrets_set(self, obj):
        return bool(obj.app_secret and obj.push_token and obj.encoding_aes_key)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "shop", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "shop__name")
    list_select_related = ("user", "shop")
    autocomplete_fields = ("user", "shop")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Platform copies and sync bookkeeping: support staff look, the sync engine writes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "shop",
        "appid",
        "endpoint",
        "http_status",
        "errcode",
        "error",
        "attempt",
        "duration_ms",
    )
    list_filter = ("errcode", "error", "http_status", "created_at")
    search_fields = ("endpoint", "appid", "request_id", "shop__name")
    list_select_related = ("shop",)
    date_hierarchy = "created_at"


@admin.register(PlatformToken)
class PlatformTokenAdmin(ReadOnlyAdmin):
    list_display = ("appid", "expires_at", "updated_at")
    list_filter = ("updated_at",)
    search_fields = ("appid",)
    exclude = ("token",)


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyAdmin):
    list_display = ("shop", "stream", "completed_until", "window_start", "pages_done", "items_done", "last_success_at")
    list_filter = ("stream", "last_success_at")
    search_fields = ("shop__name", "shop__appid")
    list_select_related = ("shop",)


@admin.register(SyncState)
class SyncStateAdmin(AuditedAdmin):
    """Support may lift a pause (audited); the lease itself is the engine's."""

    list_display = ("shop", "lease_owner", "lease_expires_at", "paused_until", "consecutive_failures")
    list_filter = ("paused_until",)
    search_fields = ("shop__name", "pause_reason")
    readonly_fields = ("shop", "lease_owner", "lease_expires_at", "consecutive_failures")


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "shop", "event", "deliveries", "processed_at", "outcome")
    list_filter = ("event", "processed_at", "received_at")
    search_fields = ("key", "event", "shop__name")
    list_select_related = ("shop",)


@admin.register(CallbackNonce)
class CallbackNonceAdmin(ReadOnlyAdmin):
    list_display = ("shop", "timestamp", "nonce")
    list_filter = ("shop",)
    search_fields = ("nonce",)


@admin.register(ShopAlert)
class ShopAlertAdmin(AuditedAdmin):
    list_display = ("created_at", "shop", "kind", "resolved_at")
    list_filter = ("kind", "resolved_at")
    search_fields = ("shop__name", "message")
    list_select_related = ("shop",)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("line_no", "product_id", "sku_id", "title", "sku_cnt", "real_price_fen", "sale_channel", "account_type")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "shop", "status", "create_time", "order_price_fen", "synced_at")
    list_filter = ("status", "order_scene", "create_time")
    search_fields = ("order_id", "shop__name")
    list_select_related = ("shop",)
    inlines = [OrderLineInline]
    show_full_result_count = False


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = ("order", "line_no", "sku_id", "title", "sku_cnt", "real_price_fen", "sale_channel")
    list_filter = ("sale_channel", "account_type")
    search_fields = ("order__order_id", "sku_id", "product_id", "account_id")
    list_select_related = ("order",)
    show_full_result_count = False


class AfterSaleStatusChangeInline(admin.TabularInline):
    model = AfterSaleStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("status", "changed_at", "recorded_at")


@admin.register(AfterSale)
class AfterSaleAdmin(ReadOnlyAdmin):
    list_display = ("after_sale_order_id", "shop", "order_id", "type", "status", "refund_amount_fen", "update_time")
    list_filter = ("type", "status")
    search_fields = ("after_sale_order_id", "order_id")
    list_select_related = ("shop",)
    inlines = [AfterSaleStatusChangeInline]


@admin.register(AfterSaleStatusChange)
class AfterSaleStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("aftersale", "status", "changed_at", "recorded_at")
    list_filter = ("status",)
    search_fields = ("aftersale__after_sale_order_id",)


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0
    can_delete = False
    fields = ("sku_id", "sku_code", "sale_price_fen", "stock_num", "status")
    readonly_fields = fields


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("product_id", "shop", "title", "status", "min_price_fen", "deleted", "synced_at")
    list_filter = ("status", "deleted")
    search_fields = ("product_id", "title")
    list_select_related = ("shop",)
    inlines = [SkuInline]


@admin.register(Sku)
class SkuAdmin(ReadOnlyAdmin):
    list_display = ("sku_id", "product", "sale_price_fen", "stock_num", "status")
    list_filter = ("status",)
    search_fields = ("sku_id", "sku_code", "product__title")
    list_select_related = ("product",)
