"""Reading the incentive ledger: balances are sums of entries, statements are a month of one account's entries.

Dates are the journals' ``booked_on`` (the business date, in the shop's calendar), never ``created_at``: a journal
posted late for last month belongs to last month's statement.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, Sum, Window
from django.db.models.functions import Coalesce

from incentives.models.ledger import Entry, Journal, LedgerAccount
from shopops.models import Shop


def _entries(shop: Shop):
    return Entry.objects.filter(account__shop=shop)


def balance(shop: Shop, code: str, until: date | None = None) -> int:
    """The balance of account ``code`` in fen (debits positive): the sum of its entries booked on or before ``until``
    (all of them when None); 0 for an account that was never opened."""
    entries = _entries(shop).filter(account__code=code)
    if until is not None:
        entries = entries.filter(journal__booked_on__lte=until)
    return entries.aggregate(total=Sum("amount_fen"))["total"] or 0


def balances(shop: Shop, until: date | None = None) -> dict[str, int]:
    """Every account of the shop with its balance in fen, by code (0 for an account with no entries yet)."""
    entries = _entries(shop)
    if until is not None:
        entries = entries.filter(journal__booked_on__lte=until)
    result = dict.fromkeys(LedgerAccount.objects.for_shop(shop).values_list("code", flat=True), 0)
    result.update(
        entries.values("account__code").annotate(total=Sum("amount_fen")).values_list("account__code", "total")
    )
    return result


def journal_get(shop: Shop, key: str) -> Journal | None:
    """The shop's journal with this idempotency key, or None."""
    return Journal.objects.for_shop(shop).filter(key=key).first()


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class StatementLine:
    booked_on: date
    journal_key: str
    kind: str
    memo: str
    reverses_key: str | None
    amount_fen: int  # signed: debit > 0 > credit
    balance_fen: int  # the running balance after this line

    @property
    def debit_fen(self) -> int:
        return self.amount_fen if self.amount_fen > 0 else 0

    @property
    def credit_fen(self) -> int:
        return -self.amount_fen if self.amount_fen < 0 else 0


@dataclass(frozen=True)
class Statement:
    """One account's month: opening + debits − credits = closing, and the lines are every entry of the month."""

    account: LedgerAccount
    month: date  # the first day of the month
    opening_fen: int
    lines: list[StatementLine]
    debit_total_fen: int
    credit_total_fen: int
    closing_fen: int


STATEMENT_LINES_PER_PAGE = 100
_IN_ORDER = ("journal__booked_on", "journal_id", "pk")  # booking order: date, then posting order


def statement(shop: Shop, code: str, month: date) -> Statement | None:
    """The statement of account ``code`` for the month containing ``month``: the opening balance (entries booked
    before the 1st), the month's entries in booking order (date, then posting order), their debit and credit totals
    and the closing balance. None when the shop has no such account (another shop's code gives None too)."""
    account = LedgerAccount.objects.for_shop(shop).filter(code=code).first()
    if account is None:
        return None
    first, after = month_start(month), next_month(month)
    entries = Entry.objects.filter(account=account)
    opening = entries.filter(journal__booked_on__lt=first).aggregate(total=Sum("amount_fen"))["total"] or 0
    rows = (
        entries.filter(journal__booked_on__gte=first, journal__booked_on__lt=after)
        .order_by(*_IN_ORDER)
        .values_list(
            "journal__booked_on",
            "journal__key",
            "journal__kind",
            "journal__memo",
            "journal__reverses__key",
            "amount_fen",
        )
    )
    lines, running, debit, credit = [], opening, 0, 0
    for booked_on, key, kind, memo, reverses_key, fen in rows.iterator(chunk_size=2000):
        running += fen
        if fen > 0:
            debit += fen
        else:
            credit -= fen
        lines.append(StatementLine(booked_on, key, kind, memo, reverses_key, fen, running))
    return Statement(
        account=account,
        month=first,
        opening_fen=opening,
        lines=lines,
        debit_total_fen=debit,
        credit_total_fen=credit,
        closing_fen=running,
    )


def statement_page(
    shop: Shop, code: str, month: date, number, per_page: int = STATEMENT_LINES_PER_PAGE
) -> tuple[Statement, Page] | None:
    """Account ``code``'s statement of the month containing ``month``, a page at a time: the whole month's
    opening, totals and closing, and only page ``number`` of its lines, each with its running balance (a window over
    the month, in SQL). A fixed number of queries, and a page of rows read into Python, however many entries the
    month has. None: no such account in this shop."""
    account = LedgerAccount.objects.for_shop(shop).filter(code=code).first()
    if account is None:
        return None
    first, after = month_start(month), next_month(month)
    entries = Entry.objects.filter(account=account)
    within = Q(journal__booked_on__gte=first, journal__booked_on__lt=after)
    totals = entries.aggregate(
        opening=Coalesce(Sum("amount_fen", filter=Q(journal__booked_on__lt=first)), 0),
        debit=Coalesce(Sum("amount_fen", filter=within & Q(amount_fen__gt=0)), 0),
        credit=Coalesce(Sum("amount_fen", filter=within & Q(amount_fen__lt=0)), 0),
    )
    rows = (
        entries.filter(within)
        .annotate(running=Window(Sum("amount_fen"), order_by=[F(name).asc() for name in _IN_ORDER]))
        .order_by(*_IN_ORDER)
        .values_list(
            "journal__booked_on", "journal__key", "journal__kind", "journal__memo", "journal__reverses__key",
            "amount_fen", "running",
        )
    )  # fmt: skip
    page = Paginator(rows, per_page).get_page(number)
    opening = totals["opening"]
    page.object_list = [
        StatementLine(booked_on, key, kind, memo, reverses_key, fen, opening + running)
        for booked_on, key, kind, memo, reverses_key, fen, running in page.object_list
    ]
    found = Statement(
        account=account,
        month=first,
        opening_fen=opening,
        lines=page.object_list,
        debit_total_fen=totals["debit"],
        credit_total_fen=-totals["credit"],
        closing_fen=opening + totals["debit"] + totals["credit"],
    )
    return found, page


def statements(shop: Shop, month: date) -> list[Statement]:
    """The month's statement of every account of the shop that had entries by the end of the month, by code."""
    after = next_month(month)
    codes = (
        LedgerAccount.objects.for_shop(shop)
        .filter(entries__journal__booked_on__lt=after)
        .distinct()
        .order_by("code")
        .values_list("code", flat=True)
    )
    return [statement(shop, code, month) for code in codes]
