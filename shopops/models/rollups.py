"""Daily roll-ups of the synced orders, the rows every sales figure of the console is read from (the home page, the
campaign analytics), so that no page scans a shop's order history.

Both tables are derived: ``shopops.services.rollups`` writes them set-based, per (shop, Beijing day), each time the
order store writes a page of orders or after-sales, and can rebuild a whole shop. Nobody edits them.

A row counts the **paid orders** of its Beijing pay day (``pay_time`` in Asia/Shanghai, status not 250 已取消), the
platform's 支付口径, as the home page has always defined them (``shopops.selectors.dashboard``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.channels import Channel
from shopops.models.commerce import ShopScopedQuerySet
from shopops.models.tenancy import Shop


class SalesDay(models.Model):
    """Order lines per shop × pay day × channel × product × source account.

    Every column is a sum of per-order contributions, so any set of rows can be added up exactly:

    - ``sales_fen`` (the lines' ``real_price_fen``, no freight), ``units`` (``sku_cnt``), ``coupon_discount_fen``
      (the lines' ``order_product_coupon_info_list[].discounted_price``), ``lines``;
    - ``product_orders``: orders whose first line (lowest line number) of this product is in this row, so the sum
      over any rows of one product is its number of distinct orders; ``account_orders`` and ``channel_orders`` the
      same for the account and the channel.
    - ``title``, ``account_nickname``, ``account_type``, ``sale_channel``: the greatest value among the row's lines,
      so the greatest over several rows is the greatest over their lines.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    product_id = models.CharField(_("product id"), max_length=32)
    account_id = models.CharField(_("account id"), max_length=64, blank=True)
    lines = models.PositiveIntegerField(_("order lines"), default=0)
    units = models.BigIntegerField(_("units"), default=0)
    sales_fen = models.BigIntegerField(_("sales (fen)"), default=0)
    coupon_discount_fen = models.BigIntegerField(_("coupon discount (fen)"), default=0)
    product_orders = models.PositiveIntegerField(_("orders (product)"), default=0)
    account_orders = models.PositiveIntegerField(_("orders (account)"), default=0)
    channel_orders = models.PositiveIntegerField(_("orders (channel)"), default=0)
    title = models.CharField(_("title"), max_length=300, blank=True)
    account_nickname = models.CharField(_("account nickname"), max_length=100, blank=True)
    account_type = models.PositiveSmallIntegerField(_("account type"), null=True, blank=True)
    sale_channel = models.PositiveSmallIntegerField(_("sale channel"), null=True, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    SUMS = ("lines", "units", "sales_fen", "coupon_discount_fen", "product_orders", "account_orders", "channel_orders")

    class Meta:
        verbose_name = _("daily sales roll-up")
        verbose_name_plural = _("daily sales roll-ups")
        ordering = ["shop", "-day", "channel", "product_id", "account_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "channel", "product_id", "account_id"], name="salesday_unique_key"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.channel} {self.product_id} {self.account_id}"


class BuyerDay(models.Model):
    """Paid orders per shop × pay day × buyer × order scene (``ext_info.order_scene``, 0 when the order has none).

    The order-level figures: ``orders``, ``gmv_fen`` (``order_price_fen``: what the buyer paid, freight included),
    ``refunded_fen`` (after-sales in 退款成功 / 退货退款成功 of these orders, on the day the order was paid),
    ``present_orders`` / ``present_gmv_fen`` (gift orders, 送礼). Orders without a buyer openid share one row per
    day and scene with ``openid`` empty. Buyers are not additive across days: a period's buyers are the distinct
    non-empty openids of its rows, and a buyer is new on a day when no earlier day of the shop has them (an index
    probe on ``(shop, openid, day)`` per row, never a scan of the history).
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    openid = models.CharField(_("buyer openid"), max_length=64, blank=True)
    order_scene = models.PositiveSmallIntegerField(_("order scene"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    gmv_fen = models.BigIntegerField(_("GMV (fen)"), default=0)
    refunded_fen = models.BigIntegerField(_("refunded (fen)"), default=0)
    present_orders = models.PositiveIntegerField(_("gift orders"), default=0)
    present_gmv_fen = models.BigIntegerField(_("gift GMV (fen)"), default=0)

    objects = ShopScopedQuerySet.as_manager()

    SUMS = ("orders", "gmv_fen", "refunded_fen", "present_orders", "present_gmv_fen")

    class Meta:
        verbose_name = _("daily buyer roll-up")
        verbose_name_plural = _("daily buyer roll-ups")
        ordering = ["shop", "-day", "openid", "order_scene"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "openid", "order_scene"], name="buyerday_unique_key")
        ]
        indexes = [models.Index(fields=["shop", "openid", "day"], name="buyerday_shop_buyer")]

    def __str__(self):
        return f"{self.day} {self.openid or '-'} {self.order_scene}"


class CouponDay(models.Model):
    """Paid orders that used a coupon, per shop × pay day × ``coupon_id`` × buyer: the lines'
    ``order_product_coupon_info_list`` entries (the platform's coupon id as a string).

    ``orders`` counts each order once per coupon, ``gmv_fen`` adds those orders' ``order_price_fen`` (the whole
    order, once), ``discount_fen`` every entry's ``discounted_price``. ``openid`` is empty for orders without one;
    a period's buyers of a coupon are its distinct non-empty openids.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    coupon_id = models.CharField(_("coupon id"), max_length=64)
    openid = models.CharField(_("buyer openid"), max_length=64, blank=True)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    gmv_fen = models.BigIntegerField(_("GMV (fen)"), default=0)
    discount_fen = models.BigIntegerField(_("coupon discount (fen)"), default=0)

    objects = ShopScopedQuerySet.as_manager()

    SUMS = ("orders", "gmv_fen", "discount_fen")

    class Meta:
        verbose_name = _("daily coupon roll-up")
        verbose_name_plural = _("daily coupon roll-ups")
        ordering = ["shop", "-day", "coupon_id", "openid"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "coupon_id", "openid"], name="couponday_unique_key")
        ]
        indexes = [models.Index(fields=["shop", "coupon_id", "day"], name="couponday_shop_coupon")]

    def __str__(self):
        return f"{self.day} {self.coupon_id} {self.openid or '-'}"
