"""Reading 电商成长卡: what is left on each card (its ledger account's balance), its status, its history.

Status, from the Beijing calendar day (``today``) and the ledger balance, first match wins:

- ``expired``: the card's last valid day has passed (what was left is written off by ``cards_expire``);
- ``used_up``: nothing is left;
- ``not_yet_valid``: the card is issued for a later day;
- ``expiring``: the last valid day is within ``EXPIRING_SOON_DAYS`` days (today included);
- ``valid``.

Lists run a fixed number of queries whatever the number of cards: balances and statuses are annotations.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, CharField, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incentives.models.growth import CardSpend, GrowthCard
from incentives.models.ledger import Entry, Journal
from shopops.models import Shop

EXPIRING_SOON_DAYS = 7


class CardStatus:
    VALID = "valid"
    EXPIRING = "expiring"
    NOT_YET_VALID = "not_yet_valid"
    USED_UP = "used_up"
    EXPIRED = "expired"

    LABELS = {
        VALID: _("Valid"),
        EXPIRING: _("Expiring soon"),
        NOT_YET_VALID: _("Not yet valid"),
        USED_UP: _("Used up"),
        EXPIRED: _("Expired"),
    }
    ORDER = (EXPIRING, VALID, NOT_YET_VALID, USED_UP, EXPIRED)  # the list shows usable cards first


def _remaining():
    balance = (
        Entry.objects.filter(account_id=OuterRef("account_id"))
        .values("account_id")
        .annotate(total=Sum("amount_fen"))
        .values("total")
    )
    return Coalesce(Subquery(balance), 0)


def _with_status(cards, today: date):
    soon = today + timedelta(days=EXPIRING_SOON_DAYS - 1)
    status = Case(
        When(valid_until__lt=today, then=Value(CardStatus.EXPIRED)),
        When(remaining_fen__lte=0, then=Value(CardStatus.USED_UP)),
        When(issued_on__gt=today, then=Value(CardStatus.NOT_YET_VALID)),
        When(valid_until__lte=soon, then=Value(CardStatus.EXPIRING)),
        default=Value(CardStatus.VALID),
        output_field=CharField(),
    )
    rank = Case(
        *[When(status=value, then=Value(i)) for i, value in enumerate(CardStatus.ORDER)],
        output_field=IntegerField(),
    )
    return cards.annotate(remaining_fen=_remaining()).annotate(status=status).annotate(status_rank=rank)


def growth_cards_for_shop(*, shop: Shop, status: str = "", today: date | None = None):
    """The shop's cards with ``remaining_fen`` and ``status`` (see the module), usable first, then by last valid
    day; only those of ``status`` when given. One query (plus the paginator's count)."""
    today = today or timezone.localdate()
    cards = _with_status(GrowthCard.objects.for_shop(shop), today)
    if status in CardStatus.LABELS:
        cards = cards.filter(status=status)
    return cards.order_by("status_rank", "valid_until", "pk")


@dataclass(frozen=True)
class CardTotals:
    usable_fen: int  # left on cards that are not expired
    expiring_fen: int  # of which on cards expiring soon
    spent_fen: int  # spent on boosts (net of reversals)
    expired_fen: int  # written off on expiry


def growth_card_totals(*, shop: Shop, today: date | None = None) -> CardTotals:
    """The shop's totals over all its cards, from the ledger in one query."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=EXPIRING_SOON_DAYS - 1)
    amount = "amount_fen"
    card = "account__growth_card__"
    usable = Q(**{card + "valid_until__gte": today})
    totals = Entry.objects.filter(**{card + "shop": shop}).aggregate(
        usable=Coalesce(Sum(amount, filter=usable), 0),
        expiring=Coalesce(Sum(amount, filter=usable & Q(**{card + "valid_until__lte": soon})), 0),
        spent=Coalesce(Sum(amount, filter=Q(journal__kind="growth_card_spend")), 0),
        expired=Coalesce(Sum(amount, filter=Q(journal__kind="growth_card_expiry")), 0),
    )
    return CardTotals(
        usable_fen=totals["usable"],
        expiring_fen=totals["expiring"],
        spent_fen=-totals["spent"],
        expired_fen=-totals["expired"],
    )


def growth_card_get_for_shop_or_404(*, shop: Shop, pk: int, today: date | None = None) -> GrowthCard:
    """The shop's card ``pk`` with ``remaining_fen`` and ``status``; 404 for another shop's card."""
    return get_object_or_404(_with_status(GrowthCard.objects.for_shop(shop), today or timezone.localdate()), pk=pk)


def card_spends(*, card: GrowthCard):
    """The card's spends, latest first, each with ``reversed`` (its journal has a reversing journal)."""
    reversed_ = Journal.objects.filter(reverses_id=OuterRef("journal_id"))
    return CardSpend.objects.filter(card=card).annotate(reversed=Exists(reversed_)).order_by("-spent_on", "-pk")


def card_spend_get_for_shop_or_404(*, shop: Shop, card_pk: int, pk: int) -> CardSpend:
    """The spend ``pk`` of the shop's card ``card_pk``; 404 when either is another shop's or they do not match."""
    return get_object_or_404(
        CardSpend.objects.for_shop(shop).select_related("card", "journal", "shop"), card_id=card_pk, pk=pk
    )


@dataclass(frozen=True)
class HistoryLine:
    booked_on: date
    kind: str  # issue, spend, spend_reversal, expiry
    amount_fen: int  # on the card: > 0 adds, < 0 takes
    balance_fen: int  # what is left after this line
    memo: str
    journal_key: str

    @property
    def label(self) -> str:
        return str(HISTORY_LABELS.get(self.kind, self.kind))


HISTORY_LABELS = {
    "issue": _("Issued"),
    "spend": _("Live boost"),
    "spend_reversal": _("Boost reversed"),
    "expiry": _("Expired"),
    "issue_reversal": _("Issue reversed"),
    "expiry_reversal": _("Expiry reversed"),
}


def card_history(*, card: GrowthCard) -> list[HistoryLine]:
    """Every entry of the card's ledger account in booking order (day, then posting order) with the running balance:
    the issue, each boost, each reversal, the write-off on expiry. One query."""
    rows = (
        Entry.objects.filter(account_id=card.account_id)
        .order_by("journal__booked_on", "journal_id", "pk")
        .values_list(
            "journal__booked_on", "journal__kind", "journal__reverses_id", "journal__memo", "journal__key", "amount_fen"
        )  # fmt: skip
    )
    lines, running = [], 0
    for booked_on, kind, reverses_id, memo, key, fen in rows:
        running += fen
        name = kind.removeprefix("growth_card_") + ("_reversal" if reverses_id else "")
        lines.append(HistoryLine(booked_on, name, fen, running, memo, key))
    return lines
