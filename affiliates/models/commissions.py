from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from affiliates.models.agencies import Agency
from affiliates.models.plans import PlanTerms
from shopops.models import Shop


class Reason(models.TextChoices):
    """Why the platform's commission differs from the one ShopOps expects (difference = ``platform`` − ``expected``)."""

    NONE = "", _("Matches")
    REFUND_CLAWBACK = "refund_clawback", _("Refund clawed back")
    PLAN_CHANGED = "plan_changed", _("Plan changed after payment")
    NO_PLAN = "no_plan", _("No plan in force at payment")
    PLATFORM_MISCOMPUTED = "platform_miscomputed", _("Platform mis-computed")


class CommissionLine(models.Model):
    """One party's commission on one order line, from the order's ``commission_infos`` (merchant view): 达人
    (type 0) or 机构 (type 1). ``base_fen`` is the line's paid amount less refunds; ``expected_*`` come from the
    plan terms in force at pay time (``shopops.money.commission_fen``); ``reason`` explains a difference."""

    class Party(models.IntegerChoices):
        TALENT = 0, _("Talent")
        AGENCY = 1, _("Agency")

    class Status(models.IntegerChoices):
        UNSETTLED = 1, _("Not settled")
        SETTLED = 2, _("Settled")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    order_id = models.CharField(_("order id"), max_length=32)
    sku_id = models.CharField(_("SKU id"), max_length=32)
    product_id = models.CharField(_("product id"), max_length=32)
    party = models.PositiveSmallIntegerField(_("party"), choices=Party.choices)
    party_id = models.CharField(_("party id"), max_length=64)
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    agency_appid = models.CharField(_("agency AppID"), max_length=32, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices)
    pay_time = models.DateTimeField(_("paid"), null=True, blank=True)
    paid_fen = models.BigIntegerField(_("paid for line (fen)"))
    refunded_fen = models.BigIntegerField(_("refunded (fen)"), default=0)
    platform_amount_fen = models.BigIntegerField(_("platform commission (fen)"))
    # Neither a database constraint nor an index: the reconciliation writes a whole shop's lines at once, and checking
    # each row's terms at commit, or indexing them, cost seconds per million lines for a lookup nothing makes (terms
    # are deleted only through the ORM, rarely, which sets this null).
    terms = models.ForeignKey(
        PlanTerms,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    expected_ratio_ppm = models.PositiveIntegerField(_("expected ratio (ppm)"), null=True, blank=True)
    expected_amount_fen = models.BigIntegerField(_("expected commission (fen)"), null=True, blank=True)
    difference_fen = models.BigIntegerField(_("difference (fen)"), default=0)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices, blank=True, default="")
    self_referral = models.BooleanField(_("self-referral"), default=False)
    synced_at = models.DateTimeField(_("synced at"))

    class Meta:
        verbose_name = _("commission line")
        verbose_name_plural = _("commission lines")
        ordering = ["-pay_time", "order_id", "sku_id", "party"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "order_id", "sku_id", "party", "party_id"], name="commissionline_once"
            )
        ]
        indexes = [
            models.Index(fields=["shop", "-pay_time"], name="commissionline_shop_paid"),
            # The difference list and a reason's lines (the rows with a reason are a few in a thousand; no index on
            # the reason of every line, which each insert would maintain for nothing).
            models.Index(fields=["shop", "-pay_time"], condition=~Q(reason=""), name="commissionline_shop_differs"),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.sku_id} {self.get_party_display()}"


class CommissionOrder(models.Model):
    """An agency's commission order (headsupplier ``order/get``: the typo ``commssion_order`` is the platform's),
    one per (order, sku). Ratios are parts per million, amounts fen. ``promoter_*`` is whoever sold: a 达人's
    channels account (finder), a 带货助手 talent or one of the agency's 推客 (sharer)."""

    class Status(models.IntegerChoices):
        UNSETTLED = 20, _("Not settled")
        SETTLED = 100, _("Settled")
        CANCELLED = 200, _("Cancelled")

    class Promoter(models.TextChoices):
        FINDER = "finder", _("Channels account")
        TALENT = "talent", _("Talent")
        SHARER = "sharer", _("推客")

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="commission_orders", verbose_name=_("agency"), db_index=False
    )
    order_id = models.CharField(_("order id"), max_length=32)
    sku_id = models.CharField(_("SKU id"), max_length=32)
    shop_appid = models.CharField(_("shop AppID"), max_length=32)
    shop_name = models.CharField(_("shop name"), max_length=100, blank=True)
    product_id = models.CharField(_("product id"), max_length=32)
    title = models.CharField(_("title"), max_length=300, blank=True)
    thumb_img = models.URLField(_("image"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices)
    order_status = models.PositiveSmallIntegerField(_("order status"), null=True, blank=True)
    create_time = models.DateTimeField(_("created"))
    update_time = models.DateTimeField(_("updated"))
    pay_time = models.DateTimeField(_("paid"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    actual_payment_fen = models.BigIntegerField(_("commissionable amount (fen)"))
    promotion_channel = models.PositiveSmallIntegerField(_("promotion channel"), null=True, blank=True)
    promoter_kind = models.CharField(_("promoter kind"), max_length=8, choices=Promoter.choices, blank=True)
    promoter_id = models.CharField(_("promoter id"), max_length=64, blank=True)
    promoter_nickname = models.CharField(_("promoter"), max_length=100, blank=True)
    promoter_ratio_ppm = models.PositiveIntegerField(_("promoter ratio (ppm)"), default=0)
    promoter_amount_fen = models.BigIntegerField(_("promoter commission (fen)"), default=0)
    service_ratio_ppm = models.PositiveIntegerField(_("service ratio (ppm)"), default=0)
    service_amount_fen = models.BigIntegerField(_("service fee (fen)"), default=0)
    buyer_openid = models.CharField(_("buyer openid"), max_length=64, blank=True)
    expected_service_amount_fen = models.BigIntegerField(_("expected service fee (fen)"), null=True, blank=True)
    expected_promoter_amount_fen = models.BigIntegerField(
        _("expected promoter commission (fen)"), null=True, blank=True
    )
    difference_fen = models.BigIntegerField(_("difference (fen)"), default=0)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices, blank=True, default="")
    self_referral = models.BooleanField(_("self-referral"), default=False)
    raw = models.JSONField(_("platform payload"))
    synced_at = models.DateTimeField(_("synced at"))

    class Meta:
        verbose_name = _("commission order")
        verbose_name_plural = _("commission orders")
        ordering = ["-create_time", "-id"]
        constraints = [models.UniqueConstraint(fields=["agency", "order_id", "sku_id"], name="commissionorder_once")]
        indexes = [
            models.Index(fields=["agency", "-create_time"], name="commissionorder_agency_created"),
            models.Index(fields=["agency", "status"], name="commissionorder_agency_status"),
            models.Index(fields=["agency", "shop_appid"], name="commissionorder_agency_shop"),
            models.Index(fields=["agency", "update_time"], name="commissionorder_agency_updated"),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.sku_id}"


class CommissionRollup(models.Model):
    """The shop's commission lines summed per Beijing month of payment × party × party id (and its nickname) ×
    agency × product × reason, maintained set-based by the reconciliation for the orders it touched
    (``affiliates.services.commissions``), so the report and the totals read a few rows instead of the shop's whole
    history. ``month`` is ``UNPAID_MONTH`` for lines without a pay time. ``gmv_fen`` sums ``paid_fen`` of the rows
    that carry an order line's GMV: its party-0 row, or its agency row when it has none."""

    UNPAID_MONTH = date(1970, 1, 1)

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField(_("month"))
    party = models.PositiveSmallIntegerField(_("party"), choices=CommissionLine.Party.choices)
    party_id = models.CharField(_("party id"), max_length=64)
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    agency_appid = models.CharField(_("agency AppID"), max_length=32, blank=True)
    product_id = models.CharField(_("product id"), max_length=32)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices, blank=True)
    lines = models.BigIntegerField(_("lines"))
    paid_fen = models.BigIntegerField(_("paid (fen)"))
    refunded_fen = models.BigIntegerField(_("refunded (fen)"))
    gmv_fen = models.BigIntegerField(_("GMV (fen)"))
    platform_fen = models.BigIntegerField(_("platform commission (fen)"))
    expected_fen = models.BigIntegerField(_("expected commission (fen)"))
    difference_fen = models.BigIntegerField(_("difference (fen)"))

    KEY = ("shop", "month", "party", "party_id", "nickname", "agency_appid", "product_id", "reason")
    SUMS = ("lines", "paid_fen", "refunded_fen", "gmv_fen", "platform_fen", "expected_fen", "difference_fen")

    class Meta:
        verbose_name = _("commission roll-up")
        verbose_name_plural = _("commission roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "month", "party", "party_id", "nickname", "agency_appid", "product_id", "reason"],
                name="commissionrollup_once",
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.party_id or self.agency_appid} {self.product_id}"


class CommissionOrderRollup(models.Model):
    """An agency's commission orders summed per shop × status × promoter kind × Beijing day of creation × day of
    payment (``UNPAID_DAY`` without one), rebuilt set-based by ``commission_orders_reconcile`` for the days it
    touched, so the portal's totals read a few rows instead of every commission order."""

    UNPAID_DAY = date(1970, 1, 1)

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    shop_appid = models.CharField(_("shop AppID"), max_length=32)
    status = models.PositiveSmallIntegerField(_("status"), choices=CommissionOrder.Status.choices)
    promoter_kind = models.CharField(_("promoter kind"), max_length=8, blank=True)
    created_day = models.DateField(_("created"))
    paid_day = models.DateField(_("paid"))
    count = models.BigIntegerField(_("commission orders"))
    payment_fen = models.BigIntegerField(_("commissionable amount (fen)"))
    service_fen = models.BigIntegerField(_("service fee (fen)"))
    promoter_fen = models.BigIntegerField(_("promoter commission (fen)"))

    class Meta:
        verbose_name = _("commission order roll-up")
        verbose_name_plural = _("commission order roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "created_day", "shop_appid", "status", "promoter_kind", "paid_day"],
                name="commissionorderrollup_once",
            )
        ]

    def __str__(self):
        return f"{self.shop_appid} {self.created_day} {self.status}"
