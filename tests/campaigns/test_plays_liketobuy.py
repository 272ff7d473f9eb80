"""点赞买: the plan with its margin check (floor price + platform subsidy − unit cost, refused below zero on the
floor price), and its orders: the product's paid lines in the period at no more than the floor price."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import LikeToBuy, ProductCost
from campaigns.selectors import plays as selectors
from campaigns.services import plays as services
from tests.campaigns.plays_support import prize, tr
from tests.factories import ORDER_T0, MembershipFactory, OrderFactory, OrderLineFactory, SkuFactory
from tests.helpers import assert_constant_queries, console_url
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

PLAN = {
    "name": "点赞买享补贴",
    "product_id": "10000000000001",
    "sku_id": "",
    "likes_needed": 3,
    "floor_price_fen": 9900,
    "subsidy_fen": 1000,
    "unit_cost_fen": 8000,
    "starts_at": ORDER_T0,
    "ends_at": ORDER_T0 + timedelta(days=7),
}


@pytest.fixture
def web(owner_client):
    return owner_client


def form_data(**changes) -> dict:
    return {
        "name": "点赞买享补贴",
        "product_id": "10000000000001",
        "sku_id": "",
        "likes_needed": "3",
        "floor_price_fen": "99.00",
        "subsidy_fen": "10.00",
        "unit_cost_fen": "80.00",
        "starts_at": "2026-11-20T10:00",
        "ends_at": "2026-11-27T10:00",
        **changes,
    }


def test_a_plan_keeps_its_margin_and_records_the_unit_cost(web, shop):
    prize(shop)
    response = web.post(console_url("liketobuy_create", shop), form_data())
    campaign = LikeToBuy.objects.get()
    assert response.url == console_url("liketobuy_detail", shop, pk=campaign.pk)
    assert (campaign.floor_price_fen, campaign.subsidy_fen, campaign.unit_cost_fen, campaign.margin_fen) == (
        9900,
        1000,
        8000,
        2900,
    )
    assert (campaign.starts_at, campaign.ends_at) == (ORDER_T0, ORDER_T0 + timedelta(days=7))
    assert list(ProductCost.objects.values_list("product_id", "sku_id", "unit_cost_fen")) == [
        ("10000000000001", "", 8000)
    ]


def test_a_plan_below_cost_is_refused_on_the_floor_price_and_nothing_changes(web, shop):
    prize(shop)
    before = snapshot()
    response = web.post(console_url("liketobuy_create", shop), form_data(floor_price_fen="60.00"))
    assert response.status_code == 200
    expected = tr(
        "Floor price plus subsidy (%(income)s) is below the unit cost (%(cost)s): each sale would lose "
        "%(loss)s. Raise the floor price to at least %(least)s.",
        income="¥70.00",
        cost="¥80.00",
        loss="¥10.00",
        least="¥70.00",
    )
    assert response.context["form"].errors["floor_price_fen"] == [expected]
    assert changes(before, snapshot()) == {}


def test_breaking_even_is_allowed(shop):
    prize(shop)
    campaign = services.liketobuy_save(shop=shop, **{**PLAN, "floor_price_fen": 7000})
    assert campaign.margin_fen == 0


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"floor_price_fen": 6999}, "floor_price_fen", "below_cost"),
        ({"product_id": "99999999999999"}, "product_id", "product"),
        ({"sku_id": "29999999999999"}, "sku_id", "sku"),
        ({"likes_needed": 0}, "likes_needed", "likes"),
        ({"ends_at": ORDER_T0}, "ends_at", "period"),
        ({"subsidy_fen": -1}, "subsidy_fen", "negative"),
    ],
)
def test_refusals(shop, changes, field, code):
    prize(shop)
    with pytest.raises(ValidationError) as refused:
        services.liketobuy_save(shop=shop, **{**PLAN, **changes})
    assert [e.code for e in refused.value.error_dict[field]] == [code]
    assert not LikeToBuy.objects.exists() and not ProductCost.objects.exists()


def sale(shop, *, minutes, unit_fen, cnt=1, sku_id="20000000000001", product_id="10000000000001", paid=True):
    order = OrderFactory(
        shop=shop,
        create_time=ORDER_T0 + timedelta(minutes=minutes),
        pay_time=ORDER_T0 + timedelta(minutes=minutes + 1) if paid else None,
        order_price_fen=unit_fen * cnt,
    )
    OrderLineFactory(order=order, product_id=product_id, sku_id=sku_id, sku_cnt=cnt, sale_price_fen=unit_fen)
    return order


def campaign_world(shop):
    """In the period: two sales at the floor price (1 and 2 units), one at the full price, one unpaid, one of
    another SKU; outside it: a floor-price sale a minute before it starts."""
    product = prize(shop)
    SkuFactory(product=product, sku_id="20000000000002")
    sale(shop, minutes=10, unit_fen=9900)
    sale(shop, minutes=20, unit_fen=9900, cnt=2)
    sale(shop, minutes=30, unit_fen=19900)
    sale(shop, minutes=40, unit_fen=9900, paid=False)
    sale(shop, minutes=50, unit_fen=9900, sku_id="20000000000002")
    sale(shop, minutes=-1, unit_fen=9900)


def test_its_orders_are_the_paid_floor_price_sales_of_the_period(web, shop):
    campaign_world(shop)
    campaign = services.liketobuy_save(shop=shop, **PLAN)
    read = selectors.liketobuy_get_for_shop_or_404(shop=shop, pk=campaign.pk)
    assert (read.orders, read.units, read.sales_fen) == (3, 4, 39600)
    page = web.get(console_url("liketobuy_detail", shop, pk=campaign.pk))
    assert [(ln.sku_id, ln.sku_cnt, ln.real_price_fen) for ln in page.context["lines"]] == [
        ("20000000000001", 1, 9900),
        ("20000000000001", 2, 19800),
        ("20000000000002", 1, 9900),
    ]
    assert page.context["campaign"].margin_total_fen == 4 * 2900
    assert "¥116.00" in page.content.decode()


def test_a_sku_campaign_counts_that_sku_only(shop):
    campaign_world(shop)
    campaign = services.liketobuy_save(shop=shop, **{**PLAN, "sku_id": "20000000000002"})
    read = selectors.liketobuy_get_for_shop_or_404(shop=shop, pk=campaign.pk)
    assert (read.orders, read.units, read.sales_fen) == (1, 1, 9900)
    assert ProductCost.objects.get().sku_id == "20000000000002"


def test_the_sku_cost_wins_over_the_product_cost(shop):
    services.product_cost_set(shop=shop, product_id="1", unit_cost_fen=500)
    services.product_cost_set(shop=shop, product_id="1", sku_id="11", unit_cost_fen=700)
    assert [selectors.unit_cost(shop=shop, product_id="1", sku_id=s) for s in ("11", "12", "")] == [700, 500, 500]
    assert selectors.unit_cost(shop=shop, product_id="2") is None


def test_the_list_runs_the_same_queries_for_1_and_50_campaigns(web, shop):
    campaign_world(shop)

    def add(n):
        for _ in range(n):
            services.liketobuy_save(shop=shop, **PLAN)

    _small, large = assert_constant_queries(web, console_url("liketobuy_list", shop), add, small=1, large=50)
    assert [(c.orders, c.units, c.margin_total_fen) for c in large.context["campaigns"]] == [(3, 4, 11600)] * 50


def test_empty_state_and_where_it_happens(web, shop):
    text = web.get(console_url("liketobuy_list", shop)).content.decode()
    assert tr("No like-to-buy campaigns yet") in text and "「订单与卡包」" in text


def test_edit_and_delete(web, shop):
    campaign_world(shop)
    campaign = services.liketobuy_save(shop=shop, **PLAN)
    page = web.get(console_url("liketobuy_edit", shop, pk=campaign.pk))
    assert page.context["form"].initial["floor_price_fen"] == 99
    response = web.post(console_url("liketobuy_edit", shop, pk=campaign.pk), form_data(likes_needed="5"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.likes_needed, LikeToBuy.objects.count()) == (5, 1)
    url = console_url("liketobuy_delete", shop, pk=campaign.pk)
    assert web.get(url).status_code == 200 and LikeToBuy.objects.exists()
    web.post(url)
    assert not LikeToBuy.objects.exists()


def test_an_analyst_cannot_plan(client, shop):
    prize(shop)
    client.force_login(MembershipFactory(shop=shop, role="analyst").user)
    assert client.post(console_url("liketobuy_create", shop), form_data()).status_code == 403
    assert not LikeToBuy.objects.exists()


def test_the_detail_page_runs_the_same_queries_for_1_and_50_orders(web, shop):
    prize(shop)
    campaign = services.liketobuy_save(shop=shop, **PLAN)
    made = iter(range(100, 200))

    def add(n):
        for _ in range(n):
            sale(shop, minutes=next(made), unit_fen=9900)

    url = console_url("liketobuy_detail", shop, pk=campaign.pk)
    _small, large = assert_constant_queries(web, url, add, small=1, large=50)
    assert len(large.context["lines"]) == 50
