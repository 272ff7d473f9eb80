"""The generated data itself (in memory, no database): determinism, the source mix, arithmetic, lifecycles."""

import hashlib
import itertools
import json
import re
from collections import Counter, defaultdict

import pytest

from sandbox.generator import CN_OFFSET, DAY, REJECT_APPEAL_WINDOW, generate
from sandbox.lifecycle import AFTERSALE_FINAL, AFTERSALE_REASON_TEXTS, AFTERSALE_REFUNDED, Emitted, ppm_of

ANCHOR = 1767240000
ARGS = {"appid": "wx00000000000000aa", "days": 14, "orders": 2500, "anchor": ANCHOR, "agencies": 3}


def fingerprint(ds) -> str:
    everything = {
        "shop": ds.shop,
        "agencies": ds.agencies,
        "products": ds.products,
        "buyers": ds.buyers,
        "catalog": ds.catalog,
        "orders": [(o.payload, o.plan) for o in ds.sim.orders.values()],
        "aftersales": ds.sim.aftersales,
        "commissions": [(c.agency, c.payload, c.version) for c in ds.sim.commissions.values()],
    }
    return hashlib.sha256(json.dumps(everything, ensure_ascii=False).encode()).hexdigest()


@pytest.fixture(scope="module")
def ds():
    return generate(seed=11, **ARGS)


@pytest.fixture(scope="module")
def orders(ds):
    return [rec.payload for rec in ds.sim.orders.values()]


def test_same_arguments_same_bytes_other_seed_other_data(ds):
    assert fingerprint(generate(seed=11, **ARGS)) == fingerprint(ds)
    other = generate(seed=12, **ARGS)
    assert fingerprint(other) != fingerprint(ds)
    assert {o.order_id for o in other.sim.orders.values()} != {o.order_id for o in ds.sim.orders.values()}


def is_lottery(order) -> bool:
    """A 福袋 winner's 0-yuan order (sandbox.gen_luckybag), added on top of the orders asked for."""
    return order["order_detail"]["pay_info"].get("payment_method") == 3


def test_orders_fill_the_window(ds, orders):
    assert (sum(not is_lottery(o) for o in orders), sum(is_lottery(o) for o in orders)) == (2500, 14)
    times = [o["create_time"] for o in orders]
    assert min(times) > ANCHOR - 14 * 86400 and max(times) <= ANCHOR
    assert len({o["order_id"] for o in orders}) == 2514
    assert all(len(o["order_id"]) == 19 and o["order_id"].isdigit() for o in orders)
    assert all(o["update_time"] <= ANCHOR for o in orders)


def test_every_source_is_present_with_its_id_forms(ds, orders):
    agencies = {a["appid"] for a in ds.agencies}
    sources = [(o, s) for o in orders for s in o["order_detail"]["source_infos"]]
    assert {s["sale_channel"] for _, s in sources} == {0, 1, 2, 100, 101, 102}
    assert {s["account_type"] for _, s in sources} == {1, 2, 3, 4, 5, 6, 1000}
    assert {o["order_detail"]["ext_info"]["order_scene"] for o in orders} == {1, 2, 3, 4, 5, 6}
    combos = Counter((s["sale_channel"], s["account_type"]) for _, s in sources)
    assert set(combos) == {
        (0, 1),
        (0, 2),
        (0, 4),
        (0, 6),
        (1, 2),
        (1, 3),
        (2, 1),
        (100, 1),
        (100, 5),
        (101, 1000),
        (102, 3),
    }
    for order, s in sources:
        skus = {p["sku_id"] for p in order["order_detail"]["product_infos"]}
        assert s["sku_id"] in skus
        kind, account = s["account_type"], s["account_id"]
        if kind == 1:
            assert account.startswith("sph")
        elif kind in (2, 3, 5, 6):
            assert account.startswith("wx") and len(account) == 18
        elif kind == 4:
            assert account.startswith("ww") and s["content_type"] == 1 and s["content_id"]
        else:
            assert account in agencies
        if kind in (2, 6):
            assert s["original_id"].startswith("gh_")
        if s["promoter_head_supplier_id"]:
            assert (s["sale_channel"], s["promoter_head_supplier_id"]) == (101, account)
        if s["sale_channel"] == 2:
            assert order["order_detail"]["agent_info"]["agent_finder_id"] == account
    assert any(s["promoter_head_supplier_id"] for _, s in sources)  # agencies' sharers
    live_ids = {}
    for order in orders:
        ext = order["order_detail"]["ext_info"]
        if ext["order_scene"] == 2:
            # An export id as in the official example: "export/" + 96 base64url characters, 103 in all.
            assert re.fullmatch(r"export/[A-Za-z0-9_-]{96}", ext["live_id"]) and ext["finder_id"].startswith("sph")
            day = (order["create_time"] + CN_OFFSET) // DAY
            assert live_ids.setdefault((ext["finder_id"], day), ext["live_id"]) == ext["live_id"]
        elif ext["order_scene"] == 3:
            assert ext["finder_id"].startswith("sph") and not ext["live_id"]
        else:
            assert not ext["live_id"]
        if ext["order_scene"] == 6:
            assert order["order_detail"]["source_infos"][0]["account_type"] in (2, 6)
    assert sum(not o["order_detail"]["source_infos"] for o in orders) > 200  # natural traffic
    # One live per finder and day, and no two of them share an id.
    assert len(live_ids) > 20 and len(set(live_ids.values())) == len(live_ids)


def test_price_arithmetic_of_every_order(orders):
    features = Counter()
    for order in orders:
        detail = order["order_detail"]
        price = detail["price_info"]
        for line in detail["product_infos"]:
            total = line["sale_price"] * line["sku_cnt"]
            coupons = line["order_product_coupon_info_list"]
            merchant = sum(c["discounted_price"] for c in coupons if c["coupon_type"] == 1)
            finder = sum(c["discounted_price"] for c in coupons if c["coupon_type"] == 2)
            assert line["merchant_discounted_price"] == merchant + line["limited_discount_discounted_price"]
            assert line["finder_discounted_price"] == finder
            assert line["estimate_price"] == total - line["merchant_discounted_price"] - finder
            if line["is_change_price"]:
                assert line["real_price"] == min(line["estimate_price"], line["change_price"])
                features["change_price"] += 1
            else:
                assert line["real_price"] == line["estimate_price"] and "change_price" not in line
            assert line["is_discounted"] == (line["estimate_price"] < total)
            assert line["market_price"] >= line["sale_price"]
            assert type(line["is_free_gift"]) is int and line["is_free_gift"] in (0, 1)  # 0/1 on the wire
            if line["is_free_gift"]:
                assert line["sale_price"] == line["real_price"] == 0
                (main,) = line["free_gift_info"]["main_product_list"]
                first = detail["product_infos"][0]
                assert (main["product_id"], main["sku_id"], main["gift_cnt"]) == (
                    first["product_id"],
                    first["sku_id"],
                    line["sku_cnt"],
                )
                assert main["task_id"].isdigit()
                features["gift"] += 1
            elif is_lottery(order):
                assert line["sale_price"] == line["real_price"] == price["order_price"] == 0
                features["lottery"] += 1
            else:
                assert "free_gift_info" not in line
                assert 0 < line["real_price"] <= total
            features["coupon"] += bool(coupons)
            features["finder_coupon"] += bool(finder)
            features["limited"] += bool(line["limited_discount_discounted_price"])
        lines = detail["product_infos"]
        features["multi_line"] += len(lines) > 1
        product_price = sum(p["sale_price"] * p["sku_cnt"] for p in lines)
        real = sum(p["real_price"] for p in lines)
        estimate = sum(p["estimate_price"] for p in lines)
        assert price["product_price"] == product_price
        assert price["original_order_price"] == product_price + price["freight"]
        assert (
            price["discounted_price"]
            == price["merchant_discounted_price"]
            == sum(p["merchant_discounted_price"] for p in lines)
        )
        assert price["finder_discounted_price"] == sum(p["finder_discounted_price"] for p in lines)
        assert price["estimate_product_price"] == estimate
        assert price["change_down_price"] == estimate - real
        assert price["order_price"] == real + price["freight"] - price["deduction_price"]
        assert price["merchant_receieve_price"] == (
            price["original_order_price"]
            - price["discounted_price"]
            - price["deduction_price"]
            - price["change_down_price"]
        )
        assert price["merchant_receieve_price"] == price["order_price"] + price["finder_discounted_price"]
        features["freight"] += price["freight"] > 0
    assert min(features.values()) >= 5, features


def test_lifecycles_are_consistent_with_their_times(ds, orders):
    aftersales_by_order = defaultdict(list)
    for a in ds.sim.aftersales.values():
        aftersales_by_order[a["order_id"]].append(a)
    statuses = Counter(o["status"] for o in orders)
    assert set(statuses) >= {20, 21, 30, 100, 200, 250}, statuses
    for order in orders:
        detail, status = order["order_detail"], order["status"]
        pay_time = detail["pay_info"].get("pay_time", 0)
        deliveries = detail["delivery_info"]["delivery_product_info"]
        ship_done = detail["delivery_info"]["ship_done_time"]
        confirmed = detail["ext_info"]["confirm_receipt_time"]
        settle = detail["settle_info"]
        times = [
            order["create_time"],
            pay_time,
            *(d["delivery_time"] for d in deliveries),
            ship_done,
            confirmed,
            settle.get("settle_time", 0),
        ]
        assert all(t <= order["update_time"] for t in times)
        if status in (10, 250):
            assert not pay_time and not deliveries and not detail["commission_infos"]
            continue
        assert order["create_time"] <= pay_time
        assert all(pay_time <= d["delivery_time"] for d in deliveries)
        assert settle["predict_commission_fee"] >= 0
        if status == 20:
            assert not deliveries
        if status == 21:
            assert deliveries and not ship_done
        if status in (30, 100):
            assert ship_done == max(d["delivery_time"] for d in deliveries)
            shipped = sorted(p["sku_id"] for d in deliveries for p in d["product_infos"])
            assert len(shipped) == len(set(shipped))
        if status == 100:
            assert confirmed >= ship_done
        else:
            assert not confirmed and "settle_time" not in settle
        # The settlement fields are absent until the order is settled, then all there.
        settled_fields = {"commission_fee", "predict_wecoin_commission", "wecoin_commission", "settle_time"}
        assert settled_fields <= set(settle) if "settle_time" in settle else not settled_fields & set(settle)
        mine = aftersales_by_order[order["order_id"]]
        if "settle_time" in settle:
            assert settle["settle_time"] > confirmed
            # Never settled while an after-sale is open (正在售后): every one had ended before.
            assert all(a["status"] in AFTERSALE_FINAL and a["complete_time"] < settle["settle_time"] for a in mine)

        # after-sales: the order's view matches the after-sale orders, refunds add up
        summary = order["aftersale_detail"]
        assert summary["on_aftersale_order_cnt"] == sum(a["status"] not in AFTERSALE_FINAL for a in mine)
        # The list names the after-sales only (its status went offline on 2025-02-07).
        assert summary["aftersale_order_list"] == [{"aftersale_order_id": a["after_sale_order_id"]} for a in mine]
        refunded = Counter()
        for line in detail["product_infos"]:
            done = [a for a in mine if a["product_info"]["sku_id"] == line["sku_id"]]
            # One after-sale at a time per SKU: each had ended when the next was opened.
            assert all(0 < a["complete_time"] <= b["create_time"] for a, b in itertools.pairwise(done))
            assert line["on_aftersale_sku_cnt"] == sum(
                a["product_info"]["count"] for a in done if a["status"] not in AFTERSALE_FINAL
            )
            assert line["finish_aftersale_sku_cnt"] == sum(
                a["product_info"]["count"] for a in done if a["status"] in AFTERSALE_REFUNDED
            )
            refunded[line["sku_id"]] = sum(
                a["refund_info"]["amount"] for a in done if a["status"] in AFTERSALE_REFUNDED
            )
            assert refunded[line["sku_id"]] <= line["real_price"]
        # A 0-yuan 福袋 order has nothing to refund: "fully refunded" means nothing there.
        fully = not is_lottery(order) and all(
            line["is_free_gift"] or refunded[line["sku_id"]] == line["real_price"] for line in detail["product_infos"]
        )
        assert (status == 200) == fully
        if status == 200 and not deliveries:
            assert detail["refund_info"]["refund_freight"] == detail["price_info"]["freight"]

        # technical service fee: floor per line on (real − refunded)
        fee = sum(
            ppm_of(
                line["real_price"] - refunded[line["sku_id"]], ds.catalog["product_meta"][line["product_id"]]["fee_ppm"]
            )
            for line in detail["product_infos"]
        )
        if "settle_time" in settle:
            assert settle["commission_fee"] == fee
        elif status != 200:
            assert settle["predict_commission_fee"] == fee
    types = Counter(a["type"] for a in ds.sim.aftersales.values())
    assert types["REFUND"] and types["RETURN"]
    amounts = [(a["refund_info"]["amount"], a) for a in ds.sim.aftersales.values()]
    assert any(a["type"] == "REFUND" and a["details"]["receive_product"] for _, a in amounts)  # partial, after receipt
    assert statuses[200] and Counter(a["status"] for a in ds.sim.aftersales.values())["MERCHANT_RETURN_SUCCESS"]


def test_commission_infos_of_alliance_orders(ds, orders):
    meta = ds.catalog["product_meta"]
    commissions = {(c.order_id, c.sku_id): c for c in ds.sim.commissions.values()}
    checked = Counter()
    for order in orders:
        detail = order["order_detail"]
        if order["status"] in (10, 250):
            assert detail["commission_infos"] == []
            continue
        lines = {p["sku_id"]: p for p in detail["product_infos"]}
        alliance = {  # free gifts carry the attribution but earn no commission
            s["sku_id"]: s
            for s in detail["source_infos"]
            if s["sale_channel"] in (100, 101) and not lines[s["sku_id"]]["is_free_gift"]
        }
        assert {e["sku_id"] for e in detail["commission_infos"]} == set(alliance)
        assert detail["ext_info"]["commission_handling_progress"] == (1 if alliance else 0)
        refunded = Counter()
        for a in ds.sim.aftersales.values():
            if a["order_id"] == order["order_id"] and a["status"] in AFTERSALE_REFUNDED:
                refunded[a["product_info"]["sku_id"]] += a["refund_info"]["amount"]
        for entry in detail["commission_infos"]:
            base = lines[entry["sku_id"]]["real_price"] - refunded[entry["sku_id"]]
            source = alliance[entry["sku_id"]]
            if source["sale_channel"] == 100:
                assert entry["type"] == 0
                ratio = meta[lines[entry["sku_id"]]["product_id"]]["league_pct"] * 10_000
                assert entry["finder_id"] == source["account_id"] or entry["talent_id"] == source["account_id"]
            else:
                info = commissions[(order["order_id"], entry["sku_id"])].payload["order_detail"]["commission_info"]
                promoter = next(info[k] for k in ("finder_info", "talent_info", "sharer_info") if k in info)
                ratio = info["service_ratio"] if entry["type"] == 1 else promoter["ratio"]
                assert entry["type"] in (0, 1)
            assert entry["amount"] == ppm_of(base, ratio)
            assert entry["status"] in (1, 2)
            checked[(source["sale_channel"], entry["type"], entry["status"])] += 1
    assert set(checked) >= {(100, 0, 1), (100, 0, 2), (101, 0, 1), (101, 1, 1), (101, 0, 2), (101, 1, 2)}, checked
    statuses = Counter(c.payload["status"] for c in ds.sim.commissions.values())
    assert set(statuses) == {20, 100, 200}
    for c in ds.sim.commissions.values():
        assert 0 < c.payload["order_detail"]["commission_info"]["service_ratio"] <= 1_000_000


def test_still_in_after_sale_is_every_status_but_the_platforms_five(ds):
    assert {
        "USER_CANCELD",
        "MERCHANT_REFUND_RETRY_FAIL",
        "MERCHANT_FAIL",
        "MERCHANT_REFUND_SUCCESS",
        "MERCHANT_RETURN_SUCCESS",
    } == AFTERSALE_FINAL
    # A merchant's rejection leaves the after-sale open: counted on the order and its SKUs.
    rejected = [a for a in ds.sim.aftersales.values() if a["status"].startswith("MERCHANT_REJECT_")]
    assert len(rejected) >= 5
    for a in rejected:
        order = ds.sim.orders[a["order_id"]].payload
        line = next(p for p in order["order_detail"]["product_infos"] if p["sku_id"] == a["product_info"]["sku_id"])
        assert order["aftersale_detail"]["on_aftersale_order_cnt"] >= 1
        assert line["on_aftersale_sku_cnt"] >= a["product_info"]["count"]
        assert a["complete_time"] == 0


def test_a_merchants_rejection_holds_settlement_until_the_buyers_window_lapses():
    """A rejected after-sale stays open (the buyer may apply again or escalate) for REJECT_APPEAL_WINDOW, then ends as
    USER_CANCELD with its push; the order, received long before, is settled only after that."""
    sim = generate(seed=11, appid=ARGS["appid"], days=14, orders=800, anchor=ANCHOR, agencies=3).sim
    sim.emit = True
    # An order received more than 3 days before the window lapses: settling 1–3 days after receipt alone would settle
    # it while the after-sale is still open.
    rec, aftersale = next(
        (rec, a)
        for rec in sim.orders.values()
        for a in (sim.aftersales[i] for i in rec.plan["meta"]["aftersale_ids"])
        if a["status"] == "MERCHANT_REJECT_REFUND"
        and rec.payload["status"] == 100
        and rec.payload["order_detail"]["ext_info"]["confirm_receipt_time"] + 3 * DAY
        < a["update_time"] + REJECT_APPEAL_WINDOW
    )
    order_id, openid, appid = rec.order_id, rec.payload["openid"], sim.shop.appid
    detail = rec.payload["order_detail"]
    line = next(p for p in detail["product_infos"] if p["sku_id"] == aftersale["product_info"]["sku_id"])
    rejected_at, confirmed = aftersale["update_time"], detail["ext_info"]["confirm_receipt_time"]
    lapse = rejected_at + REJECT_APPEAL_WINDOW

    def pushed() -> list:
        """This order's events since the last look."""
        mine = [
            e
            for e in sim.events
            if e.body.get("finder_shop_aftersale_status_update", {}).get("order_id") == order_id
            or e.body.get("order_info", {}).get("order_id") == int(order_id)
        ]
        sim.events.clear()
        return mine

    assert rejected_at < confirmed < ANCHOR < lapse
    assert (aftersale["complete_time"], rec.payload["aftersale_detail"]["on_aftersale_order_cnt"]) == (0, 1)
    assert line["on_aftersale_sku_cnt"] == aftersale["product_info"]["count"]
    assert "settle_time" not in detail["settle_info"]

    sim.run_until(lapse - 1)
    assert (aftersale["status"], aftersale["update_time"]) == ("MERCHANT_REJECT_REFUND", rejected_at)
    assert "settle_time" not in detail["settle_info"] and "fee_flow" not in rec.plan["meta"]
    assert pushed() == []

    sim.run_until(lapse)
    assert aftersale["status"] == "USER_CANCELD"
    assert aftersale["update_time"] == aftersale["complete_time"] == aftersale["details"]["cancel_time"] == lapse
    assert aftersale["merchant_upload_info"]["reject_reason"] == "请提供破损照片"  # the rejection stays on record
    assert (rec.payload["aftersale_detail"]["on_aftersale_order_cnt"], line["on_aftersale_sku_cnt"]) == (0, 0)
    assert rec.payload["update_time"] == lapse and "settle_time" not in detail["settle_info"]
    status = {"after_sale_order_id": aftersale["after_sale_order_id"], "status": "USER_CANCELD", "order_id": order_id}
    assert pushed() == [
        Emitted(appid, lapse, "channels_ec_aftersale_update", openid, {"finder_shop_aftersale_status_update": status})
    ]

    (settle_at,) = [t for t, action, _ in rec.plan["todo"] if action == "settle"]
    assert lapse + DAY <= settle_at <= lapse + 3 * DAY  # 1–3 days after the last after-sale ended
    sim.run_until(settle_at)
    settle = detail["settle_info"]
    assert settle["settle_time"] == settle_at and settle["commission_fee"] == settle["predict_commission_fee"]
    assert rec.plan["meta"]["fee_flow"]["original"] == settle["commission_fee"]
    assert pushed() == [
        Emitted(
            appid,
            settle_at,
            "channels_ec_order_settle",
            openid,
            {"order_info": {"order_id": int(order_id), "settle_time": settle_at}},
        )
    ]


def test_applying_again_ends_a_rejected_after_sale_early():
    """A buyer who applies again for a SKU inside the window cancels the rejected after-sale then (a new id)."""
    sim = generate(seed=1, appid=ARGS["appid"], days=14, orders=2000, anchor=ANCHOR, agencies=3).sim
    pairs = []
    for rec in sim.orders.values():
        by_sku = defaultdict(list)
        for i in rec.plan["meta"]["aftersale_ids"]:
            by_sku[sim.aftersales[i]["product_info"]["sku_id"]].append(sim.aftersales[i])
        pairs += [done for done in by_sku.values() if len(done) == 2]
    rejected = [(a, b) for a, b in pairs if a["merchant_upload_info"]["reject_reason"]]
    assert len(rejected) == 1
    (first, second) = rejected[0]
    assert second["create_time"] < first["create_time"] + REJECT_APPEAL_WINDOW
    assert (first["status"], first["update_time"], first["complete_time"], first["details"]["cancel_time"]) == (
        "USER_CANCELD",
        second["create_time"],
        second["create_time"],
        second["create_time"],
    )
    assert second["after_sale_order_id"] != first["after_sale_order_id"]


def test_aftersales_carry_the_reason_key_and_its_text(ds):
    aftersales = list(ds.sim.aftersales.values())
    for a in aftersales:
        assert a["reason_text"] == AFTERSALE_REASON_TEXTS[a["reason"]]
        assert a["details"]["desc"] and "tel_number" not in a["details"]  # taken offline 2025-04-14
        assert a["sub_type"] == "DEFAULT"
        refunded = a["status"] in AFTERSALE_REFUNDED
        assert a["refund_info"].get("refund_reason") == (1 if refunded else None)
        assert a["complete_time"] == (a["update_time"] if a["status"] in AFTERSALE_FINAL else 0)
    assert {a["reason"] for a in aftersales} == {
        "NO_LONGER_WANT",
        "INCORRECT_SELECTION",
        "QUALITY_ISSUE",
        "NO_REASON_7_DAYS",
        "NOT_MATCH_PRODUCT_DESC",
        "OTHERS",
    }


def test_a_modify_address_request_is_under_review_until_the_merchant_decides(ds):
    pending, approved, untouched = [], [], 0
    for rec in ds.sim.orders.values():
        delivery = rec.payload["order_detail"]["delivery_info"]
        if "address_under_review" not in delivery:  # never asked, or rejected
            assert "address_apply_time" not in delivery
            untouched += 1
            continue
        review, current = delivery["address_under_review"], delivery["address_info"]
        assert set(review) == set(current)  # an AddressInfo, like address_info
        assert delivery["address_apply_time"] <= rec.payload["update_time"]
        if any(action == "address_decide" for _, action, _ in rec.plan["todo"]):
            assert review["detail_info"] != current["detail_info"] or review["county_name"] != current["county_name"]
            assert rec.payload["status"] == 20
            pending.append(rec.order_id)
        else:  # approved: the new address replaced address_info
            assert review == current
            approved.append(rec.order_id)
    assert (len(pending), len(approved) > 50, untouched > 2000) == (2, True, True)
