"""福袋: the plan (prize, number, condition, draw time, live, cost), its refusals, and its results read from the
live's 0-yuan lottery orders (payment_method 3) — winners by fulfilment status and cost against the live's GMV."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import LuckyBag, ProductCost
from campaigns.selectors import plays as selectors
from campaigns.services import plays as services
from shopops.models import Order
from shopops.services.rollups import sales_rollups_rebuild
from tests.campaigns.plays_support import LIVE, OTHER_LIVE, bag_product, live_order, lottery_order, prize, tr
from tests.factories import ORDER_T0, MembershipFactory, ProductFactory
from tests.helpers import assert_constant_queries, console_url
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

PLAN = {
    "name": "开播福袋",
    "prize_product_id": "10000000000001",
    "prize_sku_id": "",
    "bag_product_id": "",
    "quantity": 3,
    "condition": "comment",
    "password": "想要",
    "draw_at": ORDER_T0 + timedelta(hours=1),
    "live_id": LIVE,
    "live_date": None,
    "unit_cost_fen": 2000,
}


@pytest.fixture
def web(owner_client):
    return owner_client


def form_data(**changes) -> dict:
    data = {
        **PLAN,
        "draw_at": "2026-11-20T11:00",
        "unit_cost_fen": "20.00",
        "live_date": "",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def test_a_plan_is_saved_with_its_cost_and_the_prize_cost_is_recorded(web, shop):
    prize(shop)
    response = web.post(console_url("luckybag_create", shop), form_data())
    bag = LuckyBag.objects.get()
    assert response.status_code == 302 and response.url == console_url("luckybag_detail", shop, pk=bag.pk)
    assert (bag.name, bag.quantity, bag.condition, bag.password, bag.live_id, bag.unit_cost_fen, bag.cost_fen) == (
        "开播福袋",
        3,
        "comment",
        "想要",
        LIVE,
        2000,
        6000,
    )
    assert bag.draw_at == ORDER_T0 + timedelta(hours=1)  # 11:00 in Asia/Shanghai
    assert list(ProductCost.objects.values_list("product_id", "sku_id", "unit_cost_fen")) == [
        ("10000000000001", "", 2000)
    ]


@pytest.mark.parametrize(
    ("edits", "field", "code"),
    [
        ({"prize_product_id": "99999999999999"}, "prize_product_id", "product"),
        ({"prize_sku_id": "29999999999999"}, "prize_sku_id", "sku"),
        ({"password": " "}, "password", "password"),
        ({"live_id": ""}, "live_id", "live"),
        ({"bag_product_id": "10000000000001"}, "bag_product_id", "bag"),
        ({"quantity": 0}, "quantity", "quantity"),
    ],
)
def test_refusals_name_the_field_and_change_nothing(shop, edits, field, code):
    prize(shop)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.luckybag_save(shop=shop, **{**PLAN, **edits})
    assert [e.code for e in refused.value.error_dict[field]] == [code]
    assert changes(before, snapshot()) == {}


def test_a_lucky_bag_product_is_not_a_prize(shop):
    prize(shop)
    bag_product(shop)
    with pytest.raises(ValidationError) as refused:
        services.luckybag_save(shop=shop, **{**PLAN, "prize_product_id": "19000000000001"})
    assert [e.code for e in refused.value.error_dict["prize_product_id"]] == ["product_type"]


def test_a_refused_form_shows_the_error_on_its_field_in_chinese(web, shop):
    prize(shop)
    response = web.post(console_url("luckybag_create", shop), form_data(condition="comment", password=""))
    assert response.status_code == 200 and not LuckyBag.objects.exists()
    assert response.context["form"].errors["password"] == [tr("Say which word viewers must comment.")]


def test_other_conditions_keep_no_password(shop):
    prize(shop)
    bag = services.luckybag_save(shop=shop, **{**PLAN, "condition": "fan_club"})
    assert (bag.condition, bag.password) == ("fan_club", "")


def results_world(shop):
    """Live LIVE: three winners (awaiting shipment, shipped, completed), a fourth lottery order of another 福袋
    product, two paid orders (100 + 50 yuan) and an unpaid one; OTHER_LIVE has a winner and a paid order."""
    prize(shop)
    bag_product(shop)
    bag_product(shop, product_id="19000000000002")
    lottery_order(shop, status=Order.Status.PAID, minutes=1)
    lottery_order(shop, status=Order.Status.SHIPPED, minutes=2)
    lottery_order(shop, status=Order.Status.COMPLETED, minutes=3)
    lottery_order(shop, status=Order.Status.COMPLETED, product_id="19000000000002", minutes=4)
    live_order(shop, price_fen=10000, minutes=5)
    live_order(shop, price_fen=5000, minutes=6)
    live_order(shop, price_fen=3000, paid=False, minutes=7)
    lottery_order(shop, live_id=OTHER_LIVE, minutes=8)
    live_order(shop, price_fen=99900, live_id=OTHER_LIVE, minutes=9)
    sales_rollups_rebuild(shop=shop)  # as the order store keeps them


def test_results_count_the_winners_by_fulfilment_and_set_the_cost_against_the_live_gmv(web, shop):
    results_world(shop)
    bag = services.luckybag_save(shop=shop, **{**PLAN, "bag_product_id": "19000000000001"})
    read = selectors.luckybag_get_for_shop_or_404(shop=shop, pk=bag.pk)
    assert (read.winners, read.waiting, read.shipped, read.done, read.live_gmv_fen) == (3, 1, 1, 1, 15000)

    page = web.get(console_url("luckybag_detail", shop, pk=bag.pk))
    assert page.context["cost_share"] == "40.0%"  # 3 × ¥20.00 of ¥150.00
    assert [(o.status, o.order_price_fen) for o in page.context["winners"]] == [(20, 0), (30, 0), (100, 0)]
    text = page.content.decode()
    fulfilment = tr(
        "%(waiting)s awaiting shipment, %(shipped)s shipped, %(done)s completed", waiting=1, shipped=1, done=1
    )
    assert "¥60.00" in text and "¥150.00" in text and fulfilment in text
    assert "【福袋】" in text  # where the step is done in WeChat: the live room's 福袋 button


def test_without_its_lucky_bag_product_every_lottery_order_of_the_live_counts(shop):
    results_world(shop)
    bag = services.luckybag_save(shop=shop, **PLAN)
    read = selectors.luckybag_get_for_shop_or_404(shop=shop, pk=bag.pk)
    assert (read.winners, read.done) == (4, 2)
    assert len(selectors.luckybag_winners(bag=bag)) == 4


def test_a_date_finds_the_live_of_that_days_lottery_orders(web, shop):
    results_world(shop)
    response = web.post(console_url("luckybag_create", shop), form_data(live_id="", live_date="2026-11-20"))
    assert response.status_code == 302
    assert (LuckyBag.objects.get().live_id, LuckyBag.objects.get().live_date) == (LIVE, date(2026, 11, 20))


def test_a_date_without_a_live_in_the_orders_is_kept_until_one_appears(shop):
    prize(shop)
    assert selectors.live_for_day(shop=shop, day=date(2026, 11, 20)) == ""
    bag = services.luckybag_save(shop=shop, **{**PLAN, "live_id": "", "live_date": date(2026, 11, 20)})
    read = selectors.luckybag_get_for_shop_or_404(shop=shop, pk=bag.pk)
    assert (read.winners, read.live_gmv_fen) == (0, 0)


def test_the_list_runs_the_same_queries_for_1_and_50_plans(web, shop):
    results_world(shop)

    def add(n):
        for _ in range(n):
            services.luckybag_save(shop=shop, **PLAN)

    small, large = assert_constant_queries(web, console_url("luckybag_list", shop), add, small=1, large=50)
    assert [b.winners for b in large.context["bags"]] == [4] * 50
    assert large.context["bags"][0].cost_share == "40.0%"


def test_the_list_pages_by_50_and_shows_an_empty_state(web, shop):
    assert tr("No lucky bags planned yet") in web.get(console_url("luckybag_list", shop)).content.decode()
    prize(shop)
    for n in range(51):
        services.luckybag_save(shop=shop, **{**PLAN, "draw_at": ORDER_T0 + timedelta(minutes=n)})
    first = web.get(console_url("luckybag_list", shop))
    second = web.get(console_url("luckybag_list", shop) + "?page=2")
    assert (len(first.context["bags"]), len(second.context["bags"])) == (50, 1)
    assert second.context["bags"][0].draw_at == ORDER_T0  # latest draw first


def test_delete_asks_first_and_leaves_the_orders(web, shop):
    results_world(shop)
    bag = services.luckybag_save(shop=shop, **PLAN)
    url = console_url("luckybag_delete", shop, pk=bag.pk)
    title = tr("Delete the lucky bag plan “%(name)s”?", name="开播福袋")
    assert title in web.get(url).content.decode() and LuckyBag.objects.exists()
    assert web.post(url).status_code == 302
    assert not LuckyBag.objects.exists() and Order.objects.filter(payment_method=3).count() == 5


def test_an_analyst_sees_the_plans_but_cannot_plan(client, shop):
    analyst = MembershipFactory(shop=shop, role="analyst")
    client.force_login(analyst.user)
    assert client.get(console_url("luckybag_list", shop)).status_code == 200
    prize(shop)
    assert client.post(console_url("luckybag_create", shop), form_data()).status_code == 403
    assert not LuckyBag.objects.exists()


def test_the_edit_form_starts_from_the_plan_and_saves_changes(web, shop):
    prize(shop)
    ProductFactory(shop=shop, product_id="10000000000002", title="羊毛围巾")
    bag = services.luckybag_save(shop=shop, **PLAN)
    page = web.get(console_url("luckybag_edit", shop, pk=bag.pk))
    assert page.context["form"].initial["unit_cost_fen"] == 20 and page.context["bag"] == bag
    response = web.post(
        console_url("luckybag_edit", shop, pk=bag.pk),
        form_data(prize_product_id="10000000000002", quantity="5", unit_cost_fen="12.50"),
    )
    assert response.status_code == 302
    bag.refresh_from_db()
    assert (bag.prize_product_id, bag.quantity, bag.cost_fen, LuckyBag.objects.count()) == (
        "10000000000002",
        5,
        6250,
        1,
    )


def test_the_detail_page_runs_the_same_queries_for_1_and_50_winners(web, shop):
    results_world(shop)
    bag = services.luckybag_save(shop=shop, **PLAN)
    made = iter(range(100, 200))

    def add(n):
        for _ in range(n):
            lottery_order(shop, minutes=next(made))

    url = console_url("luckybag_detail", shop, pk=bag.pk)
    _small, large = assert_constant_queries(web, url, add, small=1, large=50)
    assert len(large.context["winners"]) == 54  # the world's four and fifty more


def test_the_plan_form_lists_the_lives_of_the_last_30_days_from_the_live_rollup(shop, time_machine):
    time_machine.move_to(ORDER_T0 + timedelta(days=30), tick=False)
    results_world(shop)
    live_order(shop, price_fen=777, live_id="export/old", minutes=-31 * 24 * 60)  # paid 31 days ago: not listed
    sales_rollups_rebuild(shop=shop)
    lives = selectors.recent_lives(shop=shop)  # the plan form's table of lives
    # Latest first; the winners' 0-yuan orders are paid orders of the live, the unpaid one is not counted.
    assert [(live.live_id, live.first_order, live.orders, live.gmv_fen) for live in lives] == [
        (OTHER_LIVE, ORDER_T0 + timedelta(minutes=9), 2, 99900),
        (LIVE, ORDER_T0 + timedelta(minutes=2), 6, 15000),
    ]
