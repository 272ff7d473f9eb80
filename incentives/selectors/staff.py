"""Reading the WeCom staff rewards: schemes, members, and each member's month from the ledger.

Every figure is a sum of ledger entries on the member's ``staff_reward_payable:<userid>`` account (a liability:
credits are what the shop owes), by the journals' ``booked_on``. Shown as amounts owed (credit positive):

- opening: owed at the end of the month before;
- accrued: credits of reward journals (``staff_reward``) in the month;
- reversed: debits of reward journals in the month (refunds and cancellations after an accrual);
- paid: debits of payout journals (``staff_reward_payout``) in the month;
- closing = opening + accrued − reversed − paid, which is the account's balance at the month's end, to the fen.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, Sum
from django.shortcuts import get_object_or_404

from incentives.models import StaffMember, StaffPayout, StaffReward, StaffRewardScheme
from incentives.models.ledger import Entry
from incentives.selectors.ledger import month_start, next_month
from shopops.models import Shop

PAYABLE_PREFIX = "staff_reward_payable:"
REWARD_KIND = "staff_reward"
PAYOUT_KIND = "staff_reward_payout"


def staff_scheme_list(shop: Shop):
    """The shop's scheme versions, by programme then newest version first, each with ``used`` (has rewards)."""
    return (
        StaffRewardScheme.objects.for_shop(shop)
        .annotate(used=Exists(StaffReward.objects.filter(scheme=OuterRef("pk"))))
        .order_by("code", "-version")
    )


def staff_scheme_get_for_shop_or_404(shop: Shop, pk: int) -> StaffRewardScheme:
    return get_object_or_404(StaffRewardScheme.objects.for_shop(shop), pk=pk)


def staff_member_get_for_shop_or_404(shop: Shop, pk: int) -> StaffMember:
    return get_object_or_404(StaffMember.objects.for_shop(shop), pk=pk)


@dataclass(frozen=True)
class StaffMonth:
    """A member's month in fen owed (see the module docstring)."""

    member: StaffMember
    month: date
    opening_fen: int
    accrued_fen: int
    reversed_fen: int
    paid_fen: int
    closing_fen: int


def _month_sums(first: date, after: date) -> dict:
    """Aggregates over payable entries (``amount_fen`` debit > 0 > credit), turned into amounts owed."""
    within = Q(journal__booked_on__gte=first, journal__booked_on__lt=after)
    reward, payout = Q(journal__kind=REWARD_KIND), Q(journal__kind=PAYOUT_KIND)
    return {
        "opening": Sum("amount_fen", filter=Q(journal__booked_on__lt=first), default=0),
        "credits": Sum("amount_fen", filter=within & reward & Q(amount_fen__lt=0), default=0),
        "debits": Sum("amount_fen", filter=within & reward & Q(amount_fen__gt=0), default=0),
        "paid": Sum("amount_fen", filter=within & payout, default=0),
        "closing": Sum("amount_fen", filter=Q(journal__booked_on__lt=after), default=0),
    }


def _staff_month(member: StaffMember, first: date, row: dict | None) -> StaffMonth:
    row = row or {}
    return StaffMonth(
        member=member,
        month=first,
        opening_fen=-(row.get("opening") or 0),
        accrued_fen=-(row.get("credits") or 0),
        reversed_fen=row.get("debits") or 0,
        paid_fen=row.get("paid") or 0,
        closing_fen=-(row.get("closing") or 0),
    )


def staff_month_list(shop: Shop, month: date) -> list[StaffMonth]:
    """Every member of the shop with the month's figures, by userid. Two queries whatever the number of members or
    entries: the members, and one grouped sum over all the shop's payable accounts."""
    first, after = month_start(month), next_month(month)
    members = list(StaffMember.objects.for_shop(shop).order_by("userid"))
    rows = {
        row["account__code"]: row
        for row in Entry.objects.filter(account__shop=shop, account__code__startswith=PAYABLE_PREFIX)
        .values("account__code")
        .annotate(**_month_sums(first, after))
        .order_by()
    }
    return [_staff_month(m, first, rows.get(m.payable_code)) for m in members]


@dataclass(frozen=True)
class StaffStatementLine:
    booked_on: date
    journal_key: str
    kind: str  # "accrued", "reversed" or "paid"
    memo: str
    owed_fen: int  # signed: what this line adds to the amount owed
    balance_fen: int  # owed after this line


@dataclass(frozen=True)
class StaffStatement:
    month: StaffMonth
    lines: list[StaffStatementLine]
    payouts: list[StaffPayout]


def staff_statement(shop: Shop, member: StaffMember, month: date) -> StaffStatement:
    """The member's month: the figures (one aggregate) and every entry of the month in booking order, each with the
    running amount owed (one query), and the month's payouts (one query). The lines' sums equal the figures."""
    first, after = month_start(month), next_month(month)
    entries = Entry.objects.filter(account__shop=shop, account__code=member.payable_code)
    figures = _staff_month(member, first, entries.aggregate(**_month_sums(first, after)))
    rows = (
        entries.filter(journal__booked_on__gte=first, journal__booked_on__lt=after)
        .order_by("journal__booked_on", "journal_id", "pk")
        .values_list("journal__booked_on", "journal__key", "journal__kind", "journal__memo", "amount_fen")
    )
    lines, running = [], figures.opening_fen
    for booked_on, key, kind, memo, fen in rows.iterator(chunk_size=2000):
        running -= fen
        label = "paid" if kind == PAYOUT_KIND else "accrued" if fen < 0 else "reversed"
        lines.append(StaffStatementLine(booked_on, key, label, memo, -fen, running))
    payouts = list(
        StaffPayout.objects.for_shop(shop)
        .filter(member=member, paid_on__gte=first, paid_on__lt=after)
        .select_related("created_by")
        .order_by("paid_on", "pk")
    )
    return StaffStatement(month=figures, lines=lines, payouts=payouts)
