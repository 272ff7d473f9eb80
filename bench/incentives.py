"""Incentive evaluation at 1,000,000 order lines on PostgreSQL, against one hand-written SQL aggregate over the same
rows, measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopops_bench_incentives .venv/bin/python bench/incentives.py
    ... bench/incentives.py --lines 100000      # a quicker look

In a fresh database (dropped and created again, so its name must contain "bench"):

  data  — one shop with the 2025 example rule set (``ruleset_install_example``); synced orders inserted set-based
          (generate_series) over 120 days, 1.6 lines an order, N lines in all. Each line's source by a hash of
          (order, line): 20% linked 公众号, 10% linked 服务号, 10% linked 企业微信, 10% connected 小程序 (eligible:
          about half the lines), 20% linked 视频号, 10% talent, 20% natural traffic. 85% of the orders settled 10 days
          after payment (when that is in the past), 2% cancelled; 5% with a quarter of their first line refunded, 1%
          with an after-sale still open; one order in 97 with a service fee of 5 fen (the fee cap bites), the rest 3%
          of the order. ANALYZE.
  evaluate — ``accruals_evaluate`` of the whole shop (not posted: the ledger is measured by its own bench): the
          first run writes one accrual per earning line in one INSERT … SELECT; run again, it finds nothing changed.
          Then (the accruals analyzed, as autovacuum would after the first run) the hourly run
          (``accruals_evaluate_changes``: only the orders the sync queued): with nothing queued;
          after one order in 97 gets a refund after settlement, stored and queued as the sync would, writing their
          reversals a thousand orders a statement; the 1,000 orders settled last evaluated as one page
          (``order_ids``); last, a new version with a month cap (the whole shop moves to it) and the hourly run
          with those 1,000 orders queued, which evaluates the months they settled in. Each is printed next to the
          floor: ONE hand-written aggregate over the same rows (lines, orders, after-sales) computing the same
          per-order amounts (floor per line, order cap, fee cap; final orders only) without writing. For scale:
          the first run's rows inserted alone into an empty table like the accruals' (same indexes and unique
          key), and the first run less that insert. As a lower bound: the floor's aggregate writing its per-order
          totals into such a table (``BOUND_SQL``).

Timings are printed, never asserted. It checks that the accruals sum to the floor's total, to the fen.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from database import fresh_database  # bench/database.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
DAYS = 120
MONTH_CAP_FEN = 5_000_000  # ¥50,000 a month: binds (the shop earns about ¥160,000 a month under the example rules)

# Line l (1 or 2) of order n: order n has two lines when n % 5 < 3 (1.6 lines an order).
LINES_SQL = """
    SELECT n, l, 'o' || n AS order_id, 's' || n || '-' || l AS sku_id,
           %(end)s - make_interval(mins => ((n * 7919) %% %(minutes)s)::int) AS pay_time,
           1000 + (n * 7919 + l * 104729) %% 50000 AS paid,
           (n * 31 + l * 7) %% 10 AS source
    FROM generate_series(1::bigint, %(orders)s) AS n
    CROSS JOIN generate_series(1, 2) AS l
    WHERE l = 1 OR n %% 5 < 3
"""
ORDERS_SQL = """
INSERT INTO shopops_order ({columns}, shop_id, order_id, status, create_time, update_time, pay_time, settle_time,
                           commission_fee_fen, predict_commission_fee_fen, raw, synced_at)
SELECT {defaults}, %(shop)s, s.order_id, CASE WHEN s.n %% 50 = 3 THEN 250 WHEN s.settled THEN 100 ELSE 20 END,
       s.pay_time, s.pay_time, s.pay_time, CASE WHEN s.settled THEN s.pay_time + interval '10 days' END,
       CASE WHEN s.settled THEN s.fee END, s.fee, '{{}}'::jsonb, now()
FROM (
    SELECT n, order_id, MIN(pay_time) AS pay_time,
           n %% 50 <> 3 AND n %% 100 < 85 AND MIN(pay_time) + interval '10 days' <= %(end)s AS settled,
           CASE WHEN n %% 97 = 0 THEN 5 ELSE SUM(paid) * 3 / 100 END AS fee
    FROM (""" + LINES_SQL + """) x GROUP BY n, order_id
) s
"""  # fmt: skip
# source: 0-1 linked 公众号, 2 linked 服务号, 3 linked 企业微信, 4 connected 小程序, 5-6 linked 视频号, 7 talent,
# 8-9 natural (no source entry)
ORDER_LINES_SQL = """
INSERT INTO shopops_orderline ({columns}, shop_id, order_id, line_no, product_id, sku_id, sku_cnt, sale_price_fen,
                               real_price_fen, sale_channel, account_type, account_id, account_nickname, channel)
SELECT {defaults}, %(shop)s, o.id, s.l, 'p' || (s.n %% 200), s.sku_id, 1, s.paid, s.paid,
       CASE WHEN s.source IN (0, 1, 2, 3, 5, 6) THEN 0 WHEN s.source = 4 THEN 1 WHEN s.source = 7 THEN 100 END,
       CASE WHEN s.source IN (0, 1) THEN 2 WHEN s.source = 2 THEN 6 WHEN s.source = 3 THEN 4
            WHEN s.source = 4 THEN 3 WHEN s.source IN (5, 6) THEN 1 WHEN s.source = 7 THEN 5 END,
       CASE WHEN s.source < 8 THEN 'acct' || s.source ELSE '' END,
       CASE WHEN s.source < 8 THEN '账号' || s.source ELSE '' END,
       CASE WHEN s.source IN (0, 1) THEN 'mp_article' WHEN s.source = 2 THEN 'service_account'
            WHEN s.source = 3 THEN 'wecom_forward' WHEN s.source = 4 THEN 'miniprogram'
            WHEN s.source IN (5, 6) THEN 'finder_live' WHEN s.source = 7 THEN 'talent' ELSE 'other' END
FROM (""" + LINES_SQL + """) s
JOIN shopops_order o ON o.shop_id = %(shop)s AND o.order_id = s.order_id
"""  # fmt: skip
AFTERSALES_SQL = """
INSERT INTO shopops_aftersale ({columns}, shop_id, after_sale_order_id, order_id, type, status, product_id, sku_id,
                               refund_amount_fen, create_time, update_time, raw, synced_at)
SELECT {defaults}, %(shop)s, 'a' || s.n, s.order_id, 'REFUND',
       CASE WHEN s.n %% 100 = 11 THEN 'MERCHANT_PROCESSING' ELSE 'MERCHANT_REFUND_SUCCESS' END,
       'p' || (s.n %% 200), s.sku_id, s.paid / 4, s.pay_time, s.pay_time, '{{}}'::jsonb, now()
FROM (""" + LINES_SQL + """) s WHERE s.l = 1 AND (s.n %% 20 = 0 OR s.n %% 100 = 11)
"""  # fmt: skip
# Refunds after settlement: one order in 97, a tenth of its first line.
LATE_REFUNDS_SQL = """
INSERT INTO shopops_aftersale ({columns}, shop_id, after_sale_order_id, order_id, type, status, product_id, sku_id,
                               refund_amount_fen, create_time, update_time, raw, synced_at)
SELECT {defaults}, %(shop)s, 'late' || s.n, s.order_id, 'REFUND', 'MERCHANT_REFUND_SUCCESS', 'p' || (s.n %% 200),
       s.sku_id, s.paid / 10, %(end)s, %(end)s, '{{}}'::jsonb, now()
FROM (""" + LINES_SQL + """) s WHERE s.l = 1 AND s.n %% 97 = 42
"""  # fmt: skip
# The floor: what the final orders earn under the example rules, by hand, in one aggregate that writes nothing.
FLOOR_TOTALS_SQL = """
    SELECT {order_id}LEAST(SUM(GREATEST(l.real_price_fen - COALESCE(r.fen, 0), 0) * 10000 / 1000000), 300,
                 o.commission_fee_fen) AS total
    FROM shopops_orderline l
    JOIN shopops_order o ON o.id = l.order_id
    LEFT JOIN (SELECT order_id, sku_id, SUM(refund_amount_fen)::bigint AS fen FROM shopops_aftersale
               WHERE shop_id = %(shop)s AND status IN ('MERCHANT_REFUND_SUCCESS', 'MERCHANT_RETURN_SUCCESS')
               GROUP BY order_id, sku_id) r ON r.order_id = o.order_id AND r.sku_id = l.sku_id
    WHERE l.shop_id = %(shop)s AND o.settle_time <= %(now)s AND o.pay_time >= %(start)s
      AND o.status NOT IN (200, 250)
      AND (l.sale_channel, l.account_type) IN ((0, 2), (0, 4), (0, 6), (1, 3))
      AND NOT EXISTS (SELECT 1 FROM shopops_aftersale a WHERE a.shop_id = %(shop)s AND a.order_id = o.order_id
                      AND a.status NOT IN ('USER_CANCELD', 'MERCHANT_REFUND_RETRY_FAIL', 'MERCHANT_FAIL',
                                           'MERCHANT_REFUND_SUCCESS', 'MERCHANT_RETURN_SUCCESS'))
    GROUP BY o.id, o.commission_fee_fen
"""
FLOOR_SQL = "SELECT count(*), sum(total)::bigint FROM (" + FLOOR_TOTALS_SQL.format(order_id="") + ") x"
# The least any evaluation could write: the floor's own totals, one row per earning order, into an empty table like
# the accruals' (its indexes and unique key), in the key's order.
BOUND_SQL = """
INSERT INTO accruals_empty (shop_id, key, ruleset_id, order_id, sku_id, step, kind, channel, account_id,
                            account_nickname, basis_fen, amount_fen, booked_on, created_at)
SELECT %(shop)s, '', %(ruleset)s, x.order_id, '', 1, 'accrual', 'other', '', '', 0, x.total, current_date, now()
FROM (""" + FLOOR_TOTALS_SQL.format(order_id="o.order_id, ") + """) x
ORDER BY x.order_id COLLATE "C"
"""  # fmt: skip


def _defaults(model, given: set[str]) -> tuple[str, str]:
    """The model's other NOT NULL columns and their defaults as SQL literals (the database has no defaults)."""
    import json

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in given or field.null or field.primary_key:
            continue
        default = field.get_default()
        if isinstance(default, bool):
            literal = "true" if default else "false"
        elif isinstance(default, int):
            literal = str(default)
        elif isinstance(default, (list, dict)):
            literal = "'" + json.dumps(default) + "'::jsonb"
        else:
            literal = "'" + str(default).replace("'", "''") + "'"
        columns.append(field.column)
        values.append(literal)
    return ", ".join(columns), ", ".join(values)


def _insert(cursor, template: str, model, params: dict) -> None:
    given = template.split("(", 1)[1].split(")", 1)[0].replace("{columns},", "")
    columns, defaults = _defaults(model, {c.strip() for c in given.split(",")})
    cursor.execute(template.format(columns=columns, defaults=defaults), params)


def _setup(lines: int):
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from incentives.services.rules import ruleset_install_example
    from shopops.models import AfterSale, Order, OrderLine, Shop

    end = timezone.now().replace(microsecond=0)
    shop = Shop.objects.create(name="压测小店", appid="wxbenchshop000001")
    ruleset = ruleset_install_example(shop=shop)
    params = {"shop": shop.pk, "end": end, "minutes": DAYS * 24 * 60, "orders": lines * 5 // 8}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        _insert(cursor, ORDERS_SQL, Order, params)
        _insert(cursor, ORDER_LINES_SQL, OrderLine, params)
        _insert(cursor, AFTERSALES_SQL, AfterSale, params)
        inserted = time.perf_counter() - started
        cursor.execute("ANALYZE")
    del timedelta
    return shop, ruleset, params, inserted


def _floor(shop, ruleset, now) -> tuple[float, tuple]:
    """The hand-written aggregate, under the evaluation's settings (``BATCH_SETTINGS``)."""
    from django.db import connection, transaction

    from incentives.services.evaluation import BATCH_SETTINGS
    from shopops.db import pg_settings

    with transaction.atomic(), pg_settings(BATCH_SETTINGS), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL, {"shop": shop.pk, "now": now, "start": ruleset.valid_from})
        row = cursor.fetchone()
        return time.perf_counter() - started, row


def _write_floor(shop) -> float:
    """What writing the same accruals costs alone: the shop's accruals copied aside and inserted in one INSERT …
    SELECT into an empty table like the accruals' (the same columns, checks, indexes and unique key), as the first
    run inserts into a table holding none of the shop's keys; then all rolled back. (Deleting the rows and
    inserting them back would measure the unique key's visits to the deleted rows of the same keys instead: twice
    the time.)"""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE accruals_copy AS SELECT * FROM incentives_accrual WHERE shop_id = %s",
                       [shop.pk])  # fmt: skip
        cursor.execute("CREATE TABLE accruals_empty (LIKE incentives_accrual INCLUDING ALL)")
        started = time.perf_counter()
        cursor.execute("INSERT INTO accruals_empty SELECT * FROM accruals_copy")
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def _write_bound(shop, ruleset, now) -> tuple[float, int]:
    """``BOUND_SQL`` under the evaluation's settings, rolled back: the floor's aggregate writing its per-order totals.
    A first run cannot cost less: it decides at least as much and writes at least a row per earning order (the
    accruals have one per earning line). PostgreSQL runs no statement that writes in parallel (the floor's read
    runs in parallel), so this row shows how far below its ratio the goal would have to be met."""
    from django.db import connection, transaction

    from incentives.services.evaluation import BATCH_SETTINGS
    from shopops.db import pg_settings

    with transaction.atomic():
        with pg_settings(BATCH_SETTINGS), connection.cursor() as cursor:
            cursor.execute("CREATE TABLE accruals_empty (LIKE incentives_accrual INCLUDING ALL)")
            started = time.perf_counter()
            cursor.execute(BOUND_SQL, {"shop": shop.pk, "ruleset": ruleset.pk, "now": now, "start": ruleset.valid_from})
            seconds, rows = time.perf_counter() - started, cursor.rowcount
        transaction.set_rollback(True)
    return seconds, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000, help="order lines (default 1,000,000)")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shopops_bench_incentives")
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("bench/incentives.py measures PostgreSQL: set DATABASE_URL=postgres://…/…bench…")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopops.settings")
    sys.path.insert(0, str(ROOT))
    fresh_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from incentives.models import Accrual
    from incentives.services.evaluation import accruals_evaluate, accruals_evaluate_changes, orders_queue
    from shopops.models import AfterSale, Order, OrderLine

    call_command("migrate", verbosity=0)
    shop, ruleset, params, inserted = _setup(args.lines)
    orders = Order.objects.filter(shop=shop).count()
    lines = OrderLine.objects.filter(shop=shop).count()
    print(f"Incentive evaluation on PostgreSQL: {orders:,} synced orders of one shop over {DAYS} days holding")
    print(f"{lines:,} order lines (orders, lines and after-sales inserted with generate_series in {inserted:.1f} s);")
    print(f"rule set {ruleset.label}: {ruleset.rate_ppm:,} ppm, {ruleset.cap_per_order_fen} fen per order, fee cap")

    now = timezone.now()
    floor_cold, _row = _floor(shop, ruleset, now)  # also warms the cache for both

    def run(at, evaluate=accruals_evaluate):
        started = time.perf_counter()
        result = evaluate(shop=shop, as_of=at, post=False)
        return time.perf_counter() - started, result

    first, first_result = run(now)
    again, again_result = run(now)
    floor, floor_row = _floor(shop, ruleset, now)
    accrued = Accrual.objects.for_shop(shop).aggregate(total=Sum("amount_fen"))["total"] or 0
    check = "equal" if accrued == floor_row[1] else "NOT EQUAL"
    print(f"floor: one hand-written aggregate over the same rows (same per-order amounts, writes nothing) "
          f"{floor:.2f} s (cold {floor_cold:.2f} s): {floor_row[0]:,} earning orders, "
          f"{floor_row[1]:,} fen")  # fmt: skip
    print(f"{'run':<58} {'rows':>9} {'seconds':>8} {'ratio':>7}")
    print(f"{'whole shop, first run (writes every earning line once)':<58} {first_result.written:>9,} "
          f"{first:>8.2f} {first / floor:>7.2f}")  # fmt: skip
    print(f"{'whole shop again (nothing changed)':<58} {again_result.written:>9,} {again:>8.2f} {again / floor:>7.2f}")
    write = _write_floor(shop)
    print(f"{'(for scale: inserting the same accruals alone)':<58} {first_result.written:>9,} {write:>8.2f} "
          f"{write / floor:>7.2f}")  # fmt: skip
    print(f"{'(first run less that insert: deciding what to write)':<58} {'':>9} {first - write:>8.2f} "
          f"{(first - write) / floor:>7.2f}")  # fmt: skip
    bound, bound_rows = _write_bound(shop, ruleset, now)
    print(f"{'(lower bound: the floor writing its per-order totals)':<58} {bound_rows:>9,} {bound:>8.2f} "
          f"{bound / floor:>7.2f}")  # fmt: skip
    print(f"accruals sum to {accrued:,} fen, the floor's total {floor_row[1]:,} fen: {check}")

    with connection.cursor() as cursor:  # as autovacuum would after the first run's rows (it is off on bench machines)
        cursor.execute("ANALYZE incentives_accrual")
    idle, idle_result = run(now, accruals_evaluate_changes)
    print(f"{'hourly run, nothing queued':<58} {idle_result.written:>9,} {idle:>8.2f} {idle / floor:>7.2f}")

    with connection.cursor() as cursor:
        _insert(cursor, LATE_REFUNDS_SQL, AfterSale, params)
        cursor.execute("ANALYZE shopops_aftersale")
    refunded = list(AfterSale.objects.filter(shop=shop, after_sale_order_id__startswith="late").values_list(
        "order_id", flat=True))  # fmt: skip
    orders_queue(shop=shop, order_ids=refunded)  # what the sync's orders_stored signal does after storing them
    later = timezone.now()
    third, third_result = run(later, accruals_evaluate_changes)
    floor_late, floor_late_row = _floor(shop, ruleset, later)
    accrued = Accrual.objects.for_shop(shop).aggregate(total=Sum("amount_fen"))["total"] or 0
    check = "equal" if accrued == floor_late_row[1] else "NOT EQUAL"
    label = f"hourly run after late refunds ({len(refunded):,} orders queued)"
    print(f"{label:<58} {third_result.written:>9,} {third:>8.2f} {third / floor_late:>7.2f}")
    print(f"after the reversals: accruals sum to {accrued:,} fen, the floor's total {floor_late_row[1]:,} fen: {check}")
    settled = Order.objects.filter(shop=shop, settle_time__isnull=False).order_by("-settle_time")
    page = list(settled.values_list("order_id", flat=True)[:1000])
    started = time.perf_counter()
    scoped = accruals_evaluate(shop=shop, as_of=later, post=False, order_ids=page)
    seconds = time.perf_counter() - started
    print(f"{'evaluate one sync page (1,000 orders; nothing changed)':<58} {scoped.written:>9,} {seconds:>8.2f} "
          f"{seconds / floor_late:>7.2f}")  # fmt: skip

    # A month cap: the owner saves a new version with one (the whole shop moves to it), then the hourly run with
    # the same 1,000 orders queued evaluates every order settled in their months.
    from incentives.services.rules import ruleset_new_version

    ruleset_new_version(ruleset=ruleset, cap_per_month_fen=MONTH_CAP_FEN)
    moved, moved_result = run(later, accruals_evaluate_changes)
    label = f"new version, cap {MONTH_CAP_FEN // 100:,} yuan a month: whole shop"
    print(f"{label:<58} {moved_result.written:>9,} {moved:>8.2f} {moved / floor_late:>7.2f}")
    orders_queue(shop=shop, order_ids=page)
    months = Order.objects.filter(shop=shop, order_id__in=page).datetimes("settle_time", "month").count()
    capped, capped_result = run(later, accruals_evaluate_changes)
    label = f"hourly run, month cap: 1,000 orders queued ({months} month{'s' if months > 1 else ''})"
    print(f"{label:<58} {capped_result.written:>9,} {capped:>8.2f} {capped / floor_late:>7.2f}")


if __name__ == "__main__":
    main()
