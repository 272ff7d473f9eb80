"""ShopClient's 优选联盟 calls and the SANDBOX-ONLY alliance clients against the scripted stub: what each sends,
what it returns, and the arguments refused before any HTTP."""
# ruff: noqa: F811 (the stub fixtures of test_client are imported, then named as test arguments)

import pytest

from shopops.wechat.alliance import AllianceAgencyClient, AllianceClient
from shopops.wechat.linking import SandboxOnlyUnavailable
from shopops.wechat.types import (
    AllianceCooperation,
    LeagueItemPage,
    LeagueItemRef,
    PromotionPlanPage,
    PromotionPlanRef,
    PromotionTalent,
    PromotionTalentPage,
    TalentProductData,
    TalentProductPage,
)
from tests.wechat.stub_server import ok
from tests.wechat.test_client import clock, has_token, make_client, records, sleeps, store, stub  # noqa: F401

ITEM = "/channels/ec/league/item"
TALENTS = [f"wx{i:016x}" for i in range(31)]


def sent(stub) -> list[tuple[str, dict]]:
    return [(seen.path, seen.json) for seen in stub.seen()]


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda c: c.league_item_batchadd({"type": 4, "list": [{"product_id": "1", "ratio": 1}]}), id="type"
        ),
        pytest.param(lambda c: c.league_item_batchadd({"type": 1, "list": []}), id="empty"),
        pytest.param(
            lambda c: c.league_item_batchadd(
                {"type": 1, "list": [{"product_id": str(i), "ratio": 1} for i in range(21)]}
            ),
            id="21 items",
        ),
        pytest.param(
            lambda c: c.league_item_batchadd(
                {"type": 1, "list": [{"product_id": "1", "ratio": 1}, {"product_id": 1, "ratio": 2}]}
            ),
            id="twice",
        ),
        pytest.param(
            lambda c: c.league_item_batchadd({"type": 1, "list": [{"product_id": "1", "ratio": 91}]}), id="91"
        ),
        pytest.param(
            lambda c: c.league_item_batchadd({"type": 1, "list": [{"product_id": "1", "ratio": 1.5}]}), id="1.5"
        ),
        pytest.param(
            lambda c: c.league_item_batchadd({"type": 2, "list": [{"product_id": "1", "ratio": 1}]}), id="no talent"
        ),
        pytest.param(
            lambda c: c.league_item_batchadd(
                {"type": 3, "talent_appids": TALENTS, "list": [{"product_id": "1", "ratio": 1}]}
            ),
            id="31 talents",
        ),
        pytest.param(
            lambda c: c.league_item_batchadd(
                {"type": 1, "promoter_ids": ["x"], "list": [{"product_id": "1", "ratio": 1}]}
            ),
            id="普通 with a talent",
        ),
        pytest.param(lambda c: c.league_item_upd({"type": 1, "product_id": "1", "operate_type": 3}), id="operate 3"),
        pytest.param(
            lambda c: c.league_item_upd({"type": 1, "product_id": "1", "operate_type": 1}), id="edit no ratio"
        ),
        pytest.param(
            lambda c: c.league_item_upd({"type": 2, "product_id": "1", "operate_type": 2}), id="定向 by product"
        ),
        pytest.param(lambda c: c.league_item_delete(type=1, promotion_plan_id="9"), id="普通 without product"),
        pytest.param(
            lambda c: c.league_item_get(type=2, promotion_plan_id="9", need_relation=True), id="relation no size"
        ),
        pytest.param(
            lambda c: c.league_headsupplier_item_batchadd(
                {"list": [{"product_id": "1", "ratio": 1, "service_ratio": 1}]}
            ),
            id="no agency",
        ),
        pytest.param(
            lambda c: c.league_headsupplier_item_batchadd(
                {"headsupplier_appid": "wxa", "list": [{"product_id": "1", "ratio": 1, "service_ratio": 95}]}
            ),
            id="service 95",
        ),
        pytest.param(lambda c: c.league_promotion_plan_list(promotion_plan_type=4), id="plan type 4"),
        pytest.param(lambda c: c.league_promotion_talent_list(page_size=101), id="talents 101"),
        pytest.param(lambda c: c.league_promoter_list(page_index=1, page_size=21), id="promoters 21"),
        pytest.param(lambda c: c.league_promoter_add(), id="add nobody"),
        pytest.param(lambda c: c.league_promoter_add(talent_appid="wx1", finder_id="sph1"), id="add two keys"),
        pytest.param(lambda c: c.league_promoter_upd(talent_appid="wx1", type=3), id="upd type 3"),
        pytest.param(lambda c: c.league_promoter_delete(), id="delete nobody"),
        pytest.param(lambda c: c.league_talent_product_data_list(talent_appid="", page_index=1), id="no talent"),
        pytest.param(lambda c: c.league_talent_product_data_list(talent_appid="wx1", get_data_type=3), id="data 3"),
        pytest.param(lambda c: c.league_talent_update(talent_appid="", blacklisted=True), id="blacklist nobody"),
    ],
)
def test_refused_before_any_http(stub, make_client, has_token, call):
    with pytest.raises(ValueError):
        call(make_client())
    assert stub.seen() == []


def test_batchadd_sends_the_body_and_returns_the_results(stub, make_client, has_token):
    results = [
        {"errcode": 0, "errmsg": "ok", "product_id": "1", "info_id": "77", "promotion_plan_id": "77"},
        {"errcode": 10023001, "errmsg": "不合法的finder_id", "product_id": "2", "fail_talent_appids": ["wxbad"]},
    ]
    stub.script(f"{ITEM}/batchadd", ok(result_info_list=results))
    body = {
        "type": 2,
        "talent_appids": ["wxgood", "wxbad"],
        "is_forerver": True,
        "list": [{"product_id": "1", "ratio": 30}, {"product_id": "2", "ratio": 30}],
    }
    assert make_client().league_item_batchadd(body) == results
    assert sent(stub) == [(f"{ITEM}/batchadd", body)]


def test_upd_delete_get_and_list(stub, make_client, has_token):
    stub.script(f"{ITEM}/upd", ok(info_id="77", promotion_plan_id="77"))
    stub.script(f"{ITEM}/delete", ok())
    item = {"product_id": "1", "type": 2, "status": 10, "ratio": 30, "exclusive_info": {"promotion_plan_id": "77"}}
    stub.script(f"{ITEM}/get", ok(item=item, total_num=1))
    stub.script(
        f"{ITEM}/list/get",
        ok(
            items=[{"product_id": 1, "info_id": 77, "promotion_plan_id": "77"}],
            total_num=1,
            has_more=False,
            last_buffer="b",
        ),
    )
    client = make_client()
    upd = {
        "type": 2,
        "promotion_plan_id": "77",
        "operate_type": 1,
        "ratio": 35,
        "exclusive_info": {"add_talent_appids": ["wx1"]},
    }
    assert client.league_item_upd(upd) == "77"
    client.league_item_delete(type=2, promotion_plan_id=77)
    assert client.league_item_get(type=2, promotion_plan_id="77", need_relation=True, page_size=50) == item
    page = client.league_item_list(type=2, talent_appid="wx1")
    assert page == LeagueItemPage(
        items=[LeagueItemRef(product_id="1", info_id="77", promotion_plan_id="77")],
        total=1,
        has_more=False,
        last_buffer="b",
    )
    assert sent(stub) == [
        (f"{ITEM}/upd", upd),
        (f"{ITEM}/delete", {"type": 2, "promotion_plan_id": "77"}),
        (f"{ITEM}/get", {"type": 2, "promotion_plan_id": "77", "page_size": 50, "need_relation": True}),
        (
            f"{ITEM}/list/get",
            {"type": 2, "page_size": 100, "page_index": 1, "need_total_num": True, "talent_appid": "wx1"},
        ),
    ]


def test_agency_plans_and_the_2026_lists(stub, make_client, has_token):
    stub.script(
        f"{ITEM}/headsupplier/batchadd",
        ok(result_info_list=[{"errcode": 0, "product_id": "1", "promotion_plan_id": "5"}]),
    )
    stub.script(
        "/channels/ec/league/promotion/plan/list",
        ok(list=[{"promotion_plan_id": 5, "promotion_plan_type": 1}], total_num=3, continue_flag=True),
    )
    stub.script(
        "/channels/ec/league/promotion/talent/list",
        ok(
            list=[
                {
                    "base_talent_info": {"talent_appid": "wx1", "nickname": "小鱼", "head_img": "h"},
                    "commission_info": {"promotion_plan_id": "5", "promotion_plan_type": 2, "ratio": 300000},
                    "talent_relation_status": 2,
                }
            ],
            total_num=1,
            continue_flag=False,
        ),
    )
    client = make_client()
    body = {
        "headsupplier_appid": "wxagency",
        "list": [{"product_id": "1", "ratio": 12, "service_ratio": 3, "commission_type": 1}],
    }
    assert client.league_headsupplier_item_batchadd(body) == [
        {"errcode": 0, "product_id": "1", "promotion_plan_id": "5"}
    ]
    assert client.league_promotion_plan_list(product_id=1, page_size=10) == PromotionPlanPage(
        plans=[PromotionPlanRef(promotion_plan_id="5", type=1)], total=3, has_more=True
    )
    assert client.league_promotion_talent_list(promotion_plan_id="5") == PromotionTalentPage(
        talents=[PromotionTalent("wx1", "小鱼", "h", "5", 2, 300000, 2)], total=1, has_more=False
    )
    assert sent(stub)[1:] == [
        ("/channels/ec/league/promotion/plan/list", {"product_id": "1", "page_index": 1, "page_size": 10}),
        ("/channels/ec/league/promotion/talent/list", {"promotion_plan_id": "5", "page_index": 1, "page_size": 100}),
    ]


def test_talent_calls(stub, make_client, has_token):
    for path in ("promoter/add", "promoter/upd", "promoter/delete", "talent/update", "talent/update"):
        stub.script(f"/channels/ec/league/{path}", ok())
    stub.script(
        "/channels/ec/league/talent/getproductdatalist",
        ok(
            list=[
                {
                    "spu_id": 123,
                    "product_data": {
                        "total_sale_gmv": 990,
                        "sale_gmv_30d": 0,
                        "total_order_num": 1,
                        "order_num_30d": 0,
                    },
                    "talent_commission_info": {"commission_type": 1, "ratio": 100000},
                }
            ],
            total_num=1,
            continue_flag=False,
        ),
    )
    client = make_client()
    client.league_promoter_add(finder_id="sph1")
    client.league_promoter_upd(talent_appid="wx1", type=2)
    client.league_promoter_delete(talent_appid="wx1")
    client.league_talent_update(talent_appid="wx1", blacklisted=True)
    client.league_talent_update(talent_appid="wx1", blacklisted=False)
    assert client.league_talent_product_data_list(talent_appid="wx1", page_size=50) == TalentProductPage(
        products=[TalentProductData("123", 990, 0, 1, 0, 1, 100000)], total=1, has_more=False
    )
    assert sent(stub) == [
        ("/channels/ec/league/promoter/add", {"finder_id": "sph1"}),
        ("/channels/ec/league/promoter/upd", {"talent_appid": "wx1", "type": 2}),
        ("/channels/ec/league/promoter/delete", {"talent_appid": "wx1"}),
        ("/channels/ec/league/talent/update", {"talent_appid": "wx1", "upd_talent_type": 1}),
        ("/channels/ec/league/talent/update", {"talent_appid": "wx1", "upd_talent_type": 2}),
        (
            "/channels/ec/league/talent/getproductdatalist",
            {"talent_appid": "wx1", "get_data_type": 1, "page_index": 1, "page_size": 50},
        ),
    ]


COOPERATION = {
    "shop_appid": "wxshop",
    "headsupplier_appid": "wxagency",
    "nickname": "星河带货机构1",
    "status": 3,
    "update_time": 1767240000,
    "reason": "品类不符",
}


def test_alliance_clients(stub, make_client, has_token):
    prefix = "/sandbox-only/league/headsupplier"
    for name in ("invite", "cancel", "end", "shop/decide"):
        stub.script(f"{prefix}/{name}", ok(cooperation=COOPERATION))
    stub.script(f"{prefix}/list", ok(cooperation_list=[COOPERATION]))
    shop, agency = make_client(AllianceClient), make_client(AllianceAgencyClient)
    expected = AllianceCooperation(**COOPERATION)
    assert shop.alliance_invite(headsupplier_appid="wxagency") == expected
    assert shop.alliance_cancel(headsupplier_appid="wxagency") == expected
    assert shop.alliance_end(headsupplier_appid="wxagency") == expected
    assert shop.alliance_list() == [expected]
    assert agency.alliance_decide(appid="wxshop", accept=False, reason="品类不符") == expected
    assert [path for path, _ in sent(stub)] == [
        f"{prefix}/{n}" for n in ("invite", "cancel", "end", "list", "shop/decide")
    ]
    assert sent(stub)[-1][1] == {"appid": "wxshop", "accept": False, "reason": "品类不符"}
    with pytest.raises(ValueError):
        agency.alliance_decide(appid="wxshop", accept=False, reason="x" * 201)
    with pytest.raises(ValueError):
        agency.alliance_decide(appid="wxshop", accept="no")


def test_alliance_calls_are_refused_off_the_sandbox(stub, make_client):
    shop = make_client(AllianceClient, sandbox_only_apis=False)
    agency = make_client(AllianceAgencyClient, sandbox_only_apis=False)
    for call in (
        lambda: shop.alliance_invite(headsupplier_appid="wxagency"),
        lambda: shop.alliance_list(),
        lambda: agency.alliance_decide(appid="wxshop", accept=True),
    ):
        with pytest.raises(SandboxOnlyUnavailable):
            call()
    assert stub.seen() == []  # not even a token
