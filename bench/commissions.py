"""Commission reconciliation at 1,000,000 lines on PostgreSQL, against one hand-written SQL aggregate over the same
rows, and the partner portal's commission list against the console shell, measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopops_bench_commissions .venv/bin/python bench/commissions.py
    ... bench/commissions.py --lines 100000 --requests 20      # a quicker look

In a fresh database (dropped and created again, so its name must contain "bench"):

  data  — one shop with 200 products, each with a 普通 plan whose ratio changed 60 days ago (two terms rows), a
          定向 plan naming five talents on every tenth product and an agency plan on every fourth; then N commission
          lines inserted set-based (generate_series) over 120 days: 60% talent lines (the platform's amount from
          the right plan: 定向 before 普通, the terms at pay time), 40% the two rows of agency sales (promoter at
          the agency ratio, agency at the service ratio), 5% with a quarter refunded, and one line in a thousand
          mis-computed by a fen. The agency gets N commission orders too (the portal's list at that size). ANALYZE.
  reconcile — ``commission_lines_reconcile`` over every line: the first run computes and writes every row; the
          second finds nothing changed and writes nothing. Each is printed next to the floor: ONE hand-written
          aggregate over the same rows that computes the same expected amounts (the terms in force at pay time
          with the same precedence, through a LATERAL lookup) and counts the differing lines, without writing.
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

# Ratios, whole percent: the open plan of product p before/after its change; targeted +10; agency 12, service 3.
LINES_SQL = """
INSERT INTO affiliates_commissionline (
    shop_id, order_id, sku_id, product_id, party, party_id, nickname, agency_appid, status, pay_time,
    paid_fen, refunded_fen, platform_amount_fen, difference_fen, reason, self_referral, synced_at)
SELECT %(shop)s, 'o' || s.n, 's' || (s.n %% 7), (10000000 + s.p)::text, s.party, s.party_id, '', s.agency, 1,
       s.pay_time, s.paid, s.refunded,
       (s.paid - s.refunded) * (
           CASE
               WHEN s.agency <> '' AND s.party = 1 THEN 3
               WHEN s.agency <> '' THEN 12
               WHEN s.p %% 10 = 0 AND s.talent < 5 THEN 15 + (s.p %% 6) * 5
               WHEN s.pay_time < %(changed)s THEN 5 + (s.p %% 6) * 5
               ELSE 10 + (s.p %% 6) * 5
           END) * 10000 / 1000000 + CASE WHEN s.i %% 1000 = 7 THEN 1 ELSE 0 END,
       0, '', false, now()
FROM (
    SELECT i, n, sale.agency, i %% 50 AS talent,
        CASE WHEN sale.agency <> '' THEN (n %% 50) * 4 ELSE i %% %(products)s END AS p,
        CASE WHEN sale.agency <> '' AND i %% 2 = 1 THEN 1 ELSE 0 END AS party,
        CASE WHEN sale.agency <> '' AND i %% 2 = 1 THEN %(agency)s
             WHEN sale.agency <> '' THEN 'sphpromoter' || (i %% 3)
             ELSE 'wxtalent' || lpad((i %% 50)::text, 5, '0') END AS party_id,
        %(end)s - make_interval(mins => ((n * 7919) %% %(minutes)s)::int) AS pay_time,
        1000 + (n * 7919) %% 50000 AS paid,
        CASE WHEN n %% 20 = 0 THEN (1000 + (n * 7919) %% 50000) / 4 ELSE 0 END AS refunded
    FROM generate_series(1::bigint, %(lines)s) AS i,
         -- 40%% of the rows are agency sales, two rows (promoter, agency) per order
         LATERAL (SELECT CASE WHEN i %% 10 < 4 THEN %(agency)s ELSE '' END AS agency) AS sale,
         LATERAL (SELECT CASE WHEN i %% 10 < 4 THEN i / 2 ELSE i END AS n) AS num
) s
"""
ORDERS_SQL = """
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
# The floor: the same expected amounts, by hand, in one aggregate that writes nothing.
FLOOR_SQL = """
SELECT count(*),
       sum(x.expected),
       count(*) FILTER (WHERE x.platform_amount_fen IS DISTINCT FROM x.expected)
FROM (
    SELECT l.platform_amount_fen,
           greatest(l.paid_fen - l.refunded_fen, 0)
             * (CASE WHEN l.party = 1 THEN t.service_ratio_percent ELSE t.ratio_percent END) * 10000 / 1000000
             AS expected
    FROM affiliates_commissionline l
    LEFT JOIN LATERAL (
        SELECT t.ratio_percent, t.service_ratio_percent FROM affiliates_planterms t
        WHERE t.shop_id = l.shop_id AND t.product_id = l.product_id AND t.listed
          AND t.valid_from <= l.pay_time AND (t.valid_to IS NULL OR t.valid_to > l.pay_time)
          AND ((l.agency_appid <> '' AND t.headsupplier_appid = l.agency_appid)
               OR (l.agency_appid = '' AND t.headsupplier_appid = ''
                   AND (t.type = 1 OR t.talent_appids @> jsonb_build_array(l.party_id))))
        ORDER BY (t.type = 1), t.valid_from DESC, t.id DESC LIMIT 1
    ) t ON true
    WHERE l.shop_id = %s
) x
"""


def _setup(lines: int):
    """The shop, its plans, its owner; the agency and its member; the lines and commission orders."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from affiliates.models import Agency, AgencyMember, Cooperation, PlanTerms, PromotionPlan
    from shopops.models import Membership, Shop
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
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(LINES_SQL, params)
        inserted = time.perf_counter() - started
        cursor.execute(ORDERS_SQL, {**params, "agency": agency.pk})
        cursor.execute("ANALYZE")
    return shop, owner, member, inserted


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _floor(shop) -> tuple[float, tuple]:
    """The hand-written aggregate, under the same settings as the reconciliation (JIT off, see
    affiliates.services.commissions._without_jit)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL, [shop.pk])
        row = cursor.fetchone()
        return time.perf_counter() - started, row


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
    from affiliates.services.commissions import commission_lines_reconcile

    call_command("migrate", verbosity=0)
    shop, owner, member, inserted = _setup(args.lines)
    lines = CommissionLine.objects.filter(shop=shop).count()
    print(f"Commission reconciliation on PostgreSQL: {lines:,} commission lines of one shop over {DAYS} days,")
    terms = PlanTerms.objects.filter(shop=shop).count()
    print(f"{PRODUCTS} products, {terms} plan terms rows (lines inserted with generate_series in {inserted:.1f} s)")

    floor_cold, floor_row = _floor(shop)  # also warms the cache for both
    first = _timed(lambda: commission_lines_reconcile(shop=shop))
    again = _timed(lambda: commission_lines_reconcile(shop=shop))
    floor, floor_row = _floor(shop)
    miscomputed = CommissionLine.objects.filter(shop=shop, reason=Reason.PLATFORM_MISCOMPUTED)
    others = CommissionLine.objects.filter(shop=shop).exclude(reason__in=[Reason.NONE, Reason.PLATFORM_MISCOMPUTED])
    expected_wrong = sum(1 for i in range(1, args.lines + 1) if i % 1000 == 7)
    print(f"floor: one hand-written aggregate (same expected amounts, counts differences) {floor:.2f} s "
          f"(cold {floor_cold:.2f} s): {floor_row[0]:,} lines, {floor_row[2]:,} differ")  # fmt: skip
    print(f"{'run':<44} {'seconds':>8} {'ratio':>7}")
    print(f"{'reconcile, first run (writes every line)':<44} {first:>8.2f} {first / floor:>7.2f}")
    print(f"{'reconcile, again (nothing changed)':<44} {again:>8.2f} {again / floor:>7.2f}")
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
