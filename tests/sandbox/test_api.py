"""The request pipeline over HTTP: every validation error code, response conventions, the routing table."""

import pytest

from sandbox.api.registry import ROUTES
from tests.sandbox.conftest import ANCHOR, RID, assert_error

POST_ENDPOINTS = sorted(
    path for path, e in ROUTES.items() if "GET" not in e.methods and path != "/cgi-bin/stable_token"
)
SHOP_POSTS = [p for p in POST_ENDPOINTS if ROUTES[p].audience == "shop"]


def test_the_routing_table_serves_the_documented_paths():
    assert sorted(ROUTES) == [
        "/cgi-bin/stable_token",
        "/cgi-bin/token",
        "/channels/ec/aftersale/getaftersalelist",
        "/channels/ec/aftersale/getaftersaleorder",
        "/channels/ec/basics/info/get",
        "/channels/ec/cooperation/invitation/cancel",
        "/channels/ec/cooperation/invitation/qrcode/generate",
        "/channels/ec/cooperation/invitation/unbind",
        "/channels/ec/cooperation/list",
        "/channels/ec/cooperation/unbind",
        "/channels/ec/coupon/create",
        "/channels/ec/coupon/get",
        "/channels/ec/coupon/get_list",
        "/channels/ec/coupon/get_user_coupon",
        "/channels/ec/coupon/get_user_coupon_list",
        "/channels/ec/coupon/update",
        "/channels/ec/coupon/update_status",
        "/channels/ec/favorites/count/get",
        "/channels/ec/finderlive/getfinderlivenoticerecordlist",
        "/channels/ec/finderlive/getfinderliverecordlist",
        "/channels/ec/funds/listorderflow",
        "/channels/ec/league/headsupplier/funds/balance/get",
        "/channels/ec/league/headsupplier/funds/flowdetail/get",
        "/channels/ec/league/headsupplier/funds/flowlist/get",
        "/channels/ec/league/headsupplier/item/get",
        "/channels/ec/league/headsupplier/item/list/get",
        "/channels/ec/league/headsupplier/order/get",
        "/channels/ec/league/headsupplier/order/list/get",
        "/channels/ec/league/headsupplier/shop/get",
        "/channels/ec/league/headsupplier/shop/list/get",
        "/channels/ec/league/item/batchadd",
        "/channels/ec/league/item/delete",
        "/channels/ec/league/item/get",
        "/channels/ec/league/item/headsupplier/batchadd",
        "/channels/ec/league/item/list/get",
        "/channels/ec/league/item/upd",
        "/channels/ec/league/promoter/add",
        "/channels/ec/league/promoter/delete",
        "/channels/ec/league/promoter/get",
        "/channels/ec/league/promoter/list/get",
        "/channels/ec/league/promoter/upd",
        "/channels/ec/league/promotion/plan/list",
        "/channels/ec/league/promotion/talent/list",
        "/channels/ec/league/talent/getproductdatalist",
        "/channels/ec/league/talent/update",
        "/channels/ec/order/get",
        "/channels/ec/order/list/get",
        "/channels/ec/order/search",
        "/channels/ec/product/get",
        "/channels/ec/product/list/get",
        "/channels/ec/product/stock/get",
        "/channels/ec/promoter/get_bind_sharer_list",
        "/channels/ec/promoter/get_bind_talent_list",
        "/channels/ec/promoter/get_live_notice_promoter_share_link",
        "/channels/ec/promoter/get_live_notice_record_list",
        "/channels/ec/promoter/get_live_notice_record_qr_code",
        "/channels/ec/promoter/get_live_notice_reservation_info",
        "/channels/ec/promoter/get_product_promotion_link_info",
        "/channels/ec/promoter/get_product_promotion_qrcode_info",
        "/channels/ec/promoter/get_shop_live_notice_promoter_share_link",
        "/channels/ec/promoter/get_shop_live_notice_record_list",
        "/channels/ec/promoter/get_shop_live_notice_record_qr_code",
        "/channels/ec/promoter/set_sharer_commission_info",
        "/channels/ec/wecom/get_wecom_id",
        "/channels/livedashboard/getlivedata",
        "/channels/livedashboard/getlivelist",
        # SANDBOX-ONLY (sandbox/api/alliance.py): no API for a shop and an agency agreeing to cooperate.
        "/sandbox-only/league/headsupplier/cancel",
        "/sandbox-only/league/headsupplier/end",
        "/sandbox-only/league/headsupplier/invite",
        "/sandbox-only/league/headsupplier/list",
        "/sandbox-only/league/headsupplier/shop/decide",
        # SANDBOX-ONLY (sandbox/api/linking.py): the platform documents no linked-account API.
        "/sandbox-only/linked_account/invitation/cancel",
        "/sandbox-only/linked_account/invitation/create",
        "/sandbox-only/linked_account/invitation/get",
        "/sandbox-only/linked_account/list",
        "/sandbox-only/linked_account/profile/get",
        "/sandbox-only/linked_account/selling_identity/set",
        "/sandbox-only/linked_account/unlink",
    ]


def test_unknown_path_is_40066_before_anything_else(api):
    response = api.request("POST", "/channels/ec/order/nothing", raw=b"")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert_error(response.json(), 40066)
    assert_error(api.get("/"), 40066)


def test_every_post_endpoint_refuses_get_and_empty_bodies(api, token, agency_token):
    for path in POST_ENDPOINTS:
        t = token if ROUTES[path].audience == "shop" else agency_token
        assert_error(api.get(path, token=t), 43002)
        assert_error(api.post(path, raw=b"", token=t), 44002)
        assert_error(api.post(path, raw=b"   ", token=t), 44002)
        assert_error(api.post(path, raw=b'{"order_id": ', token=t), 47001)
        assert_error(api.post(path, raw=b"[1, 2]", token=t), 47001)
        assert_error(api.post(path, raw=b"\xff\xfe", token=t), 47001)
        assert_error(api.post(path, {}), 41001)
        assert_error(api.post(path, {}, token="x" * 136), 40001)


@pytest.mark.parametrize(
    ("path", "body", "errcode"),
    [
        ("/channels/ec/order/get", {}, 40097),
        ("/channels/ec/order/get", {"order_id": "abc"}, 40097),
        ("/channels/ec/order/get", {"order_id": True}, 40097),
        ("/channels/ec/order/get", {"order_id": "123"}, 100002),
        ("/channels/ec/order/get", {"order_id": 123}, 100002),
        ("/channels/ec/order/get", {"order_id": "123", "encode_sensitive_info": "yes"}, 40097),
        ("/channels/ec/order/list/get", {}, 40097),
        ("/channels/ec/order/list/get", {"create_time_range": "today"}, 40097),
        ("/channels/ec/order/list/get", {"create_time_range": {"start_time": 1}}, 40097),
        (
            "/channels/ec/order/list/get",
            {"create_time_range": {"start_time": 1, "end_time": 2}, "page_size": "x"},
            40097,
        ),
        (
            "/channels/ec/order/list/get",
            {"create_time_range": {"start_time": 1, "end_time": 2}, "next_key": "%%"},
            40097,
        ),
        ("/channels/ec/order/search", {}, 40097),
        ("/channels/ec/order/search", {"search_condition": {}, "page_size": 101}, 40097),
        ("/channels/ec/order/search", {"search_condition": {}, "on_aftersale_order_exist": 2}, 40097),
        ("/channels/ec/aftersale/getaftersalelist", {"begin_create_time": 0}, 40097),
        ("/channels/ec/aftersale/getaftersaleorder", {}, 40097),
        ("/channels/ec/aftersale/getaftersaleorder", {"after_sale_order_id": "1"}, 40097),
        ("/channels/ec/product/list/get", {}, 40097),
        ("/channels/ec/product/get", {}, 40097),
        ("/channels/ec/product/get", {"product_id": "1"}, 40097),
        ("/channels/ec/product/stock/get", {"product_id": "1"}, 40097),
    ],
)
def test_bad_arguments(api, token, path, body, errcode):
    assert_error(api.post(path, body, token=token), errcode)


def test_answers_carry_errcode_errmsg_and_string_ids(api, token):
    info = api.get("/channels/ec/basics/info/get", token=token)
    assert (info["errcode"], info["errmsg"]) == (0, "ok")
    assert info["info"]["username"].startswith("gh_")
    # The documented GET endpoints also accept POST (the body is ignored).
    assert api.post("/channels/ec/basics/info/get", raw=b"", token=token) == info
    answer = api.post(
        "/channels/ec/order/list/get",
        {"create_time_range": {"start_time": ANCHOR - 86400, "end_time": ANCHOR}, "page_size": 5},
        token=token,
    )
    assert answer["errcode"] == 0 and answer["errmsg"] == "ok"
    assert all(isinstance(order_id, str) and order_id.isdigit() for order_id in answer["order_id_list"])
    order = api.post("/channels/ec/order/get", {"order_id": int(answer["order_id_list"][0])}, token=token)["order"]
    assert isinstance(order["order_id"], str)
    assert all(
        isinstance(p["product_id"], str) and isinstance(p["sku_id"], str)
        for p in order["order_detail"]["product_infos"]
    )
    error = api.post("/channels/ec/order/get", {"order_id": "1"}, token=token)
    assert RID.search(error["errmsg"]) and error["errmsg"].startswith("order not exist rid: ")
