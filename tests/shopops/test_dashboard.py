"""The shop home page's sales figures: exact numbers for a hand-built shop, Beijing-day boundaries, the comparison
period, tenancy, the period chooser (with its errors) and a fixed number of queries however many orders there are."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from html import escape

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from shopops.channels import Channel
from shopops.models import Order
from shopops.roles import Role
from shopops.selectors.dashboard import (
    AccountSales,
    ChannelSeries,
    ProductSales,
    Totals,
    change_ppm,
    shop_dashboard,
)
from shopops.services.rollups import sales_rollups_rebuild
from tests.factories import (
    AfterSaleFactory,
    MembershipFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ShopFactory,
)
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

START, END = date(2026, 11, 18), date(2026, 11, 20)
LATER = datetime(2026, 12, 1, tzinfo=UTC)  # "now" well after the period: the previous period is compared whole


def cst(*args) -> datetime:
    """A wall-clock time in Asia/Shanghai (UTC+8, no daylight saving) as an aware UTC datetime."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)


def _order(shop, name, *, paid, price, status=Order.Status.PAID, openid="", freight=0, created=None):
    return OrderFactory(
        shop=shop,
        order_id=f"37000000000000000{name}",
        status=status,
        create_time=created or paid or cst(2026, 11, 19, 9, 0),
        pay_time=paid,
        order_price_fen=price,
        freight_fen=freight,
        openid=openid or f"oBuyer{name}",
    )


def _line(order, *, product, channel, paid, qty=1, account="", nickname="", account_type=None, relation=None):
    return OrderLineFactory(
        order=order,
        product_id=product,
        sku_id=f"{product}-sku",
        title=f"{product} 订单里的标题",
        sku_cnt=qty,
        real_price_fen=paid,
        channel=channel,
        account_id=account,
        account_nickname=nickname,
        account_type=account_type,
        sale_channel=relation,
    )


def _refund(shop, order, amount, status="MERCHANT_REFUND_SUCCESS"):
    return AfterSaleFactory(shop=shop, order_id=order.order_id, status=status, refund_amount_fen=amount)


def _rollup(*shops):
    """The factories write orders directly, not through the order store that keeps the daily roll-ups the page
    reads: sum them as the store would have."""
    for shop in shops:
        sales_rollups_rebuild(shop=shop)


@pytest.fixture
def sales(shop):
    """Orders of 15–21 November 2026 (Beijing time) in two channels and more; the period is 18–20 November.

    Counted: A, B, D and G (GMV 5000 + 2000 + 1000 + 3000 = 11000). Not counted: C (paid at midnight after the
    period), E (unpaid), F (cancelled, even with a pay time), H and I (the previous period), and everything of
    another shop that reuses A's order id.
    """
    o = {}
    o["A"] = _order(shop, "A", paid=cst(2026, 11, 18, 10, 0), price=5000, freight=500, openid="oBuyer1")
    _line(o["A"], product="P1", channel=Channel.FINDER_LIVE, paid=3000, qty=2, account="sph_live", nickname="直播号",
          account_type=1, relation=0)  # fmt: skip
    _line(o["A"], product="P2", channel=Channel.MP_ARTICLE, paid=1500, account="wx_mp", nickname="公众号A",
          account_type=2, relation=0)  # fmt: skip
    # 23:59 on the last day counts; 00:00 on the next day does not; 00:00 on the first day does.
    o["B"] = _order(shop, "B", paid=cst(2026, 11, 20, 23, 59), price=2000, openid="oBuyer1")
    _line(o["B"], product="P1", channel=Channel.FINDER_LIVE, paid=2000, account="sph_live", nickname="直播号",
          account_type=1, relation=0)  # fmt: skip
    o["C"] = _order(shop, "C", paid=cst(2026, 11, 21, 0, 0), price=9900)
    _line(o["C"], product="P9", channel=Channel.FINDER_LIVE, paid=9900, account="sph_live", nickname="直播号")
    o["D"] = _order(shop, "D", paid=cst(2026, 11, 18, 0, 0), price=1000, openid="oBuyer2")
    _line(o["D"], product="P2", channel=Channel.OTHER, paid=1000)  # natural traffic: no account
    o["E"] = _order(shop, "E", paid=None, price=7777, status=Order.Status.UNPAID)
    _line(o["E"], product="P1", channel=Channel.FINDER_LIVE, paid=7777, account="sph_live")
    # 250 means cancelled before payment; should one ever carry a pay time, it is still no sale.
    o["F"] = _order(shop, "F", paid=cst(2026, 11, 19, 8, 0), price=6666, status=Order.Status.CANCELLED)
    _line(o["F"], product="P1", channel=Channel.FINDER_LIVE, paid=6666, account="sph_other")
    # Paid, then fully refunded and cancelled: still a sale of its day, and its refund counts.
    o["G"] = _order(shop, "G", paid=cst(2026, 11, 19, 12, 0), price=3000, status=200, openid="oBuyer3")
    _line(o["G"], product="P3", channel=Channel.TALENT, paid=3000, account="talent1", nickname="达人小王",
          account_type=5, relation=100)  # fmt: skip
    o["H"] = _order(shop, "H", paid=cst(2026, 11, 17, 23, 59, 59), price=4000, openid="oBuyer4")
    _line(o["H"], product="P1", channel=Channel.FINDER_LIVE, paid=4000, account="sph_live")
    o["I"] = _order(shop, "I", paid=cst(2026, 11, 17, 14, 0), price=600, openid="oBuyer5")
    _line(o["I"], product="P2", channel=Channel.MP_ARTICLE, paid=600)

    _refund(shop, o["A"], 1500, status="MERCHANT_RETURN_SUCCESS")
    _refund(shop, o["A"], 500, status="MERCHANT_PROCESSING")  # not refunded (yet)
    _refund(shop, o["A"], 700, status="MERCHANT_REJECT_REFUND")
    _refund(shop, o["G"], 3000)
    _refund(shop, o["C"], 9900)  # its order was paid after the period
    _refund(shop, o["H"], 1000)  # the previous period's

    other = ShopFactory()
    twin = _order(other, "A", paid=cst(2026, 11, 19, 10, 0), price=100_000, openid="oBuyer1")
    _line(twin, product="P1", channel=Channel.AGENCY, paid=100_000, account="agency", account_type=1000)
    _refund(other, twin, 50_000)
    # An after-sale of the other shop's refunded with our order's id; and ours naming an order only they have.
    _refund(other, o["G"], 2222)
    OrderFactory(shop=other, order_id="3700000000000000OX", pay_time=cst(2026, 11, 19, 11, 0), order_price_fen=10)
    AfterSaleFactory(shop=shop, order_id="3700000000000000OX", status="MERCHANT_REFUND_SUCCESS", refund_amount_fen=3)

    ProductFactory(shop=shop, product_id="P1", title="经典款纯棉T恤")
    ProductFactory(shop=other, product_id="P2", title="别家的商品")
    _rollup(shop, other)
    return o


def test_headline_figures(shop, sales):
    board = shop_dashboard(shop=shop, start=START, end=END, now=LATER)
    assert board.current == Totals(gmv_fen=11000, orders=4, buyers=3, refunded_fen=4500)
    assert board.current.average_order_fen == 2750
    assert board.current.refund_rate_ppm == 409_091  # 4500 / 11000 = 0.40909…, half up
    assert (board.previous_start, board.previous_end, board.previous_partial) == (
        date(2026, 11, 15),
        date(2026, 11, 17),
        False,
    )
    assert board.previous == Totals(gmv_fen=4600, orders=2, buyers=2, refunded_fen=1000)
    assert (board.previous.average_order_fen, board.previous.refund_rate_ppm) == (2300, 217_391)
    assert change_ppm(board.current.gmv_fen, board.previous.gmv_fen) == 1_391_304
    assert change_ppm(board.current.average_order_fen, board.previous.average_order_fen) == 195_652
    assert change_ppm(5, 0) is None and change_ppm(None, 5) is None
    assert board.shop_has_orders


def test_sales_by_channel_and_day(shop, sales):
    board = shop_dashboard(shop=shop, start=START, end=END, now=LATER)
    assert board.days == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
    # Biggest channel first; B, paid at 23:59 on the 20th in Beijing (15:59 UTC), is on the 20th.
    assert board.channels == [
        ChannelSeries(channel=Channel.FINDER_LIVE, daily_fen=[3000, 0, 2000]),
        ChannelSeries(channel=Channel.TALENT, daily_fen=[0, 3000, 0]),
        ChannelSeries(channel=Channel.MP_ARTICLE, daily_fen=[1500, 0, 0]),
        ChannelSeries(channel=Channel.OTHER, daily_fen=[1000, 0, 0]),
    ]
    # The lines carry no freight: the channels add up to GMV minus A's 500 freight.
    assert board.channel_sales_fen == board.current.gmv_fen - 500 == 10500


def test_top_products_and_accounts(shop, sales):
    board = shop_dashboard(shop=shop, start=START, end=END, now=LATER)
    assert board.top_products == [
        ProductSales("P1", "经典款纯棉T恤", in_catalogue=True, quantity=3, orders=2, sales_fen=5000),
        ProductSales("P3", "P3 订单里的标题", in_catalogue=False, quantity=1, orders=1, sales_fen=3000),
        # Another shop's catalogue has a P2: it is not ours, so no detail page and the line's title.
        ProductSales("P2", "P2 订单里的标题", in_catalogue=False, quantity=2, orders=2, sales_fen=2500),
    ]
    assert board.top_accounts == [
        AccountSales("sph_live", "直播号", account_type=1, sale_channel=0, orders=2, sales_fen=5000),
        AccountSales("talent1", "达人小王", account_type=5, sale_channel=100, orders=1, sales_fen=3000),
        AccountSales("wx_mp", "公众号A", account_type=2, sale_channel=0, orders=1, sales_fen=1500),
    ]


def test_top_lists_keep_ten_ranked_by_sales_then_id(shop):
    order = _order(shop, "T", paid=cst(2026, 11, 19, 9, 0), price=0)
    for n in range(12):
        _line(order, product=f"P{n:02d}", channel=Channel.OTHER, paid=100 * (n // 2), account=f"acc{n:02d}")
    _rollup(shop)
    board = shop_dashboard(shop=shop, start=START, end=END, now=LATER)
    expected = ["P10", "P11", "P08", "P09", "P06", "P07", "P04", "P05", "P02", "P03"]  # ties: by id
    assert [p.product_id for p in board.top_products] == expected
    assert [a.account_id for a in board.top_accounts] == [f"acc{p[1:]}" for p in expected]


def test_the_previous_period_is_cut_at_the_same_time_while_the_period_runs(shop, sales):
    # At 15:00 on the 20th, the previous period runs to 15:00 on the 17th: I (14:00) is in it, H (23:59) is not.
    board = shop_dashboard(shop=shop, start=START, end=END, now=cst(2026, 11, 20, 15, 0))
    assert board.previous_partial
    assert board.previous == Totals(gmv_fen=600, orders=1, buyers=1, refunded_fen=0)
    # The period itself is never cut: B, paid "later" that day, is there (the clock is the caller's).
    assert board.current.orders == 4
    # "Today" at 11:00 compares with yesterday until 11:00, which is before G was paid (12:00); at 15:00 it is not.
    today = shop_dashboard(shop=shop, start=END, end=END, now=cst(2026, 11, 20, 11, 0))
    assert (today.previous_start, today.previous_end) == (date(2026, 11, 19), date(2026, 11, 19))
    assert today.previous.orders == 0
    assert shop_dashboard(shop=shop, start=END, end=END, now=cst(2026, 11, 20, 15, 0)).previous.orders == 1


def test_the_cut_day_counts_orders_before_the_cut_and_each_new_buyer_once(shop):
    """The previous period's cut day: a buyer with orders on both sides of the cut, one who bought earlier in the
    period, one whose earlier day is before it, orders without a buyer, and an order of the same day after the cut."""
    _order(shop, "Y1", paid=cst(2026, 11, 18, 10, 0), price=1000, openid="oY")
    _order(shop, "Y2", paid=cst(2026, 11, 19, 9, 0), price=2000, openid="oY")  # counted on the 18th already
    x1 = _order(shop, "X1", paid=cst(2026, 11, 19, 10, 0), price=3000, openid="oX")
    _order(shop, "X2", paid=cst(2026, 11, 19, 18, 0), price=4000, openid="oX")  # after the cut
    _order(shop, "Z0", paid=cst(2026, 11, 10, 10, 0), price=100, openid="oZ")  # before the previous period
    _order(shop, "Z1", paid=cst(2026, 11, 19, 14, 59), price=500, openid="oZ")
    _order(shop, "W1", paid=cst(2026, 11, 19, 16, 0), price=900, openid="oW")  # after the cut
    for name, hour, price in (("N1", 11, 700), ("N2", 20, 800)):  # no buyer openid
        OrderFactory(shop=shop, order_id=f"37000000000000000{name}", status=Order.Status.PAID, openid="",
                     create_time=cst(2026, 11, 19, hour, 0), pay_time=cst(2026, 11, 19, hour, 0),
                     order_price_fen=price)  # fmt: skip
    _refund(shop, x1, 500)
    _rollup(shop)
    board = shop_dashboard(shop=shop, start=date(2026, 11, 20), end=date(2026, 11, 21), now=cst(2026, 11, 21, 15, 0))
    assert (board.previous_start, board.previous_partial) == (date(2026, 11, 18), True)
    assert board.previous == Totals(gmv_fen=1000 + 2000 + 3000 + 500 + 700, orders=5, buyers=3, refunded_fen=500)
    assert board.current == Totals()
    # Compared whole, the 19th brings X2, W1 and N2 and one more buyer.
    whole = shop_dashboard(shop=shop, start=date(2026, 11, 20), end=date(2026, 11, 21), now=LATER)
    assert whole.previous == Totals(gmv_fen=7200 + 4000 + 900 + 800, orders=8, buyers=4, refunded_fen=500)


def test_the_cut_day_at_every_half_hour_equals_a_count_of_its_orders(shop):
    """Wherever the cut falls on the previous period's last day, its figures are those of the day's orders paid
    before the cut, counted here one by one: buyers in two scenes on either side of it, a buyer of an earlier day
    of the period, one of a day before the period, orders without a buyer, a refund."""
    _order(shop, "Y1", paid=cst(2026, 11, 18, 10, 0), price=1000, openid="oY")
    orders = [  # (name, openid, hour, price, scene) on the 19th
        ("Y2", "oY", 9, 2000, None), ("X1", "oX", 10, 3000, None), ("X2", "oX", 18, 4000, None),
        ("Z1", "oZ", 14, 500, None), ("W1", "oW", 16, 900, None), ("S1", "oS", 9, 300, 1), ("S2", "oS", 17, 300, 2),
        ("T1", "oT", 19, 300, 1), ("T2", "oT", 21, 300, 3), ("N1", "", 11, 700, None), ("N2", "", 20, 800, None),
    ]  # fmt: skip
    _order(shop, "Z0", paid=cst(2026, 11, 10, 10, 0), price=100, openid="oZ")
    for name, openid, hour, price, scene in orders:
        order = OrderFactory(shop=shop, order_id=f"37000000000000000{name}", status=Order.Status.PAID, openid=openid,
                             create_time=cst(2026, 11, 19, hour, 0), pay_time=cst(2026, 11, 19, hour, 0),
                             order_price_fen=price, order_scene=scene)  # fmt: skip
        if name == "X1":
            _refund(shop, order, 500)
    _rollup(shop)
    for minutes in range(0, 24 * 60 + 1, 30):
        now = cst(2026, 11, 21, 0, 0) + timedelta(minutes=minutes)
        board = shop_dashboard(shop=shop, start=date(2026, 11, 20), end=date(2026, 11, 21), now=now)
        before = [o for o in orders if o[2] * 60 < minutes]
        buyers = {o[1] for o in before} - {"", "oY"}  # oY counts on the 18th
        expected = Totals(
            gmv_fen=1000 + sum(o[3] for o in before),
            orders=1 + len(before),
            buyers=1 + len(buyers),
            refunded_fen=500 if any(o[0] == "X1" for o in before) else 0,
        )
        assert board.previous == expected, minutes


def test_another_shop_sees_only_its_own(shop, sales):
    other = sales["A"].shop.__class__.objects.exclude(pk=shop.pk).get()
    board = shop_dashboard(shop=other, start=START, end=END, now=LATER)
    assert board.current == Totals(gmv_fen=100_010, orders=2, buyers=2, refunded_fen=50_000)
    assert [(s.channel, s.total_fen) for s in board.channels] == [(Channel.AGENCY, 100_000)]
    assert [a.account_id for a in board.top_accounts] == ["agency"]


def test_a_fixed_number_of_queries(shop, sales):
    # The totals run in a transaction of their own (a savepoint here, the test being one, and its release), on
    # PostgreSQL serially: two more for the settings and their restoring (shopops.db.SERIAL).
    serial = 4 if connection.vendor == "postgresql" else 2
    with CaptureQueriesContext(connection) as queries:
        shop_dashboard(shop=shop, start=START, end=END, now=LATER)
    # Totals (from the buyer roll-up), channels by day, top products, their catalogue titles, top accounts.
    assert len(queries) == 5 + serial
    empty = ShopFactory()
    with CaptureQueriesContext(connection) as queries:
        board = shop_dashboard(shop=empty, start=START, end=END, now=LATER)
    # No product to look up; one more to tell "no sales this period" from "no orders at all".
    assert len(queries) == 5 + serial
    assert (board.current, board.channels, board.top_products, board.shop_has_orders) == (Totals(), [], [], False)
    assert board.current.average_order_fen is None and board.current.refund_rate_ppm is None


def test_the_period_must_be_a_valid_range(shop):
    with pytest.raises(ValueError):
        shop_dashboard(shop=shop, start=END, end=START)
    with pytest.raises(ValueError):
        shop_dashboard(shop=shop, start=date(2024, 1, 1), end=date(2025, 1, 1))  # 367 days; 366 is the most
    assert len(shop_dashboard(shop=shop, start=date(2024, 1, 1), end=date(2024, 12, 31)).days) == 366


# --- the page -----------------------------------------------------------------------------------------------------

NOW = cst(2026, 11, 20, 15, 0)


def _url(shop, **params) -> str:
    url = reverse("console:shop_home", kwargs={"shop": shop.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _custom(shop, start=START, end=END):
    return _url(shop, period="custom", start=start.isoformat(), end=end.isoformat())


def _chart(response) -> dict:
    match = re.search(
        r'<script id="channel-chart-data" type="application/json">(.*?)</script>', response.content.decode()
    )
    return json.loads(match.group(1))


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_the_figures(owner_client, shop, sales):
    response = owner_client.get(_custom(shop))
    assert response.status_code == 200
    html = response.content.decode()
    gmv = response.context["cards"][0]
    assert (gmv["value"], gmv["previous"], gmv["change"]) == ("¥110.00", "¥6.00", 17_333_333)  # cut at 15:00
    assert [card["value"] for card in response.context["cards"]] == ["¥110.00", "4", "3", "¥27.50", "40.9%"]
    assert "¥110.00" in html and "40.9%" in html and "+1,733.3%" in html
    chart = _chart(response)
    assert chart["labels"] == ["11-18", "11-19", "11-20"]
    assert chart["titles"] == ["2026-11-18", "2026-11-19", "2026-11-20"]
    with translation.override("zh-hans"):
        live = str(Channel.FINDER_LIVE.label)
    assert [(d["label"], d["fen"]) for d in chart["datasets"]][0] == (live, [3000, 0, 2000])
    assert len(chart["datasets"]) == 4
    assert chart["axis"] == {"divisor": 1, "suffix": ""}  # the tallest day is ¥50: every tick in yuan
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    # Short figures get the full size; every figure is kept on one line by the stylesheet.
    assert [card["long"] for card in response.context["cards"]] == [False] * 5
    assert '<div class="fw-semibold kpi-value">¥110.00</div>' in html


@pytest.mark.parametrize(
    ("tallest_fen", "language", "axis"),
    [
        (0, "zh-hans", {"divisor": 1, "suffix": ""}),
        (999_999, "zh-hans", {"divisor": 1, "suffix": ""}),  # ¥9,999.99: still yuan
        (1_000_000, "zh-hans", {"divisor": 10_000, "suffix": "万"}),  # ¥10,000: every tick in 万
        (1_000_000, "en", {"divisor": 1_000, "suffix": "k"}),  # English counts in thousands
        (999_999, "en", {"divisor": 1, "suffix": ""}),
    ],
)
def test_the_chart_axis_has_one_unit_for_its_range(tallest_fen, language, axis):
    from shopops.views.dashboard import axis_unit

    assert axis_unit(tallest_fen, language=language) == axis


@time_machine.travel(NOW, tick=False)
def test_the_axis_unit_follows_the_tallest_stacked_day(owner_client, shop):
    # Two channels of ¥6,000 on one day: no single bar reaches ¥10,000, their stack does.
    for name, channel in (("X", Channel.FINDER_LIVE), ("Y", Channel.MP_ARTICLE)):
        order = _order(shop, name, paid=cst(2026, 11, 19, 10, 0), price=600_000)
        _line(order, product="P1", channel=channel, paid=600_000)
    _rollup(shop)
    chinese = _chart(owner_client.get(_custom(shop)))
    assert chinese["axis"] == {"divisor": 10_000, "suffix": "万"}
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert _chart(owner_client.get(_custom(shop)))["axis"] == {"divisor": 1_000, "suffix": "k"}


@time_machine.travel(NOW, tick=False)
def test_long_figures_take_the_smaller_size(owner_client, shop):
    order = _order(shop, "L", paid=cst(2026, 11, 19, 10, 0), price=123_456_789)
    _line(order, product="P1", channel=Channel.FINDER_LIVE, paid=123_456_789)
    _rollup(shop)
    response = owner_client.get(_custom(shop))
    assert [(card["value"], card["long"]) for card in response.context["cards"][:2]] == [
        ("¥1,234,567.89", True),
        ("1", False),
    ]
    assert '<div class="fw-semibold kpi-value kpi-value-long">¥1,234,567.89</div>' in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_top_rows_link_to_the_product_and_to_the_filtered_orders(owner_client, shop, sales):
    response = owner_client.get(_custom(shop))
    html = response.content.decode()
    detail = reverse("console:product_detail", kwargs={"shop": shop.public_id, "product_id": "P1"})
    assert f'href="{detail}"' in html
    missing = reverse("console:product_detail", kwargs={"shop": shop.public_id, "product_id": "P3"})
    assert f'href="{missing}"' not in html  # P3 is not in the synced catalogue: no page to link to
    orders = reverse("console:orders", kwargs={"shop": shop.public_id})
    account_url = f"{orders}?paid_from=2026-11-18&paid_to=2026-11-20&account=sph_live"
    product_url = f"{orders}?paid_from=2026-11-18&paid_to=2026-11-20&product=P1"
    assert [row["orders_url"] for row in response.context["top_accounts"]][0] == account_url
    assert [row["orders_url"] for row in response.context["top_products"]][0] == product_url
    assert f'href="{escape(account_url)}"' in html
    # The link lists exactly the orders the row counts.
    listed = {row.order.order_id for row in owner_client.get(account_url).context["rows"]}
    assert listed == {sales["A"].order_id, sales["B"].order_id}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("params", "days"),
    [
        ({}, (date(2026, 11, 14), date(2026, 11, 20))),  # the default: the last 7 days, today included
        ({"period": "today"}, (date(2026, 11, 20), date(2026, 11, 20))),
        ({"period": "7d"}, (date(2026, 11, 14), date(2026, 11, 20))),
        ({"period": "30d"}, (date(2026, 10, 22), date(2026, 11, 20))),
        ({"start": "2026-11-01", "end": "2026-11-02"}, (date(2026, 11, 1), date(2026, 11, 2))),  # custom implied
        ({"period": "custom", "start": "2025-11-21", "end": "2026-11-20"}, (date(2025, 11, 21), date(2026, 11, 20))),
    ],
)
def test_period_choices(owner_client, shop, sales, params, days):
    response = owner_client.get(_url(shop, **params))
    board = response.context["board"]
    assert (board.start, board.end) == days
    assert not response.context["form"].errors
    # The custom inputs start from the period shown.
    html = response.content.decode()
    assert f'name="start" id="id_start" value="{days[0].isoformat()}"' in html
    assert f'name="end" id="id_end" value="{days[1].isoformat()}"' in html


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"period": "custom", "start": "2026-11-20", "end": "2026-11-01"}, ["end"]),  # backwards
        ({"period": "custom", "start": "2025-11-19", "end": "2026-11-20"}, ["end"]),  # 367 days
        ({"period": "custom", "start": "not-a-day", "end": "2026-11-20"}, ["start"]),
        ({"period": "custom", "start": "2026-11-01"}, ["end"]),  # missing
        ({"period": "custom", "start": "1999-12-31", "end": "2000-01-02"}, ["start"]),
        ({"period": "custom", "start": "9999-12-30", "end": "9999-12-31"}, ["start", "end"]),
        ({"period": "yesterday"}, ["period"]),
    ],
)
def test_bad_period_input_is_a_field_error_not_a_500(owner_client, shop, sales, params, fields):
    response = owner_client.get(_url(shop, **params))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == fields
    html = response.content.decode()
    for field in fields:
        assert escape(form.errors[field][0]) in html
    if fields != ["period"]:
        assert 'class="form-control form-control-sm is-invalid"' in html
    assert 'id="custom-period"' in html and "collapse collapse-horizontal show" in html
    # The default period is shown meanwhile, and says so.
    board = response.context["board"]
    assert (board.start, board.end) == (date(2026, 11, 14), date(2026, 11, 20))
    assert 'id="period-errors"' in html


@time_machine.travel(NOW, tick=False)
def test_a_shop_without_orders_explains_the_sync(owner_client, shop):
    html = owner_client.get(_url(shop)).content.decode()
    assert 'id="no-orders"' in html
    assert f'href="{reverse("console:sync_health", kwargs={"shop": shop.public_id})}"' in html
    assert 'id="headline"' not in html and "chart.umd.min.js" not in html


@time_machine.travel(NOW, tick=False)
def test_a_period_without_sales(owner_client, shop, sales):
    html = owner_client.get(_custom(shop, date(2026, 1, 1), date(2026, 1, 31))).content.decode()
    assert 'id="headline"' in html and 'id="no-sales"' in html
    assert "channel-chart" not in html and "chart.umd.min.js" not in html


@time_machine.travel(NOW, tick=False)
def test_every_role_sees_the_figures_of_its_own_shop_only(client, shop, sales):
    analyst = MembershipFactory(shop=shop, role=Role.ANALYST)
    client.force_login(analyst.user)
    assert client.get(_custom(shop)).context["board"].current.gmv_fen == 11000
    stranger = MembershipFactory(role=Role.OWNER)
    client.force_login(stranger.user)
    assert client.get(_custom(shop)).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_home_page_queries_do_not_grow_with_orders(owner_client, shop):
    url = _url(shop, period="7d")

    def add_orders(n):
        for _ in range(n):
            order = OrderFactory(shop=shop, pay_time=NOW - timedelta(hours=1), create_time=NOW - timedelta(hours=2))
            line = OrderLineFactory(order=order, channel=Channel.FINDER_LIVE, account_id=f"sph{order.pk}")
            ProductFactory(shop=shop, product_id=line.product_id)
            AfterSaleFactory(shop=shop, order_id=order.order_id, status="MERCHANT_REFUND_SUCCESS", refund_amount_fen=1)
        _rollup(shop)

    small, large = assert_constant_queries(owner_client, url, add_orders, small=1, large=50)
    assert (small.context["board"].current.orders, large.context["board"].current.orders) == (1, 50)
    assert (len(large.context["top_products"]), len(large.context["top_accounts"])) == (10, 10)
    assert all(row["url"] for row in large.context["top_products"])


def test_the_figures_come_from_the_rollups_not_the_orders(shop, sales):
    with CaptureQueriesContext(connection) as queries:
        shop_dashboard(shop=shop, start=START, end=END, now=LATER)
    sql = [q["sql"] for q in queries]
    assert not any("shopops_orderline" in s for s in sql)
    # Orders are read only for a cut previous day (an empty range here), inside the totals query.
    assert sum('"shopops_order"' in s for s in sql) == 1
    # An order stored after the roll-ups were summed is not on the page until the store refreshes its day.
    _order(shop, "Z", paid=cst(2026, 11, 19, 10, 0), price=777)
    assert shop_dashboard(shop=shop, start=START, end=END, now=LATER).current.gmv_fen == 11000
    _rollup(shop)
    assert shop_dashboard(shop=shop, start=START, end=END, now=LATER).current.gmv_fen == 11777
