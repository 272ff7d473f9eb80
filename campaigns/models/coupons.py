"""The shop's coupons (营销管理-优惠券): copies of the platform's coupons and of the buyers' coupons, and the coupon
uses read from the stored orders, which the performance figures are computed from.

Units as the platform gives them: money in fen (``*_fen``); ``discount_num`` keeps the platform's scale (the price
paid, ×1000 of 10: 8500 = 8.5折, i.e. 85% of the price is paid), as every rule about it is stated on that scale.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.models import Order, Shop
from shopops.models.commerce import ShopScopedQuerySet


class CouponType(models.IntegerChoices):
    PRODUCT_COUNT_DISCOUNT = 1, _("Product: N items, percent off")
    PRODUCT_AMOUNT_OFF = 2, _("Product: spend X, get Y off")
    PRODUCT_DISCOUNT = 3, _("Product: percent off")
    PRODUCT_DIRECT_OFF = 4, _("Product: amount off")
    SHOP_COUNT_DISCOUNT = 101, _("Shop: N items, percent off")
    SHOP_AMOUNT_OFF = 102, _("Shop: spend X, get Y off")
    SHOP_DISCOUNT = 103, _("Shop: percent off")
    SHOP_DIRECT_OFF = 104, _("Shop: amount off")


class Coupon(models.Model):
    """A coupon of the shop as ``coupon/get`` answers it (synced, or stored from what ShopOps created)."""

    Type = CouponType

    class Status(models.IntegerChoices):
        NOT_EFFECTIVE = 1, _("Not yet in effect")
        EFFECTIVE = 2, _("In effect")
        EXPIRED = 3, _("Expired")
        INVALIDATED = 4, _("Invalidated")
        DELETED = 5, _("Deleted")

    class PromoteType(models.IntegerChoices):
        SHOP = 1, _("In-shop promotion")
        VIP = 9, _("Member coupon")
        VIP_REGISTER = 10, _("Membership sign-up gift")

    class ValidType(models.IntegerChoices):
        TIME = 1, _("Fixed period")
        DAY = 2, _("Days after receipt")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    coupon_id = models.CharField(_("coupon id"), max_length=32)
    type = models.PositiveSmallIntegerField(_("type"), choices=CouponType.choices)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices)
    name = models.CharField(_("name"), max_length=30)
    promote_type = models.PositiveSmallIntegerField(_("promotion"), choices=PromoteType.choices, default=1)
    product_ids = models.JSONField(_("products"), default=list, blank=True)
    product_cnt = models.PositiveIntegerField(_("item threshold"), null=True, blank=True)
    product_price_fen = models.BigIntegerField(_("amount threshold (fen)"), null=True, blank=True)
    discount_num = models.PositiveIntegerField(_("discount (5000 = 5折)"), null=True, blank=True)
    discount_fee_fen = models.BigIntegerField(_("amount off (fen)"), null=True, blank=True)
    receive_start = models.DateTimeField(_("receivable from"), null=True, blank=True)
    receive_end = models.DateTimeField(_("receivable until"), null=True, blank=True)
    limit_num_one_person = models.PositiveIntegerField(_("limit per buyer"), default=1)
    total_num = models.PositiveIntegerField(_("total issued"), default=0)
    valid_type = models.PositiveSmallIntegerField(_("validity"), choices=ValidType.choices, default=ValidType.TIME)
    valid_day_num = models.PositiveIntegerField(_("valid days"), null=True, blank=True)
    valid_start = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_end = models.DateTimeField(_("valid until"), null=True, blank=True)
    jump_product_id = models.CharField(_("jump product"), max_length=32, blank=True)
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    auto_valid = models.BooleanField(_("takes effect automatically"), default=False)
    # stock_info: issued_num is what is left to receive (剩余量), receive_num received, used_num used.
    issued_num = models.PositiveIntegerField(_("left to receive"), default=0)
    receive_num = models.PositiveIntegerField(_("received"), default=0)
    used_num = models.PositiveIntegerField(_("used"), default=0)
    create_time = models.DateTimeField(_("created"), null=True, blank=True)
    update_time = models.DateTimeField(_("updated"), null=True, blank=True)
    raw = models.JSONField(_("platform payload"), default=dict)
    synced_at = models.DateTimeField(_("synced at"))

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-create_time", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "coupon_id"], name="coupon_unique_per_shop")]
        indexes = [
            models.Index(fields=["shop", "status", "type"], name="coupon_shop_status"),
            models.Index(fields=["shop", "-create_time"], name="coupon_shop_created"),
        ]

    def __str__(self):
        return f"{self.name} ({self.coupon_id})"

    @property
    def is_product_coupon(self) -> bool:
        return self.type < 100

    @property
    def zhe(self) -> str:
        """The discount as the merchant says it: 8500 → "8.5"."""
        if not self.discount_num:
            return ""
        return f"{self.discount_num / 1000:.1f}".removesuffix(".0")


class UserCoupon(models.Model):
    """A coupon a buyer received (``get_user_coupon``)."""

    class Status(models.IntegerChoices):
        VALID = 100, _("Valid")
        EXPIRED = 101, _("Expired")
        USED = 102, _("Used")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    user_coupon_id = models.CharField(_("user coupon id"), max_length=32)
    coupon_id = models.CharField(_("coupon id"), max_length=32)
    openid = models.CharField(_("buyer openid"), max_length=64)
    unionid = models.CharField(_("buyer unionid"), max_length=64, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices, null=True, blank=True)
    receive_time = models.DateTimeField(_("received"), null=True, blank=True)
    valid_start = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_end = models.DateTimeField(_("valid until"), null=True, blank=True)
    use_time = models.DateTimeField(_("used"), null=True, blank=True)
    order_id = models.CharField(_("order id"), max_length=32, blank=True)
    discount_fee_fen = models.BigIntegerField(_("discount (fen)"), default=0)
    raw = models.JSONField(_("platform payload"), default=dict)
    # None: known (from an event or an order) but not fetched yet.
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("user coupon")
        verbose_name_plural = _("user coupons")
        ordering = ["-receive_time", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "user_coupon_id"], name="usercoupon_unique_per_shop")]
        # The coupon's page lists its latest receipts (``user_coupons_for_coupon``).
        indexes = [
            models.Index(fields=["shop", "coupon_id", "-receive_time", "-id"], name="usercoupon_shop_coupon_recv")
        ]

    def __str__(self):
        return self.user_coupon_id


class CouponUse(models.Model):
    """A merchant coupon (coupon_type 1) an order used, read from its lines' ``order_product_coupon_info_list``
    (shopops.OrderLine.coupons): one row per (order, user coupon) with the discount over its lines. Derived."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+", verbose_name=_("order"))
    coupon_id = models.CharField(_("coupon id"), max_length=32)
    user_coupon_id = models.CharField(_("user coupon id"), max_length=32)
    openid = models.CharField(_("buyer openid"), max_length=64, blank=True)
    discounted_price_fen = models.BigIntegerField(_("discount (fen)"), default=0)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("coupon use")
        verbose_name_plural = _("coupon uses")
        constraints = [
            models.UniqueConstraint(fields=["order", "user_coupon_id"], name="couponuse_once_per_order"),
        ]
        indexes = [models.Index(fields=["shop", "coupon_id"], name="couponuse_shop_coupon")]

    def __str__(self):
        return f"{self.coupon_id}/{self.user_coupon_id}"
