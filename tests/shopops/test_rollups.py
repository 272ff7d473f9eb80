"""The daily roll-ups equal a from-scratch aggregate of the synced orders, to the fen, after random sequences of
order pages, re-syncs (an order changed, moved to another day, cancelled, its lines changed or dropped), after-sales
and refunds going through — all through the order store the sync uses (acceptance 3 of issue 11)."""

import zoneinfo
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
)
from shopops.selectors.orders import AFTERSALE_REFUNDED
from shopops.services.rollups import sales_rollups_rebuild
from shopops.sync.store import aftersales_store, orders_store
from tests.factories import OrderFactory, ShopFactory

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo(django_settings.TIME_ZONE)
# Around Beijing midnight (16:00 UTC), so orders fall on three days and move between them.
T0 = int(datetime(2026, 11, 19, 12, 0, tzinfo=UTC).timestamp())
SYNCED = datetime(2026, 11, 22, tzinfo=UTC)


def _order_payload(n: int, draw) -> dict:
    status = draw(st.sampled_from([10, 20, 30, 100, 200, 250]))
    paid = None if status == 10 else T0 + draw(st.integers(0, 3 * 24 * 3600))
    lines = []
    for _ in range(draw(st.integers(0, 3))):
        coupons = [
            {"coupon_id": f"c{draw(st.integers(1, 2))}", "discounted_price": draw(st.integers(0, 500))}
            for _ in range(draw(st.integers(0, 2)))
        ]
        lines.append(
            {
                "product_id": f"p{draw(st.integers(1, 3))}",
                "sku_id": f"s{draw(st.integers(1, 4))}",
                "title": draw(st.sampled_from(["T恤", "帽子", ""])),
                "sku_cnt": draw(st.integers(1, 3)),
                "real_price": draw(st.integers(0, 9000)),
                "order_product_coupon_info_list": coupons,
            }
        )
    sources = [
        {
            "sku_id": line["sku_id"],
            "sale_channel": draw(st.sampled_from([0, 1, 100, 101])),
            "account_type": draw(st.sampled_from([1, 2, 5, 1000])),
            "account_id": draw(st.sampled_from(["", "acc1", "acc2"])),
            "account_nickname": draw(st.sampled_from(["", "直播号", "小王"])),
        }
        for line in lines
        if draw(st.booleans())
    ]
    return {
        "order_id": f"37{n:017d}",
        "status": status,
        "create_time": T0,
        "update_time": T0,
        "openid": draw(st.sampled_from(["", "oA", "oB", "oC"])),
        "is_present": draw(st.sampled_from([0, 0, 1])),
        "order_detail": {
            "pay_info": {"pay_time": paid} if paid else {},
            "price_info": {"order_price": draw(st.integers(0, 20000)), "freight": draw(st.integers(0, 800))},
            "product_infos": lines,
            "source_infos": sources,
            "ext_info": {
                "order_scene": draw(st.sampled_from([None, 1, 2, 3])),
                "live_id": draw(st.sampled_from([None, "", "live1", "live2"])),
            },
        },
    }


def _aftersale_payload(n: int, order: int, draw) -> dict:
    return {
        "after_sale_order_id": f"48{n:017d}",
        "order_id": f"37{order:017d}",
        "type": "REFUND",
        "status": draw(st.sampled_from(["MERCHANT_PROCESSING", *sorted(AFTERSALE_REFUNDED), "USER_CANCELD"])),
        "product_info": {"product_id": "p1", "sku_id": "s1", "count": 1},
        "refund_info": {"amount": draw(st.integers(0, 5000))},
        "create_time": T0,
        "update_time": T0,
    }


@st.composite
def _pages(draw):
    """Pages as a sync stores them: orders (new ones and re-synced ones) or after-sales (new or updated)."""
    pages = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            ids = draw(st.lists(st.integers(0, 9), min_size=1, max_size=5, unique=True))
            pages.append(("orders", [_order_payload(n, draw) for n in ids]))
        else:
            ids = draw(st.lists(st.integers(0, 5), min_size=1, max_size=3, unique=True))
            pages.append(("aftersales", [_aftersale_payload(n, draw(st.integers(0, 11)), draw) for n in ids]))
    return pages


def _day(moment) -> str:
    return moment.astimezone(BEIJING).date().isoformat()


def expected_rollups(shop) -> tuple[Counter, Counter, Counter]:
    """The three roll-ups summed in Python from the shop's orders, lines and after-sales."""
    paid = {
        o.pk: o for o in Order.objects.filter(shop=shop, pay_time__isnull=False).exclude(status=Order.Status.CANCELLED)
    }
    refunds = defaultdict(int)
    for a in AfterSale.objects.filter(shop=shop, status__in=AFTERSALE_REFUNDED):
        refunds[a.order_id] += a.refund_amount_fen
    buyers = defaultdict(lambda: [0] * 5)
    for o in paid.values():
        key = (_day(o.pay_time), o.openid, o.order_scene or 0)
        values = (1, o.order_price_fen, refunds[o.order_id], int(o.is_present), o.order_price_fen * o.is_present)
        buyers[key] = [a + b for a, b in zip(buyers[key], values, strict=True)]
    sales = defaultdict(lambda: [0] * 7 + ["", "", None, None])
    coupons = defaultdict(lambda: [0, 0, 0])
    seen = set()
    for line in OrderLine.objects.filter(shop=shop, order_id__in=paid).order_by("order_id", "line_no"):
        key = (_day(paid[line.order_id].pay_time), line.channel, line.product_id, line.account_id)
        firsts = []
        for dimension in ("product", line.product_id), ("account", line.account_id), ("channel", line.channel):
            firsts.append(int((line.order_id, dimension) not in seen))
            seen.add((line.order_id, dimension))
        coupon = sum(c["discounted_price"] for c in line.coupons)
        for c in line.coupons:
            order = paid[line.order_id]
            row = coupons[_day(order.pay_time), c["coupon_id"], order.openid]
            first = (line.order_id, ("coupon", c["coupon_id"])) not in seen
            seen.add((line.order_id, ("coupon", c["coupon_id"])))
            row[:] = [row[0] + first, row[1] + order.order_price_fen * first, row[2] + c["discounted_price"]]
        row = sales[key]
        sums = [1, line.sku_cnt, line.real_price_fen, coupon, *firsts]
        row[:7] = [a + b for a, b in zip(row[:7], sums, strict=True)]
        row[7] = max(row[7], line.title)
        row[8] = max(row[8], line.account_nickname)
        row[9] = line.account_type if row[9] is None else max(row[9], line.account_type or 0)
        row[10] = line.sale_channel if row[10] is None else max(row[10], line.sale_channel or 0)
    return (
        Counter({key: tuple(v) for key, v in sales.items()}),
        Counter({key: tuple(v) for key, v in buyers.items()}),
        Counter({key: tuple(v) for key, v in coupons.items()}),
    )


def stored_rollups(shop) -> tuple[Counter, Counter, Counter]:
    names = ("title", "account_nickname", "account_type", "sale_channel")
    sales = Counter(
        {
            (row[0].isoformat(), *row[1:4]): tuple(row[4:])
            for row in SalesDay.objects.filter(shop=shop).values_list(
                "day", "channel", "product_id", "account_id", *SalesDay.SUMS, *names
            )
        }
    )
    buyers = Counter(
        {
            (row[0].isoformat(), *row[1:3]): tuple(row[3:])
            for row in BuyerDay.objects.filter(shop=shop).values_list("day", "openid", "order_scene", *BuyerDay.SUMS)
        }
    )
    coupons = Counter(
        {
            (row[0].isoformat(), *row[1:3]): tuple(row[3:])
            for row in CouponDay.objects.filter(shop=shop).values_list("day", "coupon_id", "openid", *CouponDay.SUMS)
        }
    )
    return sales, buyers, coupons


def expected_derived(shop) -> dict[str, Counter]:
    """The roll-ups derived from the buyer and sales roll-ups, computed in Python from the orders and lines: each
    buyer row's pay-time span and previous pay days, OrderDay, BuyerSince, ChannelDay, ProductDay, AccountDay."""
    paid = list(Order.objects.filter(shop=shop, pay_time__isnull=False).exclude(status=Order.Status.CANCELLED))
    refunds = defaultdict(int)
    for a in AfterSale.objects.filter(shop=shop, status__in=AFTERSALE_REFUNDED):
        refunds[a.order_id] += a.refund_amount_fen
    times = defaultdict(list)
    for o in paid:
        times[date.fromisoformat(_day(o.pay_time)), o.openid, o.order_scene or 0].append(o.pay_time)
    days_of = defaultdict(set)
    for day, openid, scene in times:
        days_of[openid, None].add(day)
        days_of[openid, scene].add(day)

    def before(openid, scene, day):
        earlier = [d for d in days_of[openid, scene] if d < day] if openid else []
        return max(earlier) if earlier else None

    links = Counter(
        {
            (day.isoformat(), openid, scene): (min(at), max(at), before(openid, None, day), before(openid, scene, day))
            for (day, openid, scene), at in times.items()
        }
    )
    orders = defaultdict(lambda: [0] * 6)
    for o in paid:
        day = date.fromisoformat(_day(o.pay_time))
        repeat = o.order_price_fen if before(o.openid, None, day) else 0
        values = (
            1,
            o.order_price_fen,
            refunds[o.order_id],
            int(o.is_present),
            o.order_price_fen * o.is_present,
            repeat,
        )
        row = orders[day.isoformat(), o.order_scene or 0]
        row[:] = [a + b for a, b in zip(row, values, strict=True)]

    def clamp(since, day):
        return None if since is None else max(since, day - timedelta(days=BuyerSince.HORIZON)).isoformat()

    since = Counter()
    for day, openid, scene in times:
        if openid:
            new = int(before(openid, None, day) is None)
            since[day.isoformat(), scene, clamp(before(openid, scene, day), day), "b"] += 1
            since[day.isoformat(), scene, clamp(before(openid, scene, day), day), "n"] += new
    for day, openid in {(day, openid) for day, openid, _ in times if openid}:
        new = int(before(openid, None, day) is None)
        since[day.isoformat(), BuyerSince.ALL_SCENES, clamp(before(openid, None, day), day), "b"] += 1
        since[day.isoformat(), BuyerSince.ALL_SCENES, clamp(before(openid, None, day), day), "n"] += new
    sales, _, coupon_days = expected_rollups(shop)
    coupon_sales = defaultdict(lambda: [0, 0, 0])
    for (day, coupon, _openid), row in coupon_days.items():
        total = coupon_sales[day, coupon]
        total[:] = [a + b for a, b in zip(total, row, strict=True)]
    channels, products, accounts = defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0, 0, 0, ""]), {}
    for (day, channel, product, account), row in sales.items():
        lines, units, amount, _, product_orders, account_orders, channel_orders = row[:7]
        c = channels[day, channel]
        c[:] = [c[0] + lines, c[1] + amount, c[2] + channel_orders]
        p = products[day, product]
        p[:] = [p[0] + units, p[1] + amount, p[2] + product_orders, max(p[3], row[7])]
        if account:
            a = accounts.get((day, account), [0, 0, "", None, None])
            accounts[day, account] = [
                a[0] + amount,
                a[1] + account_orders,
                max(a[2], row[8]),
                row[9] if a[3] is None else max(a[3], row[9] or 0),
                row[10] if a[4] is None else max(a[4], row[10] or 0),
            ]
    hours, counted = defaultdict(lambda: [0] * 4), set()  # counted: (day, openid) whose first order is seen
    for o in sorted(paid, key=lambda o: (o.pay_time, o.pk)):
        day = date.fromisoformat(_day(o.pay_time))
        first = int(bool(o.openid) and (day, o.openid) not in counted)
        counted.add((day, o.openid))
        row = hours[day.isoformat(), o.pay_time.astimezone(BEIJING).hour, clamp(before(o.openid, None, day), day)]
        row[:] = [a + b for a, b in zip(row, (1, o.order_price_fen, refunds[o.order_id], first), strict=True)]
    lives = {}
    for o in paid:
        if o.live_id:
            key = (_day(o.pay_time), o.live_id)
            n, gmv, first = lives.get(key, (0, 0, o.pay_time))
            lives[key] = (n + 1, gmv + o.order_price_fen, min(first, o.pay_time))
    return {
        "links": links,
        "orders": Counter({key: tuple(v) for key, v in orders.items()}),
        "lives": Counter(lives),
        "since": Counter({key: n for key, n in since.items() if n}),
        "channels": Counter({key: tuple(v) for key, v in channels.items()}),
        "products": Counter({key: tuple(v) for key, v in products.items()}),
        "accounts": Counter({key: tuple(v) for key, v in accounts.items()}),
        "coupon_sales": Counter({key: tuple(v) for key, v in coupon_sales.items()}),
        "hours": Counter({key: tuple(v) for key, v in hours.items()}),
    }


def stored_derived(shop) -> dict[str, Counter]:
    def rows(model, key: tuple, values: tuple) -> Counter:
        out = Counter()
        for row in model.objects.filter(shop=shop).values_list(*key, *values):
            out[tuple(v.isoformat() if isinstance(v, date) else v for v in row[: len(key)])] = (
                tuple(v.isoformat() if type(v) is date else v for v in row[len(key) :]) if len(values) > 1 else row[-1]
            )
        return out

    links = rows(
        BuyerDay, ("day", "openid", "order_scene"), ("first_paid_at", "last_paid_at", "prev_day", "scene_prev_day")
    )
    since = Counter()
    for day, scene, since_day, buyers, new in BuyerSince.objects.filter(shop=shop).values_list(
        "day", "order_scene", "since", "buyers", "new_buyers"
    ):
        key = (day.isoformat(), scene, since_day.isoformat() if since_day else None)
        since[(*key, "b")] += buyers
        since[(*key, "n")] += new
    return {
        "links": Counter(
            {
                key: (first, last, date.fromisoformat(prev) if prev else None, date.fromisoformat(sp) if sp else None)
                for key, (first, last, prev, sp) in links.items()
            }
        ),
        "orders": rows(OrderDay, ("day", "order_scene"), OrderDay.SUMS),
        "lives": rows(LiveDay, ("day", "live_id"), ("orders", "gmv_fen", "first_paid_at")),
        "since": Counter({key: n for key, n in since.items() if n}),
        "channels": rows(ChannelDay, ("day", "channel"), ("lines", "sales_fen", "orders")),
        "products": rows(ProductDay, ("day", "product_id"), ("units", "sales_fen", "orders", "title")),
        "accounts": rows(
            AccountDay,
            ("day", "account_id"),
            ("sales_fen", "orders", "account_nickname", "account_type", "sale_channel"),
        ),
        "coupon_sales": rows(CouponSales, ("day", "coupon_id"), ("orders", "gmv_fen", "discount_fen")),
        "hours": rows(SalesHour, ("day", "hour", "since"), ("orders", "gmv_fen", "refunded_fen", "buyers")),
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages=_pages())
def test_the_rollups_equal_a_from_scratch_aggregate_after_random_syncs(pages):
    shop, other = ShopFactory(), ShopFactory()
    for kind, payloads in pages:
        store = orders_store if kind == "orders" else aftersales_store
        store(shop=shop, payloads=payloads, synced_at=SYNCED)
        # Another shop with the same platform ids: never counted in ours.
        store(shop=other, payloads=payloads[:1], synced_at=SYNCED)
        assert stored_rollups(shop) == expected_rollups(shop)
        assert stored_derived(shop) == expected_derived(shop)
    assert stored_rollups(other) == expected_rollups(other)
    assert stored_derived(other) == expected_derived(other)
    before = stored_rollups(shop), stored_derived(shop)
    sales_rollups_rebuild(shop=shop)
    assert (stored_rollups(shop), stored_derived(shop)) == before


def test_a_known_shop_to_the_fen():
    """One hand-computed case: two buyers over two Beijing days, a refund, a gift, a coupon and a cancelled order."""
    shop = ShopFactory()

    def order(n, *, paid, price, openid, lines, status=20, present=0, scene=2):
        return {
            "order_id": f"37{n:017d}",
            "status": status,
            "create_time": paid,
            "update_time": paid,
            "openid": openid,
            "is_present": present,
            "order_detail": {
                "pay_info": {"pay_time": paid},
                "price_info": {"order_price": price},
                "product_infos": lines,
                "source_infos": [{"sku_id": "s1", "sale_channel": 0, "account_type": 1, "account_id": "sph"}],
                "ext_info": {"order_scene": scene},
            },
        }

    line = {"product_id": "p1", "sku_id": "s1", "sku_cnt": 2, "real_price": 3000, "title": "T恤"}
    coupon_line = {**line, "order_product_coupon_info_list": [{"coupon_id": "c1", "discounted_price": 300}]}
    evening = int(datetime(2026, 11, 19, 15, 59, tzinfo=UTC).timestamp())  # 23:59 on the 19th in Beijing
    midnight = evening + 60  # 00:00 on the 20th
    orders_store(
        shop=shop,
        payloads=[
            order(1, paid=evening, price=3500, openid="oA", lines=[line, {**line, "sku_id": "s2"}]),
            order(2, paid=midnight, price=3000, openid="oA", lines=[coupon_line], present=1),
            order(3, paid=midnight, price=999, openid="oB", lines=[line], status=250),
        ],
        synced_at=SYNCED,
    )
    aftersales_store(
        shop=shop,
        payloads=[
            {
                "after_sale_order_id": "1",
                "order_id": f"37{1:017d}",
                "status": "MERCHANT_REFUND_SUCCESS",
                "refund_info": {"amount": 1200},
                "create_time": midnight,
                "update_time": midnight,
            },
        ],  # fmt: skip
        synced_at=SYNCED,
    )
    sales, buyers, coupons = stored_rollups(shop)
    assert coupons == Counter({("2026-11-20", "c1", "oA"): (1, 3000, 300)})
    assert buyers == Counter(
        {("2026-11-19", "oA", 2): (1, 3500, 1200, 0, 0), ("2026-11-20", "oA", 2): (1, 3000, 0, 1, 3000)}
    )
    # The second line has no source entry: natural traffic, no account.
    assert sales == Counter(
        {
            ("2026-11-19", "finder_live", "p1", "sph"): (1, 2, 3000, 0, 1, 1, 1, "T恤", "", 1, 0),
            ("2026-11-19", "other", "p1", ""): (1, 2, 3000, 0, 0, 1, 1, "T恤", "", None, None),
            ("2026-11-20", "finder_live", "p1", "sph"): (1, 2, 3000, 300, 1, 1, 1, "T恤", "", 1, 0),
        }
    )


ROLLUP_TABLES = [
    model._meta.db_table
    for model in (
        SalesDay,
        BuyerDay,
        CouponDay,
        CouponSales,
        ChannelDay,
        ProductDay,
        AccountDay,
        OrderDay,
        BuyerSince,
        LiveDay,
        SalesHour,
    )
]


def test_a_page_refreshes_in_a_fixed_number_of_statements():
    shop = ShopFactory()
    payloads = [
        {"order_id": f"37{n:017d}", "status": 20, "create_time": T0, "update_time": T0, "openid": f"o{n}",
         "order_detail": {"pay_info": {"pay_time": T0 + n * 3600}, "price_info": {"order_price": 100},
                          "product_infos": [{"product_id": "p1", "sku_id": "s1", "sku_cnt": 1, "real_price": 100}]}}
        for n in range(60)
    ]  # fmt: skip
    counts = []
    for page in (payloads[:5], payloads[5:]):
        with CaptureQueriesContext(connection) as queries:
            orders_store(shop=shop, payloads=page, synced_at=SYNCED)
        counts.append(sum(any(name in q["sql"].lower() for name in ROLLUP_TABLES) for q in queries))
    # A DELETE and an INSERT … SELECT per table (eleven), the buyers of the days before and after, one UPDATE of their
    # previous pay days, however many orders the page holds (60 hours span three days).
    assert counts == [25, 25]
    assert sum(BuyerDay.objects.filter(shop=shop).values_list("orders", flat=True)) == 60


def test_the_rebuild_command_sums_orders_stored_before_the_rollups():
    shop, other = ShopFactory(appid="wxrollup00000001"), ShopFactory(appid="wxrollup00000002")
    OrderFactory(shop=shop, order_price_fen=1234)  # written directly: no roll-up yet
    OrderFactory(shop=other, order_price_fen=99)
    assert not BuyerDay.objects.exists()
    call_command("rollups_rebuild", shop=["wxrollup00000001"], stdout=StringIO())
    assert list(BuyerDay.objects.values_list("shop_id", "orders", "gmv_fen")) == [(shop.pk, 1, 1234)]
    call_command("rollups_rebuild", stdout=StringIO())
    call_command("rollups_rebuild", stdout=StringIO())
    assert sorted(BuyerDay.objects.values_list("gmv_fen", flat=True)) == [99, 1234]
    assert stored_rollups(shop) == expected_rollups(shop)


def test_a_previous_day_beyond_the_horizon_is_kept_at_the_horizon():
    """A period is at most 366 days: a buyer's previous day further back than 367 days is stored as 367 days back,
    which still places it before any period that includes the row's day."""
    shop = ShopFactory()

    def order(n, day):
        at = int(datetime(*day, 4, 0, tzinfo=UTC).timestamp())  # noon in Beijing
        return {"order_id": f"37{n:017d}", "status": 20, "create_time": at, "update_time": at, "openid": "oA",
                "order_detail": {"pay_info": {"pay_time": at}, "price_info": {"order_price": 100},
                                 "ext_info": {"order_scene": 2}}}  # fmt: skip

    orders_store(shop=shop, payloads=[order(1, (2026, 11, 20)), order(2, (2024, 3, 1))], synced_at=SYNCED)
    rows = BuyerSince.objects.filter(shop=shop, day=date(2026, 11, 20)).values_list(
        "order_scene", "since", "new_buyers"
    )
    assert sorted(rows) == [(2, date(2025, 11, 18), 0), (BuyerSince.ALL_SCENES, date(2025, 11, 18), 0)]
    assert BuyerDay.objects.get(shop=shop, day=date(2026, 11, 20)).prev_day == date(2024, 3, 1)
