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
    day and scene with ``openid`` empty. ``first_paid_at`` / ``last_paid_at``: the earliest and latest pay time of
    the row's orders (a day cut at a time of day reads the rows before the cut whole). ``prev_day``: the buyer's
    latest earlier pay day in any scene, ``scene_prev_day`` in this scene (None: none, or no openid) — kept for the
    buyers' later days too when an earlier day changes. Buyers are not additive across days: the pages count them
    from ``BuyerSince``, derived from these rows.
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
    first_paid_at = models.DateTimeField(_("first paid"), null=True)  # null only on rows from before 0011
    last_paid_at = models.DateTimeField(_("last paid"), null=True)
    prev_day = models.DateField(_("previous pay day"), null=True, blank=True)
    scene_prev_day = models.DateField(_("previous pay day in this scene"), null=True, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    SUMS = ("orders", "gmv_fen", "refunded_fen", "present_orders", "present_gmv_fen")

    class Meta:
        verbose_name = _("daily buyer roll-up")
        verbose_name_plural = _("daily buyer roll-ups")
        ordering = ["shop", "-day", "openid", "order_scene"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "openid", "order_scene"], name="buyerday_unique_key")
        ]
        indexes = [
            models.Index(fields=["shop", "openid", "day"], name="buyerday_shop_buyer"),
            # The home page's previous period cut within a day reads the buyers who paid before the cut. Day first:
            # led by the shop, the planner took it for a buyer's rows (shop, openid) while the statistics did not
            # know the shop yet, and read all of the shop's rows once per buyer.
            models.Index(fields=["day", "shop", "first_paid_at"], name="buyerday_day_shop_first"),
        ]

    def __str__(self):
        return f"{self.day} {self.openid or '-'} {self.order_scene}"


class OrderDay(models.Model):
    """Paid orders per shop × pay day × order scene: ``BuyerDay`` summed over its buyers, plus ``repeat_gmv_fen``,
    the GMV of the orders of buyers who paid on an earlier day (``prev_day`` set)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    order_scene = models.PositiveSmallIntegerField(_("order scene"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    gmv_fen = models.BigIntegerField(_("GMV (fen)"), default=0)
    refunded_fen = models.BigIntegerField(_("refunded (fen)"), default=0)
    present_orders = models.PositiveIntegerField(_("gift orders"), default=0)
    present_gmv_fen = models.BigIntegerField(_("gift GMV (fen)"), default=0)
    repeat_gmv_fen = models.BigIntegerField(_("repeat buyers' GMV (fen)"), default=0)

    objects = ShopScopedQuerySet.as_manager()

    SUMS = ("orders", "gmv_fen", "refunded_fen", "present_orders", "present_gmv_fen", "repeat_gmv_fen")

    class Meta:
        verbose_name = _("daily orders roll-up")
        verbose_name_plural = _("daily orders roll-ups")
        ordering = ["shop", "-day", "order_scene"]
        constraints = [models.UniqueConstraint(fields=["shop", "day", "order_scene"], name="orderday_unique_key")]

    def __str__(self):
        return f"{self.day} {self.order_scene}"


class LiveDay(models.Model):
    """Paid orders per shop × pay day × live (``live_id``, the 视频号 live the order came from): what a 福袋 or a
    live preview weighs its results against. Orders without a live have no row."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    live_id = models.CharField(_("live id"), max_length=255)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    gmv_fen = models.BigIntegerField(_("GMV (fen)"), default=0)
    first_paid_at = models.DateTimeField(_("first paid at"))

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily live sales roll-up")
        verbose_name_plural = _("daily live sales roll-ups")
        ordering = ["shop", "-day", "live_id"]
        constraints = [models.UniqueConstraint(fields=["shop", "live_id", "day"], name="liveday_unique_key")]
        indexes = [models.Index(fields=["shop", "day"], name="liveday_shop_day")]

    def __str__(self):
        return f"{self.day} {self.live_id}"


class BuyerSince(models.Model):
    """Buyers per shop × pay day × order scene × the day they last paid before (``since``), so that the distinct
    buyers of any period are a sum: the buyers of ``start``–``end`` are the rows of those days whose ``since`` is
    None or before ``start`` (each buyer counted on their first day in the period).

    ``order_scene`` ``ALL_SCENES`` rows count each buyer once per day with ``since`` their previous pay day in any
    scene; the other rows count the buyers of one scene with ``since`` their previous pay day in that scene.
    ``since`` is kept exactly up to ``HORIZON`` days back and clamped there (a period is at most 366 days, so an
    older day answers every question the same way). ``new_buyers``: those of the row whose first pay day it is.
    """

    ALL_SCENES = 255
    HORIZON = 367

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    order_scene = models.PositiveSmallIntegerField(_("order scene"))
    since = models.DateField(_("previous pay day"), null=True, blank=True)
    buyers = models.PositiveIntegerField(_("buyers"), default=0)
    new_buyers = models.PositiveIntegerField(_("new buyers"), default=0)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily buyers roll-up")
        verbose_name_plural = _("daily buyers roll-ups")
        ordering = ["shop", "-day", "order_scene", "since"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "order_scene", "since"], name="buyersince_unique_key")
        ]
        # Periods are read for one scene (usually ``ALL_SCENES``): its days only, not every scene's. Scene first, so
        # that nothing naming only the shop and days takes it (see BuyerDay's).
        indexes = [models.Index(fields=["order_scene", "shop", "day"], name="buyersince_scene_shop_day")]

    def __str__(self):
        return f"{self.day} {self.order_scene} {self.since or '-'}"


class SalesHour(models.Model):
    """Paid orders per shop × pay day × hour of the day (Beijing, 0–23) × their buyer's previous pay day (``since``,
    in any scene, clamped at ``BuyerSince.HORIZON`` days as there; None for a first day and for orders without a
    buyer): a day up to a time of day is a sum of its whole hours plus one hour's orders, however far into the day
    (the home page compares a day in progress with an earlier day up to the same time).

    ``orders``, ``gmv_fen``, ``refunded_fen`` as ``BuyerDay``'s, by the hour each order was paid. ``buyers``: each
    buyer once a day, in the hour of their first payment that day, so the buyers of the day before a whole hour
    who had not paid since a given day are a sum.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    since = models.DateField(_("previous pay day"), null=True, blank=True)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    gmv_fen = models.BigIntegerField(_("GMV (fen)"), default=0)
    refunded_fen = models.BigIntegerField(_("refunded (fen)"), default=0)
    buyers = models.PositiveIntegerField(_("buyers"), default=0)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hourly sales roll-up")
        verbose_name_plural = _("hourly sales roll-ups")
        ordering = ["shop", "-day", "hour", "since"]
        constraints = [models.UniqueConstraint(fields=["shop", "day", "hour", "since"], name="saleshour_unique_key")]

    def __str__(self):
        return f"{self.day} {self.hour:02d}h {self.since or '-'}"


class ChannelDay(models.Model):
    """``SalesDay`` summed per shop × pay day × channel (the home page's sales by channel)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    lines = models.PositiveIntegerField(_("order lines"), default=0)
    sales_fen = models.BigIntegerField(_("sales (fen)"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily channel roll-up")
        verbose_name_plural = _("daily channel roll-ups")
        ordering = ["shop", "-day", "channel"]
        constraints = [models.UniqueConstraint(fields=["shop", "day", "channel"], name="channelday_unique_key")]

    def __str__(self):
        return f"{self.day} {self.channel}"


class ProductDay(models.Model):
    """``SalesDay`` summed per shop × pay day × product (the home page's top products)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    product_id = models.CharField(_("product id"), max_length=32)
    units = models.BigIntegerField(_("units"), default=0)
    sales_fen = models.BigIntegerField(_("sales (fen)"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    title = models.CharField(_("title"), max_length=300, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily product roll-up")
        verbose_name_plural = _("daily product roll-ups")
        ordering = ["shop", "-day", "product_id"]
        constraints = [models.UniqueConstraint(fields=["shop", "day", "product_id"], name="productday_unique_key")]

    def __str__(self):
        return f"{self.day} {self.product_id}"


class AccountDay(models.Model):
    """``SalesDay`` summed per shop × pay day × source account (the home page's top accounts; lines without an
    account are left out)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    account_id = models.CharField(_("account id"), max_length=64)
    sales_fen = models.BigIntegerField(_("sales (fen)"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    account_nickname = models.CharField(_("account nickname"), max_length=100, blank=True)
    account_type = models.PositiveSmallIntegerField(_("account type"), null=True, blank=True)
    sale_channel = models.PositiveSmallIntegerField(_("sale channel"), null=True, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily account roll-up")
        verbose_name_plural = _("daily account roll-ups")
        ordering = ["shop", "-day", "account_id"]
        constraints = [models.UniqueConstraint(fields=["shop", "day", "account_id"], name="accountday_unique_key")]

    def __str__(self):
        return f"{self.day} {self.account_id}"


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


class CouponSales(models.Model):
    """``CouponDay`` summed per shop × pay day × coupon id (the coupons list's performance, the 收藏券's days)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("pay day"))
    coupon_id = models.CharField(_("coupon id"), max_length=64)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    gmv_fen = models.BigIntegerField(_("GMV (fen)"), default=0)
    discount_fen = models.BigIntegerField(_("coupon discount (fen)"), default=0)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily coupon sales roll-up")
        verbose_name_plural = _("daily coupon sales roll-ups")
        ordering = ["shop", "-day", "coupon_id"]
        constraints = [models.UniqueConstraint(fields=["shop", "coupon_id", "day"], name="couponsales_unique_key")]

    def __str__(self):
        return f"{self.day} {self.coupon_id}"
