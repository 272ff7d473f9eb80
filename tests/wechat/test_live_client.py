"""shopops.wechat.live: typed answers of the live APIs, read leniently (ids as numbers or strings, dashboard
blocks as JSON text or objects), and the requests sent."""

import json
import time
from datetime import date

import pytest

from shopops.wechat.client import MemoryTokenStore
from shopops.wechat.errors import WeChatError
from shopops.wechat.live import LiveAgencyClient, LiveClient
from tests.wechat.stub_server import StubPlatform, fail, ok

APPID, SECRET = "wxlive0000000001", "s" * 32


@pytest.fixture
def stub():
    platform = StubPlatform()
    yield platform
    platform.close()


def _client(stub, cls=LiveClient):
    store = MemoryTokenStore()
    store.set(APPID, "T1", time.time() + 7200)
    return cls(appid=APPID, secret=SECRET, base_url=stub.base_url, token_store=store, sleep=lambda s: None)


def test_notices_and_lives_are_typed(stub):
    stub.script(
        "/channels/ec/finderlive/getfinderlivenoticerecordlist",
        ok(
            live_notice_list=[{"notice_id": 123, "status": "0", "status_wording": "未开始", "start_time": "1767196800"}]
        ),
    )
    stub.script("/channels/livedashboard/getlivelist", ok(live_items=[{"export_id": "export/x", "create_time": 5}]))
    client = _client(stub)
    [notice] = client.live_notices()
    assert (notice.notice_id, notice.status, notice.start_time, notice.nickname) == ("123", 0, 1767196800, "")
    assert [(i.export_id, i.create_time) for i in client.dashboard_lives(date(2026, 1, 2))] == [("export/x", 5)]
    assert stub.seen("/channels/livedashboard/getlivelist")[0].json == {"ds": "20260102"}


def test_dashboard_blocks_are_parsed_from_json_text_or_objects(stub):
    ended = {"like_uv_over_new_watch_uv": {"value": 812}, "comment_uv_over_new_watch_uv": {"value": 40}}
    stub.script(
        "/channels/livedashboard/getlivedata",
        ok(
            live_dashboard_data=json.dumps(
                {"live_dashboard_data": {"summary": {"new_watch_uv": 900}}, "start_time": 7}
            ),
            live_comparison_index={"is_living": False, "ended": ended},
            live_ec_data_summary=json.dumps({"total_gmv": 12345, "total_pay_pv": 3, "total_pay_uv": 2}),
        ),
    )
    board = _client(stub).dashboard_live_data("export/x")
    assert (board.new_watch_uv, board.like_permyriad, board.comment_permyriad) == (900, 812, 40)
    assert (board.total_gmv_fen, board.total_pay_pv, board.total_pay_uv, board.start_time) == (12345, 3, 2, 7)
    assert board.raw["live_ec_profile"] == {}


def test_agency_calls_send_the_shop_finder_and_raise_platform_errors(stub):
    stub.script("/channels/ec/promoter/get_shop_live_notice_promoter_share_link", ok(promoter_share_link="L"))
    stub.script("/channels/ec/promoter/get_live_notice_reservation_info", fail(10024000, "param error"))
    client = _client(stub, LiveAgencyClient)
    link = client.shop_live_notice_share_link(shop_appid="wxshop", finder_id="sph1", notice_id="9", sharer_appid="wxs")
    assert link == "L"
    sent = stub.seen("/channels/ec/promoter/get_shop_live_notice_promoter_share_link")[0].json
    assert sent == {
        "shop_appid": "wxshop",
        "promoter_id": "sph1",
        "promoter_type": 1,
        "notice_id": "9",
        "sharer_appid": "wxs",
    }
    with pytest.raises(WeChatError) as refused:
        client.live_notice_reservations(notice_id="9", sharer_appid="wxs")
    assert refused.value.errcode == 10024000
