"""Live-room plays WeChat has no API for: 福袋 lotteries, the 粉丝团 and its fan-only notice, and 点赞买.

The merchant does each step in WeChat (视频号助手 or the live room); ShopOps keeps the plan, the checklist and what
was set, and measures the result from what the platform does expose: the 0-yuan lottery orders of a live
(``payment_method`` 3, ``product_type`` 2) and the product's orders in a 点赞买 period. Money is integer fen.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop, TimeStampedModel


class ProductCost(TimeStampedModel):
    """What one unit of a product (or of one of its SKUs) costs the merchant: entered by hand, since WeChat Shop
    keeps no cost. A blank ``sku_id`` is the product's cost, used for every SKU without its own."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="product_costs", verbose_name=_("shop"))
    product_id = models.CharField(_("product id"), max_length=32)
    sku_id = models.CharField(_("SKU id"), max_length=32, blank=True)
    unit_cost_fen = models.BigIntegerField(_("unit cost (fen)"))

    class Meta:
        verbose_name = _("product cost")
        verbose_name_plural = _("product costs")
        ordering = ["product_id", "sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "product_id", "sku_id"], name="productcost_unique"),
            models.CheckConstraint(condition=models.Q(unit_cost_fen__gte=0), name="productcost_not_negative"),
        ]

    def __str__(self):
        return f"{self.product_id}/{self.sku_id}" if self.sku_id else self.product_id


class LuckyBag(TimeStampedModel):
    """A 福袋 planned for a live: the prize, how many, who may join, when it is drawn. The anchor starts it in the
    live room (直播中点击【福袋】); the winners' 0-yuan orders are its result."""

    class Condition(models.TextChoices):
        # The 参与方式 the live room offers (seed 001: 选择抽奖参与方式, 如关注主播).
        EVERYONE = "everyone", _("Anyone watching")
        COMMENT = "comment", _("Comment the password")
        FOLLOW = "follow", _("Follow the channel")
        FAN_CLUB = "fan_club", _("Join the fan club")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="lucky_bags", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=40)
    prize_product_id = models.CharField(_("prize product id"), max_length=32)
    prize_sku_id = models.CharField(_("prize SKU id"), max_length=32, blank=True)
    # The 福袋抽奖商品 (product_type 2) WeChat made from the prize, once synced: narrows the results to this 福袋
    # when a live ran several; blank counts every lottery order of the live.
    bag_product_id = models.CharField(_("lucky bag product id"), max_length=32, blank=True)
    quantity = models.PositiveIntegerField(_("prizes"))
    condition = models.CharField(_("who may join"), max_length=12, choices=Condition.choices)
    password = models.CharField(_("comment password"), max_length=20, blank=True)
    draw_at = models.DateTimeField(_("draw time"))
    live_id = models.CharField(_("live id"), max_length=255, blank=True)
    live_date = models.DateField(_("live date"), null=True, blank=True)
    unit_cost_fen = models.BigIntegerField(_("unit cost (fen)"))

    class Meta:
        verbose_name = _("lucky bag")
        verbose_name_plural = _("lucky bags")
        ordering = ["-draw_at", "-id"]
        indexes = [models.Index(fields=["shop", "-draw_at"], name="luckybag_shop_draw")]

    def __str__(self):
        return self.name

    @property
    def cost_fen(self) -> int:
        return self.quantity * self.unit_cost_fen


class FanClub(TimeStampedModel):
    """The shop's 粉丝团: the prerequisites ticked off as done in 视频号助手, and the 专属粉丝公告 as set there."""

    class Visibility(models.TextChoices):
        # UNCONFIRMED: the 可见范围 choices of the notice (seed 001 names the setting, not its options).
        FANS = "fans", _("Fan club members only")
        EVERYONE = "everyone", _("Everyone who visits the channel")

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="fan_club", verbose_name=_("shop"))
    tipping_enabled = models.BooleanField(_("live tipping enabled"), default=False)
    corporate_settlement = models.BooleanField(_("corporate settlement enabled"), default=False)
    club_created = models.BooleanField(_("fan club created"), default=False)
    notice = models.TextField(_("fan-only notice"), max_length=200, blank=True)
    notice_visibility = models.CharField(
        _("notice visible to"), max_length=12, choices=Visibility.choices, default=Visibility.FANS
    )
    notice_set = models.BooleanField(_("notice set in WeChat"), default=False)

    class Meta:
        verbose_name = _("fan club")
        verbose_name_plural = _("fan clubs")

    def __str__(self):
        return str(self.shop)

    @property
    def ready(self) -> bool:
        return self.tipping_enabled and self.corporate_settlement and self.club_created


class LikeToBuy(TimeStampedModel):
    """A 点赞买 campaign: buyers who collect ``likes_needed`` likes from friends buy at the floor price; the
    platform adds its subsidy. Agreed with WeChat and set up there; ShopOps checks the margin and reads the orders."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="like_to_buys", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=40)
    product_id = models.CharField(_("product id"), max_length=32)
    sku_id = models.CharField(_("SKU id"), max_length=32, blank=True)
    likes_needed = models.PositiveSmallIntegerField(_("likes needed"))
    floor_price_fen = models.BigIntegerField(_("floor price (fen)"))
    subsidy_fen = models.BigIntegerField(_("platform subsidy (fen)"), default=0)
    unit_cost_fen = models.BigIntegerField(_("unit cost (fen)"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("like-to-buy campaign")
        verbose_name_plural = _("like-to-buy campaigns")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["shop", "-starts_at"], name="liketobuy_shop_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="liketobuy_period"),
            models.CheckConstraint(
                condition=models.Q(
                    floor_price_fen__gte=models.F("unit_cost_fen") - models.F("subsidy_fen"),
                ),
                name="liketobuy_no_loss",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def margin_fen(self) -> int:
        """What the merchant keeps per unit: floor price + platform subsidy − unit cost."""
        return self.floor_price_fen + self.subsidy_fen - self.unit_cost_fen
