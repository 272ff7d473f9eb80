"""The platform's per-order fund flow (``/channels/ec/funds/listorderflow``): what the platform really charged each
order — the original 技术服务费 and the one charged after the 私域激励 reduction, the commissions, the settlement
state. A synced copy (incentives.flows_sync), one row per order, upserted by order id: the reconciliation compares
the rules' expected reduction with ``original_platform_commission_fen − platform_commission_fen``.

Money in fen as the platform gives it (``*_fen``); platform times as aware datetimes (None: the platform sent 0).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop
from shopops.models.commerce import ShopScopedQuerySet


class SettleState(models.IntegerChoices):
    """listorderflow ``order_settle_state`` (and the per-party settle states)."""

    NONE = 0, _("None")
    PENDING = 1, _("Awaiting settlement")
    NOT_NEEDED = 2, _("No settlement needed")
    SETTLED = 60, _("Settled")
    PARTIAL = 100, _("Partly settled")


# listorderflow amount field -> OrderFlow column (every *_amount of the entry).
AMOUNT_FIELDS = {
    "mch_received_amount": "mch_received_fen",
    "expense_amount": "expense_fen",
    "mch_settle_amount": "mch_settle_fen",
    "product_total_amount": "product_total_fen",
    "freight_amount": "freight_fen",
    "change_down_price": "change_down_fen",
    "mch_discount_amount": "mch_discount_fen",
    "score_discount_amount": "score_discount_fen",
    "buyer_paid_amount": "buyer_paid_fen",
    "promoter_discount_amount": "promoter_discount_fen",
    "platform_discount_amount": "platform_discount_fen",
    "national_subsidy_discount_amount": "national_subsidy_discount_fen",
    "freight_make_up_amount": "freight_make_up_fen",
    "cross_shop_discount_amount": "cross_shop_discount_fen",
    "buyer_refund_amount": "buyer_refund_fen",
    "platform_discount_refund_amount": "platform_discount_refund_fen",
    "promoter_discount_refund_amount": "promoter_discount_refund_fen",
    "original_platform_commission_amount": "original_platform_commission_fen",
    "platform_commission_amount": "platform_commission_fen",
    "freight_insurance_subsidy_amount": "freight_insurance_subsidy_fen",
    "supplier_commission_amount": "supplier_commission_fen",
    "promoter_commission_amount": "promoter_commission_fen",
    "freight_insurance_amount": "freight_insurance_fen",
    "freight_insurance_make_up_amount": "freight_insurance_make_up_fen",
    "pre_freight_refund_amount": "pre_freight_refund_fen",
    "refund_before_settlement": "refund_before_settlement_fen",
    "other_expense_amount": "other_expense_fen",
}
STATE_FIELDS = {
    "order_state": "order_state",
    "order_settle_state": "settle_state",
    "order_pay_method": "pay_method",
    "order_type": "order_type",
    "platform_commission_settle_state": "platform_commission_settle_state",
    "supplier_commission_settle_state": "supplier_commission_settle_state",
    "promoter_commission_settle_state": "promoter_commission_settle_state",
}
TIME_FIELDS = {
    "order_create_time": "create_time",
    "order_paid_time": "paid_time",
    "mch_settle_time": "mch_settle_time",
    "platform_commission_settle_time": "platform_commission_settle_time",
}


def _fen(verbose: str):
    return models.BigIntegerField(verbose, default=0)


class OrderFlow(models.Model):
    """One order's fund flow as listorderflow reports it."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    order_id = models.CharField(_("order id"), max_length=32)
    order_state = models.PositiveSmallIntegerField(_("order status"), default=0)
    settle_state = models.PositiveSmallIntegerField(_("settlement state"), choices=SettleState.choices, default=0)
    pay_method = models.PositiveSmallIntegerField(_("payment method"), default=0)
    order_type = models.PositiveSmallIntegerField(_("order type"), default=0)
    platform_commission_settle_state = models.PositiveSmallIntegerField(
        _("service fee settlement state"), choices=SettleState.choices, default=0
    )
    supplier_commission_settle_state = models.PositiveSmallIntegerField(
        _("agency commission settlement state"), choices=SettleState.choices, default=0
    )
    promoter_commission_settle_state = models.PositiveSmallIntegerField(
        _("talent commission settlement state"), choices=SettleState.choices, default=0
    )
    create_time = models.DateTimeField(_("created"), null=True, blank=True)
    paid_time = models.DateTimeField(_("paid"), null=True, blank=True)
    mch_settle_time = models.DateTimeField(_("merchant settled"), null=True, blank=True)
    platform_commission_settle_time = models.DateTimeField(_("service fee settled"), null=True, blank=True)

    mch_received_fen = _fen(_("merchant received (fen)"))
    expense_fen = _fen(_("expenses (fen)"))
    mch_settle_fen = _fen(_("merchant settlement (fen)"))
    product_total_fen = _fen(_("products total (fen)"))
    freight_fen = _fen(_("freight (fen)"))
    change_down_fen = _fen(_("price change (fen)"))
    mch_discount_fen = _fen(_("merchant discount (fen)"))
    score_discount_fen = _fen(_("points deduction (fen)"))
    buyer_paid_fen = _fen(_("buyer paid (fen)"))
    promoter_discount_fen = _fen(_("talent discount (fen)"))
    platform_discount_fen = _fen(_("platform discount (fen)"))
    national_subsidy_discount_fen = _fen(_("national subsidy (fen)"))
    freight_make_up_fen = _fen(_("freight make-up (fen)"))
    cross_shop_discount_fen = _fen(_("cross-shop discount (fen)"))
    buyer_refund_fen = _fen(_("buyer refunds (fen)"))
    platform_discount_refund_fen = _fen(_("platform discount refunded (fen)"))
    promoter_discount_refund_fen = _fen(_("talent discount refunded (fen)"))
    original_platform_commission_fen = _fen(_("original service fee (fen)"))
    platform_commission_fen = _fen(_("service fee charged (fen)"))
    freight_insurance_subsidy_fen = _fen(_("freight insurance fee reduction (fen)"))
    supplier_commission_fen = _fen(_("agency commission (fen)"))
    promoter_commission_fen = _fen(_("talent commission (fen)"))
    freight_insurance_fen = _fen(_("freight insurance (fen)"))
    freight_insurance_make_up_fen = _fen(_("freight insurance make-up (fen)"))
    pre_freight_refund_fen = _fen(_("prepaid freight refunded (fen)"))
    refund_before_settlement_fen = _fen(_("refunded before settlement (fen)"))
    other_expense_fen = _fen(_("other expenses (fen)"))
    post_settlement_expense = models.JSONField(_("post-settlement expenses"), default=dict, blank=True)
    product_list = models.JSONField(_("products"), default=list, blank=True)
    synced_at = models.DateTimeField(_("synced at"))

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("order fund flow")
        verbose_name_plural = _("order fund flows")
        ordering = ["-create_time", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "order_id"], name="orderflow_unique_per_shop")]
        indexes = [models.Index(fields=["shop", "settle_state", "create_time"], name="orderflow_shop_state")]

    def __str__(self):
        return self.order_id

    @property
    def fee_reduction_fen(self) -> int:
        """The 私域激励 (and any other) reduction the platform granted: original fee − fee charged."""
        return self.original_platform_commission_fen - self.platform_commission_fen
