"""The daily roll-ups (``shopops.models.rollups``), kept by the order store: after each stored page of orders or
after-sales, the (shop, Beijing pay day) keys the page touched are summed again from the orders of those days, one
DELETE and one INSERT … SELECT per table, whatever the number of orders in the page.

- A page of orders touches the pay days its orders had before the page (read first: a re-synced order that lost
  its pay time, or moved, leaves its old day) and the ones they have after it.
- A page of after-sales touches the pay days of the orders they refund (a refund belongs to its order's day).

Days are calendar days in the project's time zone (``settings.TIME_ZONE``, Asia/Shanghai) whatever zone the request
activated. On PostgreSQL the refresh holds a per-shop transaction-level advisory lock, so two syncs of one shop (the
order stream and the after-sale stream) sum a day one after the other, each seeing what the other committed; SQLite
serializes writers anyway. ``sales_rollups_rebuild`` sums a whole shop again (after a bulk load, or to repair).
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction

from shopops.days import pay_day, project_tz
from shopops.models import (
    AccountDay,
    AfterSale,
    BuyerDay,
    BuyerSince,
    ChannelDay,
    CouponDay,
    CouponSales,
    LiveDay,
    Order,
    OrderDay,
    OrderLine,
    ProductDay,
    SalesDay,
    SalesHour,
    Shop,
)
from shopops.selectors.orders import AFTERSALE_REFUNDED

ID_CHUNK = 1000  # platform order ids per query (SQLite binds each as a parameter)
DAY_CHUNK = 200  # day ranges per statement
LOCK_CLASS = 110_001  # pg_advisory_xact_lock(class, shop id): the roll-ups of one shop


def order_pay_days(*, shop: Shop, order_ids: Sequence[str]) -> set[date]:
    """The pay days the shop's stored orders with these platform ids have now (orders never paid have none)."""
    ids = sorted(set(order_ids))
    days: set[date] = set()
    for i in range(0, len(ids), ID_CHUNK):
        # No ``pay_time IS NOT NULL`` in SQL: SQLite without statistics would read it as a range on the (shop, pay
        # time) index and visit every paid order of the shop instead of the (shop, order id) key's few.
        times = Order.objects.filter(shop=shop, order_id__in=ids[i : i + ID_CHUNK]).values_list("pay_time", flat=True)
        days |= {pay_day(at) for at in times if at is not None}
    return days


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days merged: [(first, last), …]."""
    out: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if out and out[-1][1] + timedelta(days=1) == day:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def _pay_time_in(ranges: list[tuple[date, date]] | None) -> tuple[str, list]:
    """``AND (o.pay_time in one of the ranges)``, nothing for the whole history."""
    if ranges is None:
        return "", []
    tz = project_tz()
    adapt = connection.ops.adapt_datetimefield_value  # SQLite compares text in UTC
    params = []
    for first, last in ranges:
        params += [
            adapt(datetime.combine(first, time.min, tz)),
            adapt(datetime.combine(last + timedelta(days=1), time.min, tz)),
        ]
    return "AND (" + " OR ".join(["(o.pay_time >= %s AND o.pay_time < %s)"] * len(ranges)) + ")", params


def _day_sql() -> tuple[str, list]:
    expr, params = connection.ops.datetime_cast_date_sql("o.pay_time", (), settings.TIME_ZONE)
    return expr, list(params)


def _coupon_entries_sql() -> tuple[str, str, str]:
    """A FROM item with one row per entry of the line's coupon list, and the entry's coupon id and discount."""
    if connection.vendor == "postgresql":
        return (
            "CROSS JOIN LATERAL jsonb_array_elements("
            "CASE WHEN jsonb_typeof(l.coupons) = 'array' THEN l.coupons ELSE '[]' END) AS e(value)",
            "COALESCE(e.value ->> 'coupon_id', '')",
            "COALESCE(CAST(e.value ->> 'discounted_price' AS bigint), 0)",
        )
    return (
        "CROSS JOIN json_each(CASE WHEN json_type(l.coupons) = 'array' THEN l.coupons ELSE '[]' END) AS e",
        "COALESCE(CAST(json_extract(e.value, '$.coupon_id') AS TEXT), '')",
        "COALESCE(CAST(json_extract(e.value, '$.discounted_price') AS INTEGER), 0)",
    )


def _coupon_discount_sql() -> str:
    """The line's coupon discount: ``order_product_coupon_info_list[].discounted_price`` summed (fen)."""
    if connection.vendor == "postgresql":
        return (
            "(SELECT COALESCE(SUM(CAST(c.value ->> 'discounted_price' AS bigint)), 0) "
            "FROM jsonb_array_elements(CASE WHEN jsonb_typeof(l.coupons) = 'array' THEN l.coupons ELSE '[]' END) "
            "AS c(value))"
        )
    return (
        "(SELECT COALESCE(SUM(CAST(json_extract(c.value, '$.discounted_price') AS INTEGER)), 0) "
        "FROM json_each(CASE WHEN json_type(l.coupons) = 'array' THEN l.coupons ELSE '[]' END) AS c)"
    )


# The lines are reached through their orders (``l.order_id = o.id``), which are the shop's: no condition on the
# line's own shop, which the planner may serve with the (shop, channel) line index, reading every line of the shop
# once per order while its statistics are stale (during a backfill, 3 s per order page instead of 0.02 s).


def _first(partition: str) -> str:
    """1 when the line is its order's first (lowest line number) line with the same ``partition`` value."""
    return f"CASE WHEN l.line_no = MIN(l.line_no) OVER (PARTITION BY l.order_id, {partition}) THEN 1 ELSE 0 END"


SALES_KEY = "shop_id, day, channel, product_id, account_id"
BUYER_KEY = "shop_id, day, openid, order_scene"


def _sales_insert(shop: Shop, ranges) -> tuple[str, list]:
    day, day_params = _day_sql()
    where, where_params = _pay_time_in(ranges)
    query = f"""
        INSERT INTO {_table(SalesDay)} ({SALES_KEY}, {", ".join(SalesDay.SUMS)},
                                        title, account_nickname, account_type, sale_channel)
        SELECT {SALES_KEY}, COUNT(*), SUM(sku_cnt), SUM(real_price_fen), SUM(coupon), SUM(first_product),
               SUM(first_account), SUM(first_channel), MAX(title), MAX(account_nickname), MAX(account_type),
               MAX(sale_channel)
        FROM (
            SELECT l.shop_id, {day} AS day, l.channel, l.product_id, l.account_id, l.sku_cnt, l.real_price_fen,
                   {_coupon_discount_sql()} AS coupon, {_first("l.product_id")} AS first_product,
                   {_first("l.account_id")} AS first_account, {_first("l.channel")} AS first_channel,
                   l.title, l.account_nickname, l.account_type, l.sale_channel
            FROM {_table(OrderLine)} l INNER JOIN {_table(Order)} o ON o.id = l.order_id
            WHERE o.shop_id = %s AND o.status <> %s AND o.pay_time IS NOT NULL {where}
        ) x
        GROUP BY {SALES_KEY}
    """
    return query, [*day_params, shop.pk, Order.Status.CANCELLED, *where_params]


def _paid_orders(shop: Shop, ranges) -> tuple[str, list]:
    """A subquery of the shop's paid orders of the days (None: all), one row each with its Beijing pay day and hour
    and the refunds of its after-sales that reached the buyer."""
    day, day_params = _day_sql()
    hour, hour_params = connection.ops.datetime_extract_sql("hour", "o.pay_time", (), settings.TIME_ZONE)
    where, where_params = _pay_time_in(ranges)
    refunded = ", ".join(["%s"] * len(AFTERSALE_REFUNDED))
    query = f"""
        SELECT o.id, o.shop_id, {day} AS day, CAST({hour} AS integer) AS hour, o.openid,
               COALESCE(o.order_scene, 0) AS order_scene, o.order_price_fen, o.pay_time,
               COALESCE((SELECT SUM(a.refund_amount_fen) FROM {_table(AfterSale)} a
                         WHERE a.shop_id = o.shop_id AND a.order_id = o.order_id AND a.status IN ({refunded})), 0)
                   AS refunded,
               CASE WHEN o.is_present THEN 1 ELSE 0 END AS present,
               CASE WHEN o.is_present THEN o.order_price_fen ELSE 0 END AS present_gmv
        FROM {_table(Order)} o
        WHERE o.shop_id = %s AND o.status <> %s AND o.pay_time IS NOT NULL {where}
    """
    params = [*day_params, *hour_params, *sorted(AFTERSALE_REFUNDED), shop.pk, Order.Status.CANCELLED, *where_params]
    return query, params


def _buyers_insert(shop: Shop, ranges) -> tuple[str, list]:
    orders, params = _paid_orders(shop, ranges)
    query = f"""
        INSERT INTO {_table(BuyerDay)} ({BUYER_KEY}, {", ".join(BuyerDay.SUMS)}, first_paid_at, last_paid_at)
        SELECT {BUYER_KEY}, COUNT(*), SUM(order_price_fen), SUM(refunded), SUM(present), SUM(present_gmv),
               MIN(pay_time), MAX(pay_time)
        FROM ({orders}) x
        GROUP BY {BUYER_KEY}
    """
    return query, params


COUPON_KEY = "shop_id, day, coupon_id, openid"


def _coupons_insert(shop: Shop, ranges) -> tuple[str, list]:
    day, day_params = _day_sql()
    where, where_params = _pay_time_in(ranges)
    entries, coupon_id, discount = _coupon_entries_sql()
    query = f"""
        INSERT INTO {_table(CouponDay)} ({COUPON_KEY}, {", ".join(CouponDay.SUMS)})
        SELECT shop_id, day, coupon_id, openid, COUNT(*), SUM(order_price_fen), SUM(discount)
        FROM (
            SELECT MAX(o.shop_id) AS shop_id, MAX({day}) AS day, {coupon_id} AS coupon_id, MAX(o.openid) AS openid,
                   MAX(o.order_price_fen) AS order_price_fen, SUM({discount}) AS discount
            FROM {_table(OrderLine)} l INNER JOIN {_table(Order)} o ON o.id = l.order_id {entries}
            WHERE o.shop_id = %s AND o.status <> %s AND o.pay_time IS NOT NULL
              AND {coupon_id} <> '' {where}
            GROUP BY o.id, {coupon_id}
        ) x
        GROUP BY {COUPON_KEY}
    """
    return query, [*day_params, shop.pk, Order.Status.CANCELLED, *where_params]


def _days_in(ranges: list[tuple[date, date]] | None) -> tuple[str, list]:
    """``AND (day in one of the ranges)``, nothing for every day."""
    if ranges is None:
        return "", []
    adapt = connection.ops.adapt_datefield_value
    return (
        "AND (" + " OR ".join(["(day >= %s AND day <= %s)"] * len(ranges)) + ")",
        [adapt(day) for bounds in ranges for day in bounds],
    )


def _from_sales(model, columns: str, select: str, key: str, where: str = ""):
    """An INSERT … SELECT of ``model`` summing the ``SalesDay`` rows of the days, grouped by ``key``."""

    def insert(shop: Shop, ranges) -> tuple[str, list]:
        days, params = _days_in(ranges)
        query = f"""
            INSERT INTO {_table(model)} (shop_id, day, {key}, {columns})
            SELECT shop_id, day, {key}, {select} FROM {_table(SalesDay)}
            WHERE shop_id = %s {where} {days} GROUP BY shop_id, day, {key}
        """
        return query, [shop.pk, *params]

    return insert


_channels_insert = _from_sales(
    ChannelDay, "lines, sales_fen, orders", "SUM(lines), SUM(sales_fen), SUM(channel_orders)", "channel"
)
_products_insert = _from_sales(
    ProductDay,
    "units, sales_fen, orders, title",
    "SUM(units), SUM(sales_fen), SUM(product_orders), MAX(title)",
    "product_id",
)
_accounts_insert = _from_sales(
    AccountDay,
    "sales_fen, orders, account_nickname, account_type, sale_channel",
    "SUM(sales_fen), SUM(account_orders), MAX(account_nickname), MAX(account_type), MAX(sale_channel)",
    "account_id",
    "AND account_id <> ''",
)


def _coupon_sales_insert(shop: Shop, ranges) -> tuple[str, list]:
    days, params = _days_in(ranges)
    query = f"""
        INSERT INTO {_table(CouponSales)} (shop_id, day, coupon_id, orders, gmv_fen, discount_fen)
        SELECT shop_id, day, coupon_id, SUM(orders), SUM(gmv_fen), SUM(discount_fen) FROM {_table(CouponDay)}
        WHERE shop_id = %s {days} GROUP BY shop_id, day, coupon_id
    """
    return query, [shop.pk, *params]


def _lives_insert(shop: Shop, ranges) -> tuple[str, list]:
    day, day_params = _day_sql()
    where, where_params = _pay_time_in(ranges)
    query = f"""
        INSERT INTO {_table(LiveDay)} (shop_id, day, live_id, orders, gmv_fen, first_paid_at)
        SELECT shop_id, day, live_id, COUNT(*), SUM(order_price_fen), MIN(pay_time)
        FROM (
            SELECT o.shop_id, {day} AS day, o.live_id, o.order_price_fen, o.pay_time FROM {_table(Order)} o
            WHERE o.shop_id = %s AND o.status <> %s AND o.pay_time IS NOT NULL AND o.live_id <> '' {where}
        ) x
        GROUP BY shop_id, day, live_id
    """
    return query, [*day_params, shop.pk, Order.Status.CANCELLED, *where_params]


def _orders_insert(shop: Shop, ranges) -> tuple[str, list]:
    days, params = _days_in(ranges)
    query = f"""
        INSERT INTO {_table(OrderDay)} (shop_id, day, order_scene, {", ".join(OrderDay.SUMS)})
        SELECT shop_id, day, order_scene, SUM(orders), SUM(gmv_fen), SUM(refunded_fen), SUM(present_orders),
               SUM(present_gmv_fen), SUM(CASE WHEN prev_day IS NOT NULL THEN gmv_fen ELSE 0 END)
        FROM {_table(BuyerDay)} WHERE shop_id = %s {days} GROUP BY shop_id, day, order_scene
    """
    return query, [shop.pk, *params]


def _clamped(column: str) -> str:
    """``column`` (a previous pay day), no earlier than ``BuyerSince.HORIZON`` days before the row's day."""
    if connection.vendor == "postgresql":
        horizon = f"(day - {BuyerSince.HORIZON})"
    else:
        horizon = f"date(day, '-{BuyerSince.HORIZON} days')"
    return f"CASE WHEN {column} < {horizon} THEN {horizon} ELSE {column} END"


def _since_insert(shop: Shop, ranges) -> tuple[str, list]:
    days, params = _days_in(ranges)
    query = f"""
        INSERT INTO {_table(BuyerSince)} (shop_id, day, order_scene, since, buyers, new_buyers)
        SELECT shop_id, day, scene, since, COUNT(*), SUM(new) FROM (
            SELECT shop_id, day, {BuyerSince.ALL_SCENES} AS scene, MAX({_clamped("prev_day")}) AS since,
                   MAX(CASE WHEN prev_day IS NULL THEN 1 ELSE 0 END) AS new
            FROM {_table(BuyerDay)} WHERE shop_id = %s AND openid <> '' {days}
            GROUP BY shop_id, day, openid
            UNION ALL
            SELECT shop_id, day, order_scene, {_clamped("scene_prev_day")}, CASE WHEN prev_day IS NULL THEN 1 ELSE 0 END
            FROM {_table(BuyerDay)} WHERE shop_id = %s AND openid <> '' {days}
        ) x
        GROUP BY shop_id, day, scene, since
    """
    return query, [shop.pk, *params, shop.pk, *params]


def _hours_insert(shop: Shop, ranges) -> tuple[str, list]:
    """``SalesHour``: the orders of the days by hour and their buyer's previous pay day (from the linked
    ``BuyerDay`` rows: the latest of the buyer's scenes), each buyer counted on their first order of the day."""
    orders, params = _paid_orders(shop, ranges)
    # MATERIALIZED: the days' orders first, by the (shop, pay time) index. Flattened into the window's query, they
    # were read by the (shop, buyer, pay time) index, in the window's order: every order of the shop, each page.
    # The buyer's day is a probe of the (shop, day, buyer, scene) key per order.
    query = f"""
        INSERT INTO {_table(SalesHour)} (shop_id, day, hour, since, orders, gmv_fen, refunded_fen, buyers)
        WITH o AS MATERIALIZED ({orders})
        SELECT shop_id, day, hour, since, COUNT(*), SUM(order_price_fen), SUM(refunded), SUM(first)
        FROM (
            SELECT o.shop_id, o.day, o.hour, o.order_price_fen, o.refunded,
                   (SELECT MAX({_clamped("b.prev_day")}) FROM {_table(BuyerDay)} b
                    WHERE b.shop_id = o.shop_id AND b.day = o.day AND b.openid = o.openid AND b.openid <> '') AS since,
                   CASE WHEN o.openid <> '' AND ROW_NUMBER() OVER (
                       PARTITION BY o.openid, o.day ORDER BY o.pay_time, o.id) = 1 THEN 1 ELSE 0 END AS first
            FROM o
        ) x
        GROUP BY shop_id, day, hour, since
    """
    return query, params


def _openids(cursor, shop: Shop, ranges) -> set[str]:
    days, params = _days_in(ranges)
    cursor.execute(
        f"SELECT DISTINCT openid FROM {_table(BuyerDay)} WHERE shop_id = %s AND openid <> '' {days}",
        [shop.pk, *params],
    )
    return {row[0] for row in cursor.fetchall()}


def _link(cursor, shop: Shop, buyers: tuple[str, list] | None) -> set[date]:
    """Set ``prev_day`` and ``scene_prev_day`` again on every ``BuyerDay`` row of ``buyers`` (a condition on the
    shop's buyer rows that picks the buyers, and its parameters; None: all of the shop's); returns the days of the
    rows that changed."""
    table = _table(BuyerDay)
    if buyers is None:
        rows = f"SELECT id, openid, order_scene, day FROM {table} WHERE shop_id = %s AND openid <> ''"
        params = [shop.pk]
    elif connection.vendor == "postgresql":
        # The buyers first, then each one's rows by the (shop, openid) index (OFFSET 0 keeps the lateral subquery
        # from being flattened into a join): a plan that cannot go wrong when the statistics do not know the shop
        # yet (a semi-join was planned as a nested loop over all of the shop's rows twice: 20–30 s a page at
        # 20,000 orders).
        condition, values = buyers
        rows = f"""
            SELECT b.id, b.openid, b.order_scene, b.day
            FROM (SELECT DISTINCT openid FROM {table} WHERE shop_id = %s AND openid <> '' AND {condition}) buyer
            CROSS JOIN LATERAL (SELECT * FROM {table} WHERE shop_id = %s AND openid = buyer.openid OFFSET 0) b
        """
        params = [shop.pk, *values, shop.pk]
    else:
        condition, values = buyers
        rows = f"""
            SELECT id, openid, order_scene, day FROM {table} WHERE shop_id = %s
              AND openid IN (SELECT openid FROM {table} WHERE shop_id = %s AND openid <> '' AND {condition})
        """
        params = [shop.pk, shop.pk, *values]
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    # The buyer's previous distinct day is the day of the previous peer group (GROUPS frame: rows of one day are
    # peers), so neither needs a join; (shop, day, openid, scene) is unique, so the scene's previous day is a LAG.
    # MATERIALIZED: computed once, then joined by primary key.
    query = f"""
        WITH linked AS MATERIALIZED (
            SELECT id,
                   MAX(day) OVER (
                       PARTITION BY openid ORDER BY day GROUPS BETWEEN 1 PRECEDING AND 1 PRECEDING
                   ) AS prev_day,
                   LAG(day) OVER (PARTITION BY openid, order_scene ORDER BY day) AS scene_prev_day
            FROM ({rows}) mine
        )
        UPDATE {table} SET prev_day = linked.prev_day, scene_prev_day = linked.scene_prev_day
        FROM linked
        WHERE {table}.id = linked.id
          AND ({table}.prev_day {differs} linked.prev_day OR {table}.scene_prev_day {differs} linked.scene_prev_day)
        RETURNING {table}.day
    """
    cursor.execute(query, params)
    # SQLite hands the RETURNING dates back as text.
    return {day if isinstance(day, date) else date.fromisoformat(day) for (day,) in cursor.fetchall()}


def _lock(cursor, shop: Shop) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, shop.pk])


def _replace(cursor, model, insert, shop: Shop, ranges) -> None:
    """Delete the shop's rows of ``model`` on the days and insert them again."""
    # The roll-ups' own rows are deleted in SQL: no signals, no audit entries for what is derived.
    days, params = _days_in(ranges)
    cursor.execute(f"DELETE FROM {_table(model)} WHERE shop_id = %s {days}", [shop.pk, *params])
    cursor.execute(*insert(shop, ranges))


def _refresh(shop: Shop, ranges: list[tuple[date, date]] | None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, shop)
        before = set() if ranges is None else _openids(cursor, shop, ranges)
        for model, insert in (
            (SalesDay, _sales_insert),
            (BuyerDay, _buyers_insert),
            (CouponDay, _coupons_insert),
            (CouponSales, _coupon_sales_insert),
            (ChannelDay, _channels_insert),
            (ProductDay, _products_insert),
            (AccountDay, _accounts_insert),
            (LiveDay, _lives_insert),
        ):
            _replace(cursor, model, insert, shop, ranges)
        if ranges is None and connection.vendor == "postgresql":
            # A whole shop's buyer rows were just written in this transaction: without fresh statistics the planner
            # takes the table for empty and links them with nested loops (a 1,000,000-order shop: hours).
            cursor.execute(f"ANALYZE {_table(BuyerDay)}")
        days, params = _days_in(ranges)
        changed = _link(cursor, shop, None if ranges is None else (f"TRUE {days}", params))
        gone = sorted(before - _openids(cursor, shop, ranges)) if ranges is not None else []
        for i in range(0, len(gone), ID_CHUNK):  # buyers no longer on these days: their later days change too
            chunk = gone[i : i + ID_CHUNK]
            changed |= _link(cursor, shop, (f"openid IN ({', '.join(['%s'] * len(chunk))})", chunk))
        if ranges is not None:
            ranges = _ranges(
                {first + timedelta(days=n) for first, last in ranges for n in range((last - first).days + 1)} | changed
            )
        for model, insert in ((OrderDay, _orders_insert), (BuyerSince, _since_insert), (SalesHour, _hours_insert)):
            _replace(cursor, model, insert, shop, ranges)


def sales_rollups_refresh(*, shop: Shop, days: Iterable[date]) -> None:
    """Sum the shop's roll-up rows of these Beijing pay days again from its orders (one DELETE and one INSERT …
    SELECT per table and per ``DAY_CHUNK`` runs of consecutive days). No days: nothing happens."""
    ranges = _ranges(days)
    for i in range(0, len(ranges), DAY_CHUNK):
        _refresh(shop, ranges[i : i + DAY_CHUNK])


def sales_rollups_rebuild(*, shop: Shop) -> None:
    """Sum every roll-up row of the shop again from all its orders."""
    _refresh(shop, None)
