"""The product pages: the list with its aggregates, filters, search, pagination and empty states, and one product
with its SKUs and the orders that sold it — each in a fixed number of queries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from shopops.models import Order, OrderLine
from tests.factories import ProductFactory, ShopFactory, SkuFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def en_client(owner_client):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return owner_client


def _list_url(shop, **params):
    url = reverse("console:products", kwargs={"shop": shop.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _rows(response):
    return [
        (p.title, p.status_text, p.price_text, p.stock_total, p.total_sold_num, p.sku_count)
        for p in response.context["products"]
    ]


@pytest.fixture
def catalogue(shop):
    cup = ProductFactory(shop=shop, product_id="3001", title="保温杯", status=5, total_sold_num=42)
    SkuFactory(product=cup, sale_price_fen=9900, stock_num=3)
    SkuFactory(product=cup, sale_price_fen=12950, stock_num=0)
    bag = ProductFactory(shop=shop, product_id="3002", title="帆布包", status=11, total_sold_num=7)
    SkuFactory(product=bag, sale_price_fen=5900, stock_num=0)
    gone = ProductFactory(shop=shop, product_id="3003", title="旧款茶具", status=5, deleted=True, total_sold_num=1)
    SkuFactory(product=gone, sale_price_fen=100, stock_num=5)
    bare = ProductFactory(shop=shop, product_id="3004", title="新品草稿", status=0, total_sold_num=0)
    # Another shop's product with the same title: never listed here.
    other = ProductFactory(shop=ShopFactory(), product_id="3001", title="保温杯")
    SkuFactory(product=other, sale_price_fen=1, stock_num=1000)
    return {"cup": cup, "bag": bag, "gone": gone, "bare": bare}


CUP = ("保温杯", "On sale", "¥99.00 – ¥129.50", 3, 42, 2)
BAG = ("帆布包", "Taken off sale", "¥59.00", 0, 7, 1)
GONE = ("旧款茶具", "On sale", "¥1.00", 5, 1, 1)
BARE = ("新品草稿", "Never listed", "—", 0, 0, 0)


def test_the_list_shows_price_range_stock_sold_and_status_and_hides_deleted(en_client, shop, catalogue):
    response = en_client.get(_list_url(shop))
    assert response.status_code == 200
    assert _rows(response) == [CUP, BAG, BARE]
    html = response.content.decode()
    assert "¥99.00 – ¥129.50" in html
    assert html.count("Out of stock") == 2 + 1  # two rows, plus the stock filter's option
    assert reverse("console:product_detail", kwargs={"shop": shop.public_id, "product_id": "3001"}) in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": 5}, [CUP]),
        ({"status": 11}, [BAG]),
        ({"stock": "in"}, [CUP]),
        ({"stock": "out"}, [BAG, BARE]),
        ({"deleted": "on"}, [CUP, BAG, BARE, GONE]),  # by title
        ({"deleted": "on", "stock": "in"}, [CUP, GONE]),
        ({"q": "包"}, [BAG]),
        ({"q": "3004"}, [BARE]),
        ({"q": "3003"}, []),  # deleted products stay hidden from a search too
        ({"status": 999}, [CUP, BAG, BARE]),  # not a status: the filter is ignored
    ],
)
def test_filters_and_search(en_client, shop, catalogue, params, expected):
    assert _rows(en_client.get(_list_url(shop, **params))) == expected


def test_a_filter_that_matches_nothing_says_so(en_client, shop, catalogue):
    html = en_client.get(_list_url(shop, q="不存在")).content.decode()
    assert "No products match these filters" in html
    assert "No products yet" not in html


def test_an_empty_catalogue_points_to_sync_status(en_client, shop):
    response = en_client.get(_list_url(shop))
    html = response.content.decode()
    assert response.context["catalogue_empty"] is True
    assert "No products yet" in html
    assert reverse("console:sync_health", kwargs={"shop": shop.public_id}) in html


def test_the_list_is_paginated_and_keeps_its_filters(en_client, shop):
    for n in range(51):
        SkuFactory(product=ProductFactory(shop=shop, title=f"商品{n:03d}"), stock_num=1)
    first = en_client.get(_list_url(shop, stock="in"))
    second = en_client.get(_list_url(shop, stock="in", page=2))
    assert (len(first.context["products"]), len(second.context["products"])) == (50, 1)
    assert second.context["products"][0].title == "商品050"
    assert "?stock=in&amp;page=2" in first.content.decode()
    assert "Page 1 of 2 · 51 in all" in first.content.decode()


def test_the_list_runs_a_fixed_number_of_queries(owner_client, shop):
    def add_products(n):
        for _ in range(n):
            product = ProductFactory(shop=shop)
            SkuFactory(product=product, sale_price_fen=1000, stock_num=2)
            SkuFactory(product=product, sale_price_fen=2000, stock_num=3)

    _, large = assert_constant_queries(owner_client, _list_url(shop), add_products, small=1, large=50)
    rows = large.context["products"]
    assert len(rows) == 50
    assert {(p.price_text, p.stock_total, p.sku_count) for p in rows} == {("¥10.00 – ¥20.00", 5, 2)}


# --- the product page ----------------------------------------------------------------------------------------


def _order(shop, order_id, *, created, status=Order.Status.PAID):
    return Order.objects.create(
        shop=shop,
        order_id=order_id,
        status=status,
        create_time=created,
        update_time=created,
        raw={},
        synced_at=created,
    )


def _line(order, product_id, sku_id, *, line_no=1, count=1, price=9900):
    return OrderLine.objects.create(
        shop=order.shop,
        order=order,
        line_no=line_no,
        product_id=product_id,
        sku_id=sku_id,
        sku_cnt=count,
        sale_price_fen=price,
        real_price_fen=price * count,
    )


def _detail_url(shop, product_id):
    return reverse("console:product_detail", kwargs={"shop": shop.public_id, "product_id": product_id})


def test_the_product_page_shows_its_skus_and_the_orders_that_sold_it(en_client, shop):
    cup = ProductFactory(shop=shop, product_id="3001", title="保温杯", total_sold_num=42)
    red = SkuFactory(
        product=cup,
        sku_id="40001",
        sale_price_fen=9900,
        market_price_fen=15900,
        stock_num=3,
        attrs=[{"attr_key": "颜色", "attr_value": "红"}, {"attr_key": "容量", "attr_value": "500ml"}],
        sku_code="CUP-R",
    )
    SkuFactory(product=cup, sku_id="40002", sale_price_fen=12950, stock_num=0, attrs=[], status=11)
    monday = datetime(2026, 3, 2, 10, 30, tzinfo=BEIJING)
    older = _order(shop, "7001", created=monday)
    _line(older, "3001", red.sku_id, count=2)
    newer = _order(shop, "7002", created=monday + timedelta(days=1), status=Order.Status.COMPLETED)
    _line(newer, "9999", "other", line_no=1)
    _line(newer, "3001", "40002", line_no=2, price=12950)
    # The same product id in another shop sold too: not this shop's order.
    elsewhere = ShopFactory()
    _line(_order(elsewhere, "7003", created=monday), "3001", "40001")

    response = en_client.get(_detail_url(shop, "3001"))

    assert response.status_code == 200
    assert [
        (s.sku_id, s.attrs_text, s.price_text, s.market_price_text, s.stock_num, s.status_text)
        for s in response.context["skus"]
    ] == [
        ("40001", "颜色: 红 / 容量: 500ml", "¥99.00", "¥159.00", 3, "On sale"),
        ("40002", "", "¥129.50", "¥129.00", 0, "Taken off sale"),
    ]
    assert (response.context["price_text"], response.context["stock_total"]) == ("¥99.00 – ¥129.50", 3)
    lines = response.context["lines"]
    assert [(li.order.order_id, li.sku_id, li.sku_cnt, li.price_text, li.paid_text) for li in lines] == [
        ("7002", "40002", 1, "¥129.50", "¥129.50"),
        ("7001", "40001", 2, "¥99.00", "¥198.00"),
    ]
    html = response.content.decode()
    assert "颜色: 红 / 容量: 500ml" in html
    assert "7003" not in html
    order_url = reverse("console:order_detail", kwargs={"shop": shop.public_id, "order_id": "7002"})
    assert f'href="{order_url}"' in html
    assert "Completed" in html  # the order's status


def test_a_product_gone_from_the_platform_still_opens_and_says_so(en_client, shop):
    ProductFactory(shop=shop, product_id="3003", deleted=True)
    html = en_client.get(_detail_url(shop, "3003")).content.decode()
    assert "Gone from the platform" in html
    assert "The platform no longer lists this product" in html


def test_the_product_page_runs_a_fixed_number_of_queries(owner_client, shop):
    cup = ProductFactory(shop=shop, product_id="3001")
    counter = iter(range(1, 100))

    def add_sales(n):
        for _ in range(n):
            k = next(counter)
            sku = SkuFactory(product=cup)
            created = datetime(2026, 3, 1, tzinfo=BEIJING) + timedelta(hours=k)
            _line(_order(shop, f"80{k:03d}", created=created), "3001", sku.sku_id)

    _, large = assert_constant_queries(owner_client, _detail_url(shop, "3001"), add_sales, small=1, large=20)
    assert (len(large.context["skus"]), len(large.context["lines"])) == (20, 20)


def test_another_shops_product_id_answers_404(owner_client, shop):
    ProductFactory(shop=ShopFactory(), product_id="5555")
    assert owner_client.get(_detail_url(shop, "5555")).status_code == 404
