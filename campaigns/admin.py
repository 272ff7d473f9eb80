"""Admin pages of the campaigns, all read-only (the sync and the services write them): here the copies of the
platform's coupons and buyers' coupons and the coupon uses derived from orders; the other features in
admin_<feature>.py."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from campaigns import admin_analytics, admin_plays, admin_previews  # noqa: F401  (one module per feature)
from campaigns.models import Coupon, CouponUse, UserCoupon
from shopops.admin import MoneyAdminMixin, ReadOnlyAdmin


@admin.register(Coupon)
class CouponAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {
        "product_price_fen": _("Amount threshold"),
        "discount_fee_fen": _("Amount off"),
    }
    list_display = ("name", "coupon_id", "shop", "type", "status", "total_num", "receive_num", "used_num", "synced_at")
    list_filter = ("status", "type", "promote_type")
    search_fields = ("name", "coupon_id", "shop__name")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(UserCoupon)
class UserCouponAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"discount_fee_fen": _("Discount")}
    list_display = ("user_coupon_id", "coupon_id", "shop", "status", "receive_time", "order_id", "discount_fee_yuan")
    list_filter = ("status",)
    search_fields = ("user_coupon_id", "coupon_id", "openid", "order_id", "shop__name")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(CouponUse)
class CouponUseAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"discounted_price_fen": _("Discount")}
    list_display = ("coupon_id", "user_coupon_id", "order", "shop", "discounted_price_yuan")
    list_filter = ("shop",)
    search_fields = ("coupon_id", "user_coupon_id", "order__order_id")
    list_select_related = ("shop", "order")
    show_full_result_count = False
