"""The 福袋 traces a generated shop carries (sandbox.gen_luckybag): a 福袋抽奖商品 (product_type 2) and the
winners' 0-yuan lottery orders (payment_method 3) in lives of the shop's own 视频号 — and nothing else changed."""

import json

import pytest

from sandbox import generator
from sandbox.generator import generate

ANCHOR = 1767240000
ARGS = {"appid": "wx00000000000000bb", "seed": 5, "days": 10, "orders": 800, "anchor": ANCHOR, "agencies": 2}


@pytest.fixture(scope="module")
def ds():
    return generate(**ARGS)


def lottery(ds) -> list[dict]:
    orders = [r.payload for r in ds.sim.orders.values()]
    return [o for o in orders if o["order_detail"]["pay_info"].get("payment_method") == 3]


def test_one_lucky_bag_product_made_from_a_prize_the_shop_sells(ds):
    bags = [p for p in ds.products if p["payload"] and p["payload"]["product_type"] == 2]
    assert len(bags) == 1
    bag = bags[0]["payload"]
    prize_titles = {p["payload"]["title"] for p in ds.products if p["payload"] and p["payload"]["product_type"] == 1}
    assert bag["title"].startswith("福袋·") and bag["title"][3:] in prize_titles
    assert len(bag["skus"]) == 1 and bag["skus"][0]["stock_num"] == 0
    # No ordinary order picks it: it is the lottery's alone.
    assert ds.catalog["product_meta"][bag["product_id"]]["role"] == "luckybag"
    assert bag["product_id"] not in ds.world.orderable


def test_winners_orders_are_zero_yuan_lottery_orders_of_the_shops_own_lives(ds):
    orders = lottery(ds)
    (bag,) = [p["product_id"] for p in ds.products if p["payload"] and p["payload"]["product_type"] == 2]
    own = {acc["account_id"] for acc in ds.catalog["linked"]["channels"]}
    ordinary_lives = {
        r.payload["order_detail"]["ext_info"]["live_id"]
        for r in ds.sim.orders.values()
        if r.payload["order_detail"]["pay_info"].get("payment_method") != 3
    }
    lives = {o["order_detail"]["ext_info"]["live_id"] for o in orders}
    assert len(lives) == 3 and lives <= ordinary_lives
    assert 9 <= len(orders) <= 18
    for order in orders:
        detail = order["order_detail"]
        ext = detail["ext_info"]
        assert ext["finder_id"] in own and ext["order_scene"] == 2 and ext["live_id"].startswith("export/")
        assert detail["price_info"]["order_price"] == detail["price_info"]["product_price"] == 0
        assert [(ln["product_id"], ln["sku_cnt"], ln["real_price"]) for ln in detail["product_infos"]] == [(bag, 1, 0)]
        assert order["status"] in (20, 30, 100) and detail["pay_info"]["pay_time"] == order["create_time"] + 1
    # The winners of one 福袋 are different buyers.
    for live in lives:
        buyers = [o["openid"] for o in orders if o["order_detail"]["ext_info"]["live_id"] == live]
        assert len(buyers) == len(set(buyers))


def test_everything_else_is_generated_byte_for_byte_as_without_it(ds, monkeypatch):
    monkeypatch.setattr(generator, "luckybags_add", lambda **kwargs: None)
    plain = generate(**ARGS)
    bag_ids = {p["product_id"] for p in ds.products if p["payload"] and p["payload"]["product_type"] == 2}

    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    ordinary = {k: (r.payload, r.plan) for k, r in ds.sim.orders.items() if r.seq < 9_000_000}
    assert dump(ordinary) == dump({k: (r.payload, r.plan) for k, r in plain.sim.orders.items()})
    assert dump([p for p in ds.products if p["product_id"] not in bag_ids]) == dump(plain.products)
    meta = {k: v for k, v in ds.catalog["product_meta"].items() if k not in bag_ids}
    assert dump({**ds.catalog, "product_meta": meta}) == dump(plain.catalog)
    assert dump((ds.shop, ds.buyers, ds.sim.aftersales)) == dump((plain.shop, plain.buyers, plain.sim.aftersales))
    assert ds.shop["order_seq"] == 800  # sandbox_advance numbers its new orders from here, as before
