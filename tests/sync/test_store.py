"""The upsert path: the same payloads twice leave the same rows; changed payloads update in place."""

from datetime import UTC, datetime, timedelta

import pytest

from shopops.models import AfterSale, AfterSaleStatusChange, Order, OrderLine, Product, Sku
from shopops.sync import engine, parse, store

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def order_payload(order_id="3705115058471208928", status=20, lines=2, update_time=1762000000):
    return {
        "order_id": order_id,
        "create_time": 1761990000,
        "update_time": update_time,
        "status": status,
        "openid": "o-buyer",
        "order_detail": {
            "product_infos": [
                {
                    "product_id": "1000" + str(n),
                    "sku_id": 2000 + n,  # a number on purpose: ids are read leniently
                    "title": f"商品{n}",
                    "sku_cnt": n,
                    "sale_price": 1990,
                    "market_price": 2990,
                    "real_price": 1990 * n - 100,
                    "estimate_price": 1990 * n - 100,
                    "merchant_discounted_price": 100,
                    "order_product_coupon_info_list": [{"coupon_type": 1, "coupon_id": "77", "discounted_price": 100}],
                }
                for n in range(1, lines + 1)
            ],
            "price_info": {"product_price": 5970, "order_price": 5770, "freight": 0, "merchant_receieve_price": 5770},
            "pay_info": {"pay_time": "1761990100"},
            "settle_info": {"predict_commission_fee": 58},
            "ext_info": {"order_scene": 2, "live_id": "live-1", "finder_id": "sph123"},
            "source_infos": [
                {"sku_id": "2001", "sale_channel": 0, "account_type": 1, "account_id": "sph123"},
                {
                    "sku_id": "2002",
                    "sale_channel": 0,
                    "account_type": 4,
                    "account_id": "wwcorp",
                    "content_type": 1,
                    "content_id": "zhangsan",
                },
            ],
            "commission_infos": [{"sku_id": "2001", "type": 0, "status": 1, "amount": 199, "finder_id": "sph9"}],
        },
        "aftersale_detail": {"on_aftersale_order_cnt": 1},
    }


def _rows():
    return (
        list(Order.objects.order_by("pk").values()),
        list(OrderLine.objects.order_by("pk").values()),
    )


def _without_synced_at(rows):
    orders, lines = rows
    return [{k: v for k, v in r.items() if k != "synced_at"} for r in orders], lines


def test_order_fields_are_parsed_exactly():
    fields = parse.order_fields(order_payload())
    assert fields == {
        "order_id": "3705115058471208928",
        "status": 20,
        "create_time": datetime(2025, 11, 1, 9, 40, tzinfo=UTC),
        "update_time": datetime(2025, 11, 1, 12, 26, 40, tzinfo=UTC),
        "pay_time": datetime(2025, 11, 1, 9, 41, 40, tzinfo=UTC),
        "openid": "o-buyer",
        "product_price_fen": 5970,
        "order_price_fen": 5770,
        "freight_fen": 0,
        "discounted_price_fen": 0,
        "deduction_price_fen": 0,
        "change_down_price_fen": 0,
        "original_order_price_fen": 0,
        "merchant_receive_price_fen": 5770,
        "predict_commission_fee_fen": 58,
        "commission_fee_fen": None,
        "settle_time": None,
        "order_scene": 2,
        "live_id": "live-1",
        "finder_id": "sph123",
        "is_present": False,
        "payment_method": None,
        "aftersale_count": 1,
    }
    second = parse.order_line_fields(order_payload())[1]
    assert (second["sku_id"], second["sale_channel"], second["account_type"], second["content_type"]) == (
        "2002",
        0,
        4,
        1,
    )
    assert (second["content_id"], second["commission_infos"], second["real_price_fen"]) == ("zhangsan", [], 3880)


def test_storing_the_same_orders_twice_changes_nothing(shop):
    payloads = [order_payload(), order_payload(order_id="42", lines=1)]
    store.orders_store(shop=shop, payloads=payloads, synced_at=T0)
    first = _rows()
    store.orders_store(shop=shop, payloads=payloads, synced_at=T0)
    assert _rows() == first
    assert (Order.objects.count(), OrderLine.objects.count()) == (2, 3)


def test_a_changed_order_is_updated_in_place_and_dropped_lines_removed(shop):
    store.orders_store(shop=shop, payloads=[order_payload(lines=2)], synced_at=T0)
    pk = Order.objects.get().pk
    store.orders_store(shop=shop, payloads=[order_payload(status=30, lines=1, update_time=1762100000)], synced_at=T0)
    order = Order.objects.get()
    assert (order.pk, order.status, order.update_time) == (pk, 30, datetime(2025, 11, 2, 16, 13, 20, tzinfo=UTC))
    assert list(OrderLine.objects.values_list("line_no", "sku_id")) == [(1, "2001")]


def test_aftersale_status_history_grows_only_on_change(shop):
    def payload(status, update_time):
        return {
            "after_sale_order_id": "9001",
            "order_id": "42",
            "type": "REFUND",
            "status": status,
            "product_info": {"product_id": "10001", "sku_id": "2001", "count": 1},
            "refund_info": {"amount": 1890},
            "create_time": 1762000000,
            "update_time": update_time,
        }

    store.aftersales_store(shop=shop, payloads=[payload("MERCHANT_PROCESSING", 1762000000)], synced_at=T0)
    store.aftersales_store(shop=shop, payloads=[payload("MERCHANT_PROCESSING", 1762000000)], synced_at=T0)
    store.aftersales_store(shop=shop, payloads=[payload("MERCHANT_REFUND_SUCCESS", 1762003600)], synced_at=T0)
    aftersale = AfterSale.objects.get()
    assert (aftersale.status, aftersale.refund_amount_fen) == ("MERCHANT_REFUND_SUCCESS", 1890)
    assert list(AfterSaleStatusChange.objects.values_list("status", flat=True)) == [
        "MERCHANT_PROCESSING",
        "MERCHANT_REFUND_SUCCESS",
    ]


def test_products_are_written_only_when_they_change(shop):
    product = {
        "product_id": "10001",
        "title": "龙井茶",
        "status": 5,
        "min_price": 1990,
        "skus": [{"sku_id": "2001", "sale_price": 1990, "stock_num": 5}, {"sku_id": "2002", "sale_price": 2990}],
    }
    assert store.products_store(shop=shop, payloads=[product], synced_at=T0) == 1
    assert store.products_store(shop=shop, payloads=[product], synced_at=T0) == 0
    changed = {**product, "skus": [{"sku_id": "2001", "sale_price": 1890, "stock_num": 4}]}
    assert store.products_store(shop=shop, payloads=[changed], synced_at=T0) == 1
    assert list(Sku.objects.values_list("sku_id", "sale_price_fen", "stock_num")) == [("2001", 1890, 4)]
    assert Product.objects.get().fingerprint == parse.fingerprint(changed)


def test_the_lease_admits_one_run_at_a_time(shop):
    assert engine.lease_acquire(shop=shop, owner="a") is True
    assert engine.lease_acquire(shop=shop, owner="b") is False
    engine.lease_release(shop=shop, owner="b")  # not b's: no effect
    assert engine.lease_acquire(shop=shop, owner="c") is False
    engine.lease_release(shop=shop, owner="a")
    assert engine.lease_acquire(shop=shop, owner="c") is True


def test_an_expired_lease_of_a_crashed_run_can_be_taken_over(shop, time_machine):
    taken = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    time_machine.move_to(taken, tick=False)
    assert engine.lease_acquire(shop=shop, owner="crashed") is True
    time_machine.move_to(taken + engine.LEASE_TTL, tick=False)
    assert engine.lease_acquire(shop=shop, owner="next") is False
    time_machine.move_to(taken + engine.LEASE_TTL + timedelta(seconds=1), tick=False)
    assert engine.lease_acquire(shop=shop, owner="next") is True
    assert engine.lease_renew(shop=shop, owner="crashed") is False


# The official order/get example's live id: an export id of 103 characters.
LIVE_ID = "export/UzFfAgtgekIEAQAAAAAAt40WWe5njQAAAAstQy6ubaLX4KHWvLEZgBPE5KNoYRJdUeaEzNPgMJq4tEJ8QSCaA2N_Iua2abcd"


def test_a_live_export_id_is_stored_whole(shop):
    # SQLite does not enforce a CharField's length; PostgreSQL refuses a longer value (DataError).
    assert Order._meta.get_field("live_id").max_length >= len(LIVE_ID) == 103
    payload = order_payload()
    payload["order_detail"]["ext_info"]["live_id"] = LIVE_ID

    store.orders_store(shop=shop, payloads=[payload], synced_at=T0)

    order = Order.objects.get()
    assert (order.live_id, order.lines.get(line_no=1).channel) == (LIVE_ID, "finder_live")


def test_settlement_fields_absent_until_settled_read_as_none_not_zero():
    unsettled = order_payload()
    unsettled["order_detail"]["settle_info"] = {"predict_commission_fee": 58}
    settled = order_payload()
    settled["order_detail"]["settle_info"] = {
        "predict_commission_fee": 58,
        "commission_fee": 0,  # settled with no fee: a real 0
        "predict_wecoin_commission": 0,
        "wecoin_commission": 0,
        "settle_time": 1762900000,
    }
    fields = ("predict_commission_fee_fen", "commission_fee_fen", "settle_time")

    assert [parse.order_fields(unsettled)[f] for f in fields] == [58, None, None]
    assert [parse.order_fields(settled)[f] for f in fields] == [58, 0, datetime(2025, 11, 11, 22, 26, 40, tzinfo=UTC)]


def test_gift_lines_read_the_numeric_flag_and_what_they_came_with():
    payload = order_payload()
    main, gift = payload["order_detail"]["product_infos"]
    main["is_free_gift"] = 0
    gift["is_free_gift"] = 1
    gift["free_gift_info"] = {
        "main_product_list": [{"product_id": 10001, "sku_id": "2001", "task_id": 70001, "gift_cnt": "1"}]
    }

    lines = parse.order_line_fields(payload)

    assert [line["is_free_gift"] for line in lines] == [False, True]
    assert parse.free_gift_mains(gift) == [{"product_id": "10001", "sku_id": "2001", "task_id": "70001", "gift_cnt": 1}]
    assert parse.free_gift_mains(main) == []


def test_an_aftersale_keeps_its_reason_key_and_the_text_that_explains_it(shop):
    payload = {
        "after_sale_order_id": "9002",
        "order_id": "42",
        "type": "RETURN",
        "sub_type": "DEFAULT",
        "status": "MERCHANT_PROCESSING",
        "reason": "NOT_MATCH_PRODUCT_DESC",
        "reason_text": "与商品描述不符",
        "product_info": {"product_id": "10001", "sku_id": "2001", "count": 1},
        "refund_info": {"amount": 1890},
        "details": {"desc": "颜色不对", "receive_product": True, "cancel_time": 0, "media_id_list": []},
        "create_time": 1762000000,
        "update_time": 1762000000,
        "complete_time": 0,
    }

    store.aftersales_store(shop=shop, payloads=[payload], synced_at=T0)

    aftersale = AfterSale.objects.get()
    assert (aftersale.reason, aftersale.reason_text, aftersale.raw) == (
        "NOT_MATCH_PRODUCT_DESC",
        "与商品描述不符",
        payload,
    )


def test_a_lottery_order_and_a_lucky_bag_product_keep_what_marks_them(shop):
    """A 福袋 prize order is a 0-yuan order paid with payment_method 3 (抽奖商品0元订单) for a product of
    product_type 2 (福袋抽奖商品); both are stored as columns so the 福袋 results can be read without the payload."""
    payload = order_payload(order_id="77")
    payload["order_detail"]["pay_info"]["payment_method"] = "3"
    payload["order_detail"]["price_info"]["order_price"] = 0
    store.orders_store(shop=shop, payloads=[payload, order_payload(order_id="78")], synced_at=T0)
    assert list(Order.objects.order_by("order_id").values_list("order_id", "payment_method", "order_price_fen")) == [
        ("77", 3, 0),
        ("78", None, 5770),
    ]
    bag = {"product_id": "10009", "title": "福袋·龙井茶", "status": 5, "product_type": 2, "skus": []}
    plain = {"product_id": "10010", "title": "龙井茶", "status": 5}
    store.products_store(shop=shop, payloads=[bag, plain], synced_at=T0)
    assert list(Product.objects.order_by("product_id").values_list("product_id", "product_type")) == [
        ("10009", 2),
        ("10010", 1),
    ]
