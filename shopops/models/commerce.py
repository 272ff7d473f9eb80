"""The synced copy of what the platform owns: orders with their lines, after-sales, products and SKUs.

Money is integer fen (``*_fen``); platform ids are strings; platform times are aware datetimes. Each row keeps the
platform's raw payload for support. Rows are upserted by platform id, so syncing the same data twice changes nothing.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.channels import Channel
from shopops.models.tenancy import Shop


class ShopScopedQuerySet(models.QuerySet):
    def for_shop(self, shop):
        return self.filter(shop=shop)


class Order(models.Model):
    class Status(models.IntegerChoices):
        UNPAID = 10, _("Awaiting payment")
        GIFT_PENDING = 12, _("Gift awaiting acceptance")
        GROUPING = 13, _("Group buy in progress")
        PAID = 20, _("Awaiting shipment")
        PARTLY_SHIPPED = 21, _("Partly shipped")
        SHIPPED = 30, _("Awaiting receipt")
        COMPLETED = 100, _("Completed")
        CANCELLED_AFTERSALE = 200, _("Cancelled after full refund")
        CANCELLED = 250, _("Cancelled")

    # Every index below leads with the shop: a separate one on it alone would only slow the sync's upserts.
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="orders", verbose_name=_("shop"), db_index=False
    )
    order_id = models.CharField(_("order id"), max_length=32)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices)
    create_time = models.DateTimeField(_("created"))
    update_time = models.DateTimeField(_("updated"))
    pay_time = models.DateTimeField(_("paid"), null=True, blank=True)
    openid = models.CharField(_("buyer openid"), max_length=64, blank=True)
    product_price_fen = models.BigIntegerField(_("product total (fen)"), default=0)
    order_price_fen = models.BigIntegerField(_("paid by buyer (fen)"), default=0)
    freight_fen = models.BigIntegerField(_("freight (fen)"), default=0)
    discounted_price_fen = models.BigIntegerField(_("merchant discount (fen)"), default=0)
    deduction_price_fen = models.BigIntegerField(_("deduction (fen)"), default=0)
    change_down_price_fen = models.BigIntegerField(_("price change (fen)"), default=0)
    original_order_price_fen = models.BigIntegerField(_("original order price (fen)"), default=0)
    merchant_receive_price_fen = models.BigIntegerField(_("merchant receives (fen)"), default=0)
    predict_commission_fee_fen = models.BigIntegerField(_("predicted service fee (fen)"), null=True, blank=True)
    commission_fee_fen = models.BigIntegerField(_("actual service fee (fen)"), null=True, blank=True)
    settle_time = models.DateTimeField(_("settled"), null=True, blank=True)
    order_scene = models.PositiveSmallIntegerField(_("order scene"), null=True, blank=True)
    # An "export/…" id of about 100 characters (the official example has 103), the same family as the live export_id.
    live_id = models.CharField(_("live id"), max_length=255, blank=True)
    finder_id = models.CharField(_("channels id"), max_length=64, blank=True)
    is_present = models.BooleanField(_("gift order"), default=False)
    # pay_info.payment_method: 1 微信支付, 2 先用后付, 3 抽奖商品0元订单 (a 福袋 prize), 4 会员积分兑换;
    # None until paid.
    payment_method = models.PositiveSmallIntegerField(_("payment method"), null=True, blank=True)
    aftersale_count = models.PositiveIntegerField(_("after-sales in progress"), default=0)
    raw = models.JSONField(_("platform payload"))
    synced_at = models.DateTimeField(_("synced at"))

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-create_time", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "order_id"], name="order_unique_per_shop")]
        indexes = [
            models.Index(fields=["shop", "-create_time"], name="order_shop_created"),
            models.Index(fields=["shop", "status"], name="order_shop_status"),
            # The console's order list sorts by pay time and by amount as well as by creation time.
            models.Index(fields=["shop", "pay_time"], name="order_shop_paid"),
            models.Index(fields=["shop", "order_price_fen"], name="order_shop_amount"),
            # A buyer's orders of a day (the home page's comparison cut at a time of day).
            models.Index(fields=["shop", "openid", "pay_time"], name="order_shop_buyer_paid"),
            # A live's orders (live previews' results, lucky bags).
            models.Index(fields=["shop", "live_id"], name="order_shop_live", condition=~models.Q(live_id="")),
            # A live's 福袋 winners (0-yuan lottery orders, payment_method 3) by fulfilment status.
            models.Index(
                fields=["shop", "live_id", "status"],
                name="order_shop_live_lottery",
                condition=models.Q(payment_method=3),
            ),
        ]

    def __str__(self):
        return self.order_id


class OrderLine(models.Model):
    """One entry of ``order_detail.product_infos``, with that SKU's attribution and commission lines."""

    # Both are served by the composite indexes below (order, line_no; shop, …): no single-column index of their own.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"), db_index=False
    )
    line_no = models.PositiveSmallIntegerField(_("line"))
    product_id = models.CharField(_("product id"), max_length=32)
    sku_id = models.CharField(_("SKU id"), max_length=32)
    title = models.CharField(_("title"), max_length=300, blank=True)
    sku_cnt = models.PositiveIntegerField(_("quantity"))
    sale_price_fen = models.BigIntegerField(_("unit price (fen)"), default=0)
    market_price_fen = models.BigIntegerField(_("list price (fen)"), default=0)
    real_price_fen = models.BigIntegerField(_("paid for line (fen)"), default=0)
    estimate_price_fen = models.BigIntegerField(_("line after discounts (fen)"), default=0)
    change_price_fen = models.BigIntegerField(_("changed line price (fen)"), null=True, blank=True)
    merchant_discounted_price_fen = models.BigIntegerField(_("merchant discount (fen)"), default=0)
    finder_discounted_price_fen = models.BigIntegerField(_("channels discount (fen)"), default=0)
    is_free_gift = models.BooleanField(_("free gift"), default=False)
    on_aftersale_sku_cnt = models.PositiveIntegerField(_("in after-sale"), default=0)
    finish_aftersale_sku_cnt = models.PositiveIntegerField(_("after-sale finished"), default=0)
    coupons = models.JSONField(_("coupons used"), default=list, blank=True)
    sale_channel = models.PositiveSmallIntegerField(_("sale channel"), null=True, blank=True)
    account_type = models.PositiveSmallIntegerField(_("account type"), null=True, blank=True)
    account_id = models.CharField(_("account id"), max_length=64, blank=True)
    account_nickname = models.CharField(_("account nickname"), max_length=100, blank=True)
    content_type = models.PositiveSmallIntegerField(_("content type"), null=True, blank=True)
    content_id = models.CharField(_("content id"), max_length=64, blank=True)
    promoter_head_supplier_id = models.CharField(_("promoting agency id"), max_length=64, blank=True)
    original_id = models.CharField(_("original id"), max_length=64, blank=True)
    commission_infos = models.JSONField(_("commission lines"), default=list, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.OTHER)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "line_no"]
        constraints = [models.UniqueConstraint(fields=["order", "line_no"], name="orderline_unique_no")]
        indexes = [
            models.Index(fields=["shop", "sku_id"], name="orderline_shop_sku"),
            # The order list's line filters (EXISTS subqueries scoped to the shop): product, source account, channel;
            # the account index also serves the list's account hints with index-only probes.
            models.Index(fields=["shop", "product_id"], name="orderline_shop_product"),
            models.Index(fields=["shop", "account_id", "account_nickname"], name="orderline_shop_account"),
            models.Index(fields=["shop", "channel"], name="orderline_shop_channel"),
        ]

    def __str__(self):
        return f"{self.order_id}#{self.line_no}"


class AfterSale(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="aftersales", verbose_name=_("shop"))
    after_sale_order_id = models.CharField(_("after-sale id"), max_length=32)
    order_id = models.CharField(_("order id"), max_length=32)
    type = models.CharField(_("type"), max_length=16)
    status = models.CharField(_("status"), max_length=48)
    # ``reason`` is the platform's key (NO_LONGER_WANT …; keys added later mean nothing by themselves), ``reason_text``
    # the platform's explanation of it, which is what a person reads.
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reason_text = models.CharField(_("reason text"), max_length=200, blank=True)
    product_id = models.CharField(_("product id"), max_length=32, blank=True)
    sku_id = models.CharField(_("SKU id"), max_length=32, blank=True)
    count = models.PositiveIntegerField(_("quantity"), default=0)
    refund_amount_fen = models.BigIntegerField(_("refund (fen)"), default=0)
    create_time = models.DateTimeField(_("created"))
    update_time = models.DateTimeField(_("updated"))
    raw = models.JSONField(_("platform payload"))
    synced_at = models.DateTimeField(_("synced at"))

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("after-sale")
        verbose_name_plural = _("after-sales")
        ordering = ["-create_time", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "after_sale_order_id"], name="aftersale_unique_per_shop")
        ]
        # An order's after-sales (its refunds, summed per paid order by the roll-ups): led by the shop, so that no
        # planner prefers the shop's own index and reads all of its after-sales once per order.
        indexes = [models.Index(fields=["shop", "order_id"], name="aftersale_shop_order")]

    def __str__(self):
        return self.after_sale_order_id


class AfterSaleStatusChange(models.Model):
    """The status history we observed: appended whenever a sync sees a new status."""

    aftersale = models.ForeignKey(
        AfterSale, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("after-sale")
    )
    status = models.CharField(_("status"), max_length=48)
    changed_at = models.DateTimeField(_("platform update time"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("after-sale status change")
        verbose_name_plural = _("after-sale status changes")
        ordering = ["aftersale", "changed_at", "id"]

    def __str__(self):
        return f"{self.aftersale_id} {self.status}"


class Product(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products", verbose_name=_("shop"))
    product_id = models.CharField(_("product id"), max_length=32)
    title = models.CharField(_("title"), max_length=300, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), default=0)
    edit_status = models.PositiveSmallIntegerField(_("edit status"), default=0)
    min_price_fen = models.BigIntegerField(_("lowest price (fen)"), default=0)
    total_sold_num = models.PositiveIntegerField(_("sold"), default=0)
    # 1 普通商品, 2 福袋抽奖商品 (made by the platform for a 福袋: read-only, never listed), 3 直播间闪电购商品.
    product_type = models.PositiveSmallIntegerField(_("product type"), default=1)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    deleted = models.BooleanField(_("gone from the platform"), default=False)
    seen_at = models.DateTimeField(_("last listed by the platform"))
    raw = models.JSONField(_("platform payload"))
    synced_at = models.DateTimeField(_("synced at"))

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["title", "id"]
        constraints = [models.UniqueConstraint(fields=["shop", "product_id"], name="product_unique_per_shop")]

    def __str__(self):
        return self.title or self.product_id


class Sku(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus", verbose_name=_("product"))
    sku_id = models.CharField(_("SKU id"), max_length=32)
    sku_code = models.CharField(_("SKU code"), max_length=100, blank=True)
    sale_price_fen = models.BigIntegerField(_("price (fen)"), default=0)
    market_price_fen = models.BigIntegerField(_("list price (fen)"), default=0)
    stock_num = models.IntegerField(_("stock"), default=0)
    status = models.PositiveSmallIntegerField(_("status"), default=0)
    attrs = models.JSONField(_("attributes"), default=list, blank=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["product", "sku_id"]
        constraints = [models.UniqueConstraint(fields=["shop", "sku_id"], name="sku_unique_per_shop")]

    def __str__(self):
        return self.sku_id
