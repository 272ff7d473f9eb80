"""电商成长卡: entering a card, spending it on live boosts (加热), reversing a spend, writing off what expired.

Every amount goes through the incentive ledger (``incentives.services.ledger``), one journal per fact, each with an
idempotency key; a card's remaining balance is the balance of its account ``growth_card:<card number>``, read from
the ledger inside the card's row lock, never a stored total. No platform call: WeChat has no growth-card API, the
merchant enters what the WeChat Shop backend and the live room's 加热 show.

Where a card's value comes from (``card_issue``):

- A card of the 私域激励计划 pays out accruals the evaluation already booked as ``growth_card:pending`` (debit) /
  ``incentive_income`` (credit) when the programme's reward form is a growth card. Its journal moves the card's face
  value out of ``pending`` onto the card, so the income is not counted twice. When the card is worth more than what
  is pending (the platform's computation differs from ours, or it pays for orders we did not accrue), only what is
  pending moves and the excess is credited to ``incentive_income``: ``pending`` never goes below 0, and what stays
  on it is what ShopOps expects WeChat still to issue as cards. The shop's row is locked while this is decided, the
  lock the evaluation's posting takes too.
- A card entered manually (another activity of the platform, or a card the merchant does not tie to the programme)
  is income on the day it was issued: ``incentive_income``.

A card is never below 0: ``card_spend`` locks the card's row (``growth_cards_qs_select_for_update``) before it reads
the balance, so two spends of the same card run one after the other and the second sees what the first left.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incentives.models.growth import CardSource, CardSpend, GrowthCard, account_code
from incentives.models.ledger import Journal
from incentives.selectors.ledger import balance
from incentives.services.evaluation import _shop_lock  # the lock the evaluation's posting takes
from incentives.services.ledger import (
    JournalSpec,
    LedgerConflict,
    accounts_for_codes,
    post_journal,
    post_journals_bulk,
    reverse_journal,
)
from shopops.models import Shop
from shopops.money import format_yuan

PENDING = "growth_card:pending"
INCOME = "incentive_income"
BOOST_EXPENSE = "boost_expense"
EXPIRED_EXPENSE = "growth_card_expired"

KIND_ISSUE = "growth_card_issue"
KIND_SPEND = "growth_card_spend"
KIND_EXPIRY = "growth_card_expiry"


def issue_key(card: GrowthCard) -> str:
    return f"growth_card_issue:{card.pk}"


def spend_key(spend_public_id) -> str:
    return f"growth_card_spend:{spend_public_id}"


def spend_reversal_key(spend: CardSpend) -> str:
    return f"growth_card_spend_reversal:{spend.public_id}"


def expiry_key(card: GrowthCard | int) -> str:
    """The write-off of a card when it expires: one per card, so running the expiry again posts nothing."""
    return f"growth_card_expiry:{card if isinstance(card, int) else card.pk}"


def growth_cards_qs_select_for_update():
    """The one way to lock growth-card rows (FOR UPDATE, the card alone, not its shop or account)."""
    return GrowthCard.objects.select_for_update(of=("self",))


def card_issue(
    *,
    shop: Shop,
    card_number: str,
    face_value_fen: int,
    issued_on: date,
    valid_until: date,
    source: str = CardSource.MANUAL,
    programme_month: date | None = None,
    note: str = "",
    user=None,
) -> GrowthCard:
    """Record a card WeChat issued to the shop and post its value (see the module for the accounts).

    Refused with ValidationError (nothing written), on the field: a card number already entered for the shop
    (``duplicate``), the reserved number ``pending`` (``reserved``), a face value ≤ 0 (``not_positive``), a last
    valid day before the issue day (``validity``), a programme month on a manual card (``month_manual``).
    """
    errors: dict[str, ValidationError] = {}
    card_number = (card_number or "").strip()
    if card_number.lower() == "pending":
        errors["card_number"] = ValidationError(_("This card number is reserved."), code="reserved")
    elif GrowthCard.objects.for_shop(shop).filter(card_number=card_number).exists():
        errors["card_number"] = ValidationError(
            _("Card %(number)s is already entered.") % {"number": card_number}, code="duplicate"
        )
    if isinstance(face_value_fen, bool) or not isinstance(face_value_fen, int) or face_value_fen <= 0:
        errors["face_value_fen"] = ValidationError(_("The face value must be more than 0."), code="not_positive")
    if valid_until < issued_on:
        errors["valid_until"] = ValidationError(_("The card cannot expire before it is issued."), code="validity")
    if source != CardSource.PROGRAMME and programme_month is not None:
        errors["programme_month"] = ValidationError(
            _("Only a card of the incentive programme has a programme month."), code="month_manual"
        )
    if errors:
        raise ValidationError(errors)
    if programme_month is not None:
        programme_month = programme_month.replace(day=1)

    card = GrowthCard(
        shop=shop,
        card_number=card_number,
        face_value_fen=face_value_fen,
        issued_on=issued_on,
        valid_until=valid_until,
        source=source,
        programme_month=programme_month,
        note=note,
        created_by=user,
    )
    card.full_clean(exclude=["account"])
    with transaction.atomic():
        if source == CardSource.PROGRAMME:
            _shop_lock(shop)
            from_pending = max(0, min(face_value_fen, balance(shop, PENDING)))
        else:
            from_pending = 0
        code = account_code(card_number)
        card.account_id = accounts_for_codes(shop=shop, codes=[code])[code]
        card.save()
        credits = [(PENDING, -from_pending), (INCOME, -(face_value_fen - from_pending))]
        post_journal(
            shop=shop,
            key=issue_key(card),
            kind=KIND_ISSUE,
            booked_on=issued_on,
            entries=[(code, face_value_fen), *[(c, fen) for c, fen in credits if fen]],
            memo=note,
        )
    return card


def card_spend(
    *,
    card: GrowthCard,
    amount_fen: int,
    spent_on: date,
    live_id: str = "",
    live_name: str = "",
    memo: str = "",
    user=None,
    today: date | None = None,
) -> CardSpend:
    """Record a live boost (加热) paid with ``card``: the amount moves from the card to ``boost_expense``, booked on
    the day of the boost.

    Refused with ValidationError, on the field, writing nothing: an amount ≤ 0 (``not_positive``) or above what is
    left on the card (``exceeds_balance``); a day before the card was issued (``not_yet_valid``), after its last
    valid day (``expired``) or in the future (``future``); no live named (``live_required``). The card's row is
    locked before its balance is read, so concurrent spends never take it below 0.
    """
    today = today or timezone.localdate()
    live_id, live_name = (live_id or "").strip(), (live_name or "").strip()
    errors: dict[str, ValidationError] = {}
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        errors["amount_fen"] = ValidationError(_("The amount must be more than 0."), code="not_positive")
    if spent_on < card.issued_on:
        errors["spent_on"] = ValidationError(
            _("The card is valid only from %(day)s.") % {"day": card.issued_on.isoformat()}, code="not_yet_valid"
        )
    elif spent_on > card.valid_until:
        errors["spent_on"] = ValidationError(
            _("The card expired after %(day)s.") % {"day": card.valid_until.isoformat()}, code="expired"
        )
    elif spent_on > today:
        errors["spent_on"] = ValidationError(_("The boost cannot be in the future."), code="future")
    if not live_id and not live_name:
        errors["live_name"] = ValidationError(_("Name the live that was boosted."), code="live_required")
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        locked = growth_cards_qs_select_for_update().get(pk=card.pk)
        remaining = balance(locked.shop, locked.account_code)
        if amount_fen > remaining:
            raise ValidationError(
                {
                    "amount_fen": ValidationError(
                        _("Only %(balance)s is left on the card.") % {"balance": format_yuan(remaining)},
                        code="exceeds_balance",
                    )
                }
            )
        spend = CardSpend(shop_id=locked.shop_id, card=locked, live_id=live_id, live_name=live_name,
                          amount_fen=amount_fen, spent_on=spent_on, memo=memo, created_by=user)  # fmt: skip
        spend.journal = post_journal(
            shop=locked.shop,
            key=spend_key(spend.public_id),
            kind=KIND_SPEND,
            booked_on=spent_on,
            entries=[(BOOST_EXPENSE, amount_fen), (locked.account_code, -amount_fen)],
            memo=(live_name or live_id)[:500],
        )
        spend.save()
    return spend


def card_spend_reverse(*, spend: CardSpend, memo: str = "", today: date | None = None) -> Journal:
    """Undo a spend entered by mistake: a reversing journal of its journal, booked today, puts the amount back on the
    card. The spend stays, shown as reversed. Refused (``already_reversed``) when it is reversed already.

    When the card's expiry was already written off, what comes back expired with the card: a further write-off is
    posted in the same transaction (key per spend), so an expired card stays at 0.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        card = growth_cards_qs_select_for_update().get(pk=spend.card_id)
        if Journal.objects.filter(reverses_id=spend.journal_id).exists():
            raise ValidationError(_("This boost is already reversed."), code="already_reversed")
        try:
            reversal = reverse_journal(
                journal=spend.journal,
                key=spend_reversal_key(spend),
                booked_on=today,
                memo=memo,
            )
        except LedgerConflict:
            raise ValidationError(_("This boost is already reversed."), code="already_reversed") from None
        if Journal.objects.for_shop(card.shop_id).filter(key=expiry_key(card)).exists():
            post_journal(
                shop=card.shop,
                key=f"{expiry_key(card)}:reversal:{spend.public_id}",
                kind=KIND_EXPIRY,
                booked_on=today,
                entries=[(EXPIRED_EXPENSE, spend.amount_fen), (card.account_code, -spend.amount_fen)],
            )
    return reversal


def cards_expire(*, today: date | None = None) -> int:
    """Write off what is left on every card whose last valid day is before ``today``: one journal per card, debit
    ``growth_card_expired``, credit the card, booked on the day after its last valid day, key ``expiry_key``.

    Set-based per shop: the expired cards with a balance are locked and read with their balances in one query each,
    then their journals go in with one bulk post. Idempotent: a written-off card has nothing left, and its key
    exists. Returns the number of journals posted.
    """
    today = today or timezone.localdate()
    candidates = _expired_with_balance(GrowthCard.objects.filter(valid_until__lt=today))
    shop_ids = sorted(set(candidates.values_list("shop_id", flat=True)))
    posted = 0
    for shop in Shop.objects.filter(pk__in=shop_ids).order_by("pk"):
        with transaction.atomic():
            ids = list(
                growth_cards_qs_select_for_update()
                .filter(shop=shop, valid_until__lt=today)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            rows = _expired_with_balance(GrowthCard.objects.filter(pk__in=ids)).values_list(
                "pk", "card_number", "valid_until", "remaining_fen"
            )
            specs = [
                JournalSpec(
                    key=expiry_key(pk),
                    kind=KIND_EXPIRY,
                    booked_on=valid_until + timedelta(days=1),
                    entries=[(EXPIRED_EXPENSE, remaining), (account_code(number), -remaining)],
                )
                for pk, number, valid_until, remaining in rows
            ]
            posted += post_journals_bulk(shop=shop, journals=specs)
    return posted


def _expired_with_balance(cards):
    """``cards`` with ``remaining_fen`` (their balance from the ledger), only those with something left."""
    return cards.annotate(remaining_fen=Coalesce(Sum("account__entries__amount_fen"), 0)).filter(remaining_fen__gt=0)
