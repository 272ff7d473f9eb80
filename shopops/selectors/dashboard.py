"""Reads for the shop home page: a period's sales figures, computed by the database in a fixed number of set-based
aggregate queries (at most six), however many orders the shop has. Nothing loops over orders in Python.

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

Performance: every figure is read from the roll-ups (``shopops.models.rollups``, kept by the order store), never
from a scan of the orders: the headline figures of both periods in one query (``OrderDay`` and ``BuyerSince`` rows
of the days; for the previous period's cut last day, ``SalesHour`` rows of its whole hours before the cut, and the
orders of the cut's own hour and the buyers who first paid that day in it), the channel, product and account
figures from ``ChannelDay``, ``ProductDay`` and ``AccountDay``: five queries, and a sixth when the period has no
sales (has the shop any orders at all?). Costs grow with the days of the period (and its products and accounts)
and at most one hour's orders, never with the shop's history, its number of buyers or the time of day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from shopops.channels import Channel
from shopops.days import pay_day
from shopops.db import SERIAL, pg_settings
from shopops.models import (
    AccountDay,
    AfterSale,
    BuyerDay,
    BuyerSince,
    ChannelDay,
    Order,
    OrderDay,
    Product,
    ProductDay,
    SalesHour,
    Shop,
)
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


def _days(model, shop: Shop, start: date, end: date) -> QuerySet:
    return model.objects.for_shop(shop).filter(day__gte=start, day__lte=end)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _totals(
    shop: Shop, current: tuple[date, date], previous: tuple[date, date], tail: tuple[datetime, datetime]
) -> dict[str, Totals]:
    """Both periods' totals in one query.

    The whole days of both periods come from ``OrderDay`` (orders, GMV, refunds) and ``BuyerSince`` (a buyer counts
    on their first day in the period: ``since`` None or before the period's start). The previous period's cut last
    day (``tail``: from the day's start to the cut, an empty range when there is none) is its whole hours before
    the cut from ``SalesHour``, and the cut's own hour up to the cut from the orders paid in it and the buyers who
    first paid that day in it (``BuyerDay``); a buyer counts unless they paid on an earlier day of the period. So
    the cut day costs at most an hour of orders, whatever the time of day."""
    adapt_day, adapt_time = connection.ops.adapt_datefield_value, connection.ops.adapt_datetimefield_value
    statuses = ", ".join(["%s"] * len(REFUNDED_STATUSES))
    cs, ps = adapt_day(current[0]), adapt_day(previous[0])
    hours = (tail[1] - tail[0]) // timedelta(hours=1)
    cut_day = adapt_day(pay_day(tail[0]))
    hour_start, cut = adapt_time(tail[0] + timedelta(hours=hours)), adapt_time(tail[1])
    whole = "((day >= %s AND day <= %s) OR (day >= %s AND day <= %s))"
    whole_params = [*(adapt_day(day) for day in (*current, *previous))]
    query = f"""
        SELECT period, SUM(orders), SUM(gmv), SUM(refunded), SUM(buyers)
        FROM (
            SELECT CASE WHEN day >= %s THEN 'current' ELSE 'previous' END AS period, orders, gmv_fen AS gmv,
                   refunded_fen AS refunded, 0 AS buyers
            FROM {_table(OrderDay)} WHERE shop_id = %s AND {whole}
            UNION ALL
            SELECT CASE WHEN day >= %s THEN 'current' ELSE 'previous' END, 0, 0, 0, buyers
            FROM {_table(BuyerSince)}
            WHERE shop_id = %s AND order_scene = %s AND {whole}
              AND (since IS NULL OR since < CASE WHEN day >= %s THEN %s ELSE %s END)
            UNION ALL
            SELECT 'previous', orders, gmv_fen, refunded_fen,
                   CASE WHEN since IS NULL OR since < %s THEN buyers ELSE 0 END
            FROM {_table(SalesHour)} WHERE shop_id = %s AND day = %s AND hour < %s
            UNION ALL
            SELECT 'previous', 1, o.order_price_fen,
                   COALESCE((SELECT SUM(a.refund_amount_fen) FROM {_table(AfterSale)} a
                             WHERE a.shop_id = o.shop_id AND a.order_id = o.order_id AND a.status IN ({statuses})), 0),
                   0
            FROM {_table(Order)} o
            WHERE o.shop_id = %s AND o.pay_time >= %s AND o.pay_time < %s AND o.status <> %s
            UNION ALL
            SELECT 'previous', 0, 0, 0, COUNT(DISTINCT b.openid)
            FROM {_table(BuyerDay)} b
            WHERE b.day = %s AND b.shop_id = %s AND b.first_paid_at >= %s AND b.first_paid_at < %s
              AND b.openid <> '' AND (b.prev_day IS NULL OR b.prev_day < %s)
              AND NOT EXISTS (SELECT 1 FROM {_table(BuyerDay)} e WHERE e.shop_id = b.shop_id AND e.openid = b.openid
                              AND e.day = b.day AND e.first_paid_at < %s)
        ) x
        GROUP BY period
    """
    params = [
        cs, shop.pk, *whole_params,
        cs, shop.pk, BuyerSince.ALL_SCENES, *whole_params, cs, cs, ps,
        ps, shop.pk, cut_day, hours,
        *REFUNDED_STATUSES, shop.pk, hour_start, cut, Order.Status.CANCELLED,
        cut_day, shop.pk, hour_start, cut, ps, hour_start,
    ]  # fmt: skip
    # Index probes of a few hundred rows at most: serially (shopops.db.SERIAL; in parallel the cut day's buyers
    # took 38 ms, serially 5).
    with transaction.atomic(), pg_settings(SERIAL), connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    return {
        name: Totals(*(int(v) for v in (rows[name][1], rows[name][0], rows[name][3], rows[name][2])))
        if name in rows
        else Totals()
        for name in ("current", "previous")
    }


def _channel_series(shop: Shop, days: list[date]) -> list[ChannelSeries]:
    rows = _days(ChannelDay, shop, days[0], days[-1]).values_list("day", "channel", "sales_fen")
    index = {day: i for i, day in enumerate(days)}
    daily: dict[str, list[int]] = {}
    for day, channel, sales in rows:  # one row per day and channel
        daily.setdefault(channel, [0] * len(days))[index[day]] += sales
    order = {value: i for i, value in enumerate(Channel.values)}
    series = [ChannelSeries(channel=Channel(value), daily_fen=amounts) for value, amounts in daily.items()]
    return sorted(series, key=lambda s: (-s.total_fen, order[s.channel.value]))


def _top_products(shop: Shop, start: date, end: date) -> list[ProductSales]:
    rows = list(
        _days(ProductDay, shop, start, end)
        .values("product_id")
        .annotate(sales=Sum("sales_fen"), quantity=Sum("units"), orders=Sum("orders"), line_title=Max("title"))
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


def _top_accounts(shop: Shop, start: date, end: date) -> list[AccountSales]:
    rows = (
        _days(AccountDay, shop, start, end)
        .values("account_id")
        .annotate(
            sales=Sum("sales_fen"),
            orders=Sum("orders"),
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
    # The previous period's whole days come from the roll-ups, the part of its next day within ``elapsed`` from
    # the orders (the zone has no daylight saving: a day is 24 hours).
    whole = elapsed // timedelta(days=1)
    tail_start = previous_since + timedelta(days=whole)
    totals = _totals(
        shop,
        current=(start, end),
        previous=(previous_start, previous_start + timedelta(days=whole - 1)),
        tail=(tail_start, previous_since + elapsed),
    )
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
        channels=_channel_series(shop, days),
        top_products=_top_products(shop, start, end),
        top_accounts=_top_accounts(shop, start, end),
        shop_has_orders=bool(current.orders or totals["previous"].orders) or Order.objects.for_shop(shop).exists(),
    )
