"""订单与卡包 analytics and the favourites page: exact figures from the daily roll-ups for a hand-built shop (repeat
GMV, new buyers by entry scene, gifts, favourites growth, the 收藏券 and the funnel), tenancy, the coupon mark
(field errors, roles) and a fixed number of queries however many orders there are."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from campaigns.models import FavoritesSnapshot, FavouriteCoupon, FunnelFigures
from campaigns.selectors.analytics import (
    SceneBuyers,
    coupon_buyers_figures,
    favourites_for_shop,
    orders_cards_for_shop,
)
from campaigns.tasks import funnel_figures_compute
from shopops.models import Order
from shopops.roles import Role
from shopops.services.rollups import sales_rollups_rebuild
from tests.campaigns.plays_support import tr
from tests.factories import MembershipFactory, OrderFactory, OrderLineFactory, ShopFactory
from tests.helpers import assert_constant_queries, flash_messages

pytestmark = pytest.mark.django_db

START, END = date(2026, 11, 18), date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # 15:00 on the 20th in Beijing


def cst(*args) -> datetime:
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)


def _order(shop, name, *, paid, price, openid, scene=None, present=False, coupons=(), status=Order.Status.PAID):
    order = OrderFactory(
        shop=shop,
        order_id=f"3700000000000000{name}",
        pay_time=paid,
        create_time=paid,
        order_price_fen=price,
        openid=openid,
        order_scene=scene,
        is_present=present,
        status=status,
    )
    OrderLineFactory(order=order, real_price_fen=price, coupons=list(coupons))
    return order


@pytest.fixture
def sales(shop):
    _order(shop, "A0", paid=cst(2026, 11, 10, 9, 0), price=1000, openid="oA", scene=2)  # before the period
    _order(shop, "A1", paid=cst(2026, 11, 18, 9, 0), price=2000, openid="oA", scene=2)  # repeat
    _order(shop, "B1", paid=cst(2026, 11, 18, 0, 0), price=3000, openid="oB", scene=2)  # new
    _order(shop, "B2", paid=cst(2026, 11, 19, 23, 59), price=4000, openid="oB", scene=4, present=True,
           coupons=[{"coupon_id": "FAV1", "discounted_price": 500}])  # fmt: skip
    _order(shop, "N1", paid=cst(2026, 11, 19, 12, 0), price=100, openid="")  # no buyer id
    two_coupons = [{"coupon_id": "FAV1", "discounted_price": 300}, {"coupon_id": "X9", "discounted_price": 50}]
    _order(shop, "C1", paid=cst(2026, 11, 20, 10, 0), price=500, openid="oC", scene=3, coupons=two_coupons)
    _order(shop, "C2", paid=cst(2026, 11, 20, 11, 0), price=700, openid="oC", scene=2)  # new in two scenes
    _order(shop, "D1", paid=cst(2026, 11, 19, 8, 0), price=9999, openid="oD", status=Order.Status.CANCELLED)
    _order(shop, "E1", paid=cst(2026, 11, 21, 0, 0), price=8888, openid="oE", scene=2)  # after the period
    for day, total in ((date(2026, 11, 17), 100), (date(2026, 11, 18), 130), (date(2026, 11, 20), 190)):
        FavoritesSnapshot.objects.create(
            shop=shop, day=day, taken_at=NOW, total=total, shop_homepage=total - 10, order_detail=4,
            product_detail=3, other_scene=3,
        )  # fmt: skip
    other = ShopFactory()
    _order(other, "A1", paid=cst(2026, 11, 18, 9, 0), price=50_000, openid="oA", scene=2,
           coupons=[{"coupon_id": "FAV1", "discounted_price": 1}])  # fmt: skip
    FavoritesSnapshot.objects.create(shop=other, day=date(2026, 11, 18), taken_at=NOW, total=7, shop_homepage=7,
                                     order_detail=0, product_detail=0, other_scene=0)  # fmt: skip
    sales_rollups_rebuild(shop=shop)
    sales_rollups_rebuild(shop=other)
    return other


def test_orders_and_cards_figures(shop, sales):
    board = orders_cards_for_shop(shop=shop, start=START, end=END)
    days = [(d.day.day, d.orders, d.gmv_fen, d.repeat_gmv_fen, d.present_orders, d.present_gmv_fen) for d in board.days]
    assert days == [(18, 2, 5000, 2000, 0, 0), (19, 2, 4100, 4000, 1, 4000), (20, 2, 1200, 0, 0, 0)]
    assert (board.gmv_fen, board.orders, board.repeat_gmv_fen, board.repeat_share_ppm) == (10300, 6, 6000, 582_524)
    assert (board.present_orders, board.present_gmv_fen, board.present_share_ppm) == (1, 4000, 388_350)
    # oA ordered before the period: a buyer, not a new one. oC is new in two scenes on the same day.
    assert (board.buyers, board.new_buyers, board.new_share_ppm) == (3, 2, 666_667)
    assert board.scenes == [
        SceneBuyers(order_scene=2, buyers=3, new_buyers=2),
        SceneBuyers(order_scene=3, buyers=1, new_buyers=1),
        SceneBuyers(order_scene=4, buyers=1, new_buyers=0),
    ]
    assert [(d.day.day, d.total, d.gained) for d in board.favourites] == [
        (17, 100, None), (18, 130, 30), (19, None, None), (20, 190, None)
    ]  # fmt: skip
    assert board.favourites_gained == 90


def test_favourites_and_the_favourite_coupon(shop, sales):
    board = favourites_for_shop(shop=shop, start=START, end=END)
    assert (board.coupon_id, board.coupon_days, board.latest.total, board.gained) == ("", [], 190, 90)
    FavouriteCoupon.objects.create(shop=shop, coupon_id="FAV1")
    board = favourites_for_shop(shop=shop, start=START, end=END)
    assert [(d.day.day, d.orders, d.gmv_fen, d.discount_fen) for d in board.coupon_days] == [
        (18, 0, 0, 0), (19, 1, 4000, 500), (20, 1, 500, 300)
    ]  # fmt: skip
    assert (board.coupon_orders, board.coupon_gmv_fen, board.coupon_discount_fen) == (2, 4500, 800)
    # The funnel: 90 favourites gained → 2 buyers used the 收藏券 → all their orders of the period.
    assert coupon_buyers_figures(shop=shop, coupon_id="FAV1", start=START, end=END) == (2, 3000 + 4000 + 500 + 700)
    assert (board.buyers, board.gmv_fen) == (3, 10300)


def test_another_shop_sees_only_its_own(shop, sales):
    other = sales
    board = orders_cards_for_shop(shop=other, start=START, end=END)
    assert (board.gmv_fen, board.buyers, board.new_buyers, board.favourites_gained) == (50_000, 1, 1, None)
    FavouriteCoupon.objects.create(shop=other, coupon_id="FAV1")
    assert favourites_for_shop(shop=other, start=START, end=END).coupon_orders == 1


# --- the pages --------------------------------------------------------------------------------------------------


def _url(name, shop, **params):
    url = reverse(f"console:campaign_analytics_{name}", kwargs={"shop": shop.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@time_machine.travel(NOW, tick=False)
def test_the_pages_show_the_figures(owner_client, shop, sales):
    FavouriteCoupon.objects.create(shop=shop, coupon_id="FAV1")
    response = owner_client.get(_url("orders_cards", shop, start="2026-11-18", end="2026-11-20"))
    assert response.status_code == 200
    assert [c["value"] for c in response.context["cards"]] == ["¥103.00", "58.3%", "2", "90", "1"]
    html = response.content.decode()
    assert 'id="gmv-chart-data"' in html and "chart.umd.min.js" in html
    assert response.context["gmv_chart"]["series"][0]["values"] == [2000, 4000, 0]
    response = owner_client.get(_url("favourites", shop, start="2026-11-18", end="2026-11-20"))
    assert [s["value"] for s in response.context["funnel"]][0] == "90"
    assert response.context["chart"]["series"][0]["values"] == [120, None, 180]
    assert 'id="favourites-chart"' in response.content.decode()


def test_the_funnel_buyer_figures_come_from_the_worker(
    owner_client, shop, sales, queue, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(NOW, tick=False)
    FavouriteCoupon.objects.create(shop=shop, coupon_id="FAV1")
    page = _url("favourites", shop, start="2026-11-18", end="2026-11-20")
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        response = owner_client.get(page)
    # The page reads no buyer-day of the period: it asks the worker, once, and says the figures are coming.
    assert not any("shopops_buyerday" in q["sql"] for q in queries)
    assert [s["value"] for s in response.context["funnel"]] == ["90", tr("Computing…"), tr("Computing…")]
    poll = response.context["funnel_poll_url"]
    assert f'hx-get="{escape(poll)}"' in response.content.decode() and "start=2026-11-18" in poll
    figures = FunnelFigures.objects.get()
    assert [(t["func"], t["args"]) for t in queue()] == [("campaigns.tasks.funnel_figures_compute", (figures.pk,))]
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.get(poll)
    assert len(queue()) == 1  # asked once

    assert funnel_figures_compute(figures.pk) == "2 buyers, 8200 fen"
    response = owner_client.get(poll)
    assert [s["value"] for s in response.context["funnel"]] == ["90", "2", "¥82.00"]
    assert response.context["funnel_poll_url"] == "" and "hx-trigger" not in response.content.decode()
    assert len(queue()) == 1

    # Ten minutes later the figures are shown as they are and computed again, once.
    time_machine.move_to(NOW + timedelta(minutes=11), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.get(page)
        owner_client.get(page)
    assert [s["value"] for s in response.context["funnel"]] == ["90", "2", "¥82.00"]
    assert len(queue()) == 2
    assert FunnelFigures.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_empty_states(owner_client, shop):
    assert 'id="no-sales"' in owner_client.get(_url("orders_cards", shop)).content.decode()
    html = owner_client.get(_url("favourites", shop)).content.decode()
    assert 'id="no-snapshot"' in html and 'id="no-coupon"' in html


@time_machine.travel(NOW, tick=False)
def test_bad_period_is_a_field_error_not_a_500(owner_client, shop):
    response = owner_client.get(_url("orders_cards", shop, period="custom", start="2026-11-20", end="2026-11-01"))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["end"]
    assert 'id="period-errors"' in response.content.decode()
    assert (response.context["start"], response.context["end"]) == (date(2026, 11, 14), date(2026, 11, 20))


def test_marking_the_favourite_coupon(owner_client, shop):
    url = _url("favourite_coupon", shop)
    response = owner_client.post(url, {"coupon_id": "bad id!"})
    assert response.status_code == 400
    form = response.context["coupon_form"]
    assert list(form.errors) == ["coupon_id"] and form.has_error("coupon_id", code="coupon_id")
    assert 'class="form-control form-control-sm is-invalid"' in response.content.decode()
    assert not FavouriteCoupon.objects.exists()
    response = owner_client.post(url, {"coupon_id": "1234567890"}, follow=True)
    assert FavouriteCoupon.objects.get(shop=shop).coupon_id == "1234567890"
    assert len(flash_messages(response)) == 1
    owner_client.post(url, {"coupon_id": ""})
    assert not FavouriteCoupon.objects.exists()


def test_roles_and_tenancy(client, shop, sales):
    analyst = MembershipFactory(shop=shop, role=Role.ANALYST)
    client.force_login(analyst.user)
    assert client.get(_url("favourites", shop)).status_code == 200
    assert client.post(_url("favourite_coupon", shop), {"coupon_id": "FAV1"}).status_code == 403
    assert client.post(_url("favourites_snapshot", shop)).status_code == 403
    assert not FavouriteCoupon.objects.exists()
    stranger = MembershipFactory(role=Role.OWNER)
    client.force_login(stranger.user)
    for name in ("orders_cards", "favourites", "favourites_funnel"):
        assert client.get(_url(name, shop)).status_code == 404


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("page", ["orders_cards", "favourites"])
def test_queries_do_not_grow_with_orders(owner_client, shop, page):
    FavouriteCoupon.objects.create(shop=shop, coupon_id="FAV1")
    made = []

    def add_orders(n):
        for _ in range(n):
            i = len(made)
            made.append(
                _order(shop, f"Q{i:02d}", paid=NOW - timedelta(days=i % 5), price=100 + i, openid=f"o{i % 7}",
                       scene=i % 4, present=i % 3 == 0, coupons=[{"coupon_id": "FAV1", "discounted_price": 5}])
            )  # fmt: skip
        sales_rollups_rebuild(shop=shop)

    small, large = assert_constant_queries(owner_client, _url(page, shop), add_orders, small=1, large=30)
    assert large.status_code == 200
