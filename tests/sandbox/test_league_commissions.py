"""Commissions from the plan terms in force at pay time, the recorded deliberate mistakes, and the talents' figures,
all checked against the orders themselves."""

from collections import Counter, defaultdict

import pytest

from sandbox import selectors
from sandbox.lifecycle import AFTERSALE_REFUNDED, ppm_of
from sandbox.models import Account
from sandbox.services import shop_advance, shop_seed
from tests.sandbox.conftest import ANCHOR, SHOP
from tests.sandbox.test_league_plans import ITEM

HOUR = 3600


def refunded_by_line() -> Counter:
    refunded = Counter()
    for a in selectors.aftersale_payloads(SHOP):
        if a["status"] in AFTERSALE_REFUNDED:
            refunded[(a["order_id"], a["product_info"]["sku_id"])] += a["refund_info"]["amount"]
    return refunded


def paid_lines():
    """(order, line, entry, base) for every commission entry of every paid order; base = real_price − refunds."""
    refunded = refunded_by_line()
    for order in selectors.order_payloads(SHOP):
        lines = {p["sku_id"]: p for p in order["order_detail"]["product_infos"]}
        for entry in order["order_detail"]["commission_infos"]:
            line = lines[entry["sku_id"]]
            yield order, line, entry, max(line["real_price"] - refunded[(order["order_id"], entry["sku_id"])], 0)


def commission_orders() -> dict:
    return {
        (c["order_id"], c["sku_id"]): c
        for agency in selectors.agencies_of_shop(SHOP)
        for c in selectors.commission_order_payloads(agency["appid"], shop_appid=SHOP)
    }


def test_a_payment_is_charged_with_the_terms_in_force_when_it_is_paid(api, seeded):
    """定向 plans for every cooperating talent at 33 % from hour 24; a 普通 ratio raised to 40 % and the first
    agency's plans set to 21 %/4 % from hour 36: each line paid before, between and after carries its own terms."""
    token = api.token(SHOP, seeded.shop.secret)
    meta = selectors.catalog(SHOP)["product_meta"]
    on_sale = {p["product_id"] for p in selectors.product_payloads(SHOP) if p["status"] == 5}
    league = [p for p in meta if meta[p]["league_pct"] and p in on_sale]
    talents = selectors.league_talents(SHOP)
    cooperating = {t["talent_appid"] for t in talents if t["status"] == 2}
    appid_of = {t["finder_id"]: t["talent_appid"] for t in talents} | {
        t["talent_appid"]: t["talent_appid"] for t in talents
    }
    agency = seeded.agencies[0]
    seeded_terms = {
        i["product_id"]: (i["commission_info"]["ratio"], i["commission_info"]["service_ratio"])
        for i in selectors.agency_item_payloads(agency.appid)
        if i["appid"] == SHOP
    }

    shop_advance(appid=SHOP, hours=24, deliver=False)
    t1 = ANCHOR + 24 * HOUR
    answer = api.post(
        f"{ITEM}/batchadd",
        {
            "type": 2,
            "talent_appids": sorted(cooperating),
            "is_forerver": True,
            "list": [{"product_id": p, "ratio": 33} for p in league],
        },
        token=token,
    )
    assert [r["errcode"] for r in answer["result_info_list"]] == [0] * len(league)
    shop_advance(appid=SHOP, hours=12, deliver=False)
    t2 = ANCHOR + 36 * HOUR
    raised = league[0]
    body = {"type": 1, "product_id": raised, "operate_type": 1, "ratio": 40}
    assert api.post(f"{ITEM}/upd", body, token=token)["errcode"] == 0
    body = {
        "headsupplier_appid": agency.appid,
        "list": [{"product_id": p, "ratio": 21, "service_ratio": 4} for p in seeded_terms],
    }
    answer = api.post(f"{ITEM}/headsupplier/batchadd", body, token=token)
    assert [r["errcode"] for r in answer["result_info_list"]] == [0] * len(seeded_terms)
    shop_advance(appid=SHOP, hours=48, deliver=False)

    comms = commission_orders()
    seen = Counter()
    for order, line, entry, base in paid_lines():
        paid = order["order_detail"]["pay_info"]["pay_time"]
        period = "before" if paid <= t1 else "between" if paid <= t2 else "after"
        comm = comms.get((order["order_id"], entry["sku_id"]))
        if comm is None:
            appid = appid_of[entry["talent_id"] or entry["finder_id"]]
            if paid > t1 and appid in cooperating:
                pct = 33
            else:
                pct = 40 if paid > t2 and line["product_id"] == raised else meta[line["product_id"]]["league_pct"]
            assert entry["amount"] == ppm_of(base, pct * 10_000), (order["order_id"], period, pct)
            seen[("talent", period, pct)] += 1
            continue
        info = comm["order_detail"]["commission_info"]
        promoter = next(info[k] for k in ("finder_info", "talent_info", "sharer_info") if k in info)
        if agency.appid in {e["agency_id"] for e in order["order_detail"]["commission_infos"]}:
            expected = (210_000, 40_000) if paid > t2 else seeded_terms[line["product_id"]]
            assert (promoter["ratio"], info["service_ratio"]) == expected
            seen[("agency", period)] += 1
        ratio = info["service_ratio"] if entry["type"] == 1 else promoter["ratio"]
        assert entry["amount"] == ppm_of(base, ratio)
    talent = Counter()
    for key, n in seen.items():
        if key[0] == "talent":
            talent[(key[1], key[2] == 33)] += n
    # Lines at the 定向 ratio after t1 only; 普通 lines before and after.
    assert talent[("after", True)] and talent[("before", False)] and talent[("after", False)]
    assert not talent[("before", True)]
    assert seen[("agency", "after")] and seen[("agency", "before")]


@pytest.fixture
def skewed(transactional_db):
    return shop_seed(
        appid=SHOP,
        seed=5,
        days=7,
        orders=600,
        anchor=ANCHOR,
        agencies=2,
        miscompute_permille=150,
        self_referral_permille=500,
    )


def wrong_lines() -> set:
    """Every (order_id, sku_id, party) whose amount is not floor(base × ratio): ratios from the seeded 普通 plans for
    talents, from the agency's commission order for agency lines (which must show the same amounts)."""
    meta = selectors.catalog(SHOP)["product_meta"]
    comms = commission_orders()
    wrong = set()
    for order, line, entry, base in paid_lines():
        key = (order["order_id"], entry["sku_id"])
        if key in comms:
            info = comms[key]["order_detail"]["commission_info"]
            promoter = next(info[k] for k in ("finder_info", "talent_info", "sharer_info") if k in info)
            ratio, shown = (
                (info["service_ratio"], info["service_amount"])
                if entry["type"] == 1
                else (promoter["ratio"], promoter["amount"])
            )
            assert entry["amount"] == shown, key  # the same (wrong or right) amount on both sides
            assert comms[key]["order_detail"]["product_info"]["actual_payment"] == base
        else:
            ratio = meta[line["product_id"]]["league_pct"] * 10_000
        if entry["amount"] != ppm_of(base, ratio):
            wrong.add((*key, entry["type"]))
    return wrong


def test_the_mistaken_lines_are_exactly_the_recorded_ones(skewed):
    recorded = selectors.commission_anomalies(SHOP)
    assert wrong_lines() == recorded
    assert len(recorded) >= 10 and {party for *_, party in recorded} == {0, 1}
    shop_advance(appid=SHOP, hours=30, deliver=False)
    after = selectors.commission_anomalies(SHOP)
    assert wrong_lines() == after and after > recorded


def test_self_referral_lines_are_exactly_the_recorded_ones(skewed):
    found = {
        (c["order_id"], c["sku_id"], 0)
        for c in commission_orders().values()
        if c["order_detail"]["buyer_info"]["open_id"]
        == c["order_detail"]["commission_info"].get("sharer_info", {}).get("opensharerid")
    }
    assert found == selectors.commission_anomalies(SHOP, kind="self_referral") and found


def test_no_mistakes_by_default(seeded):
    assert wrong_lines() == set() == selectors.commission_anomalies(SHOP)
    assert selectors.commission_anomalies(SHOP, kind="self_referral") == set()


def test_talent_figures_equal_the_orders(api, seeded):
    """promoter/get and talent/getproductdatalist sum the talent's paid lines outside any agency."""
    token = api.token(SHOP, seeded.shop.secret)
    shop_advance(appid=SHOP, hours=40 * 24, deliver=False)  # past 30 days: the 30-day figures drop the oldest
    now = Account.objects.get(appid=SHOP).clock
    talents = selectors.league_talents(SHOP)
    appid_of = {t["finder_id"]: t["talent_appid"] for t in talents} | {
        t["talent_appid"]: t["talent_appid"] for t in talents
    }
    comms = commission_orders()
    per = defaultdict(lambda: defaultdict(lambda: {"gmv": 0, "gmv_30d": 0, "orders": set(), "orders_30d": set()}))
    for order, line, entry, _ in paid_lines():
        if entry["type"] != 0 or (order["order_id"], entry["sku_id"]) in comms:
            continue
        appid = appid_of[entry["talent_id"] or entry["finder_id"]]
        f = per[appid][line["product_id"]]
        f["gmv"] += line["real_price"]
        f["orders"].add(order["order_id"])
        if order["order_detail"]["pay_info"]["pay_time"] > now - 30 * 86400:
            f["gmv_30d"] += line["real_price"]
            f["orders_30d"].add(order["order_id"])
    league = [p["product_id"] for p in selectors.league_plans(SHOP) if p["type"] == 1]
    checked = 0
    for talent in talents:
        products = per[talent["talent_appid"]]
        answer = api.post("/channels/ec/league/promoter/get", {"talent_appid": talent["talent_appid"]}, token=token)
        assert answer["talent"]["data"] == {
            "total_sale_gmv": sum(f["gmv"] for f in products.values()),
            "sale_gmv_30d": sum(f["gmv_30d"] for f in products.values()),
            "total_order_num": len(set().union(*(f["orders"] for f in products.values()))),
            "order_num_30d": len(set().union(*(f["orders_30d"] for f in products.values()))),
            "sale_product_num_30d": sum(1 for f in products.values() if f["orders_30d"]),
            "window_product_num": len(league),
        }
        assert answer["talent"]["feature_info"]["is_blacklisted"] is talent["is_blacklisted"]
        rows = api.post(
            "/channels/ec/league/talent/getproductdatalist",
            {"talent_appid": talent["talent_appid"], "page_size": 100},
            token=token,
        )["list"]
        assert {r["spu_id"]: r["product_data"] for r in rows} == {
            p: {
                "total_sale_gmv": f["gmv"],
                "sale_gmv_30d": f["gmv_30d"],
                "total_order_num": len(f["orders"]),
                "order_num_30d": len(f["orders_30d"]),
            }
            for p, f in products.items()
        }
        checked += bool(products)
    assert checked >= 6
