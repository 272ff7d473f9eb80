"""私域激励计划 rules and what they earn: versioned rule sets, their eligible sources, and the accruals.

A ``RuleSet`` is one version of a programme (``code``) of a shop: which private-domain sources earn, on what basis,
at what rate, within which caps, paid in which form. A version that has earned anything is never edited: the owner
writes a new version (``incentives.services.rules.ruleset_new_version``). The version in force for an order is the
highest version of its programme whose validity holds the order's pay time (``valid_from ≤ pay time``, and before
``valid_to`` when it has one): a new version supersedes the older ones from its start without changing them.

An ``Accrual`` is one change of what a line (order, SKU) earns under one version: the first when the line becomes
final, then a reversal (negative) when a refund or a cancellation lowers it, or an adjustment. Rows are only ever
added; the sum of a line's rows is what it earns now. ``key`` (order id, SKU id, programme@version, step) makes a
second evaluation of the same facts write nothing.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shopops.channels import Channel
from shopops.models import Shop, TimeStampedModel
from shopops.money import PPM


class RewardForm(models.TextChoices):
    # Seed 001: 激励将以减免部分技术服务费或者电商成长卡的形式发放给商家.
    FEE_REDUCTION = "fee_reduction", _("Service fee reduction")
    GROWTH_CARD = "growth_card", _("E-commerce growth card")


class RuleSetQuerySet(models.QuerySet):
    def for_shop(self, shop):
        return self.filter(shop=shop)


class RuleSet(TimeStampedModel):
    """One version of an incentive programme of a shop. Money in fen, the rate in parts per million.

    - ``valid_from`` / ``valid_to`` are instants (the programme's own dates at 00:00 Beijing time); an order counts
      under this version when its pay time falls in them and no higher version of the programme covers it.
    - Eligible sources are the ``RuleSource`` rows: the line's own ``source_infos`` (sale_channel, account_type).
    - Qualification: the order's eligible basis reaches ``min_order_basis_fen``.
    - Basis of a line: what the buyer paid for it less what was refunded (after-sales that reached the buyer),
      never below 0, once the order is settled and ``after_sale_days`` have passed with no after-sale open.
    - Amount of a line: floor(basis × ``rate_ppm`` / 1,000,000); an order's total is capped by
      ``cap_per_order_fen`` and, with ``cap_at_order_fee``, by the order's service fee (a reduction never makes the
      fee negative); the shop's month (of settlement) is capped by ``cap_per_month_fen``. No cap: blank.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="incentive_rulesets", verbose_name=_("shop"))
    code = models.SlugField(_("programme"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=100)
    is_example = models.BooleanField(
        _("example rates"), default=False, help_text=_("The platform does not publish the plan's rates.")
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid until"), null=True, blank=True)
    after_sale_days = models.PositiveSmallIntegerField(_("after-sale period after settlement (days)"), default=0)
    min_order_basis_fen = models.BigIntegerField(_("minimum eligible amount per order (fen)"), default=0)
    rate_ppm = models.PositiveIntegerField(_("rate (ppm)"))
    cap_per_order_fen = models.BigIntegerField(_("cap per order (fen)"), null=True, blank=True)
    cap_per_month_fen = models.BigIntegerField(_("cap per month (fen)"), null=True, blank=True)
    cap_at_order_fee = models.BooleanField(_("never more than the order's service fee"), default=True)
    reward_form = models.CharField(_("reward form"), max_length=20, choices=RewardForm.choices)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("previous version")
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("incentive rule set")
        verbose_name_plural = _("incentive rule sets")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code", "version"], name="ruleset_unique_version"),
            models.CheckConstraint(condition=Q(rate_ppm__lte=PPM), name="ruleset_rate_ppm"),
            models.CheckConstraint(condition=Q(version__gte=1), name="ruleset_version_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")), name="ruleset_period"
            ),
            models.CheckConstraint(
                condition=Q(min_order_basis_fen__gte=0)
                & (Q(cap_per_order_fen__isnull=True) | Q(cap_per_order_fen__gte=0))
                & (Q(cap_per_month_fen__isnull=True) | Q(cap_per_month_fen__gte=0)),
                name="ruleset_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.code}@{self.version}"

    @property
    def label(self) -> str:
        """The version in idempotency keys: ``<programme>@<version>``."""
        return f"{self.code}@{self.version}"


class RuleSource(models.Model):
    """A source whose lines earn under a rule set: the line's ``sale_channel`` (账号关联类型) and ``account_type``
    (带货账号类型) from its ``source_infos`` entry (shopops.channels). A line without a source entry never earns."""

    ruleset = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="sources", verbose_name=_("rule set"))
    sale_channel = models.PositiveSmallIntegerField(_("sale channel"))
    account_type = models.PositiveSmallIntegerField(_("account type"))

    class Meta:
        verbose_name = _("eligible source")
        verbose_name_plural = _("eligible sources")
        ordering = ["sale_channel", "account_type"]
        constraints = [
            models.UniqueConstraint(fields=["ruleset", "sale_channel", "account_type"], name="rulesource_unique")
        ]

    def __str__(self):
        return f"{self.sale_channel}/{self.account_type}"


class AccrualQuerySet(models.QuerySet):
    def for_shop(self, shop):
        return self.filter(shop=shop)


class Accrual(models.Model):
    """One change of what an order line (order id, SKU id) earns under one rule-set version, in fen (signed).

    Written only by the evaluation (``incentives.services.evaluation``), set-based; never updated except that
    ``posted_at`` is set when its journal is in the ledger.
    """

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Accrual")
        REVERSAL = "reversal", _("Reversal")
        ADJUSTMENT = "adjustment", _("Adjustment")

    # No database-level foreign keys on the two references: the rows are written only by the evaluation's INSERT …
    # SELECT, from the shop's own lines and versions, and checking both keys row by row doubled the cost of that
    # statement (372,379 rows: 22.6 s with the checks, 10.8 s without; bench/incentives.py). Django still cascades
    # a shop's deletion and protects a version with accruals (on_delete works in Python).
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False, db_constraint=False
    )
    key = models.CharField(_("idempotency key"), max_length=160)
    ruleset = models.ForeignKey(
        RuleSet, on_delete=models.PROTECT, related_name="accruals", verbose_name=_("rule set"), db_index=False,
        db_constraint=False,
    )  # fmt: skip
    order_id = models.CharField(_("order id"), max_length=32)
    sku_id = models.CharField(_("SKU id"), max_length=32)
    step = models.PositiveIntegerField(_("step"))  # per order and version: 1 when final, then one per change
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    sale_channel = models.PositiveSmallIntegerField(_("sale channel"), null=True, blank=True)
    account_type = models.PositiveSmallIntegerField(_("account type"), null=True, blank=True)
    account_id = models.CharField(_("account id"), max_length=64, blank=True)
    account_nickname = models.CharField(_("account nickname"), max_length=100, blank=True)
    basis_fen = models.BigIntegerField(_("basis (fen)"))  # the line's basis when this row was written
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    booked_on = models.DateField(_("booked on"))
    created_at = models.DateTimeField(_("created at"))
    posted_at = models.DateTimeField(_("posted to the ledger"), null=True, blank=True)

    objects = AccrualQuerySet.as_manager()

    class Meta:
        verbose_name = _("incentive accrual")
        verbose_name_plural = _("incentive accruals")
        ordering = ["-booked_on", "order_id", "sku_id", "step"]
        # The idempotency key's parts (``key`` spells them out, with the version's label for its id), unique. Leading
        # with the order, the same index finds an order's accruals for the hourly run's pages and the forecast: no
        # index on ``key`` itself (a text key cost as much to insert into, and found nothing by order).
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "order_id", "sku_id", "ruleset", "step"], name="accrual_unique_step"
            )
        ]
        # Few indexes: each one costs every evaluation's insert. A whole-shop evaluation and the posting read the
        # shop's rows (the posting only those after the last posted); the forecast reads a month.
        indexes = [models.Index(fields=["shop", "booked_on"], name="accrual_shop_booked")]

    def __str__(self):
        return self.key

    @property
    def journal_key(self) -> str:
        """The ledger journal of this row's order, version and step (one journal per order and step)."""
        return journal_key(self.order_id, self.ruleset.label, self.step)


def journal_key(order_id: str, version_label: str, step: int) -> str:
    return f"incentive:{order_id}:{version_label}:{step}"


class QueuedOrder(models.Model):
    """An order whose accruals may change: the hourly evaluation (``accruals_evaluate_changes``) takes the due rows
    and evaluates only their orders, not the shop's whole history.

    Rows come from the sync (the ``orders_stored`` signal of every stored page of orders or after-sales: due at once,
    ``due_at`` empty) and from the evaluation itself (an order settled whose after-sale period under its version is
    still running: due when it ends, as nothing is synced then). Only inserted and deleted: an order stored by two
    pages has two rows. A whole-shop evaluation takes them all."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    order_id = models.CharField(_("order id"), max_length=32)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)

    class Meta:
        verbose_name = _("order to evaluate")
        verbose_name_plural = _("orders to evaluate")
        indexes = [models.Index(fields=["shop", "due_at"], name="queuedorder_shop_due")]

    def __str__(self):
        return self.order_id


class EvaluationState(models.Model):
    """Where a shop's evaluation stands, so that the hourly run reads neither the shop's whole history nor all its
    accruals: the rule sets of its last whole-shop evaluation (a fingerprint of everything in them that decides what
    a line earns; until there is one, and whenever the rule sets differ from it, the hourly run evaluates the whole
    shop again instead of the queued orders), and the last accrual posted to the ledger (every accrual up to it is
    posted: they are written and posted under the shop's lock, in id order)."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("shop")
    )
    rules_fingerprint = models.CharField(_("rule sets' fingerprint"), max_length=64, blank=True)
    whole_shop_at = models.DateTimeField(_("last whole-shop evaluation"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("last evaluation"), null=True, blank=True)
    posted_through = models.BigIntegerField(_("posted up to accrual"), default=0)

    class Meta:
        verbose_name = _("incentive evaluation state")
        verbose_name_plural = _("incentive evaluation states")

    def __str__(self):
        return str(self.shop_id)
