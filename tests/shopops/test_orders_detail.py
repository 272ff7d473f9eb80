"""The order detail page, from a payload stored by the sync itself, and the masking of buyer data."""

import copy
import json
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.urls import reverse

from shopops.masking import mask_buyer_data, mask_name, mask_openid, mask_phone, mask_text
from shopops.models import Order
from shopops.roles import Role
from shopops.sync import store
from tests.factories import (
    AfterSaleFactory,
    AfterSaleStatusChangeFactory,
    MembershipFactory,
    OrderFactory,
    OrderLineFactory,
)
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

T = 1795000000  # 2026-11-18 11:06:40 UTC, 19:06:40 in Shanghai
SYNCED = datetime(2026, 11, 26, tzinfo=UTC)
OPENID = "oAbcDEFghijklmnopqrstuvwxyz1"
UNIONID = "oUnionABCDEFGHIJKLMNOPQRSTU"
PHONE = "13812345678"
REAL_PHONE = "13987654321"
NAME = "张三丰"
STREET = "科技园路1号3栋101"


def order_payload(order_id="3705115058471208928"):
    return {
        "order_id": order_id,
        "create_time": T,
        "update_time": T + 3600,
        "status": 30,
        "openid": OPENID,
        "unionid": UNIONID,
        "order_detail": {
            "product_infos": [
                {
                    "product_id": "10001",
                    "sku_id": "20001",
                    "title": "保温杯",
                    "sku_cnt": 2,
                    "sale_price": 1990,
                    "market_price": 2990,
                    "real_price": 3480,
                    "estimate_price": 3480,
                    "merchant_discounted_price": 300,
                    "finder_discounted_price": 200,
                    "order_product_coupon_info_list": [
                        {"coupon_type": 1, "coupon_id": "77", "user_coupon_id": "9001", "discounted_price": 300},
                        {"coupon_type": 2, "coupon_id": "88", "user_coupon_id": "9002", "discounted_price": "200"},
                    ],
                },
                {
                    "product_id": "10002",
                    "sku_id": "20002",
                    "title": "杯套",
                    "sku_cnt": 1,
                    "sale_price": 990,
                    "market_price": 990,
                    "real_price": 990,
                    "estimate_price": 990,
                },
            ],
            "price_info": {
                "product_price": 4970,
                "order_price": 4470,
                "freight": 0,
                "discounted_price": 300,
                "original_order_price": 4970,
                "merchant_receieve_price": 4670,
            },
            "pay_info": {"pay_time": T + 60, "payment_method": 1, "transaction_id": "4200001234"},
            "delivery_info": {
                "address_info": {
                    "user_name": NAME,
                    "tel_number": PHONE,
                    "province_name": "广东省",
                    "city_name": "深圳市",
                    "county_name": "南山区",
                    "detail_info": STREET,
                    "tel_number_ext_info": {"real_tel_number": REAL_PHONE, "virtual_tel_number": "17000001111"},
                },
                "delivery_product_info": [
                    {
                        "waybill_id": "SF1234567890",
                        "delivery_id": "SF",
                        "delivery_name": "顺丰速运",
                        "delivery_time": T + 3600,
                        "deliver_type": 1,
                        "product_infos": [{"product_id": "10001", "sku_id": "20001", "product_cnt": 2}],
                    }
                ],
                "ship_done_time": T + 3600,
                "deliver_method": 0,
            },
            "ext_info": {
                "customer_notes": f"到了打{PHONE}",
                "order_scene": 2,
                "live_id": "live-1",
                "finder_id": "sph123",
            },
            "settle_info": {"predict_commission_fee": 58, "commission_fee": 60, "settle_time": T + 864000},
            "source_infos": [
                {
                    "sku_id": "20001",
                    "sale_channel": 0,
                    "account_type": 1,
                    "account_id": "sph123",
                    "account_nickname": "好物直播间",
                },
                {
                    "sku_id": "20002",
                    "sale_channel": 0,
                    "account_type": 4,
                    "account_id": "wwcorp",
                    "account_nickname": "企微小助手",
                    "content_type": 1,
                    "content_id": "zhangsan",
                },
            ],
            "commission_infos": [
                {"sku_id": "20001", "type": 0, "status": 1, "amount": 199, "nickname": "达人小王", "finder_id": "sph9"}
            ],
        },
        "aftersale_detail": {"on_aftersale_order_cnt": 1},
    }


def aftersale_payload(order_id, status, update_time):
    return {
        "after_sale_order_id": "4800000000000000001",
        "order_id": order_id,
        "type": "REFUND",
        "status": status,
        "openid": OPENID,
        "reason": "NO_LONGER_WANT",
        "reason_text": "不想要了",
        "sub_type": "DEFAULT",
        "product_info": {"product_id": "10001", "sku_id": "20001", "count": 1},
        "refund_info": {"amount": 1740},
        "details": {"desc": f"不要了，电话{PHONE}", "receive_product": False},
        "create_time": T + 7200,
        "update_time": update_time,
    }


@pytest.fixture
def stored_order(shop):
    payload = order_payload()
    store.orders_store(shop=shop, payloads=[payload], synced_at=SYNCED)
    for status, at in (("MERCHANT_PROCESSING", T + 7200), ("MERCHANT_REFUND_SUCCESS", T + 9000)):
        store.aftersales_store(
            shop=shop, payloads=[aftersale_payload(payload["order_id"], status, at)], synced_at=SYNCED
        )
    return Order.objects.get(shop=shop, order_id=payload["order_id"])


def _url(shop, order_id):
    return reverse("console:order_detail", kwargs={"shop": shop.public_id, "order_id": order_id})


def test_detail_shows_lines_attribution_coupons_commissions_and_settlement(owner_client, shop, stored_order):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = owner_client.get(_url(shop, stored_order.order_id))
    assert response.status_code == 200
    context = response.context
    first, second = context["lines"]
    assert (first.channel_label, first.sale_channel_label, first.account_type_label) == (
        "Channels live stream",
        "Linked account",
        "Channels account",
    )
    assert first.coupons == [
        {"type": "Merchant coupon", "coupon_id": "77", "user_coupon_id": "9001", "discount_fen": 300},
        {"type": "Talent coupon", "coupon_id": "88", "user_coupon_id": "9002", "discount_fen": 200},
    ]
    assert first.commissions == [
        {"type": "Talent", "status": "Unsettled", "nickname": "达人小王", "account": "sph9", "amount_fen": 199}
    ]
    assert first.list_total_fen == 3980
    assert (second.channel_label, second.account_type_label, second.content_type_label, second.wecom_member) == (
        "WeCom member forward",
        "WeCom",
        "WeCom member forward",
        "zhangsan",
    )
    assert (second.coupons, second.commissions) == ([], [])
    assert context["totals"] == {
        "quantity": 3,
        "merchant_discount_fen": 300,
        "finder_discount_fen": 200,
        "paid_fen": 4470,
    }
    assert (context["buyer"], context["unionid"], context["payment_method"]) == ("oAbc…yz1", "oUni…STU", "WeChat Pay")
    html = response.content.decode()
    for text in (
        '<dd class="col-5 text-end fw-semibold" id="order-paid">¥44.70</dd>',
        "¥19.90",
        "¥34.80",
        "−¥3.00",
        "−¥2.00",
        "¥1.99",
        "¥0.58",  # predicted service fee
        "¥0.60",  # actual service fee
        "好物直播间",
        "<code>zhangsan</code>",
        "Awaiting receipt",
        "2026-11-28 19:06:40",  # settled, in Beijing time
    ):
        assert text in html, text


def test_detail_shows_delivery_and_after_sales_with_history(owner_client, shop, stored_order):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = owner_client.get(_url(shop, stored_order.order_id))
    delivery = response.context["delivery"]
    assert delivery == {
        "present": True,
        "method": "Logistics",
        "recipient": "张**",
        "region": "广东省 深圳市 南山区",
        "address_under_review": False,
        "packages": [
            {
                "company": "顺丰速运",
                "waybill_id": "SF1234567890",
                "time": datetime.fromtimestamp(T + 3600, tz=UTC),
                "type": "Self-arranged courier",
                "items": [{"sku_id": "20001", "title": "保温杯", "count": 2}],
            }
        ],
        "ship_done_time": datetime.fromtimestamp(T + 3600, tz=UTC),
        "confirm_receipt_time": None,
        "customer_notes": "到了打138****5678",
        "merchant_notes": "",
    }
    (aftersale,) = response.context["aftersales"]
    assert (aftersale["type"], aftersale["status"], aftersale["badge"], aftersale["reason"]) == (
        "Refund only",
        "Refunded",
        "text-bg-success",
        "不想要了",  # the platform's reason_text, not its key NO_LONGER_WANT
    )
    assert [(step["code"], step["status"]) for step in aftersale["history"]] == [
        ("MERCHANT_PROCESSING", "Merchant reviewing"),
        ("MERCHANT_REFUND_SUCCESS", "Refunded"),
    ]
    assert response.context["refund_total_fen"] == 1740
    html = response.content.decode()
    assert "Refund ¥17.40" in html
    assert "SF1234567890" in html
    assert " · 不想要了 · " in html and "NO_LONGER_WANT" not in html.split('id="order-payload"')[0]


MOVED = {
    "user_name": NAME,
    "tel_number": PHONE,
    "province_name": "浙江省",
    "city_name": "杭州市",
    "county_name": "西湖区",
    "detail_info": "文三路90号",
}


@pytest.mark.parametrize(
    ("case", "review", "pending"),
    [
        ("no request", None, False),
        ("request pending", MOVED, True),
        # Approved: the platform copies the new address over address_info, and address_under_review stays, equal.
        ("request approved", "same as address_info", False),
    ],
)
def test_an_address_change_is_under_review_only_while_the_two_addresses_differ(
    owner_client, shop, case, review, pending
):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    payload = order_payload()
    delivery = payload["order_detail"]["delivery_info"]
    if review == "same as address_info":
        delivery["address_under_review"] = copy.deepcopy(delivery["address_info"])
    elif review:
        delivery["address_under_review"] = review
    if review:
        delivery["address_apply_time"] = T + 600
    store.orders_store(shop=shop, payloads=[payload], synced_at=SYNCED)

    response = owner_client.get(_url(shop, payload["order_id"]))

    assert response.context["delivery"]["address_under_review"] is pending
    assert ("Address change under review" in response.content.decode()) is pending


def test_an_unsettled_order_shows_its_service_fee_as_not_settled(owner_client, shop):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    payload = order_payload()
    payload["order_detail"]["settle_info"] = {"predict_commission_fee": 58}  # the rest is absent until settlement
    store.orders_store(shop=shop, payloads=[payload], synced_at=SYNCED)

    response = owner_client.get(_url(shop, payload["order_id"]))

    order = response.context["order"]
    assert (order.predict_commission_fee_fen, order.commission_fee_fen, order.settle_time) == (58, None, None)
    html = response.content.decode()
    assert (
        '<dd class="col-6" id="order-service-fee"><span class="text-body-secondary">Not settled yet</span></dd>' in html
    )


def test_a_free_gift_names_what_it_came_with(owner_client, shop):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    payload = order_payload()
    gift = payload["order_detail"]["product_infos"][1]
    gift.update(sale_price=0, real_price=0, estimate_price=0, is_free_gift=1)
    gift["free_gift_info"] = {
        "main_product_list": [{"product_id": "10001", "sku_id": 20001, "task_id": 555, "gift_cnt": 1}]
    }
    payload["order_detail"]["product_infos"][0]["is_free_gift"] = 0
    store.orders_store(shop=shop, payloads=[payload], synced_at=SYNCED)

    response = owner_client.get(_url(shop, payload["order_id"]))

    first, second = response.context["lines"]
    assert (first.line.is_free_gift, first.gift_for) == (False, [])
    assert (second.line.is_free_gift, second.gift_for) == (True, [{"title": "保温杯", "sku_id": "20001"}])
    assert "Given with 保温杯" in response.content.decode()


@pytest.mark.parametrize(
    ("status", "badge", "still_open"),
    [
        ("MERCHANT_PROCESSING", "text-bg-warning", True),
        # The platform counts a rejected or closed-return after-sale as still open: the buyer may apply again.
        ("MERCHANT_REJECT_REFUND", "text-bg-warning", True),
        ("RETURN_CLOSED", "text-bg-warning", True),
        ("USER_CANCELD", "text-bg-secondary", False),
        ("MERCHANT_FAIL", "text-bg-secondary", False),
        ("MERCHANT_REFUND_RETRY_FAIL", "text-bg-secondary", False),
        ("MERCHANT_RETURN_SUCCESS", "text-bg-success", False),
    ],
)
def test_after_sales_show_open_as_the_platform_counts_them(owner_client, shop, status, badge, still_open):
    order = OrderFactory(shop=shop)
    AfterSaleFactory(shop=shop, order_id=order.order_id, status=status)

    (aftersale,) = owner_client.get(_url(shop, order.order_id)).context["aftersales"]

    assert (aftersale["badge"], aftersale["open"]) == (badge, still_open)


def test_the_page_never_shows_the_buyers_personal_data(owner_client, shop, stored_order):
    html = owner_client.get(_url(shop, stored_order.order_id)).content.decode()
    for secret in (OPENID, UNIONID, PHONE, REAL_PHONE, "17000001111", NAME, STREET):
        assert secret not in html, secret
    raw = json.loads(
        owner_client.get(_url(shop, stored_order.order_id)).context["raw_json"]
    )  # the payload stays valid JSON
    address = raw["order_detail"]["delivery_info"]["address_info"]
    assert (raw["openid"], raw["unionid"], address["user_name"], address["tel_number"], address["detail_info"]) == (
        "oAbc…yz1",
        "oUni…STU",
        "张**",
        "138****5678",
        "***",
    )
    # Ids and the merchant's partners stay readable for support.
    assert raw["order_id"] == stored_order.order_id
    assert raw["order_detail"]["source_infos"][0]["account_nickname"] == "好物直播间"
    assert '<details class="card mb-3" id="order-payload">' in html


def test_an_order_without_delivery_info_or_after_sales(owner_client, shop):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    order = OrderFactory(shop=shop, status=Order.Status.UNPAID, pay_time=None)
    response = owner_client.get(_url(shop, order.order_id))
    assert response.status_code == 200
    assert response.context["delivery"]["present"] is False
    assert response.context["aftersales"] == []
    html = response.content.decode()
    assert "No after-sales for this order." in html
    assert "The platform reported no items for this order." in html


def test_another_shops_order_answers_404(owner_client, shop, stored_order):
    other = OrderFactory(order_id="3799999999999999999")
    assert owner_client.get(_url(shop, other.order_id)).status_code == 404
    assert owner_client.get(_url(shop, "no-such-order")).status_code == 404
    # The same order id in another shop is another order: each shop sees only its own.
    twin = OrderFactory(order_id=stored_order.order_id, order_price_fen=1)
    assert owner_client.get(_url(shop, stored_order.order_id)).context["order"].pk == stored_order.pk
    assert twin.pk != stored_order.pk


def test_another_shops_after_sales_of_the_same_order_id_are_not_shown(owner_client, shop, stored_order):
    AfterSaleFactory(order_id=stored_order.order_id)  # another shop's
    response = owner_client.get(_url(shop, stored_order.order_id))
    assert [a["aftersale"].after_sale_order_id for a in response.context["aftersales"]] == ["4800000000000000001"]


def test_analyst_can_view_and_nothing_posts(client, shop, stored_order):
    analyst = MembershipFactory(shop=shop, role=Role.ANALYST)
    client.force_login(analyst.user)
    assert client.get(_url(shop, stored_order.order_id)).status_code == 200
    assert client.post(_url(shop, stored_order.order_id)).status_code == 405


def test_detail_queries_do_not_grow_with_lines_and_after_sales(owner_client, shop):
    order = OrderFactory(shop=shop)

    def add(n):
        for _ in range(n):
            OrderLineFactory(order=order, coupons=[{"coupon_type": 1, "coupon_id": "1", "discounted_price": 1}])
            aftersale = AfterSaleFactory(shop=shop, order_id=order.order_id)
            AfterSaleStatusChangeFactory(aftersale=aftersale)

    small, large = assert_constant_queries(owner_client, _url(shop, order.order_id), add, small=1, large=50)
    assert (len(small.context["lines"]), len(large.context["lines"])) == (1, 50)
    assert (len(small.context["aftersales"]), len(large.context["aftersales"])) == (1, 50)


# --- masking -----------------------------------------------------------------------------------------------------


def test_mask_helpers():
    assert mask_openid("oAbcdefghijklmnopqrstuvwxyz") == "oAbc…xyz"
    assert mask_openid("o1234567") == "o…"
    assert mask_openid("") == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138****5678") == "138****5678"
    assert mask_phone("+8613812345678") == "+86*******5678"
    assert mask_phone("12345") == "*****"
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李"
    assert mask_text("电话13812345678，备用 15900001111") == "电话138****5678，备用 159****1111"
    # Not a mobile number: part of a longer digit run, or not starting 13–19.
    assert mask_text("单号 3705115058471208928 / 12012345678") == "单号 3705115058471208928 / 12012345678"


def test_mask_buyer_data_masks_by_key_anywhere_and_leaves_the_input_alone():
    payload = {
        "order_id": "3705115058471208928",
        "openid": "oAbcdefghijklmnopqrstuvwxyz",
        "present_giver_openid": "oGiverabcdefghijklmnop",
        "order_detail": {
            "delivery_info": {
                "address_info": {
                    "user_name": "王小明",
                    "tel_number": 13812345678,
                    "province_name": "浙江省",
                    "detail_info": "文三路90号",
                    "house_number": "",
                    "tel_number_ext_info": {"real_tel_number": "13987654321"},
                },
                "delivery_product_info": [{"waybill_id": "SF1", "delivery_address": {"user_name": "赵六"}}],
                "recharge_info": {"account_no": "13700001111", "wx_openid": "oRechargeabcdefghij"},
            },
            "ext_info": {"customer_notes": "请打 13812345678", "finder_id": "sph13812345678"},
            "source_infos": [{"account_id": "sph123", "account_nickname": "好物直播间"}],
            "commission_infos": [{"nickname": "达人小王", "openfinderid": "ofid1234567890"}],
        },
        "aftersale_detail": {"on_aftersale_order_cnt": 0, "aftersale_order_list": []},
        "is_present": False,
    }
    original = copy.deepcopy(payload)
    assert mask_buyer_data(payload) == {
        "order_id": "3705115058471208928",
        "openid": "oAbc…xyz",
        "present_giver_openid": "oGiv…nop",
        "order_detail": {
            "delivery_info": {
                "address_info": {
                    "user_name": "王**",
                    "tel_number": "138****5678",
                    "province_name": "浙江省",
                    "detail_info": "***",
                    "house_number": "",
                    "tel_number_ext_info": {"real_tel_number": "139****4321"},
                },
                "delivery_product_info": [{"waybill_id": "SF1", "delivery_address": {"user_name": "赵*"}}],
                "recharge_info": {"account_no": "137****1111", "wx_openid": "oRec…hij"},
            },
            "ext_info": {"customer_notes": "请打 138****5678", "finder_id": "sph13812345678"},
            "source_infos": [{"account_id": "sph123", "account_nickname": "好物直播间"}],
            "commission_infos": [{"nickname": "达人小王", "openfinderid": "ofid1234567890"}],
        },
        "aftersale_detail": {"on_aftersale_order_cnt": 0, "aftersale_order_list": []},
        "is_present": False,
    }
    assert payload == original
    assert mask_buyer_data([{"unionid": "oUnionabcdefghijkl"}, "plain 13812345678", 7, None]) == [
        {"unionid": "oUni…jkl"},
        "plain 138****5678",
        7,
        None,
    ]
