"""Commission reconciliation at 1,000,000 lines on PostgreSQL, against one hand-written SQL aggregate over the same
rows, and the partner portal's commission list against the console shell, measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopops_bench_commissions .venv/bin/python bench/commissions.py
    ... bench/commissions.py --lines 100000 --requests 20      # a quicker look

In a fresh database (dropped and created again, so its name must contain "bench"):

  data  — one shop with 200 products, each with a 普通 plan whose ratio changed 60 days ago (two terms rows), a
          定向 plan naming five talents on every tenth product and an agency plan on every fourth; then synced
          orders inserted set-based (generate_series) over 120 days whose order lines' ``commission_infos`` hold N
          commission entries: 60% talent sales (the platform's amount from the right plan: 定向 before 普通, the
          terms at pay time), 40% the two entries of agency sales (promoter at the agency ratio, agency at the
          service ratio); 5% of the orders with a quarter refunded (a MERCHANT_REFUND_SUCCESS after-sale, the
          platform's amount after the clawback), and one order in a thousand mis-computed by a fen. The agency
          gets N commission orders too (the portal's list at that size), its roll-up rebuilt. ANALYZE.
  reconcile — ``commission_lines_refresh`` of the whole shop, as the sync's receiver runs it: the first run
          extracts every entry from the orders and writes each line once, reconciled in the same INSERT … SELECT,
          then sums the roll-up; the second finds nothing changed and writes nothing; ``commission_lines_reconcile``
          (plan terms changed) finds nothing to write either; a sync page of 1,000 orders is refreshed. Each is
          printed next to the floor: ONE hand-written aggregate over the same rows (the orders' entries and
          refunds) that computes the same expected amounts (the terms in force at pay time with the same
          precedence, through a LATERAL lookup) and counts the differing lines, without writing.
  pages — Django's test Client, interleaved, R timed requests each after a warm-up: the console shell (shop
          settings: session, user, shop scope, layout, no data) as the shop's owner, the portal's commission list
          (``partner:commissions``) as the agency's member, and the console's commission list, difference list and
          monthly report. p95 and the ratio of each p95 to the console shell's.

Timings are printed, never asserted. It checks that the reconciliation found exactly the mis-computed lines.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from database import fresh_database  # bench/database.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
AGENCY = "wxbenchagency0001"
PRODUCTS = 200
DAYS = 120

# Orders: order n is an agency sale when n % 4 = 0 (two entries: promoter, agency), else a talent sale (one entry),
# so 1.25 entries an order and 40% of the lines are agency rows. Ratios, whole percent: the open plan of product p
# before/after its change; targeted +10; agency 12, service 3.
SALE_SQL = """
    SELECT n, 'o' || n AS order_id, 's' || (n %% 7) AS sku_id, (n %% 4 = 0) AS agency_sale,
           CASE WHEN n %% 4 = 0 THEN (n %% 50) * 4 ELSE n %% %(products)s END AS p, n %% 50 AS talent,
           %(end)s - make_interval(mins => ((n * 7919) %% %(minutes)s)::int) AS pay_time,
           1000 + (n * 7919) %% 50000 AS paid,
           CASE WHEN n %% 20 = 0 THEN (1000 + (n * 7919) %% 50000) / 4 ELSE 0 END AS refunded
    FROM generate_series(1::bigint, %(orders)s) AS n
"""
ORDERS_SQL = (
    """
INSERT INTO shopops_order ({columns}, shop_id, order_id, status, create_time, update_time, pay_time, raw, synced_at)
SELECT {defaults}, %(shop)s, s.order_id, 20, s.pay_time, s.pay_time, s.pay_time, '{{}}'::jsonb, now()
FROM ("""
    + SALE_SQL
    + """) s
"""
)
ORDER_LINES_SQL = (
    """
INSERT INTO shopops_orderline ({columns}, shop_id, order_id, line_no, product_id, sku_id, sku_cnt, real_price_fen,
                               commission_infos)
SELECT {defaults}, %(shop)s, o.id, 1, (10000000 + s.p)::text, s.sku_id, 1, s.paid,
       CASE WHEN s.agency_sale THEN jsonb_build_array(
                jsonb_build_object('sku_id', s.sku_id, 'type', 0, 'status', 1, 'nickname', '推广员',
                                   'finder_id', 'sphpromoter' || (s.n %% 3), 'amount', s.amount12),
                jsonb_build_object('sku_id', s.sku_id, 'type', 1, 'status', 1, 'nickname', '压测机构',
                                   'agency_id', %(agency)s, 'amount', s.amount3))
            ELSE jsonb_build_array(
                jsonb_build_object('sku_id', s.sku_id, 'type', 0, 'status', 1, 'nickname', '达人',
                                   'talent_id', 'wxtalent' || lpad(s.talent::text, 5, '0'), 'amount', s.amount))
       END
FROM (
    SELECT s.*, (s.paid - s.refunded) * 12 / 100 + s.wrong AS amount12, (s.paid - s.refunded) * 3 / 100 AS amount3,
           (s.paid - s.refunded) * (
               CASE WHEN s.p %% 10 = 0 AND s.talent < 5 THEN 15 + (s.p %% 6) * 5
                    WHEN s.pay_time < %(changed)s THEN 5 + (s.p %% 6) * 5
                    ELSE 10 + (s.p %% 6) * 5 END) * 10000 / 1000000 + s.wrong AS amount
    FROM (SELECT s.*, CASE WHEN s.n %% 1000 = 7 THEN 1 ELSE 0 END AS wrong FROM ("""
    + SALE_SQL
    + """) s) s
) s
JOIN shopops_order o ON o.shop_id = %(shop)s AND o.order_id = s.order_id
"""
)
AFTERSALES_SQL = (
    """
INSERT INTO shopops_aftersale ({columns}, shop_id, after_sale_order_id, order_id, type, status, product_id, sku_id,
                               refund_amount_fen, create_time, update_time, raw, synced_at)
SELECT {defaults}, %(shop)s, 'a' || s.n, s.order_id, 'REFUND', 'MERCHANT_REFUND_SUCCESS', (10000000 + s.p)::text,
       s.sku_id, s.refunded, s.pay_time, s.pay_time, '{{}}'::jsonb, now()
FROM ("""
    + SALE_SQL
    + """) s WHERE s.refunded > 0
"""
)
COMMISSION_ORDERS_SQL = """
INSERT INTO affiliates_commissionorder (
    agency_id, order_id, sku_id, shop_appid, shop_name, product_id, title, thumb_img, status, create_time, update_time,
    pay_time, actual_payment_fen, promoter_kind, promoter_id, promoter_nickname, promoter_ratio_ppm,
    promoter_amount_fen, service_ratio_ppm, service_amount_fen, buyer_openid, difference_fen, reason, self_referral,
    raw, synced_at)
SELECT %(agency)s, 'o' || i, 's' || (i %% 7), %(shop_appid)s, '压测小店', (10000000 + (i %% 50) * 4)::text,
       '商品' || (i %% 50), '', CASE WHEN i %% 5 = 0 THEN 100 ELSE 20 END, at, at, at,
       paid, 'finder', 'sphpromoter' || (i %% 3), '推广员', 120000, paid * 12 / 100, 30000, paid * 3 / 100,
       'obuyer' || (i %% 9973), 0, '', false, '{}'::jsonb, now()
FROM generate_series(1::bigint, %(lines)s) AS i,
     LATERAL (SELECT %(end)s - make_interval(mins => ((i * 7919) %% %(minutes)s)::int) AS at,
                     1000 + (i * 7919) %% 50000 AS paid) AS v
"""
# The floor: the same expected amounts, by hand, in one aggregate over the orders' entries that writes nothing.
FLOOR_SQL = """
SELECT count(*),
       sum(x.expected),
       count(*) FILTER (WHERE x.amount IS DISTINCT FROM x.expected)
FROM (
    SELECT e.amount,
           greatest(e.paid - e.refunded, 0)
             * (CASE WHEN e.party = 1 THEN t.service_ratio_percent ELSE t.ratio_percent END) * 10000 / 1000000
             AS expected
    FROM (
        SELECT ol.shop_id, ol.product_id, o.pay_time, ol.real_price_fen AS paid, COALESCE(r.fen, 0) AS refunded,
               (entry ->> 'type')::int AS party, (entry ->> 'amount')::bigint AS amount,
               COALESCE(NULLIF(entry ->> 'talent_id', ''), entry ->> 'finder_id') AS party_id,
               COALESCE(ol.commission_infos @? '$[*] ? (@.type == 1)', false) AS agency_sale,
               (SELECT a.value ->> 'agency_id' FROM jsonb_array_elements(ol.commission_infos) a
                WHERE (a.value ->> 'type')::int = 1 LIMIT 1) AS agency
        FROM shopops_orderline ol JOIN shopops_order o ON o.id = ol.order_id
        LEFT JOIN (SELECT order_id, sku_id, sum(refund_amount_fen)::bigint AS fen FROM shopops_aftersale
                   WHERE shop_id = %(shop)s AND status = 'MERCHANT_REFUND_SUCCESS' GROUP BY order_id, sku_id) r
               ON r.order_id = o.order_id AND r.sku_id = ol.sku_id
        CROSS JOIN LATERAL jsonb_array_elements(ol.commission_infos) AS entry
        WHERE ol.shop_id = %(shop)s
    ) e
    LEFT JOIN LATERAL (
        SELECT t.ratio_percent, t.service_ratio_percent FROM affiliates_planterms t
        WHERE t.shop_id = e.shop_id AND t.product_id = e.product_id AND t.listed
          AND t.valid_from <= e.pay_time AND (t.valid_to IS NULL OR t.valid_to > e.pay_time)
          AND ((e.agency_sale AND t.headsupplier_appid = e.agency)
               OR (NOT e.agency_sale AND t.headsupplier_appid = ''
                   AND (t.type = 1 OR t.talent_appids @> jsonb_build_array(e.party_id))))
        ORDER BY (t.type = 1), t.valid_from DESC, t.id DESC LIMIT 1
    ) t ON true
) x
"""


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


def _insert(cursor, template: str, model, given: str, params: dict) -> None:
    columns, defaults = _defaults(model, {c.strip() for c in given.split(",")})
    cursor.execute(template.format(columns=columns, defaults=defaults), params)


def _setup(lines: int):
    """The shop, its plans, its owner; the agency and its member; the lines and commission orders."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from affiliates.models import Agency, AgencyMember, Cooperation, PlanTerms, PromotionPlan
    from affiliates.services.commissions import commission_order_rollups_rebuild
    from shopops.models import AfterSale, Membership, Order, OrderLine, Shop
    from shopops.roles import Role

    end = timezone.now().replace(microsecond=0)
    start, changed = end - timedelta(days=DAYS + 30), end - timedelta(days=60)
    shop = Shop.objects.create(name="压测小店", appid="wxbenchshop000001")
    owner = get_user_model().objects.create_user(username="bench_owner", password=None)
    Membership.objects.create(shop=shop, user=owner, role=Role.OWNER)
    agency = Agency.objects.create(name="压测机构", appid=AGENCY)
    member = get_user_model().objects.create_user(username="bench_agency", password=None)
    AgencyMember.objects.create(agency=agency, user=member)
    Cooperation.objects.create(
        shop=shop, agency=agency, shop_appid=shop.appid, agency_appid=AGENCY, status=Cooperation.Status.ACCEPTED
    )
    talents = [f"wxtalent{t:05d}" for t in range(5)]
    for p in range(PRODUCTS):
        product_id, ratio = str(10_000_000 + p), 5 + (p % 6) * 5
        normal = PromotionPlan.objects.create(shop=shop, type=1, product_id=product_id, ratio_percent=ratio + 5)
        plans = [(normal, ratio, None, start, changed), (normal, ratio + 5, None, changed, None)]
        if p % 10 == 0:
            targeted = PromotionPlan.objects.create(
                shop=shop,
                type=2,
                product_id=product_id,
                info_id=f"i{p}",
                ratio_percent=ratio + 10,
                talent_appids=talents,
            )
            plans.append((targeted, ratio + 10, None, start, None))
        if p % 4 == 0:
            plan = PromotionPlan.objects.create(
                shop=shop,
                type=1,
                product_id=product_id,
                headsupplier_appid=AGENCY,
                ratio_percent=12,
                service_ratio_percent=3,
            )
            plans.append((plan, 12, 3, start, None))
        PlanTerms.objects.bulk_create(
            PlanTerms(shop=shop, plan=plan, product_id=product_id, type=plan.type, listed=True, ratio_percent=r,
                      service_ratio_percent=s, talent_appids=plan.talent_appids,
                      headsupplier_appid=plan.headsupplier_appid, valid_from=since, valid_to=until)
            for plan, r, s, since, until in plans
        )  # fmt: skip
    params = {
        "shop": shop.pk,
        "shop_appid": shop.appid,
        "agency": AGENCY,
        "end": end,
        "changed": changed,
        "minutes": DAYS * 24 * 60,
        "products": PRODUCTS,
        "lines": lines,
        "orders": lines * 4 // 5,  # 1.25 commission entries an order
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        _insert(cursor, ORDERS_SQL, Order, "shop_id, order_id, status, create_time, update_time, pay_time, raw, "
                "synced_at", params)  # fmt: skip
        _insert(cursor, ORDER_LINES_SQL, OrderLine, "shop_id, order_id, line_no, product_id, sku_id, sku_cnt, "
                "real_price_fen, commission_infos", params)  # fmt: skip
        _insert(cursor, AFTERSALES_SQL, AfterSale, "shop_id, after_sale_order_id, order_id, type, status, product_id, "
                "sku_id, refund_amount_fen, create_time, update_time, raw, synced_at", params)  # fmt: skip
        inserted = time.perf_counter() - started
        cursor.execute(COMMISSION_ORDERS_SQL, {**params, "agency": agency.pk})
        cursor.execute("ANALYZE")
    started = time.perf_counter()
    commission_order_rollups_rebuild(agency=agency)
    print(f"the agency's {lines:,} commission orders summed into its roll-up in {time.perf_counter() - started:.1f} s")
    return shop, owner, member, inserted


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _floor(shop) -> tuple[float, tuple]:
    """The hand-written aggregate, under the same settings as the reconciliation (JIT off, 64 MB to sort in: see
    affiliates.services.commissions.BATCH_SETTINGS)."""
    from django.db import connection, transaction

    from affiliates.services.commissions import BATCH_SETTINGS

    with transaction.atomic(), connection.cursor() as cursor:
        for name, value in BATCH_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL, {"shop": shop.pk})
        row = cursor.fetchone()
        return time.perf_counter() - started, row


def _write_floor(shop) -> float:
    """What writing the same finished lines costs alone: the shop's lines copied aside, deleted, and inserted back in
    one INSERT … SELECT with the table's indexes and constraints checked immediately; then all rolled back."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE lines_copy AS SELECT * FROM affiliates_commissionline WHERE shop_id = %s",
                       [shop.pk])  # fmt: skip
        cursor.execute("DELETE FROM affiliates_commissionline WHERE shop_id = %s", [shop.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        cursor.execute("INSERT INTO affiliates_commissionline SELECT * FROM lines_copy")
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def _pages(shop) -> list[tuple[str, str, str]]:
    from django.urls import NoReverseMatch, reverse

    kwargs = {"shop": shop.public_id}
    pages = [
        ("console shell", "owner", reverse("console:shop_settings", kwargs=kwargs)),
        ("console commission list", "owner", reverse("console:affiliate_commissions", kwargs=kwargs)),
        ("console differences", "owner", reverse("console:affiliate_differences", kwargs=kwargs)),
        ("console report by month", "owner", reverse("console:affiliate_reports", kwargs=kwargs) + "?by=month"),
    ]
    try:
        pages.insert(1, ("portal commission list", "agency", reverse("partner:commissions")))
    except NoReverseMatch:
        print("partner:commissions does not exist yet: the portal list is not measured")
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000, help="commission lines (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shopops_bench_commissions")
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("bench/commissions.py measures PostgreSQL: set DATABASE_URL=postgres://…/…bench…")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopops.settings")
    sys.path.insert(0, str(ROOT))
    fresh_database(os.environ["DATABASE_URL"])

    import logging

    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.test import Client

    from affiliates.models import CommissionLine, PlanTerms, Reason
    from affiliates.models.commissions import CommissionRollup
    from affiliates.services.commissions import commission_lines_reconcile, commission_lines_refresh
    from shopops.models import Order

    call_command("migrate", verbosity=0)
    shop, owner, member, inserted = _setup(args.lines)
    orders = Order.objects.filter(shop=shop).count()
    terms = PlanTerms.objects.filter(shop=shop).count()
    print(f"Commission reconciliation on PostgreSQL: {orders:,} synced orders of one shop over {DAYS} days holding")
    print(f"{args.lines:,} commission entries; {PRODUCTS} products, {terms} plan terms rows (orders, lines and")
    print(f"after-sales inserted with generate_series in {inserted:.1f} s)")

    floor_cold, floor_row = _floor(shop)  # also warms the cache for both
    first = _timed(lambda: commission_lines_refresh(shop=shop))
    again = _timed(lambda: commission_lines_refresh(shop=shop))
    terms_changed = _timed(lambda: commission_lines_reconcile(shop=shop))
    page_ids = list(Order.objects.filter(shop=shop).order_by("-pay_time").values_list("order_id", flat=True)[:1000])
    sync_page = _timed(lambda: commission_lines_refresh(shop=shop, order_ids=page_ids))
    floor, floor_row = _floor(shop)
    lines = CommissionLine.objects.filter(shop=shop).count()
    rollups = CommissionRollup.objects.filter(shop=shop).count()
    miscomputed = CommissionLine.objects.filter(shop=shop, reason=Reason.PLATFORM_MISCOMPUTED)
    others = CommissionLine.objects.filter(shop=shop).exclude(reason__in=[Reason.NONE, Reason.PLATFORM_MISCOMPUTED])
    expected_wrong = sum(1 for n in range(1, args.lines * 4 // 5 + 1) if n % 1000 == 7)
    print(f"floor: one hand-written aggregate over the orders' entries (same expected amounts, counts differences) "
          f"{floor:.2f} s (cold {floor_cold:.2f} s): {floor_row[0]:,} lines, {floor_row[2]:,} differ")  # fmt: skip
    print(f"{lines:,} commission lines written, {rollups:,} roll-up rows")
    print(f"{'run':<52} {'seconds':>8} {'ratio':>7}")
    rows = [
        ("refresh, first run (writes every line once)", first),
        ("refresh, again (nothing changed)", again),
        ("reconcile after a terms change (nothing changed)", terms_changed),
        ("refresh of one sync page (1,000 orders)", sync_page),
    ]
    for name, seconds in rows:
        print(f"{name:<52} {seconds:>8.2f} {seconds / floor:>7.2f}")
    write = _write_floor(shop)
    print(f"{'(for scale: inserting the same finished lines alone)':<52} {write:>8.2f} {write / floor:>7.2f}")
    found = miscomputed.count()
    check = "exactly" if found == expected_wrong and not others.exists() else "NOT"
    print(
        f"platform_miscomputed lines found: {found:,} of {expected_wrong:,} mis-computed ({check} the set), "
        f"other reasons: {others.count():,}"
    )

    clients = {"owner": Client(), "agency": Client()}
    clients["owner"].force_login(owner)
    clients["agency"].force_login(member)
    pages = _pages(shop)
    for name, who, url in pages:  # warm-up
        response = clients[who].get(url)
        assert response.status_code == 200, (name, url, response.status_code)
    timings: dict[str, list[float]] = {name: [] for name, _, _ in pages}
    for _ in range(args.requests):
        for name, who, url in pages:
            started = time.perf_counter()
            clients[who].get(url)
            timings[name].append((time.perf_counter() - started) * 1000)
    shell = statistics.quantiles(timings["console shell"], n=20, method="inclusive")[18]
    print(f"{args.requests} requests per page, interleaved; ratio = p95 / the console shell's p95")
    print(f"{'page':<28} {'median ms':>10} {'p95 ms':>8} {'ratio':>7}")
    for name, _, _ in pages:
        samples = timings[name]
        p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
        print(f"{name:<28} {statistics.median(samples):>10.1f} {p95:>8.1f} {p95 / shell:>7.2f}")


if __name__ == "__main__":
    main()
