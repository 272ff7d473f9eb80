"""Advancing a shop's clock: transitions in time order, their payload changes, and the pushes that announce them."""

import hashlib
import json
from collections import defaultdict

from sandbox import selectors
from sandbox.models import Account
from sandbox.services import shop_advance, shop_seed
from tests.sandbox import wxcrypt
from tests.sandbox.conftest import ANCHOR, SHOP

# Order status after each order event (None: unchanged).
AFTER = {
    "channels_ec_order_new": 10,
    "channels_ec_order_pay": 20,
    "channels_ec_order_wait_shipping": None,
    "channels_ec_order_confirm": 100,
    "channels_ec_order_settle": None,
    "channels_ec_order_ext_info_update": None,
    "channels_ec_aftersale_update": None,
}
BEFORE = {  # statuses an order may be in when the event comes
    "channels_ec_order_pay": {10},
    "channels_ec_order_wait_shipping": {20},
    "channels_ec_order_deliver": {20, 21},
    "channels_ec_order_confirm": {30},
    "channels_ec_order_settle": {100},
    "channels_ec_aftersale_update": {20, 21, 30, 100},
}


def decrypt_all(requests, accounts):
    """Verify and decrypt every captured push; returns [(appid, message)] in arrival order."""
    out = []
    for request in requests:
        query, body = request["query"], json.loads(request["body"])
        account = next(
            a
            for a in accounts
            if query["msg_signature"]
            == wxcrypt.sha1_sorted(a.push_token, query["timestamp"], query["nonce"], body["Encrypt"])
        )
        assert query["signature"] == wxcrypt.sha1_sorted(account.push_token, query["timestamp"], query["nonce"])
        plain, appid = wxcrypt.decrypt(body["Encrypt"], account.encoding_aes_key)
        assert appid == account.appid
        message = json.loads(plain)
        assert message["ToUserName"] == body["ToUserName"] == account.username
        out.append((appid, message))
    return out


def test_advance_plays_out_transitions_in_time_order_and_pushes_them(db, callback_server):
    seeded = shop_seed(
        appid=SHOP,
        seed=5,
        days=7,
        orders=400,
        anchor=ANCHOR,
        agencies=2,
        callback_url=callback_server.url + "/shop",
        agency_callback_url=callback_server.url + "/agency",
    )
    before = {o["order_id"]: o for o in selectors.order_payloads(SHOP)}
    end = ANCHOR + 36 * 3600
    # A buyer's modify-address request and the merchant's answer change the order without any push (the platform
    # documents no event for them): the orders planned to see one in the interval.
    address_actions = {
        order_id: [t for t, action, _ in selectors.order_plan(SHOP, order_id) if action.startswith("address_")]
        for order_id in before
    }
    address_changed = {i for i, times in address_actions.items() if any(ANCHOR < t <= end for t in times)}
    report = shop_advance(appid=SHOP, hours=36)
    assert Account.objects.get(appid=SHOP).clock == end
    assert report.new_orders > 50 and report.failed_attempts == 0
    assert report.delivered == len(callback_server.requests) == sum(report.events.values())

    messages = decrypt_all(callback_server.requests, [seeded.shop, *seeded.agencies])
    shop_messages = [m for appid, m in messages if appid == SHOP]
    assert shop_messages == selectors.push_events(SHOP)  # delivered in emission order
    for appid in {appid for appid, _ in messages}:  # each receiver gets its events in time order
        times = [m["CreateTime"] for a, m in messages if a == appid]
        assert times == sorted(times) and times[0] > ANCHOR and times[-1] <= end

    after = {o["order_id"]: o for o in selectors.order_payloads(SHOP)}
    by_order = defaultdict(list)
    for m in shop_messages:
        assert m["MsgType"] == "event" and m["FromUserName"].startswith("o")
        if "coupon" in m["Event"]:  # buyers' coupons received and used with the orders (tests/campaigns)
            continue
        if m["Event"] == "channels_ec_aftersale_update":
            info = m["finder_shop_aftersale_status_update"]
            # Strings, as in the official example (unlike the order events' numbers).
            assert isinstance(info["after_sale_order_id"], str) and isinstance(info["order_id"], str)
            by_order[info["order_id"]].append(m)
        else:
            assert isinstance(m["order_info"]["order_id"], int)  # numbers in events
            by_order[str(m["order_info"]["order_id"])].append(m)
    assert set(by_order) | address_changed == {i for i, o in after.items() if o["update_time"] > ANCHOR}
    assert address_changed  # the case is exercised
    assert len(after) == len(before) + report.new_orders
    for order_id, events in by_order.items():
        status = before[order_id]["status"] if order_id in before else None
        assert (status is None) == (events[0]["Event"] == "channels_ec_order_new")
        for m in events:
            name = m["Event"]
            assert status in BEFORE.get(name, {status}), (order_id, name, status)
            if name == "channels_ec_order_deliver":
                status = 30 if m["order_info"]["finish_delivery"] else 21
            elif name == "channels_ec_order_cancel":
                assert m["order_info"]["cancel_type"] in (1, 2, 3)
                status = 200 if m["order_info"]["cancel_type"] == 3 else 250
            elif name == "channels_ec_order_pay":
                assert m["order_info"]["pay_time"] == m["CreateTime"]
                status = 20
            elif name == "channels_ec_order_settle":
                assert m["order_info"]["settle_time"] == m["CreateTime"]
            elif AFTER.get(name) is not None:
                status = AFTER[name]
        order = after[order_id]
        assert status == order["status"]
        if order_id in before and order_id not in address_changed:
            assert order["update_time"] == events[-1]["CreateTime"]
        else:  # a new order may also have had an address request since its last event
            assert order["update_time"] >= events[-1]["CreateTime"]
    for order_id, order in after.items():
        if order_id not in by_order and order_id not in address_changed:
            assert order == before[order_id]

    agency_messages = [(appid, m) for appid, m in messages if appid != SHOP]
    assert agency_messages and {m["Event"] for _, m in agency_messages} == {"head_supplier_commission_order_update"}
    latest = {}
    for appid, m in agency_messages:
        info = m["order_info"]
        assert isinstance(info["order_id"], str) and isinstance(info["sku_id"], str)
        key = (appid, info["order_id"], info["sku_id"])
        assert info["version"] > latest.get(key, {"version": 0})["version"]
        latest[key] = info
    for (appid, order_id, sku_id), info in latest.items():
        payload = next(
            c for c in selectors.commission_order_payloads(appid) if (c["order_id"], c["sku_id"]) == (order_id, sku_id)
        )
        assert info["commission_order_status"] == payload["status"]
        assert info["order_status"] == after[order_id]["status"]


def state_hash() -> str:
    state = {
        "orders": selectors.order_payloads(SHOP),
        "aftersales": selectors.aftersale_payloads(SHOP),
        "events": selectors.push_events(SHOP),
        "commissions": [
            selectors.commission_order_payloads(a["appid"], shop_appid=SHOP) for a in selectors.agencies_of_shop(SHOP)
        ],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def test_advancing_is_deterministic_however_time_is_split(db):
    shop_seed(appid=SHOP, seed=9, days=3, orders=150, anchor=ANCHOR)
    shop_advance(appid=SHOP, hours=30, deliver=False)
    once = state_hash()
    shop_seed(appid=SHOP, seed=9, days=3, orders=150, anchor=ANCHOR)
    for hours in (0.5, 9.5, 20):
        shop_advance(appid=SHOP, hours=hours, deliver=False)
    assert state_hash() == once
    shop_seed(appid=SHOP, seed=10, days=3, orders=150, anchor=ANCHOR)
    shop_advance(appid=SHOP, hours=30, deliver=False)
    assert state_hash() != once


def test_reseeding_replaces_the_shop_and_keeps_its_clock(db):
    first = shop_seed(appid=SHOP, seed=9, days=3, orders=150, anchor=ANCHOR)
    snapshot = state_hash()
    shop_advance(appid=SHOP, hours=5, deliver=False)
    again = shop_seed(appid=SHOP, seed=9, days=3, orders=150)  # anchored at the shop's clock now
    assert again.shop.pk == first.shop.pk and again.shop.clock == ANCHOR + 5 * 3600
    # 150 asked for and 13 福袋 winners' 0-yuan orders (sandbox.gen_luckybag)
    assert len(selectors.order_payloads(SHOP)) == 150 + 13 and not selectors.push_events(SHOP)
    shop_seed(appid=SHOP, seed=9, days=3, orders=150, anchor=ANCHOR)
    assert state_hash() == snapshot
