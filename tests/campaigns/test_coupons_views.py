"""The coupon pages: list (filters, pages, empty states, fixed query count), detail with the funnel, the form's
field-level refusals in Chinese with no call made, status changes behind a confirmation, roles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Coupon
from shopops.models import ApiCall
from shopops.services.rollups import sales_rollups_rebuild
from tests.factories import MembershipFactory, OrderFactory, OrderLineFactory
from tests.helpers import assert_constant_queries, console_url

pytestmark = pytest.mark.django_db

_serial = iter(range(10**6))


def coupon(shop, **fields) -> Coupon:
    n = next(_serial)
    values = {
        "coupon_id": f"{80000000 + n}",
        "type": Coupon.Type.SHOP_DIRECT_OFF,
        "status": Coupon.Status.EFFECTIVE,
        "name": f"立减{n}",
        "discount_fee_fen": 500,
        "total_num": 1000,
        "receive_num": 40,
        "used_num": 10,
        "create_time": timezone.now() - timedelta(minutes=n),
        "synced_at": timezone.now(),
    }
    values.update(fields)
    return Coupon.objects.create(shop=shop, **values)


@pytest.fixture
def connected(shop):
    shop.appid, shop.app_secret = "wxcouponviews00001", "v" * 32
    shop.save()
    return shop


def test_list_has_a_fixed_query_count(owner_client, shop):
    def add(n):
        for _ in range(n):
            c = coupon(shop)
            order = OrderFactory(shop=shop, order_price_fen=5000)
            entry = {"coupon_type": 1, "coupon_id": c.coupon_id, "user_coupon_id": "u", "discounted_price": 500}
            OrderLineFactory(order=order, real_price_fen=5000, coupons=[entry])
        sales_rollups_rebuild(shop=shop)

    small, large = assert_constant_queries(owner_client, console_url("campaign_coupons", shop), add, small=1, large=30)
    assert large.content.decode().count('id="coupon-') == 30


def test_list_filters_and_empty_states(owner_client, shop):
    url = console_url("campaign_coupons", shop)
    assert (
        "还没有优惠券" in owner_client.get(url).content.decode()
        or "No coupons yet" in owner_client.get(url).content.decode()
    )
    live = coupon(shop, name="在用券")
    coupon(shop, name="作废券", status=Coupon.Status.INVALIDATED)
    coupon(shop, name="商品券", type=Coupon.Type.PRODUCT_DISCOUNT, discount_fee_fen=None, discount_num=9000)
    page = owner_client.get(url, {"status": 2}).content.decode()
    assert "在用券" in page and "作废券" not in page
    page = owner_client.get(url, {"type": 3}).content.decode()
    assert "商品券" in page and "在用券" not in page
    page = owner_client.get(url, {"status": 3}).content.decode()
    assert 'id="coupon-' not in page and "bi-search" in page
    assert live.name in owner_client.get(url).content.decode()


def test_list_pages(owner_client, shop):
    for _ in range(51):
        coupon(shop)
    url = console_url("campaign_coupons", shop)
    assert owner_client.get(url).content.decode().count('id="coupon-') == 50
    assert owner_client.get(url, {"page": 2}).content.decode().count('id="coupon-') == 1


def test_detail_shows_the_funnel(owner_client, shop):
    c = coupon(shop, receive_num=40, used_num=10)
    for price, discount, paid in ((5000, 500, True), (3000, 500, True), (9900, 500, False)):
        order = OrderFactory(shop=shop, order_price_fen=price, pay_time=timezone.now() if paid else None)
        entry = {
            "coupon_type": 1,
            "coupon_id": c.coupon_id,
            "user_coupon_id": f"u{price}",
            "discounted_price": discount,
        }
        OrderLineFactory(order=order, real_price_fen=price, coupons=[entry])
    sales_rollups_rebuild(shop=shop)  # as the order store keeps them
    response = owner_client.get(console_url("campaign_coupon_detail", shop, pk=c.pk))
    performance = response.context["performance"]
    assert (performance.received, performance.used, performance.orders) == (40, 10, 2)
    assert (performance.gmv_fen, performance.cost_fen, performance.roi) == (8000, 1000, "8.00")
    assert performance.use_rate_ppm == 250_000


def form_data(**changes):
    now = timezone.localtime()
    data = {
        "type": 104,
        "name": "店铺立减5元",
        "promote_type": 1,
        "discount_fee": "5.00",
        "receive_start": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "receive_end": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "limit_num_one_person": 1,
        "total_num": 100,
        "valid_type": 2,
        "valid_day_num": 7,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"discount_fee": "200.01"}, "discount_fee"),
        ({"type": 103, "discount_fee": "", "discount_num": "1.5"}, "discount_num"),
        ({"name": "一二三四五六七八九十百"}, "name"),
        ({"type": 4, "discount_fee": "3"}, "product_ids"),
        ({"limit_num_one_person": 5, "total_num": 3}, "limit_num_one_person"),
    ],
)
def test_the_form_refuses_on_the_field_before_any_call(owner_client, connected, changes, field):
    response = owner_client.post(console_url("campaign_coupon_create", connected), form_data(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert ApiCall.objects.count() == 0 and not Coupon.objects.exists()


def test_form_errors_carry_the_rule(owner_client, connected):
    response = owner_client.post(console_url("campaign_coupon_create", connected), form_data(discount_fee="200.01"))
    assert [e.code for e in response.context["form"].errors.as_data()["discount_fee"]] == ["discount_fee_range"]


def test_status_change_asks_for_confirmation_and_refuses_before_the_call(owner_client, connected):
    c = coupon(connected, status=Coupon.Status.EFFECTIVE)
    url = console_url("campaign_coupon_status", connected, pk=c.pk, action="delete")
    page = owner_client.get(url)
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    response = owner_client.post(url)
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == Coupon.Status.EFFECTIVE and ApiCall.objects.count() == 0
    assert owner_client.get(console_url("campaign_coupon_status", connected, pk=c.pk, action="nope")).status_code == 404


def test_analysts_may_look_but_not_change(client, shop):
    analyst = MembershipFactory(shop=shop, role="analyst")
    client.force_login(analyst.user)
    c = coupon(shop)
    assert client.get(console_url("campaign_coupons", shop)).status_code == 200
    assert client.get(console_url("campaign_coupon_detail", shop, pk=c.pk)).status_code == 200
    assert client.get(console_url("campaign_coupon_create", shop)).status_code == 403
    assert client.post(console_url("campaign_coupon_status", shop, pk=c.pk, action="delete")).status_code == 403


def test_edit_form_starts_from_the_coupon(owner_client, shop):
    c = coupon(shop, type=Coupon.Type.SHOP_DISCOUNT, discount_fee_fen=None, discount_num=8500)
    response = owner_client.get(console_url("campaign_coupon_edit", shop, pk=c.pk))
    form = response.context["form"]
    assert form.initial["discount_num"] == 8.5 and form.initial["name"] == c.name


def test_the_form_shows_each_discount_field_for_the_types_that_take_it(owner_client, shop):
    page = owner_client.get(console_url("campaign_coupon_create", shop)).content.decode()
    assert 'data-types="1 3 101 103"' in page  # discount_num
    assert 'data-types="2 4 102 104"' in page  # discount_fee
    assert 'data-types="1 2 3 4"' in page  # product_ids
    assert 'data-types="1 101"' in page and 'data-types="2 102"' in page  # product_cnt, product_price
    assert 'data-valid="2"' in page and page.count('data-valid="1"') == 2


def test_sync_now_queues_the_coupon_sync_for_the_worker_and_calls_nothing(
    owner_client, connected, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(console_url("campaign_coupons_sync", connected))
    assert response.status_code == 302
    assert [(t["func"], t["args"]) for t in queue()] == [("campaigns.tasks.coupons_sync_shop", (connected.pk,))]
    assert ApiCall.objects.count() == 0 and Coupon.objects.count() == 0
