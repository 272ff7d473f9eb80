"""The sandbox's live APIs: notices, live records and dashboards line up with the generated orders' live_id; the
agency's 推客 live-notice links and reservation counts (which grow with the shop clock)."""

import json

from sandbox import gen_live
from sandbox.models import Account, Order
from sandbox.services import shop_advance
from tests.sandbox.conftest import ANCHOR, SHOP, assert_error

DAY = 86400
PAID = (20, 21, 30, 100, 200)


def _finders(seeded):
    channels = Account.objects.get(appid=SHOP).catalog["linked"]["channels"]
    return [(row["account_id"], row["nickname"]) for row in channels]


def test_notices_are_published_ahead_and_start_before_their_lives_orders(api, seeded, token):
    listed = api.post("/channels/ec/finderlive/getfinderlivenoticerecordlist", {}, token=token)
    assert listed["errcode"] == 0
    notices = listed["live_notice_list"]
    finders = _finders(seeded)
    # Two linked 视频号, one notice a day each: 7 ended days back, today, and 3 days ahead (published 3 days early).
    today = gen_live.day_start(ANCHOR)
    assert {n["start_time"] for n in notices} == {today + d * DAY for d in range(-7, 4)}
    assert len(notices) == 11 * len(finders)
    assert {n["nickname"] for n in notices} == {name for _, name in finders}
    assert [n["status"] for n in notices if n["start_time"] == today] == [1, 1]
    assert {n["status_wording"] for n in notices if n["start_time"] > ANCHOR} == {"未开始"}

    # Every live order (order_scene 2) of a linked 视频号 belongs to a live that started before it, and its live_id
    # is that live's export_id in the live records.
    records = api.post("/channels/ec/finderlive/getfinderliverecordlist", {}, token=token)["live_list"]
    exports = {r["export_id"] for r in records}
    live_orders = 0
    for order in Order.objects.filter(shop__appid=SHOP):
        ext = order.payload["order_detail"]["ext_info"]
        if ext["order_scene"] == 2 and ext["finder_id"] in {f for f, _ in finders}:
            start = gen_live.day_start(order.create_time)
            assert start <= order.create_time
            if order.create_time >= ANCHOR - 30 * DAY:
                assert ext["live_id"] in exports
            live_orders += 1
    assert live_orders > 10


def test_dashboard_lists_a_days_lives_and_counts_their_paid_orders(api, seeded, token):
    finder = _finders(seeded)[0][0]
    start = gen_live.day_start(ANCHOR) - DAY
    listed = api.post("/channels/livedashboard/getlivelist", {"ds": "20251231"}, token=token)
    assert listed["has_more"] is False
    assert sorted(i["create_time"] for i in listed["live_items"]) == [start, start]
    from sandbox.generator import live_id_for

    export_id = live_id_for(finder, start)
    assert export_id in {i["export_id"] for i in listed["live_items"]}
    data = api.post("/channels/livedashboard/getlivedata", {"export_id": export_id}, token=token)
    summary = json.loads(data["live_ec_data_summary"])
    paid = Order.objects.filter(shop__appid=SHOP, status__in=PAID, payload__order_detail__ext_info__live_id=export_id)
    assert summary["total_pay_pv"] == paid.count() > 0
    assert summary["total_gmv"] == sum(o.payload["order_detail"]["price_info"]["order_price"] for o in paid)
    assert summary["total_pay_uv"] == len({o.openid for o in paid})
    board = json.loads(data["live_dashboard_data"])
    assert board["start_time"] == start
    assert board["live_dashboard_data"]["summary"]["new_watch_uv"] >= summary["total_pay_uv"]
    ended = json.loads(data["live_comparison_index"])
    assert ended["is_living"] is False and ended["ended"]["like_uv_over_new_watch_uv"]["value"] > 0

    assert_error(api.post("/channels/livedashboard/getlivelist", {"ds": "2025-12-31"}, token=token), 40097)
    assert_error(api.post("/channels/livedashboard/getlivedata", {"export_id": "export/nope"}, token=token), 40097)


def test_agency_share_links_and_reservations_grow_with_the_shop_clock(api, seeded, agency_token, token):
    agency = Account.objects.get(appid=seeded.agencies[0].appid)
    sharer = agency.catalog["promoters"]["sharer"][0]["info"]["sharer_appid"]
    finder = _finders(seeded)[0][0]
    key = {"shop_appid": SHOP, "promoter_id": finder, "promoter_type": 1}
    listed = api.post("/channels/ec/promoter/get_shop_live_notice_record_list", key, token=agency_token)
    upcoming = [n for n in listed["live_record_list"] if n["start_time"] > ANCHOR]
    assert len(upcoming) == 3
    notice = upcoming[0]
    body = {**key, "notice_id": notice["notice_id"], "sharer_appid": sharer}
    link = api.post("/channels/ec/promoter/get_shop_live_notice_promoter_share_link", body, token=agency_token)
    assert link["promoter_share_link"].startswith("promoter_share:")
    again = api.post("/channels/ec/promoter/get_shop_live_notice_promoter_share_link", body, token=agency_token)
    assert again["promoter_share_link"] == link["promoter_share_link"]
    qr = api.post("/channels/ec/promoter/get_shop_live_notice_record_qr_code", body, token=agency_token)
    assert qr["qrcode_url"].endswith(".png")

    info = {"live_notice_id": notice["notice_id"], "sharer_appid": sharer}
    before = api.post("/channels/ec/promoter/get_live_notice_reservation_info", info, token=agency_token)["count"]
    expected = gen_live.reservations(notice["notice_id"], notice["start_time"], ANCHOR, sharer)
    assert before == expected
    shop_advance(appid=SHOP, hours=12, deliver=False)
    after = api.post("/channels/ec/promoter/get_live_notice_reservation_info", info, token=agency_token)["count"]
    assert after == gen_live.reservations(notice["notice_id"], notice["start_time"], ANCHOR + 12 * 3600, sharer)
    assert after > before

    # Errors: the agency's codes (10024000 bad argument / unknown notice, 10024003 no cooperation); a shop token
    # may not call agency APIs (48001).
    bad = api.post(
        "/channels/ec/promoter/get_shop_live_notice_promoter_share_link",
        {**body, "notice_id": "1"},
        token=agency_token,
    )
    assert_error(bad, 10024000)
    assert_error(
        api.post(
            "/channels/ec/promoter/get_shop_live_notice_record_list",
            {**key, "shop_appid": "wx0000000000000000"},
            token=agency_token,
        ),
        10024003,
    )
    assert_error(
        api.post(
            "/channels/ec/promoter/get_live_notice_reservation_info",
            {**info, "sharer_appid": "wxnot"},
            token=agency_token,
        ),
        10024000,
    )
    assert_error(api.post("/channels/ec/promoter/get_live_notice_reservation_info", info, token=token), 48001)
