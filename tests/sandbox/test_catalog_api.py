"""After-sales, products, basics and the agency (headsupplier) APIs over HTTP."""

from sandbox import selectors
from sandbox.lifecycle import ppm_of
from tests.sandbox.conftest import ANCHOR, SHOP, assert_error

DAY = 86400
HS = "/channels/ec/league/headsupplier"


def pages(api, token, path, body, key):
    items, next_key = [], ""
    while True:
        answer = api.post(path, {**body, "next_key": next_key}, token=token)
        assert answer["errcode"] == 0, answer
        items += answer[key]
        next_key = answer["next_key"]
        if "has_more" in answer and not answer["has_more"]:
            return items, answer
        if "has_more" not in answer and not answer[key]:  # next_key + total_num style: until an empty page
            return items, answer


def test_aftersale_list_and_get(api, token):
    path = "/channels/ec/aftersale/getaftersalelist"
    assert_error(api.post(path, {"begin_create_time": ANCHOR - DAY - 1, "end_create_time": ANCHOR}, token=token), 40097)
    assert_error(api.post(path, {"begin_create_time": ANCHOR, "end_create_time": ANCHOR - 1}, token=token), 40097)
    aftersales = selectors.aftersale_payloads(SHOP)
    assert aftersales
    listed = []
    for end in range(ANCHOR, ANCHOR - 9 * DAY, -DAY - 1):
        ids, _ = pages(
            api, token, path, {"begin_create_time": end - DAY, "end_create_time": end}, "after_sale_order_id_list"
        )
        listed += ids
    assert sorted(listed) == sorted(a["after_sale_order_id"] for a in aftersales)
    for aftersale in aftersales[:10]:
        answer = api.post(
            "/channels/ec/aftersale/getaftersaleorder",
            {"after_sale_order_id": aftersale["after_sale_order_id"]},
            token=token,
        )
        assert answer["after_sale_order"] == aftersale


def test_products(api, token):
    path = "/channels/ec/product/list/get"
    assert_error(api.post(path, {"page_size": 31}, token=token), 40097)
    products = selectors.product_payloads(SHOP)
    ids, last = pages(api, token, path, {"page_size": 5}, "product_ids")
    visible = [p["product_id"] for p in products if p["status"] not in (0, 6, 9)]
    assert ids == visible and last["total_num"] == len(visible)
    drafts, last = pages(api, token, path, {"page_size": 30, "status": 0}, "product_ids")
    assert drafts == [p["product_id"] for p in products if p["status"] == 0] and len(drafts) == 1

    listed = next(p for p in products if p["status"] == 5)
    answer = api.post("/channels/ec/product/get", {"product_id": listed["product_id"]}, token=token)
    assert answer["product"] == listed["product"] and "edit_product" not in answer
    answer = api.post("/channels/ec/product/get", {"product_id": listed["product_id"], "data_type": 2}, token=token)
    assert answer["edit_product"] == listed["edit_product"] and "product" not in answer
    delisted = next(p for p in products if p["status"] == 11)
    answer = api.post("/channels/ec/product/get", {"product_id": delisted["product_id"], "data_type": 3}, token=token)
    assert "product" not in answer and answer["edit_product"] == delisted["edit_product"]
    assert_error(
        api.post("/channels/ec/product/get", {"product_id": listed["product_id"], "data_type": 4}, token=token), 40097
    )

    sku = listed["product"]["skus"][0]
    stock = api.post(
        "/channels/ec/product/stock/get", {"product_id": listed["product_id"], "sku_id": sku["sku_id"]}, token=token
    )["data"]
    assert stock["normal_stock_num"] == stock["total_stock_num"] == sku["stock_num"]
    assert_error(
        api.post("/channels/ec/product/stock/get", {"product_id": listed["product_id"], "sku_id": "1"}, token=token),
        40097,
    )


def test_headsupplier_orders(api, seeded, agency_token):
    agency = seeded.agencies[0]
    path = f"{HS}/order/list/get"
    window = {"create_time_range": {"start_time": ANCHOR - 7 * DAY, "end_time": ANCHOR}}
    assert_error(api.post(path, {"page_size": 30}, token=agency_token), 10024000)
    assert_error(api.post(path, {**window, "page_size": 31}, token=agency_token), 10024000)
    assert_error(
        api.post(
            path, {"create_time_range": {"start_time": ANCHOR - 7 * DAY - 1, "end_time": ANCHOR}}, token=agency_token
        ),
        10024000,
    )
    expected = selectors.commission_order_payloads(agency.appid)
    assert expected
    listed, _ = pages(api, agency_token, path, {**window, "page_size": 30}, "list")
    assert listed == [{"order_id": c["order_id"], "sku_id": c["sku_id"]} for c in expected]
    one = expected[0]
    only, _ = pages(api, agency_token, path, {"order_id": one["order_id"]}, "list")
    assert only == [
        {"order_id": c["order_id"], "sku_id": c["sku_id"]} for c in expected if c["order_id"] == one["order_id"]
    ]
    answer = api.post(f"{HS}/order/get", {"order_id": one["order_id"], "sku_id": one["sku_id"]}, token=agency_token)
    assert answer["commssion_order"] == one  # sic
    assert_error(api.post(f"{HS}/order/get", {"order_id": "1", "sku_id": "2"}, token=agency_token), 10024006)
    assert_error(api.post(f"{HS}/order/get", {"order_id": "1"}, token=agency_token), 10024000)


def test_commission_orders_match_the_merchant_side(seeded):
    """Both sides apply floor(actual_payment × ratio / 1e6) to the same base (real_price minus refunds)."""
    orders = {o["order_id"]: o for o in selectors.order_payloads(SHOP)}
    for agency in seeded.agencies:
        for c in selectors.commission_order_payloads(agency.appid):
            order = orders[c["order_id"]]
            info = c["order_detail"]["commission_info"]
            base = c["order_detail"]["product_info"]["actual_payment"]
            assert info["service_amount"] == ppm_of(base, info["service_ratio"])
            promoter = next(info[k] for k in ("finder_info", "talent_info", "sharer_info") if k in info)
            assert promoter["amount"] == ppm_of(base, promoter["ratio"])
            entries = [e for e in order["order_detail"]["commission_infos"] if e["sku_id"] == c["sku_id"]]
            assert sorted((e["type"], e["amount"]) for e in entries) == [
                (0, promoter["amount"]),
                (1, info["service_amount"]),
            ]
            assert next(e for e in entries if e["type"] == 1)["agency_id"] == agency.appid
            assert c["order_detail"]["order_info"]["order_status"] == order["status"]
            assert c["status"] in (20, 100, 200)
            settled = {e["status"] for e in entries} == {2}
            assert settled == (c["status"] == 100) or c["status"] == 200


def test_headsupplier_items_and_shops(api, seeded, agency_token):
    items, _ = pages(api, agency_token, f"{HS}/item/list/get", {"page_size": 7}, "list")
    expected = selectors.agency_item_payloads(seeded.agencies[0].appid)
    assert items == [{"appid": i["appid"], "product_id": i["product_id"]} for i in expected]
    item = api.post(f"{HS}/item/get", items[0], token=agency_token)["item"]
    assert item == expected[0] and 0 <= item["commission_info"]["ratio"] <= 1_000_000
    # An item the agency does not promote: 10024004 不存在该商品; a shop it has no dealings with: 10024003.
    unknown = api.post(f"{HS}/item/get", {**items[0], "product_id": "10000000000001"}, token=agency_token)
    assert_error(unknown, 10024004)
    assert unknown["errmsg"].startswith("不存在该商品 rid: ")
    assert_error(api.post(f"{HS}/item/get", {**items[0], "appid": "wx0000000000000000"}, token=agency_token), 10024003)
    assert_error(api.post(f"{HS}/item/list/get", {"page_size": 31}, token=agency_token), 10024000)
    shops, _ = pages(api, agency_token, f"{HS}/shop/list/get", {}, "shop_list")
    assert shops == [
        {
            "base_info": {"appid": SHOP, "headimg_url": seeded.shop.headimg_url, "nickname": seeded.shop.name},
            "status": 2,
        }
    ]
