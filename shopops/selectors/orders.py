"""Reads for the console's orders area: the filtered order list (as a page or as an export) and one order.

``orders_for_shop`` is the one filter: the list page and both exports start from it, so an export holds exactly
the orders the page lists for the same filter. Every query starts from the shop; another shop's orders never
appear, and another shop's order id answers 404.

Performance on shops with 100k+ orders:

- conditions on order lines are ``EXISTS`` subqueries (no join, no ``DISTINCT``), each scoped to the shop so the
  ``(shop, …)`` line indexes apply;
- pages are keyset pages (``after`` / ``before`` cursors on the sort key and the primary key) that fetch one row
  more than they show to know whether another page follows: nothing ever counts the whole filtered set;
- a page runs two queries whatever its size (the orders without their payload, then their lines).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shopops.models import AfterSale, AfterSaleStatusChange, Order, OrderLine, Shop

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = PAGE_SIZES[0]


@dataclass(frozen=True)
class OrderFilters:
    """What the merchant narrowed the order list to. Empty values filter nothing.

    Dates are calendar days in the shop's time zone (Asia/Shanghai), both ends included. ``account`` matches a
    line's source account id or its nickname; ``product`` a line's product id or SKU id. ``coupon_used`` means a
    line used at least one coupon (its ``order_product_coupon_info_list`` is not empty); ``in_aftersale`` is the
    platform's ``on_aftersale_order_cnt > 0`` (an after-sale still open), the same meaning as the platform's own
    search filter ``on_aftersale_order_exist``; ``settled`` means the platform reported a settlement time.
    """

    order_id: str = ""
    status: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    paid_from: date | None = None
    paid_to: date | None = None
    channel: str = ""
    account: str = ""
    product: str = ""
    coupon_used: bool | None = None
    in_aftersale: bool | None = None
    settled: bool | None = None

    def active(self) -> dict[str, object]:
        """The filters that narrow the list, by name."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value not in (None, "")}


class OrderSort(StrEnum):
    CREATED_DESC = "-created"
    CREATED_ASC = "created"
    PAID_DESC = "-paid"
    PAID_ASC = "paid"
    AMOUNT_DESC = "-amount"
    AMOUNT_ASC = "amount"

    @property
    def key(self) -> str:
        return self.value.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


_SORT_FIELDS = {"created": "create_time", "paid": "pay_time", "amount": "order_price_fen"}
# Unpaid orders have no pay time; they come last in both directions of the pay-time sort.
_NULLABLE = frozenset({"pay_time"})


def _day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the project's time zone (Asia/Shanghai), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def _has_line(shop: Shop, condition: Q) -> Exists:
    return Exists(OrderLine.objects.filter(condition, shop=shop, order=OuterRef("pk")))


def orders_for_shop(*, shop: Shop, filters: OrderFilters) -> QuerySet[Order]:
    """The shop's orders narrowed by ``filters`` (unordered). Never another shop's; never fails on a filter."""
    f = filters
    qs = Order.objects.for_shop(shop)
    if f.order_id:
        qs = qs.filter(order_id__contains=f.order_id)
    if f.status is not None:
        qs = qs.filter(status=f.status)
    if f.created_from:
        qs = qs.filter(create_time__gte=_day_start(f.created_from))
    if f.created_to:
        qs = qs.filter(create_time__lt=_day_start(f.created_to + timedelta(days=1)))
    if f.paid_from:
        qs = qs.filter(pay_time__gte=_day_start(f.paid_from))
    if f.paid_to:
        qs = qs.filter(pay_time__lt=_day_start(f.paid_to + timedelta(days=1)))
    if f.channel:
        qs = qs.filter(_has_line(shop, Q(channel=f.channel)))
    if f.account:
        qs = qs.filter(_has_line(shop, Q(account_id=f.account) | Q(account_nickname=f.account)))
    if f.product:
        qs = qs.filter(_has_line(shop, Q(product_id=f.product) | Q(sku_id=f.product)))
    if f.coupon_used is not None:
        # `coupons` is a JSON list: `= '[]'` compares JSON values on both SQLite and PostgreSQL.
        used = _has_line(shop, ~Q(coupons=[]))
        qs = qs.filter(used if f.coupon_used else ~used)
    if f.in_aftersale is not None:
        qs = qs.filter(aftersale_count__gt=0) if f.in_aftersale else qs.filter(aftersale_count=0)
    if f.settled is not None:
        qs = qs.filter(settle_time__isnull=not f.settled)
    return qs


def _ordering(sort: OrderSort, *, prefix: str = "", reverse: bool = False) -> list:
    """ORDER BY for ``sort`` (ties broken by primary key in the same direction), or its exact reverse."""
    field = _SORT_FIELDS[sort.key]
    descending = sort.descending != reverse
    key = F(prefix + field)
    if field in _NULLABLE:
        # Unpaid orders last when reading forwards, hence first when reading a page backwards.
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        key = key.desc(**nulls) if descending else key.asc(**nulls)
    else:
        # No NULLS clause on a NOT NULL column: PostgreSQL then walks the (shop, field) index for the order.
        key = key.desc() if descending else key.asc()
    pk = F(prefix + "id")
    return [key, pk.desc() if descending else pk.asc()]


@dataclass(frozen=True)
class Cursor:
    """A position in a sorted list: the sort key of one order and its primary key.

    Encoded into the URL as ``<value>_<pk>``: times as Unix microseconds, amounts as fen, a missing pay time as
    ``n``. A token that does not parse is ignored (the list starts from the beginning).
    """

    value: int | None
    pk: int

    def encode(self) -> str:
        return f"{'n' if self.value is None else self.value}_{self.pk}"

    @classmethod
    def decode(cls, token: str) -> Cursor | None:
        value, sep, pk = (token or "").partition("_")
        if not sep:
            return None
        try:
            cursor = cls(value=None if value == "n" else int(value), pk=int(pk))
        except ValueError:
            return None
        # Both must fit the database's 64-bit integers.
        if not 0 < cursor.pk < 2**63 or (cursor.value is not None and not -(2**63) < cursor.value < 2**63):
            return None
        return cursor

    @classmethod
    def of(cls, order: Order, sort: OrderSort) -> Cursor:
        value = getattr(order, _SORT_FIELDS[sort.key])
        if isinstance(value, datetime):
            delta = value - datetime(1970, 1, 1, tzinfo=UTC)
            value = delta // timedelta(microseconds=1)
        return cls(value=value, pk=order.pk)

    def sort_value(self, sort: OrderSort):
        if self.value is None or sort.key == "amount":
            return self.value
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=self.value)


def _beyond(sort: OrderSort, cursor: Cursor, *, backwards: bool) -> Q:
    """Rows strictly after ``cursor`` in the order of ``sort`` (or strictly before it, ``backwards``)."""
    field = _SORT_FIELDS[sort.key]
    nullable = field in _NULLABLE
    value = cursor.sort_value(sort)
    # Forwards in a descending sort means smaller values; backwards flips it.
    smaller = sort.descending != backwards
    cmp = "lt" if smaller else "gt"
    same_value_pk = Q(**{f"id__{cmp}": cursor.pk})
    if value is None:  # the cursor sits among the unpaid orders, which come last
        if backwards:
            return Q(**{f"{field}__isnull": False}) | (Q(**{f"{field}__isnull": True}) & same_value_pk)
        return Q(**{f"{field}__isnull": True}) & same_value_pk
    condition = Q(**{f"{field}__{cmp}": value}) | (Q(**{field: value}) & same_value_pk)
    if nullable and not backwards:
        condition |= Q(**{f"{field}__isnull": True})
    return condition


def _position(sort: OrderSort, token: str, *, backwards: bool) -> Q | None:
    """The condition for rows past the cursor ``token``; None for no token or one that names no possible row."""
    cursor = Cursor.decode(token)
    if cursor is None:
        return None
    try:
        return _beyond(sort, cursor, backwards=backwards)
    except OverflowError:  # a hand-made time beyond the year 9999
        return None


@dataclass(frozen=True)
class OrderPage:
    """One page of orders, each with its ``lines`` loaded. Cursors are "" where there is no such page."""

    orders: list[Order]
    next_cursor: str
    prev_cursor: str


def order_page_for_shop(
    *,
    shop: Shop,
    filters: OrderFilters,
    sort: OrderSort = OrderSort.CREATED_DESC,
    page_size: int = DEFAULT_PAGE_SIZE,
    after: str = "",
    before: str = "",
) -> OrderPage:
    """A page of the filtered orders with their lines, in two queries whatever ``page_size`` is.

    ``after`` continues past a cursor (the next page), ``before`` goes back from one (the previous page); with
    neither, or an unreadable cursor, the first page. ``page_size`` must be one of ``PAGE_SIZES`` (ValueError).
    """
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page_size must be one of {PAGE_SIZES}")
    lines = Prefetch("lines", queryset=OrderLine.objects.order_by("line_no"))
    qs = orders_for_shop(shop=shop, filters=filters).defer("raw").prefetch_related(lines)
    after_position = _position(sort, after, backwards=False)
    before_position = None if after_position is not None else _position(sort, before, backwards=True)

    if before_position is not None:
        rows = list(qs.filter(before_position).order_by(*_ordering(sort, reverse=True))[: page_size + 1])
        more_before = len(rows) > page_size
        rows = rows[:page_size][::-1]
        if not rows:
            return OrderPage(orders=[], next_cursor="", prev_cursor="")
        return OrderPage(
            orders=rows,
            next_cursor=Cursor.of(rows[-1], sort).encode(),
            prev_cursor=Cursor.of(rows[0], sort).encode() if more_before else "",
        )

    if after_position is not None:
        qs = qs.filter(after_position)
    rows = list(qs.order_by(*_ordering(sort))[: page_size + 1])
    more_after = len(rows) > page_size
    rows = rows[:page_size]
    return OrderPage(
        orders=rows,
        next_cursor=Cursor.of(rows[-1], sort).encode() if more_after else "",
        prev_cursor=Cursor.of(rows[0], sort).encode() if after_position is not None and rows else "",
    )


def order_lines_for_export(*, shop: Shop, filters: OrderFilters, sort: OrderSort) -> QuerySet[OrderLine]:
    """Every line of the filtered orders with its order (payload left out), in the page's order, then by line.

    One query; iterate it with ``.iterator(chunk_size=…)`` to stream without holding the set in memory.
    """
    orders = orders_for_shop(shop=shop, filters=filters).values("pk")
    return (
        OrderLine.objects.filter(shop=shop, order__in=orders)
        .select_related("order")
        .defer("order__raw")
        .order_by(*_ordering(sort, prefix="order__"), "line_no")
    )


def order_accounts_for_shop(*, shop: Shop, limit: int = 200) -> list[tuple[str, str]]:
    """The source accounts seen on the shop's order lines as (account id, nickname), by id, for the filter's hints.

    A loose index scan: one probe of the ``(shop, account_id, account_nickname)`` index per distinct account, so
    the cost grows with the number of accounts (dozens), not with the number of lines (millions), as a DISTINCT
    over the lines would. Where an account's nickname changed, the greatest one is shown.
    """
    # The table name is the model's own; every value is a query parameter.
    lines = connection.ops.quote_name(OrderLine._meta.db_table)
    sql = f"""
        WITH RECURSIVE accounts (account_id, n) AS (
            SELECT MIN(account_id), 1 FROM {lines} WHERE shop_id = %s AND account_id > ''
            UNION ALL
            SELECT (SELECT MIN(account_id) FROM {lines} WHERE shop_id = %s AND account_id > a.account_id), a.n + 1
            FROM accounts a WHERE a.account_id IS NOT NULL AND a.n < %s
        )
        SELECT a.account_id,
               (SELECT MAX(account_nickname) FROM {lines} WHERE shop_id = %s AND account_id = a.account_id)
        FROM accounts a WHERE a.account_id IS NOT NULL ORDER BY a.account_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [shop.pk, shop.pk, limit, shop.pk])
        return [(account_id, nickname or "") for account_id, nickname in cursor.fetchall()]


def order_get_for_shop_or_404(*, shop: Shop, order_id: str) -> Order:
    """One order of the shop with its lines (two queries). Another shop's order id answers 404, like a missing one."""
    lines = Prefetch("lines", queryset=OrderLine.objects.order_by("line_no"))
    order = Order.objects.for_shop(shop).filter(order_id=order_id).prefetch_related(lines).first()
    if order is None:
        raise Http404
    return order


def aftersales_for_order(*, shop: Shop, order: Order) -> list[AfterSale]:
    """The shop's after-sales of ``order``, oldest first, each with its status history (two queries at most)."""
    history = Prefetch("status_changes", queryset=AfterSaleStatusChange.objects.order_by("changed_at", "id"))
    return list(
        AfterSale.objects.for_shop(shop)
        .filter(order_id=order.order_id)
        .defer("raw")
        .prefetch_related(history)
        .order_by("create_time", "id")
    )
