"""funds/listorderflow over HTTP: shapes and units, filters, both paging styles, bad input, and the 私域激励 fee
reduction — recomputed here from the orders and after-sales — with exactly the seeded mismatches differing."""

from collections import Counter

import pytest

from sandbox import selectors
from sandbox.lifecycle import (
    AFTERSALE_REFUNDED,
    INCENTIVE_ORDER_CAP_FEN,
    INCENTIVE_RATE_PPM,
    INCENTIVE_SOURCES,
    INCENTIVE_START,
)
from sandbox.services import shop_advance, shop_seed
from tests.sandbox.conftest import ANCHOR, SHOP, assert_error

FLOW = "/channels/ec/funds/listorderflow"


@pytest.fixture
def shop(transactional_db):
    return shop_seed(appid=SHOP, seed=3, days=30, orders=400, anchor=ANCHOR, agencies=2, fee_mismatch_permille=250).shop


def refunded_by_line() -> Counter:
    refunded = Counter()
    for a in selectors.aftersale_payloads(SHOP):
        if a["status"] in AFTERSALE_REFUNDED:
            refunded[(a["order_id"], a["product_info"]["sku_id"])] += a["refund_info"]["amount"]
    return refunded


def due_reduction(order: dict, refunded: Counter) -> int:
    """The 私域激励 reduction the rules give (the constants of /work/briefs/12-constants.md), from order/get."""
    detail = order["order_detail"]
    if detail["pay_info"].get("pay_time", 0) < INCENTIVE_START:
        return 0
    sources = {s["sku_id"]: (s["sale_channel"], s["account_type"]) for s in detail["source_infos"]}
    total = sum(
        max(line["real_price"] - refunded[(order["order_id"], line["sku_id"])], 0) * INCENTIVE_RATE_PPM // 1_000_000
        for line in detail["product_infos"]
        if sources.get(line["sku_id"]) in INCENTIVE_SOURCES
    )
    return min(total, INCENTIVE_ORDER_CAP_FEN, detail["settle_info"]["commission_fee"])


def all_flows(api, token, **body) -> list[dict]:
    flows, ctx = [], ""
    while True:
        answer = api.post(
            FLOW,
            {"order_settle_state": 0, **body, "pagination_info": {"limit": 100, "use_page_ctx": True, "page_ctx": ctx}},
            token=token,
        )
        assert answer["errcode"] == 0, answer
        if not answer["data_list"]:
            return flows
        flows += answer["data_list"]
        ctx = answer["page_ctx"]


def test_every_paid_order_has_one_flow_with_the_order_s_figures(api, shop):
    token = api.token(SHOP, shop.secret)
    flows = all_flows(api, token)
    orders = {o["order_id"]: o for o in selectors.order_payloads(SHOP)}
    paid = {oid for oid, o in orders.items() if o["status"] not in (10, 250)}
    assert [f["order_id"] for f in flows] == sorted(paid, key=lambda oid: (orders[oid]["create_time"], oid))
    states = Counter(f["order_settle_state"] for f in flows)
    settled = {oid for oid in paid if "settle_time" in orders[oid]["order_detail"]["settle_info"]}
    assert states[60] == len(settled) > 100
    assert states[2] == sum(orders[oid]["status"] == 200 for oid in paid if oid not in settled) + sum(
        orders[oid]["order_detail"]["pay_info"]["payment_method"] == 3 for oid in paid if oid not in settled
    )
    assert states[1] == len(paid) - states[60] - states[2]
    refunded = refunded_by_line()
    for flow in flows:
        order = orders[flow["order_id"]]
        detail = order["order_detail"]
        settle = detail["settle_info"]
        assert flow["order_state"] == order["status"]
        assert flow["order_create_time"] == order["create_time"]
        assert flow["order_paid_time"] == detail["pay_info"]["pay_time"]
        assert flow["buyer_paid_amount"] == detail["price_info"]["order_price"]
        assert flow["product_total_amount"] == detail["price_info"]["product_price"]
        assert [(str(p["product_id"]), p["count"], p["sale_price"]) for p in flow["product_list"]] == [
            (line["product_id"], line["sku_cnt"], line["sale_price"]) for line in detail["product_infos"]
        ]
        lines_refunded = sum(refunded[(order["order_id"], line["sku_id"])] for line in detail["product_infos"])
        assert flow["buyer_refund_amount"] == lines_refunded + detail["refund_info"]["refund_freight"]
        assert flow["promoter_commission_amount"] == sum(
            c["amount"] for c in detail["commission_infos"] if c["type"] == 0
        )
        assert flow["supplier_commission_amount"] == sum(
            c["amount"] for c in detail["commission_infos"] if c["type"] == 1
        )
        if flow["order_settle_state"] == 60:
            assert flow["original_platform_commission_amount"] == settle["commission_fee"]
            assert flow["platform_commission_settle_time"] == settle["settle_time"]
        else:
            assert flow["original_platform_commission_amount"] == settle["predict_commission_fee"]
            assert flow["platform_commission_amount"] == flow["original_platform_commission_amount"]
            assert flow["platform_commission_settle_time"] == 0


def test_the_fee_reduction_follows_the_rules_except_exactly_the_seeded_mismatches(api, shop):
    token = api.token(SHOP, shop.secret)
    orders = {o["order_id"]: o for o in selectors.order_payloads(SHOP)}
    refunded = refunded_by_line()
    wrong, reduced = {}, 0
    for flow in all_flows(api, token, order_settle_state=60):
        granted = flow["original_platform_commission_amount"] - flow["platform_commission_amount"]
        due = due_reduction(orders[flow["order_id"]], refunded)
        assert 0 <= flow["platform_commission_amount"] <= flow["original_platform_commission_amount"]
        reduced += due > 0
        if granted != due:
            wrong[flow["order_id"]] = "missing" if granted == 0 else "unexpected" if due == 0 else "wrong_amount"
    assert reduced > 30
    assert wrong == selectors.fee_anomalies(SHOP)
    assert set(wrong.values()) == {"missing", "unexpected", "wrong_amount"}

    # Orders settled while the clock moves on are charged (and mis-charged) the same way.
    before = len(wrong)
    shop_advance(appid=SHOP, hours=72, deliver=False)
    orders = {o["order_id"]: o for o in selectors.order_payloads(SHOP)}
    refunded = refunded_by_line()
    wrong = {}
    for flow in all_flows(api, token, order_settle_state=60):
        granted = flow["original_platform_commission_amount"] - flow["platform_commission_amount"]
        if granted != due_reduction(orders[flow["order_id"]], refunded):
            wrong[flow["order_id"]] = selectors.fee_anomalies(SHOP).get(flow["order_id"])
    assert len(wrong) > before
    assert wrong == selectors.fee_anomalies(SHOP)


def test_without_the_option_no_fee_is_wrong(api, transactional_db):
    shop = shop_seed(appid=SHOP, seed=3, days=30, orders=300, anchor=ANCHOR, agencies=1).shop
    token = api.token(SHOP, shop.secret)
    orders = {o["order_id"]: o for o in selectors.order_payloads(SHOP)}
    refunded = refunded_by_line()
    flows = all_flows(api, token, order_settle_state=60)
    assert len(flows) > 100
    for flow in flows:
        granted = flow["original_platform_commission_amount"] - flow["platform_commission_amount"]
        assert granted == due_reduction(orders[flow["order_id"]], refunded)
    assert selectors.fee_anomalies(SHOP) == {}


def test_filters_and_offset_paging(api, shop):
    token = api.token(SHOP, shop.secret)
    everything = all_flows(api, token)
    by_offset, offset = [], 0
    while True:
        answer = api.post(
            FLOW, {"order_settle_state": 0, "pagination_info": {"offset": offset, "limit": 37}}, token=token
        )
        assert answer["total_count"] == len(everything)
        assert "page_ctx" not in answer
        if not answer["data_list"]:
            break
        by_offset += answer["data_list"]
        offset += 37
    assert by_offset == everything

    first = everything[len(everything) // 2]
    one = api.post(FLOW, {"order_settle_state": 0, "order_id": first["order_id"]}, token=token)
    assert (one["total_count"], one["data_list"]) == (1, [first])
    assert api.post(FLOW, {"order_settle_state": 0, "order_id": int(first["order_id"])}, token=token)["data_list"] == [
        first
    ]

    begin, end = everything[10]["order_create_time"], everything[50]["order_create_time"]
    window = [f for f in everything if begin <= f["order_create_time"] <= end]
    ranged = all_flows(api, token, create_time_range={"begin": begin, "end": end})
    assert ranged == window

    for state in (1, 2, 60):
        assert all_flows(api, token, order_settle_state=state) == [
            f for f in everything if f["order_settle_state"] == state
        ]
    assert api.post(FLOW, {"order_settle_state": 100}, token=token)["total_count"] == 0
    done = all_flows(api, token, order_state=100)
    assert done == [f for f in everything if f["order_state"] == 100]
    waiting = all_flows(api, token, order_state=20)
    assert waiting == [f for f in everything if f["order_state"] in (20, 21)]
    for method in (1, 2):
        chosen = [f for f in everything if f["order_pay_method"] == method]
        assert all_flows(api, token, order_pay_method=method) == chosen
        assert chosen
    default = api.post(FLOW, {"order_settle_state": 0}, token=token)
    assert default["data_list"] == everything[:10]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"order_settle_state": 5},
        {"order_settle_state": "x"},
        {"order_settle_state": 0, "order_state": 21},
        {"order_settle_state": 0, "order_pay_method": 3},
        {"order_settle_state": 0, "order_id": "12ab"},
        {"order_settle_state": 0, "pagination_info": {"limit": 0}},
        {"order_settle_state": 0, "pagination_info": {"limit": 101}},
        {"order_settle_state": 0, "pagination_info": {"offset": -1}},
        {"order_settle_state": 0, "pagination_info": {"use_page_ctx": True, "page_ctx": "not-a-ctx"}},
        {"order_settle_state": 0, "pagination_info": []},
        {"order_settle_state": 0, "create_time_range": {"begin": 10, "end": 5}},
        {"order_settle_state": 0, "create_time_range": {"begin": 10}},
    ],
)
def test_bad_input_answers_40097(api, shop, body):
    token = api.token(SHOP, shop.secret)
    assert_error(api.post(FLOW, body, token=token), 40097)


def test_get_and_missing_token_are_refused(api, shop):
    token = api.token(SHOP, shop.secret)
    assert_error(api.get(FLOW, token=token), 43002)
    assert_error(api.post(FLOW, {"order_settle_state": 0}), 41001)
