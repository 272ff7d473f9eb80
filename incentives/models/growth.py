"""电商成长卡 (growth cards) and what the shop spends them on: live boosts (加热).

WeChat has no API for growth cards (shared/wechat-platform-2026.md §B.5): the merchant enters each card as the WeChat
Shop backend shows it, and each boost as the live room's 加热 shows it. ShopOps keeps the money on the incentive
ledger (``incentives.models.ledger``): every card is an asset account ``growth_card:<card number>`` whose balance
(the sum of its entries) is what is left on the card. Nothing here stores a balance or a status:

- what is left is the account's balance (``incentives.selectors.growth``);
- the status (valid, expiring soon, not yet valid, used up, expired) follows from the balance and the dates;
- a spend is reversed by a reversing journal (``Journal.reverses``), never deleted; whether it is reversed is read
  from the ledger.

The rows are written only by ``incentives.services.growth``.
"""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incentives.models.ledger import Journal, LedgerAccount
from shopops.models import Shop
from shopops.models.commerce import ShopScopedQuerySet

# The card number is the ref of its ledger account (``growth_card:<number>``): letters, digits, "-" and "_", and never
# ``pending`` (the account where programme accruals wait for their card).
CARD_NUMBER_MAX_LENGTH = 64
card_number_validator = RegexValidator(
    r"^[A-Za-z0-9_-]+$", _("Use letters, digits, “-” and “_” only, as WeChat shows the card number."), "card_number"
)


class CardSource(models.TextChoices):
    PROGRAMME = "programme", _("Private-domain incentive programme")
    MANUAL = "manual", _("Entered manually")


class GrowthCard(models.Model):
    """One growth card of a shop, as WeChat shows it: number, face value, issue date and last valid day (inclusive,
    Beijing calendar). ``programme_month`` names the programme month whose accruals the card pays out (the first
    day of that month), for cards of the 私域激励计划."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("shop"))
    card_number = models.CharField(
        _("card number"), max_length=CARD_NUMBER_MAX_LENGTH, validators=[card_number_validator]
    )
    face_value_fen = models.BigIntegerField(_("face value (fen)"))
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    source = models.CharField(_("source"), max_length=12, choices=CardSource.choices)
    programme_month = models.DateField(_("programme month"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    account = models.OneToOneField(
        LedgerAccount, on_delete=models.PROTECT, related_name="growth_card", verbose_name=_("ledger account")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("growth card")
        verbose_name_plural = _("growth cards")
        ordering = ["valid_until", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "card_number"], name="growthcard_number_per_shop"),
            models.CheckConstraint(condition=Q(face_value_fen__gt=0), name="growthcard_face_value_positive"),
            models.CheckConstraint(condition=Q(valid_until__gte=F("issued_on")), name="growthcard_validity"),
            models.CheckConstraint(
                condition=Q(source=CardSource.PROGRAMME) | Q(programme_month__isnull=True),
                name="growthcard_month_only_for_programme",
            ),
        ]
        indexes = [models.Index(fields=["shop", "valid_until"], name="growthcard_shop_valid_until")]

    def __str__(self):
        return self.card_number

    @property
    def account_code(self) -> str:
        return account_code(self.card_number)


def account_code(card_number: str) -> str:
    """The ledger account of a card."""
    return f"growth_card:{card_number}"


class CardSpend(models.Model):
    """One live boost (加热) paid with a card: which live, how much, on which day. Its journal moves the amount from
    the card to ``boost_expense``; a reversal is a reversing journal of that journal (the row stays)."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("shop"))
    card = models.ForeignKey(GrowthCard, on_delete=models.PROTECT, related_name="spends", verbose_name=_("card"))
    live_id = models.CharField(_("live id"), max_length=200, blank=True)
    live_name = models.CharField(_("live"), max_length=100, blank=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    spent_on = models.DateField(_("boosted on"))
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+", verbose_name=_("journal"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("growth card spend")
        verbose_name_plural = _("growth card spends")
        ordering = ["-spent_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="cardspend_amount_positive")]

    def __str__(self):
        return f"{self.card} {self.spent_on} {self.amount_fen}"
