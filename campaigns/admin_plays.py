"""福袋, 粉丝团, 点赞买 plans and the merchant's unit costs in the admin: support staff look; every change goes
through the console's services (campaigns.services.plays), which check the rules (a 点赞买 plan never sells below
cost), so the admin is read-only. Money shows as yuan."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from campaigns.models import FanClub, LikeToBuy, LuckyBag, ProductCost
from shopops.admin import MoneyAdminMixin, ReadOnlyAdmin


@admin.register(ProductCost)
class ProductCostAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"unit_cost_fen": _("Unit cost")}
    list_display = ("product_id", "sku_id", "shop", "unit_cost_yuan", "updated_at")
    list_filter = ("updated_at",)
    search_fields = ("product_id", "sku_id", "shop__name")
    list_select_related = ("shop",)


@admin.register(LuckyBag)
class LuckyBagAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"unit_cost_fen": _("Unit cost")}
    list_display = ("name", "shop", "prize_product_id", "quantity", "condition", "draw_at", "unit_cost_yuan")
    list_filter = ("condition", "draw_at")
    search_fields = ("name", "prize_product_id", "bag_product_id", "live_id", "shop__name")
    list_select_related = ("shop",)


@admin.register(FanClub)
class FanClubAdmin(ReadOnlyAdmin):
    list_display = ("shop", "tipping_enabled", "corporate_settlement", "club_created", "notice_set")
    list_filter = ("club_created", "notice_set", "notice_visibility")
    search_fields = ("shop__name", "notice")
    list_select_related = ("shop",)


@admin.register(LikeToBuy)
class LikeToBuyAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {
        "floor_price_fen": _("Floor price"),
        "subsidy_fen": _("Platform subsidy"),
        "unit_cost_fen": _("Unit cost"),
    }
    list_display = ("name", "shop", "product_id", "likes_needed", "floor_price_yuan", "subsidy_yuan", "starts_at")
    list_filter = ("starts_at", "likes_needed")
    search_fields = ("name", "product_id", "sku_id", "shop__name")
    list_select_related = ("shop",)
