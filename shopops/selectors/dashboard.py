"""Reads for the shop home page: a period's sales figures, computed by the database in a fixed number of set-based
aggregate queries (at most seven), however many orders the shop has. Nothing loops over orders in Python.

Definitions (the platform's 支付口径: an order counts on the day its buyer paid, as a calendar day in Beijing time,
Asia/Shanghai; a period is ``start``–``end``, both days included):

- **paid order**: an order whose ``pay_time`` falls in the period and whose status is not 250 已取消 (the status the
  platform gives orders cancelled before payment; an unpaid order has no pay time anyway). An order paid and then
  fully refunded (200 售后取消) stays a paid order of the day it was paid: its refund shows in the refund rate.
- **GMV** (支付金额): the sum of the paid orders' ``order_price_fen``, what buyers paid, freight included, after
  every discount. Refunds do not reduce it.
- **orders**: the number of paid orders. **buyers**: distinct buyer openids among them (an order without an openid
  counts no buyer).
- **refunded**: the sum of ``refund_amount_fen`` of after-sales in a refund-success status (MERCHANT_REFUND_SUCCESS
  退款成功, MERCHANT_RETURN_SUCCESS 退货退款成功) whose order is a paid order of the period. A refund belongs to the
  period its order was paid in, so the rate compares a period's refunds with that period's sales (and cannot exceed
  100%); for a recent period it still rises while after-sales finish.
- **refund rate**: refunded ÷ GMV in ppm; **average order value**: GMV ÷ orders in fen. Both round half up
  (``shopops.money.divide_half_up``) and are None when there is nothing to divide by.
- **channel sales**: the paid orders' lines' ``real_price_fen`` (what the buyer paid for the line after discounts;
  no freight, so the channels add up to GMV minus freight), by the line's ``channel`` and the Beijing day its order
  was paid. **Top products** and **top accounts** rank the same line amounts, ten each, ties by id; an account is a
  line's source ``account_id`` (linked, cooperation and authorized accounts, talents, agencies), lines without one
  (natural traffic) are left out.
- **previous period**: the same number of days right before ``start``. When the period reaches into the present,
  the previous one is cut after the same elapsed time (today until 15:00 compares with yesterday until 15:00), so
  a day in progress is not set against a whole one.

Performance: the headline figures of both periods come from one range scan of the ``(shop, pay_time)`` order index;
the line aggregates join the lines of the period's orders only. Costs grow with the orders in the period, never
with the shop's whole history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from shopops.channels import Channel
from shopops.models import AfterSale, Order, OrderLine, Product, Shop
from shopops.money import divide_half_up, ratio_ppm

REFUNDED_STATUSES = ("MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS")
TOP = 10
MAX_DAYS = 366


@dataclass(frozen=True)
class Totals:
    """The headline figures of one period."""

    gmv_fen: int = 0
    orders: int = 0
    buyers: int = 0
    refunded_fen: int = 0

    @property
    def average_order_fen(self) -> int | None:
        return divide_half_up(self.gmv_fen, self.orders) if self.orders else None

    @property
    def refund_rate_ppm(self) -> int | None:
        return ratio_ppm(self.refunded_fen, self.gmv_fen)


@dataclass(frozen=True)
class ChannelSeries:
    """One channel's sales, one amount per day of the period (``Dashboard.days``)."""

    channel: Channel
    daily_fen: list[int]

    @property
    def total_fen(self) -> int:
        return sum(self.daily_fen)


@dataclass(frozen=True)
class ProductSales:
    product_id: str
    title: str  # the catalogue's current title, else the title the order line recorded
    in_catalogue: bool  # synced into the product list, so its detail page exists
    quantity: int
    orders: int
    sales_fen: int


@dataclass(frozen=True)
class AccountSales:
    account_id: str
    nickname: str
    account_type: int | None  # 带货账号类型 (shopops.channels ACCOUNT_*)
    sale_channel: int | None  # 账号关联类型 (shopops.channels SALE_CHANNEL_*)
    orders: int
    sales_fen: int


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date
    previous_start: date
    previous_end: date
    previous_partial: bool  # the previous period is cut at the time elapsed so far in this one
    current: Totals
    previous: Totals
    days: list[date]
    channels: list[ChannelSeries]  # channels that sold in the period, biggest first
    top_products: list[ProductSales]
    top_accounts: list[AccountSales]
    shop_has_orders: bool  # any synced order at all, in any period

    @property
    def channel_sales_fen(self) -> int:
        return sum(series.total_fen for series in self.channels)


def change_ppm(current: int | None, previous: int | None) -> int | None:
    """The relative change from ``previous`` to ``current`` in ppm (half up); None without a previous value."""
    if current is None or not previous:
        return None
    return ratio_ppm(current - previous, previous)


def _day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the project's time zone (Asia/Shanghai), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def _paid_orders(shop: Shop, since: datetime, until: datetime) -> QuerySet[Order]:
    return (
        Order.objects.for_shop(shop)
        .filter(pay_time__gte=since, pay_time__lt=until)
        .exclude(status=Order.Status.CANCELLED)
    )


def _paid_lines(shop: Shop, since: datetime, until: datetime) -> QuerySet[OrderLine]:
    # Both shop conditions: the line's for tenancy, the order's so the (shop, pay_time) order index drives the join.
    return OrderLine.objects.filter(
        shop=shop, order__shop=shop, order__pay_time__gte=since, order__pay_time__lt=until
    ).exclude(order__status=Order.Status.CANCELLED)


def _totals(shop: Shop, current: tuple[datetime, datetime], previous: tuple[datetime, datetime]) -> dict[str, Totals]:
    """Both periods' totals: one range scan of the orders, one pass over the refunded after-sales."""
    windows = {"current": current, "previous": previous}
    in_window = {name: Q(pay_time__gte=since, pay_time__lt=until) for name, (since, until) in windows.items()}
    aggregates = {}
    for name, condition in in_window.items():
        aggregates[f"{name}_gmv"] = Sum("order_price_fen", filter=condition, default=0)
        aggregates[f"{name}_orders"] = Count("pk", filter=condition)
        aggregates[f"{name}_buyers"] = Count("openid", filter=condition & ~Q(openid=""), distinct=True)
    since, until = min(previous[0], current[0]), max(previous[1], current[1])
    orders = _paid_orders(shop, since, until).aggregate(**aggregates)
    refunds = (
        AfterSale.objects.for_shop(shop)
        .filter(status__in=REFUNDED_STATUSES)
        .aggregate(
            **{
                name: Sum(
                    "refund_amount_fen",
                    filter=Q(order_id__in=_paid_orders(shop, *window).values("order_id")),
                    default=0,
                )
                for name, window in windows.items()
            }
        )
    )
    return {
        name: Totals(
            gmv_fen=orders[f"{name}_gmv"],
            orders=orders[f"{name}_orders"],
            buyers=orders[f"{name}_buyers"],
            refunded_fen=refunds[name],
        )
        for name in windows
    }


def _channel_series(shop: Shop, since: datetime, until: datetime, days: list[date]) -> list[ChannelSeries]:
    rows = (
        _paid_lines(shop, since, until)
        .annotate(day=TruncDate("order__pay_time", tzinfo=timezone.get_default_timezone()))
        .values("day", "channel")
        .annotate(sales=Sum("real_price_fen"))
        .order_by()
    )
    index = {day: i for i, day in enumerate(days)}
    daily: dict[str, list[int]] = {}
    for row in rows:  # at most one row per day and channel
        daily.setdefault(row["channel"], [0] * len(days))[index[row["day"]]] += row["sales"]
    order = {value: i for i, value in enumerate(Channel.values)}
    series = [ChannelSeries(channel=Channel(value), daily_fen=amounts) for value, amounts in daily.items()]
    return sorted(series, key=lambda s: (-s.total_fen, order[s.channel.value]))


def _top_products(shop: Shop, since: datetime, until: datetime) -> list[ProductSales]:
    rows = list(
        _paid_lines(shop, since, until)
        .values("product_id")
        .annotate(
            sales=Sum("real_price_fen"),
            quantity=Sum("sku_cnt"),
            orders=Count("order_id", distinct=True),
            line_title=Max("title"),
        )
        .order_by("-sales", "product_id")[:TOP]
    )
    ids = [row["product_id"] for row in rows]
    catalogue = dict(Product.objects.for_shop(shop).filter(product_id__in=ids).values_list("product_id", "title"))
    return [
        ProductSales(
            product_id=row["product_id"],
            title=catalogue.get(row["product_id"]) or row["line_title"] or "",
            in_catalogue=row["product_id"] in catalogue,
            quantity=row["quantity"],
            orders=row["orders"],
            sales_fen=row["sales"],
        )
        for row in rows
    ]


def _top_accounts(shop: Shop, since: datetime, until: datetime) -> list[AccountSales]:
    rows = (
        _paid_lines(shop, since, until)
        .exclude(account_id="")
        .values("account_id")
        .annotate(
            sales=Sum("real_price_fen"),
            orders=Count("order_id", distinct=True),
            nickname=Max("account_nickname"),
            type=Max("account_type"),
            relation=Max("sale_channel"),
        )
        .order_by("-sales", "account_id")[:TOP]
    )
    return [
        AccountSales(
            account_id=row["account_id"],
            nickname=row["nickname"] or "",
            account_type=row["type"],
            sale_channel=row["relation"],
            orders=row["orders"],
            sales_fen=row["sales"],
        )
        for row in rows
    ]


def shop_dashboard(*, shop: Shop, start: date, end: date, now: datetime | None = None) -> Dashboard:
    """The shop's sales from ``start`` to ``end`` (Beijing calendar days, both included) against the period before.

    ``now`` (default: the current time) decides how much of the previous period is compared (see the module
    docstring). Raises ValueError when ``end`` is before ``start`` or the period is longer than ``MAX_DAYS``.
    Another shop's orders, lines and after-sales are never counted.
    """
    length = (end - start).days + 1
    if length < 1:
        raise ValueError("the period ends before it starts")
    if length > MAX_DAYS:
        raise ValueError(f"the period is longer than {MAX_DAYS} days")
    now = now or timezone.now()
    since, until = _day_start(start), _day_start(end + timedelta(days=1))
    previous_start = start - timedelta(days=length)
    previous_since = _day_start(previous_start)
    elapsed = min(max(now - since, timedelta(0)), until - since)
    totals = _totals(shop, current=(since, until), previous=(previous_since, previous_since + elapsed))
    current = totals["current"]
    days = [start + timedelta(days=i) for i in range(length)]
    return Dashboard(
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=start - timedelta(days=1),
        previous_partial=elapsed < until - since,
        current=current,
        previous=totals["previous"],
        days=days,
        channels=_channel_series(shop, since, until, days),
        top_products=_top_products(shop, since, until),
        top_accounts=_top_accounts(shop, since, until),
        shop_has_orders=bool(current.orders or totals["previous"].orders) or Order.objects.for_shop(shop).exists(),
    )
