"""The order list: every filter with the exact orders it keeps, sorting, keyset pages without COUNT, fixed queries."""

from datetime import UTC, datetime, timedelta
from html import escape
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shopops.channels import Channel
from shopops.models import Order
from shopops.roles import Role
from shopops.selectors.orders import (
    Cursor,
    OrderFilters,
    OrderSort,
    order_accounts_for_shop,
    order_page_for_shop,
    orders_for_shop,
)
from tests.factories import MembershipFactory, OrderFactory, OrderLineFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def cst(*args) -> datetime:
    """A wall-clock time in Asia/Shanghai (UTC+8, no daylight saving) as an aware UTC datetime."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)


COUPON = [{"coupon_type": 1, "coupon_id": "77", "user_coupon_id": "9001", "discounted_price": 100}]


@pytest.fixture
def orders(shop):
    """Four orders of the shop, named A–D, and a twin of A in another shop that must never show up."""
    a = OrderFactory(
        shop=shop,
        order_id="3710000000000000001",
        status=Order.Status.PAID,
        create_time=cst(2026, 11, 20, 10, 0),
        pay_time=cst(2026, 11, 20, 10, 1),
        order_price_fen=1990,
    )
    OrderLineFactory(
        order=a,
        product_id="P1",
        sku_id="S1",
        title="直播爆款",
        channel=Channel.FINDER_LIVE,
        account_id="sph_live",
        account_nickname="直播号",
        coupons=COUPON,
    )
    b = OrderFactory(
        shop=shop,
        order_id="3710000000000000002",
        status=Order.Status.UNPAID,
        create_time=cst(2026, 11, 21, 23, 30),
        pay_time=None,
        order_price_fen=5000,
    )
    OrderLineFactory(
        order=b,
        product_id="P2",
        sku_id="S2",
        channel=Channel.MP_ARTICLE,
        account_id="wx_mp",
        account_nickname="公众号A",
    )
    # Created 00:10 on 22 November in Shanghai, which is still 21 November in UTC.
    c = OrderFactory(
        shop=shop,
        order_id="3710000000000000003",
        status=Order.Status.COMPLETED,
        create_time=cst(2026, 11, 22, 0, 10),
        pay_time=cst(2026, 11, 22, 0, 20),
        settle_time=cst(2026, 11, 30, 12, 0),
        aftersale_count=1,
        order_price_fen=12000,
    )
    OrderLineFactory(
        order=c,
        product_id="P1",
        sku_id="S3",
        channel=Channel.WECOM_FORWARD,
        account_id="wwcorp",
        account_nickname="企业号",
        content_type=1,
        content_id="zhangsan",
    )
    OrderLineFactory(order=c, product_id="P4", sku_id="S4", channel=Channel.OTHER)
    d = OrderFactory(
        shop=shop,
        order_id="3710000000000000004",
        status=Order.Status.CANCELLED,
        create_time=cst(2026, 11, 23, 9, 0),
        pay_time=None,
        order_price_fen=990,
    )
    OrderLineFactory(order=d, product_id="P3", sku_id="S5", channel=Channel.OTHER)
    twin = OrderFactory(
        order_id="3799999999999999999",
        status=Order.Status.PAID,
        create_time=a.create_time,
        pay_time=a.pay_time,
        settle_time=c.settle_time,
        aftersale_count=1,
    )
    OrderLineFactory(
        order=twin,
        product_id="P1",
        sku_id="S1",
        channel=Channel.FINDER_LIVE,
        account_id="sph_live",
        account_nickname="直播号",
        coupons=COUPON,
    )
    return {"A": a, "B": b, "C": c, "D": d, "twin": twin}


def _url(shop, **params):
    url = reverse("console:orders", kwargs={"shop": shop.public_id})
    return f"{url}?{urlencode(params)}" if params else url


def _listed(response) -> list[str]:
    assert response.status_code == 200
    return [row.order.order_id for row in response.context["rows"]]


def _names(orders, listed):
    by_id = {order.order_id: name for name, order in orders.items()}
    return [by_id[order_id] for order_id in listed]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["D", "C", "B", "A"]),
        ({"status": 20}, ["A"]),
        ({"status": 100}, ["C"]),
        ({"status": 12}, []),
        # Dates are Shanghai days: C (00:10 on the 22nd in Shanghai, the 21st in UTC) is not on the 21st.
        ({"created_from": "2026-11-21", "created_to": "2026-11-21"}, ["B"]),
        ({"created_from": "2026-11-22"}, ["D", "C"]),
        ({"created_to": "2026-11-20"}, ["A"]),
        ({"paid_from": "2026-11-22"}, ["C"]),
        ({"paid_to": "2026-11-21"}, ["A"]),
        ({"paid_from": "2026-11-20", "paid_to": "2026-11-22"}, ["C", "A"]),
        ({"channel": "finder_live"}, ["A"]),
        ({"channel": "wecom_forward"}, ["C"]),
        ({"channel": "other"}, ["D", "C"]),  # C's second line is natural traffic
        ({"channel": "agency"}, []),
        ({"account": "sph_live"}, ["A"]),
        ({"account": "公众号A"}, ["B"]),  # a nickname typed in the free-text box
        ({"account": "nobody"}, []),
        ({"product": "P1"}, ["C", "A"]),
        ({"product": "S3"}, ["C"]),  # a SKU id
        ({"coupon": "yes"}, ["A"]),
        ({"coupon": "no"}, ["D", "C", "B"]),
        ({"aftersale": "yes"}, ["C"]),
        ({"aftersale": "no"}, ["D", "B", "A"]),
        ({"settled": "yes"}, ["C"]),
        ({"settled": "no"}, ["D", "B", "A"]),
        ({"q": "0000000000003"}, ["C"]),
        ({"q": "371000000000000000"}, ["D", "C", "B", "A"]),
        ({"channel": "other", "settled": "yes", "product": "P4"}, ["C"]),
        ({"channel": "other", "settled": "no"}, ["D"]),
    ],
)
def test_each_filter_keeps_exactly_the_matching_orders(owner_client, shop, orders, params, expected):
    response = owner_client.get(_url(shop, **params))
    assert _names(orders, _listed(response)) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-created", ["D", "C", "B", "A"]),
        ("created", ["A", "B", "C", "D"]),
        # Unpaid orders (B, D) come last in both directions, among themselves in the sort's direction of id.
        ("-paid", ["C", "A", "D", "B"]),
        ("paid", ["A", "C", "B", "D"]),
        ("-amount", ["C", "B", "A", "D"]),
        ("amount", ["D", "A", "B", "C"]),
    ],
)
def test_sorting_both_directions(owner_client, shop, orders, sort, expected):
    assert _names(orders, _listed(owner_client.get(_url(shop, sort=sort)))) == expected


def test_the_selector_is_scoped_to_the_shop(shop, orders):
    everything = orders_for_shop(shop=shop, filters=OrderFilters())
    assert sorted(everything.values_list("order_id", flat=True)) == sorted(
        orders[name].order_id for name in ("A", "B", "C", "D")
    )
    twin_filters = OrderFilters(account="sph_live", coupon_used=True, settled=None)
    assert list(orders_for_shop(shop=shop, filters=twin_filters).values_list("order_id", flat=True)) == [
        orders["A"].order_id
    ]


def test_filters_and_sort_survive_in_the_form_and_every_link(owner_client, shop, orders):
    params = {"channel": "other", "created_from": "2026-11-20", "sort": "-amount", "per_page": 50}
    response = owner_client.get(_url(shop, **params))
    assert _names(orders, _listed(response)) == ["C", "D"]
    context = response.context
    assert context["form"]["channel"].value() == "other"
    assert context["advanced_open"] is True
    assert context["advanced_count"] == 2
    filter_query = "created_from=2026-11-20&channel=other"
    assert context["export_query"] == f"{filter_query}&sort=-amount"
    html = response.content.decode()
    csv_url = reverse("console:orders_csv", kwargs={"shop": shop.public_id})
    xlsx_url = reverse("console:orders_xlsx", kwargs={"shop": shop.public_id})
    export_query = escape(f"{filter_query}&sort=-amount")
    assert f'href="{csv_url}?{export_query}"' in html
    assert f'href="{xlsx_url}?{export_query}"' in html
    # Sorting by another column keeps the filter and the page size; clicking the current column flips it.
    assert context["sort_links"]["created"]["query"] == f"{filter_query}&per_page=50&sort=-created"
    assert context["sort_links"]["amount"]["query"] == f"{filter_query}&per_page=50&sort=amount"
    assert dict(context["page_size_links"])[20] == f"{filter_query}&sort=-amount&per_page=20"


@pytest.mark.parametrize("prefix", ["created", "paid"])
def test_an_inverted_date_range_is_refused_whole_and_the_other_filters_still_apply(owner_client, shop, orders, prefix):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    start, end = f"{prefix}_from", f"{prefix}_to"
    response = owner_client.get(_url(shop, status="abc", channel="other", **{start: "2026-11-23", end: "2026-11-20"}))
    # Neither day of the range filters (half a range would keep only orders from its start on); the valid
    # channel filter does, the unreadable status does not.
    assert _names(orders, _listed(response)) == ["D", "C"]
    form = response.context["form"]
    assert form.filters() == OrderFilters(channel="other")
    assert form.errors == {
        "status": ["Select a valid choice. abc is not one of the available choices."],
        end: ["The end date is before the start date."],
    }
    assert response.context["advanced_open"] is True
    assert response.context["export_query"] == "channel=other"  # the export holds what the page lists
    html = response.content.decode()
    label = "Created to" if prefix == "created" else "Paid to"
    assert (
        f'<div class="invalid-feedback d-block" id="filter-{start}-errors">'
        f"{label}: The end date is before the start date.</div>"
    ) in html
    # Both days are marked, and both point at the message; Django marks the field holding the error invalid.
    for name, value, invalid in ((start, "2026-11-23", ""), (end, "2026-11-20", ' aria-invalid="true"')):
        assert (
            f'<input type="date" name="{name}" value="{value}" min="2000-01-01" max="2099-12-31" '
            f'class="form-control form-control-sm is-invalid" id="filter-{name}" '
            f'aria-describedby="filter-{start}-errors"{invalid}>'
        ) in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"created_to": "9999-12-31"}, "created_to"),  # the day after it does not exist: this answered 500
        ({"paid_from": "0001-01-01"}, "paid_from"),  # before the time zone's first day: this answered 500 too
        ({"created_from": "2026-11-22", "created_to": "2100-01-01"}, "created_to"),
        ({"paid_from": "1999-12-31", "paid_to": "2026-11-22"}, "paid_from"),
    ],
)
def test_days_outside_2000_to_2099_are_field_errors_and_the_range_filters_nothing(
    owner_client, shop, orders, params, field
):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = owner_client.get(_url(shop, **params))
    assert _names(orders, _listed(response)) == ["D", "C", "B", "A"]
    assert response.context["form"].errors == {field: ["Choose a day from 2000-01-01 to 2099-12-31."]}
    assert response.context["form"].filters() == OrderFilters()


def test_the_earliest_and_latest_days_are_accepted(owner_client, shop, orders):
    response = owner_client.get(_url(shop, created_from="2000-01-01", created_to="2099-12-31"))
    assert _names(orders, _listed(response)) == ["D", "C", "B", "A"]
    assert response.context["form"].errors == {}


def test_a_shop_without_orders_shows_the_sync_hint(owner_client, shop):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = owner_client.get(_url(shop))
    assert _listed(response) == []
    html = response.content.decode()
    assert "No orders yet" in html
    assert "Orders arrive from WeChat Shop with the platform sync." in html
    assert 'id="order-table"' not in html


def test_no_match_offers_to_clear_the_filters(owner_client, shop, orders):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = owner_client.get(_url(shop, status=13)).content.decode()
    assert "No orders match these filters" in html
    assert "No orders yet" not in html


def test_rows_show_what_the_merchant_needs(owner_client, shop, orders):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    OrderLineFactory(order=orders["A"], sku_cnt=2, channel=Channel.FINDER_LIVE)
    response = owner_client.get(_url(shop, status=20))
    (row,) = response.context["rows"]
    assert (row.buyer, row.first_title, row.item_count, row.channels) == (
        f"{orders['A'].openid[:4]}…{orders['A'].openid[-3:]}",
        "直播爆款",
        3,
        ["Channels live stream"],
    )
    html = response.content.decode()
    assert "¥19.90" in html
    assert "3 items in all" in html
    assert orders["A"].openid not in html
    assert f'href="/shops/{shop.public_id}/orders/{orders["A"].order_id}/"' in html


def _ordered_ids(shop, sort):
    return [
        order.order_id
        for order in order_page_for_shop(shop=shop, filters=OrderFilters(), sort=sort, page_size=100).orders
    ]


def _walk(client, shop, sort, page_size):
    """Follow the next links to the end, then the previous links back; return both walks' pages."""
    forward, url = [], _url(shop, sort=sort, per_page=page_size)
    while url:
        response = client.get(url)
        forward.append(_listed(response))
        url = f"{_url(shop)}?{response.context['next_query']}" if response.context["next_query"] else ""
    backward = [forward[-1]]
    while response.context["prev_query"]:
        response = client.get(f"{_url(shop)}?{response.context['prev_query']}")
        backward.insert(0, _listed(response))
    return forward, backward


@pytest.mark.parametrize("sort", list(OrderSort))
def test_pages_walk_forwards_and_back_without_counting(owner_client, shop, sort):
    # 45 orders: equal amounts and times in runs (ties broken by id), a third unpaid (no pay time).
    for n in range(45):
        OrderFactory(
            shop=shop,
            create_time=cst(2026, 11, 1, 10, 0) + timedelta(hours=n // 3),
            pay_time=None if n % 3 == 0 else cst(2026, 11, 2) + timedelta(minutes=n % 7),
            order_price_fen=1000 * (n % 4),
        )
    everything = _ordered_ids(shop, sort)
    assert len(everything) == 45
    owner_client.get(_url(shop))
    with CaptureQueriesContext(connection) as queries:
        forward, backward = _walk(owner_client, shop, sort.value, 20)
    assert [len(page) for page in forward] == [20, 20, 5]
    assert sum(forward, []) == everything
    assert backward == forward
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_page_size_choice(owner_client, shop):
    OrderFactory.create_batch(55, shop=shop)
    first = owner_client.get(_url(shop, per_page=50))
    assert len(_listed(first)) == 50
    assert first.context["next_query"].startswith("per_page=50&after=")
    assert first.context["prev_query"] == ""
    second = owner_client.get(f"{_url(shop)}?{first.context['next_query']}")
    assert len(_listed(second)) == 5
    assert second.context["next_query"] == ""
    assert len(_listed(owner_client.get(_url(shop, per_page=100)))) == 55
    # An unknown page size falls back to 20 and says so.
    odd = owner_client.get(_url(shop, per_page=7))
    assert len(_listed(odd)) == 20
    assert "per_page" in odd.context["form"].errors


def test_an_unreadable_cursor_starts_from_the_first_page(owner_client, shop, orders):
    assert Cursor.decode("junk") is None
    assert Cursor.decode("12_x") is None
    assert Cursor.decode("n_5") == Cursor(value=None, pk=5)
    assert Cursor.decode(f"{2**63}_5") is None
    assert Cursor.decode("5_0") is None
    for token in ("junk", f"{2**70}_1", "999999999999999999_1"):  # the last one is a time past the year 9999
        assert _names(orders, _listed(owner_client.get(_url(shop, after=token)))) == ["D", "C", "B", "A"]
        assert _names(orders, _listed(owner_client.get(_url(shop, before=token)))) == ["D", "C", "B", "A"]


def _add_orders(shop):
    def add(n):
        for _ in range(n):
            order = OrderFactory(shop=shop)
            OrderLineFactory(order=order, channel=Channel.FINDER_LIVE, coupons=COUPON)
            OrderLineFactory(order=order, channel=Channel.OTHER)

    return add


@pytest.mark.parametrize("params", [{}, {"channel": "finder_live", "coupon": "yes", "settled": "no"}])
def test_list_queries_do_not_grow_with_rows(owner_client, shop, params):
    url = _url(shop, per_page=50, **params)
    small, large = assert_constant_queries(owner_client, url, _add_orders(shop), small=1, large=50)
    assert (len(small.context["rows"]), len(large.context["rows"])) == (1, 50)
    assert all(len(row.lines) == 2 for row in large.context["rows"])
    with CaptureQueriesContext(connection) as queries:
        owner_client.get(url)
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_line_filters_are_exists_subqueries_not_joins(shop):
    filters = OrderFilters(channel="other", account="x", product="P1", coupon_used=False)
    sql = str(orders_for_shop(shop=shop, filters=filters).query).upper()
    assert sql.count("EXISTS") == 4
    assert "DISTINCT" not in sql
    assert "JOIN" not in sql


def test_analyst_sees_the_list_and_the_export_links(client, shop, orders):
    analyst = MembershipFactory(shop=shop, role=Role.ANALYST)
    client.force_login(analyst.user)
    response = client.get(_url(shop))
    assert _names(orders, _listed(response)) == ["D", "C", "B", "A"]
    html = response.content.decode()
    assert 'id="export-csv"' in html
    assert 'id="export-xlsx"' in html
    # Nothing on the page writes: there is no form that posts.
    assert 'method="post"' not in html.split('id="order-filters"')[1]
    assert client.post(_url(shop)).status_code == 405


def test_another_shops_member_gets_404(client, shop, orders):
    stranger = MembershipFactory(role=Role.OWNER)
    client.force_login(stranger.user)
    assert client.get(_url(shop)).status_code == 404


def test_the_sidebar_links_to_orders(owner_client, shop):
    html = owner_client.get(reverse("console:shop_home", kwargs={"shop": shop.public_id})).content.decode()
    assert f'href="{_url(shop)}"' in html


def test_account_hints_are_the_shops_own_accounts(owner_client, shop, orders):
    OrderLineFactory(order=orders["twin"], account_id="sph_theirs", account_nickname="别家直播间")
    OrderLineFactory(order=orders["B"], account_id="wx_mp", account_nickname="")  # a line without the nickname
    assert order_accounts_for_shop(shop=shop) == [("sph_live", "直播号"), ("wwcorp", "企业号"), ("wx_mp", "公众号A")]
    assert order_accounts_for_shop(shop=shop, limit=2) == [("sph_live", "直播号"), ("wwcorp", "企业号")]
    html = owner_client.get(_url(shop)).content.decode()
    assert '<option value="sph_live">直播号</option>' in html
    assert "sph_theirs" not in html
