"""WeCom (企业微信) staff rewards: a merchant's own scheme for paying the staff whose member forwards (企微成员转发)
sold, on the incentive ledger (``staff_reward_expense`` / ``staff_reward_payable:<userid>``).

Attribution (shared/wechat-platform.md §2.3 SourceInfo and §8 WeCom): a line is a staff member's when its
``source_infos`` entry has ``content_type`` 1 企微成员转发, and the member is ``content_id`` (企微成员 user_id).
``account_type`` 4 / ``account_id`` name the 企业微信 *corp* (企业微信 id), not the member, so they never pick the
staff member. The seed says the same (seeds/001, 关联企微账号):
"订单API中，拉取订单详情，可以看到来源的企业微信id信息，
商家可以基于该信息，匹配带货的企业微信员工，自行决定激励方式".
The stored line keeps both fields (``OrderLine.content_type`` / ``content_id``) and the folded ``channel``
(``wecom_forward`` when content_type is 1 and the line is not a talent's, an agency's or a sharer's:
shopops.channels.line_channel rule 5); a line qualifies when its channel is ``wecom_forward`` and it names a
member.

A ``StaffRewardScheme`` is one version of a programme (``code``) of a shop, like ``RuleSet``: a version that has
earned anything is never edited, the owner writes a new version, and an order counts under the highest version of
the programme whose validity holds its pay time.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop, TimeStampedModel
from shopops.models.commerce import ShopScopedQuerySet
from shopops.money import PPM, format_yuan


class StaffRewardBasis(models.TextChoices):
    GMV_SHARE = "gmv_share", _("Share of settled GMV")
    FIXED_PER_ORDER = "fixed_per_order", _("Fixed amount per order")


class StaffRewardScheme(TimeStampedModel):
    """One version of a staff reward programme. Money in fen, the share in parts per million (1‰ = 1,000 ppm).

    - Orders paid in [``valid_from``, ``valid_until``) count under this version unless a higher version of the
      programme covers their pay time.
    - ``gmv_share``: a staff member earns floor(settled GMV × ``rate_ppm`` / 1,000,000) per order, rounded once on
      the member's total of the order (``shopops.money.commission_fen``'s rule). Settled GMV: what the buyer paid for
      the member's lines less the refunds that reached the buyer for those SKUs, never below 0.
    - ``fixed_per_order``: ``fixed_fen`` per order with settled GMV above 0, once per order: to the member whose
      lines have the most settled GMV in it (the lowest userid on a tie).
    """

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="staff_reward_schemes", verbose_name=_("shop")
    )
    code = models.SlugField(_("programme"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=100)
    basis = models.CharField(_("basis"), max_length=20, choices=StaffRewardBasis.choices)
    rate_ppm = models.PositiveIntegerField(_("share of settled GMV (ppm)"), default=0)
    fixed_fen = models.BigIntegerField(_("fixed amount per order (fen)"), default=0)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("previous version")
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff reward scheme")
        verbose_name_plural = _("staff reward schemes")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code", "version"], name="staffscheme_unique_version"),
            models.CheckConstraint(condition=Q(rate_ppm__lte=PPM), name="staffscheme_rate_ppm"),
            models.CheckConstraint(condition=Q(fixed_fen__gte=0), name="staffscheme_fixed_not_negative"),
            models.CheckConstraint(condition=Q(version__gte=1), name="staffscheme_version_positive"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="staffscheme_period",
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    @property
    def label(self) -> str:
        """The version in idempotency keys: ``<programme>@<version>``."""
        return f"{self.code}@{self.version}"

    @property
    def last_day(self):
        """The last Beijing day the version covers (``valid_until`` is the exclusive instant after it), or None."""
        if self.valid_until is None:
            return None
        return timezone.localtime(self.valid_until - timedelta(microseconds=1)).date()

    @property
    def reward_display(self) -> str:
        """The reward as a person reads it: ``1.5%`` of settled GMV, or ``¥5.00`` per order (exact, no rounding)."""
        if self.basis == StaffRewardBasis.GMV_SHARE:
            percent = Decimal(self.rate_ppm) / (PPM // 100)
            return f"{percent.quantize(Decimal(1)) if percent == percent.to_integral() else percent.normalize()}%"
        return format_yuan(self.fixed_fen)


class StaffMember(models.Model):
    """A 企业微信 member of the shop's linked corp, known by the ``content_id`` (企微成员 user_id) of the lines they
    forwarded. Created by the evaluation the first time a member's order earns; the merchant names them."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    userid = models.CharField(_("WeCom userid"), max_length=64)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("first seen"), default=timezone.now)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("WeCom staff member")
        verbose_name_plural = _("WeCom staff members")
        ordering = ["userid"]
        constraints = [models.UniqueConstraint(fields=["shop", "userid"], name="staffmember_unique_userid")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.display_name or self.userid

    @property
    def payable_code(self) -> str:
        return f"staff_reward_payable:{self.userid}"


class StaffReward(models.Model):
    """One change of what a staff member earns on an order under one scheme version, in fen (signed): the first
    when the order is final, a reversal (negative) after a refund or cancellation, an adjustment otherwise. Written
    only by ``incentives.services.staff``, set-based; only ``posted_at`` is ever updated."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Accrual")
        REVERSAL = "reversal", _("Reversal")
        ADJUSTMENT = "adjustment", _("Adjustment")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    key = models.CharField(_("idempotency key"), max_length=200)
    scheme = models.ForeignKey(
        StaffRewardScheme, on_delete=models.PROTECT, related_name="rewards", verbose_name=_("scheme")
    )
    order_id = models.CharField(_("order id"), max_length=32)
    userid = models.CharField(_("WeCom userid"), max_length=64)
    step = models.PositiveIntegerField(_("step"))  # per order and version
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    basis_fen = models.BigIntegerField(_("settled GMV (fen)"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    booked_on = models.DateField(_("booked on"))
    created_at = models.DateTimeField(_("created at"))
    posted_at = models.DateTimeField(_("posted to the ledger"), null=True, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff reward")
        verbose_name_plural = _("staff rewards")
        ordering = ["-booked_on", "order_id", "userid", "step"]
        constraints = [models.UniqueConstraint(fields=["shop", "key"], name="staffreward_unique_key")]
        indexes = [models.Index(fields=["shop", "order_id"], name="staffreward_shop_order")]

    def __str__(self):
        return self.key


class StaffPayout(models.Model):
    """A payment of rewards to a staff member, made outside ShopOps and recorded here: its journal debits
    ``staff_reward_payable:<userid>`` and credits ``staff_reward_paid``. ``key`` makes a repeated request one payout."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    key = models.CharField(_("idempotency key"), max_length=64)
    member = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("staff member")
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    paid_on = models.DateField(_("paid on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    journal_key = models.CharField(_("journal"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("paid by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff reward payout")
        verbose_name_plural = _("staff reward payouts")
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "key"], name="staffpayout_unique_key"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="staffpayout_amount_positive"),
        ]

    def __str__(self):
        return self.key
