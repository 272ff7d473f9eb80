"""Admin of the analytics: the favourites snapshots (a copy, read-only), the funnel figures (derived, read-only)
and the shop's 收藏券 mark."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from campaigns.models import FavoritesSnapshot, FavouriteCoupon, FunnelFigures
from shopops.admin import MoneyAdminMixin, ReadOnlyAdmin


@admin.register(FavoritesSnapshot)
class FavoritesSnapshotAdmin(ReadOnlyAdmin):
    """The platform's favourites counts as read each day: a copy, read-only."""

    list_display = ("day", "shop", "total", "shop_homepage", "order_detail", "product_detail", "other_scene")
    list_filter = ("day",)
    search_fields = ("shop__name", "shop__appid")
    list_select_related = ("shop",)


@admin.register(FunnelFigures)
class FunnelFiguresAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """The favourites funnel's buyer figures of a period, computed by the worker: derived, read-only."""

    money_titles = {"gmv_fen": _("GMV")}
    list_display = ("shop", "coupon_id", "start", "end", "buyers", "gmv_yuan", "computed_at", "requested_at")
    list_filter = ("end",)
    search_fields = ("shop__name", "coupon_id")
    list_select_related = ("shop",)


@admin.register(FavouriteCoupon)
class FavouriteCouponAdmin(admin.ModelAdmin):
    """The shop's favourite-shop coupon (收藏券) mark; set on the favourites page."""

    list_display = ("shop", "coupon_id", "marked_by", "marked_at")
    list_filter = ("marked_at",)
    search_fields = ("shop__name", "coupon_id")
    list_select_related = ("shop", "marked_by")
    readonly_fields = ("marked_at",)
    raw_id_fields = ("shop", "marked_by")
