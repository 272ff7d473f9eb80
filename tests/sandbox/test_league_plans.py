"""优选联盟 promotion plans over HTTP: the seeded plans, every rule refused with its code and nothing changed, the
terms history of each change, agency plans, and the 10023007 switch."""

import pytest
from django.core.management import call_command

from sandbox import selectors
from sandbox.models import (
    Account,
    AgencyItem,
    Cooperation,
    Invitation,
    LeaguePlan,
    LeaguePlanTerms,
    LeagueTalent,
    PushEvent,
)
from tests.sandbox.conftest import ANCHOR, SHOP, assert_error

ITEM = "/channels/ec/league/item"
DAY = 86400


def league_state() -> dict:
    """Every row the league API may write, to assert that a refusal changed nothing."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (LeaguePlan, LeaguePlanTerms, LeagueTalent, Invitation, Cooperation, AgencyItem, PushEvent)
    }


@pytest.fixture
def call(api, token):
    return lambda path, body: api.post(path, body, token=token)


@pytest.fixture
def world(seeded):
    """What the tests pick from: league products (with their 普通 ratio), other products on sale, products not on
    sale, and the talents by status (cooperating ones are not blacklisted)."""
    meta = selectors.catalog(SHOP)["product_meta"]
    products = selectors.product_payloads(SHOP)
    on_sale = [p["product_id"] for p in products if p["status"] == 5]
    talents = selectors.league_talents(SHOP)
    return {
        "league": {p: meta[p]["league_pct"] for p in on_sale if meta[p]["league_pct"]},
        "plain": [p for p in on_sale if not meta[p]["league_pct"]],
        "off_sale": [p["product_id"] for p in products if p["status"] != 5],
        "cooperating": [t["talent_appid"] for t in talents if t["status"] == 2],
        "by_status": {t["status"]: t for t in talents},
        "talents": talents,
    }


def test_the_seeded_plans_are_the_catalogs_league_items(call, world):
    listed = call(f"{ITEM}/list/get", {"type": 1, "page_size": 100})
    assert listed["total_num"] == len(world["league"]) and listed["has_more"] is False
    assert sorted(i["product_id"] for i in listed["items"]) == sorted(world["league"])
    assert all(i["info_id"] == "" and len(i["promotion_plan_id"]) == 16 for i in listed["items"])
    product_id, pct = next(iter(world["league"].items()))
    item = call(f"{ITEM}/get", {"type": 1, "product_id": product_id})["item"]
    assert (item["type"], item["status"], item["ratio"]) == (1, 1, pct)
    assert item["ext_info"] == {"is_sale_forbidden": False, "is_banned": False}
    plans = call("/channels/ec/league/promotion/plan/list", {"product_id": product_id})
    assert plans["list"] == [{"promotion_plan_id": item["promotion_plan_id"], "promotion_plan_type": 1}]
    assert (plans["total_num"], plans["continue_flag"]) == (1, False)
    for plan in selectors.league_plans(SHOP):
        assert plan["terms"] == [
            {
                "ratio_pct": plan["ratio_pct"],
                "service_ratio_pct": plan["service_ratio_pct"],
                "talents": [],
                "listed": True,
                "begin_time": ANCHOR - 60 * DAY,
                "end_time": None,
                "valid_from": ANCHOR - 60 * DAY,
                "valid_to": None,
            }
        ]
    assert [t["status"] for t in world["talents"]] == [2, 2, 2, 2, 2, 4, 3, 5]
    assert [t["is_blacklisted"] for t in world["talents"]] == [False] * 7 + [True]


def _body(world, **overrides) -> dict:
    product_id = world["plain"][0]
    return {"type": 1, "list": [{"product_id": product_id, "ratio": 10}], **overrides}


@pytest.mark.parametrize(
    ("overrides", "errcode"),
    [
        pytest.param({"type": 4}, 10023100, id="type"),
        pytest.param({"type": "x"}, 10023000, id="type not a number"),
        pytest.param({"list": []}, 10023000, id="empty list"),
        pytest.param({"list": [{"product_id": str(10**13 + i), "ratio": 5} for i in range(21)]}, 10023102, id="21"),
        pytest.param({"list": [{"product_id": "1", "ratio": 5}, {"product_id": 1, "ratio": 6}]}, 10023101, id="dup"),
        pytest.param({"list": [{"product_id": "1", "ratio": 91}]}, 10023000, id="ratio 91"),
        pytest.param({"list": [{"product_id": "1", "ratio": -1}]}, 10023000, id="ratio -1"),
        pytest.param({"list": [{"product_id": "1"}]}, 10023000, id="no ratio"),
        pytest.param({"type": 2}, 10023000, id="定向 without talents"),
        pytest.param({"type": 2, "talent_appids": [f"wx{i:016x}" for i in range(31)]}, 10023102, id="31 talents"),
        pytest.param({"talent_appids": ["wx1"]}, 10023000, id="普通 with talents"),
        pytest.param({"type": 3, "talent_appids": ["wx1"], "is_forerver": False}, 10023000, id="no period"),
        pytest.param(
            {"type": 3, "talent_appids": ["wx1"], "begin_time": ANCHOR + 10, "end_time": ANCHOR + 5},
            10023000,
            id="end before begin",
        ),
        pytest.param(
            {"type": 3, "talent_appids": ["wx1"], "begin_time": ANCHOR - 10, "end_time": ANCHOR - 5},
            10023000,
            id="ended",
        ),
    ],
)
def test_batchadd_refuses_the_request(call, world, overrides, errcode):
    before = league_state()
    assert_error(call(f"{ITEM}/batchadd", _body(world, **overrides)), errcode)
    assert league_state() == before


def _one(call, body) -> dict:
    answer = call(f"{ITEM}/batchadd", body)
    assert answer["errcode"] == 0, answer
    (result,) = answer["result_info_list"]
    return result


def test_batchadd_refuses_items_with_their_codes_and_nothing_changes(call, world):
    league = list(world["league"])
    declined, ended = world["by_status"][3]["talent_appid"], world["by_status"][5]["talent_appid"]
    forever = {"is_forerver": True}
    cases = [
        ({"type": 1, "list": [{"product_id": "99999999999999", "ratio": 5}]}, 10023103, {}),
        ({"type": 1, "list": [{"product_id": world["off_sale"][0], "ratio": 5}]}, 10023104, {}),
        ({"type": 1, "list": [{"product_id": league[0], "ratio": 5}]}, 10023000, {}),  # a second 普通
        (
            {
                "type": 3,
                "talent_appids": world["cooperating"][:1],
                **forever,
                "list": [{"product_id": league[0], "ratio": 5}],
            },
            10023105,
            {},
        ),
        (
            {
                "type": 2,
                "talent_appids": world["cooperating"][:1],
                **forever,
                "list": [{"product_id": world["plain"][0], "ratio": 5}],
            },
            10023106,
            {},
        ),
        (
            {
                "type": 2,
                "talent_appids": [declined, world["cooperating"][0]],
                **forever,
                "list": [{"product_id": league[0], "ratio": 5}],
            },
            10023001,
            {"fail_talent_appids": [declined]},
        ),
        (
            {
                "type": 2,
                "promoter_ids": [ended],
                "finder_ids": ["sphNoSuchOne"],
                **forever,
                "list": [{"product_id": league[0], "ratio": 5}],
            },
            10023001,
            {"fail_promoter_ids": [ended], "fail_finder_ids": ["sphNoSuchOne"]},
        ),
    ]
    before = league_state()
    for body, errcode, failed in cases:
        result = _one(call, body)
        assert (result["errcode"], result["promotion_plan_id"], result["info_id"]) == (errcode, "", ""), result
        assert result["errmsg"] and result["product_id"] == body["list"][0]["product_id"]
        for key in ("fail_talent_appids", "fail_promoter_ids", "fail_finder_ids"):
            assert result[key] == failed.get(key, [])
    assert league_state() == before


def test_a_batch_keeps_the_items_that_pass(call, world):
    good, bad = world["plain"][0], "99999999999999"
    answer = call(
        f"{ITEM}/batchadd", {"type": 1, "list": [{"product_id": bad, "ratio": 5}, {"product_id": good, "ratio": 7}]}
    )
    first, second = answer["result_info_list"]
    assert (first["errcode"], second["errcode"], second["product_id"]) == (10023103, 0, good)
    plan = LeaguePlan.objects.get(plan_id=second["promotion_plan_id"])
    assert (plan.type, plan.product_id, plan.ratio_pct, plan.status, plan.end_time) == (1, good, 7, 1, None)
    assert list(plan.terms.values_list("ratio_pct", "listed", "valid_from", "valid_to")) == [(7, True, ANCHOR, None)]


def test_targeted_plans_their_talents_and_exclusivity(call, world):
    product_id, (t1, t2, *_) = next(iter(world["league"])), world["cooperating"]
    body = {"type": 2, "talent_appids": [t1], "is_forerver": True, "list": [{"product_id": product_id, "ratio": 30}]}
    made = _one(call, body)
    assert made["errcode"] == 0 and made["info_id"] == made["promotion_plan_id"]
    # The same talent cannot be in a second targeted plan of the product; another talent can.
    assert _one(call, body)["fail_talent_appids"] == [t1]
    assert _one(call, {**body, "talent_appids": [t2]})["errcode"] == 0
    # 专属 is refused while 普通/定向 exist.
    assert _one(call, {**body, "type": 3, "talent_appids": [t2]})["errcode"] == 10023105
    finder = next(t["finder_id"] for t in world["talents"] if t["talent_appid"] == t1)
    item = call(
        f"{ITEM}/get",
        {
            "type": 2,
            "promotion_plan_id": made["promotion_plan_id"],
            "need_relation": True,
            "page_size": 10,
            "need_total_num": True,
        },
    )
    window = {"begin_time": ANCHOR, "end_time": 0, "is_forerver": True}
    assert item["total_num"] == 1
    assert item["item"]["exclusive_info"] == {
        "info_id": made["promotion_plan_id"],
        "promotion_plan_id": made["promotion_plan_id"],
        "finder_num": 1,
        **window,
        "promoter_info_list": [{"promoter_id": finder, **window}],
        "finder_info_list": [{"finder_id": finder, **window}],
        "talent_info_list": [{"talent_appid": t1, "nickname": world["talents"][0]["nickname"], **window}],
    }
    assert_error(
        call(f"{ITEM}/get", {"type": 2, "promotion_plan_id": made["promotion_plan_id"], "need_relation": True}),
        10023000,
    )
    listed = call(f"{ITEM}/list/get", {"type": 2, "talent_appid": t1})
    assert [i["promotion_plan_id"] for i in listed["items"]] == [made["promotion_plan_id"]]
    talents = call("/channels/ec/league/promotion/talent/list", {"promotion_plan_id": made["promotion_plan_id"]})
    assert talents["list"] == [
        {
            "base_talent_info": {
                "talent_appid": t1,
                "nickname": world["talents"][0]["nickname"],
                "head_img": LeagueTalent.objects.get(talent_appid=t1).head_img,
            },
            "commission_info": {
                "promotion_plan_id": made["promotion_plan_id"],
                "promotion_plan_type": 2,
                "ratio": 300_000,
            },
            "talent_relation_status": 2,
        }
    ]


def test_a_plan_before_its_begin_time_is_pending(call, world):
    product_id = world["plain"][0]
    made = _one(
        call,
        {
            "type": 1,
            "begin_time": ANCHOR + DAY,
            "end_time": ANCHOR + 3 * DAY,
            "list": [{"product_id": product_id, "ratio": 9}],
        },
    )
    assert call(f"{ITEM}/get", {"type": 1, "product_id": product_id})["item"]["status"] == 10
    plan = LeaguePlan.objects.get(plan_id=made["promotion_plan_id"])
    assert (plan.status, plan.begin_time, plan.end_time) == (1, ANCHOR + DAY, ANCHOR + 3 * DAY)


def test_upd_delist_relist_edit_and_delete_write_the_terms_history(call, world, seeded):
    (product_id, pct), t1 = next(iter(world["league"].items())), world["cooperating"][0]
    targeted = _one(
        call, {"type": 2, "talent_appids": [t1], "is_forerver": True, "list": [{"product_id": product_id, "ratio": 30}]}
    )
    key = {"type": 1, "product_id": product_id}
    before = league_state()
    for body, errcode in [
        ({**key, "operate_type": 3}, 10023000),
        ({**key, "operate_type": 1}, 10023000),  # editing needs the ratio
        ({**key, "operate_type": 1, "ratio": 91}, 10023000),
        ({"type": 1, "product_id": world["plain"][0], "operate_type": 2}, 10023103),  # no 普通 plan
        ({"type": 2, "promotion_plan_id": "123", "operate_type": 2}, 10023000),
        (
            {
                "type": 2,
                "promotion_plan_id": targeted["promotion_plan_id"],
                "operate_type": 1,
                "ratio": 5,
                "exclusive_info": {"add_talent_appids": ["wxnobody"]},
            },
            10023001,
        ),
        (
            {
                "type": 2,
                "promotion_plan_id": targeted["promotion_plan_id"],
                "operate_type": 1,
                "ratio": 5,
                "exclusive_info": {"del_talent_appids": [t1]},
            },
            10023000,
        ),
    ]:
        assert_error(call(f"{ITEM}/upd", body), errcode)
    assert league_state() == before

    shop = seeded.shop
    for hours, body in [
        (1, {**key, "operate_type": 2}),
        (2, {**key, "operate_type": 1, "ratio": 40}),
        (3, {**key, "operate_type": 2}),
    ]:
        Account.objects.filter(pk=shop.pk).update(clock=ANCHOR + hours * 3600)
        answer = call(f"{ITEM}/upd", body)
        assert answer["errcode"] == 0 and answer["info_id"] == "" and len(answer["promotion_plan_id"]) == 16
        if hours == 1:
            # With 普通 delisted, the 定向 plan cannot be listed again.
            assert_error(
                call(f"{ITEM}/upd", {"type": 2, "promotion_plan_id": targeted["promotion_plan_id"], "operate_type": 4}),
                10023106,
            )
    Account.objects.filter(pk=shop.pk).update(clock=ANCHOR + 4 * 3600)
    assert call(f"{ITEM}/delete", {"type": 1, "product_id": product_id})["errcode"] == 0
    item = call(f"{ITEM}/get", {"type": 1, "product_id": product_id})["item"]
    assert (item["status"], item["ratio"]) == (4, 40)
    plan = next(p for p in selectors.league_plans(SHOP) if p["type"] == 1 and p["product_id"] == product_id)
    start, h = ANCHOR - 60 * DAY, 3600
    assert [(t["ratio_pct"], t["listed"], t["valid_from"], t["valid_to"]) for t in plan["terms"]] == [
        (pct, True, start, ANCHOR + h),
        (pct, False, ANCHOR + h, ANCHOR + 2 * h),
        (40, True, ANCHOR + 2 * h, ANCHOR + 3 * h),
        (40, False, ANCHOR + 3 * h, ANCHOR + 4 * h),
    ]
    assert_error(call(f"{ITEM}/delete", {"type": 1, "product_id": product_id}), 10023103)
    assert call(f"{ITEM}/list/get", {"type": 1})["total_num"] == len(world["league"]) - 1


def test_item_list_pages_by_index_and_by_last_buffer(call, world):
    first = call(f"{ITEM}/list/get", {"type": 1, "page_size": 2})
    assert first["has_more"] is True and len(first["items"]) == 2
    second = call(f"{ITEM}/list/get", {"type": 1, "page_size": 2, "page_index": 2})
    buffered = call(f"{ITEM}/list/get", {"type": 1, "page_size": 2, "last_buffer": first["last_buffer"]})
    assert buffered["items"] == second["items"] and buffered["items"] != first["items"]
    assert_error(call(f"{ITEM}/list/get", {"type": 1, "page_size": 101}), 10023000)
    assert_error(call(f"{ITEM}/list/get", {"type": 1, "last_buffer": "%%%"}), 10023000)


def test_agency_plans(call, world, seeded):
    agency = seeded.agencies[0]
    product_id = world["plain"][0]
    body = {
        "headsupplier_appid": agency.appid,
        "is_forerver": True,
        "list": [{"product_id": product_id, "ratio": 12, "service_ratio": 3, "commission_type": 1}],
    }
    before = league_state()
    for wrong, errcode in [
        ({"headsupplier_appid": "wx0000000000000000"}, 10023000),
        ({"list": [{"product_id": product_id, "ratio": 12, "service_ratio": 91}]}, 10023000),
        ({"list": [{"product_id": product_id, "ratio": 1, "service_ratio": 1}] * 2}, 10023101),
        ({"list": [{"product_id": str(10**13 + i), "ratio": 1, "service_ratio": 1} for i in range(21)]}, 10023102),
    ]:
        assert_error(call(f"{ITEM}/headsupplier/batchadd", {**body, **wrong}), errcode)
    Cooperation.objects.filter(agency=agency).update(status=5)
    assert_error(call(f"{ITEM}/headsupplier/batchadd", body), 10023000)
    Cooperation.objects.filter(agency=agency).update(status=2)
    assert league_state() == before

    answer = call(
        f"{ITEM}/headsupplier/batchadd",
        {**body, "list": [*body["list"], {"product_id": "1", "ratio": 1, "service_ratio": 1}]},
    )
    ok, missing = answer["result_info_list"]
    assert (ok["errcode"], missing["errcode"]) == (0, 10023103)
    item = AgencyItem.objects.get(agency=agency, product_id=product_id)
    assert (item.ratio_ppm, item.service_ratio_ppm, item.payload["commission_info"]["ratio"]) == (
        120_000,
        30_000,
        120_000,
    )
    (event,) = [e for e in selectors.push_events(agency.appid) if e["Event"] == "head_supplier_item_update"]
    assert event["item_info"] == {
        "event_type": 1,
        "appid": SHOP,
        "product_id": product_id,
        "version": 1,
        "update_fields": ["commission_ratio", "service_ratio", "status", "active_time"],
    }
    plan = LeaguePlan.objects.get(plan_id=ok["promotion_plan_id"])
    assert (plan.type, plan.agency_id, plan.ratio_pct, plan.service_ratio_pct, plan.commission_type) == (
        0,
        agency.pk,
        12,
        3,
        1,
    )
    # Again: new terms for the same plan, an update event.
    again = call(
        f"{ITEM}/headsupplier/batchadd", {**body, "list": [{"product_id": product_id, "ratio": 15, "service_ratio": 3}]}
    )
    assert again["result_info_list"][0]["promotion_plan_id"] == ok["promotion_plan_id"]
    assert AgencyItem.objects.get(agency=agency, product_id=product_id).ratio_ppm == 150_000
    assert [
        e["item_info"]["event_type"]
        for e in selectors.push_events(agency.appid)
        if e["Event"] == "head_supplier_item_update"
    ] == [1, 2]


def test_a_shop_without_the_league_is_refused_10023007(call, world):
    call_command("sandbox_league", "--shop", SHOP, "--disable")
    before = league_state()
    for path, body in [
        (f"{ITEM}/list/get", {"type": 1}),
        (f"{ITEM}/batchadd", _body(world)),
        (f"{ITEM}/get", {"type": 1, "product_id": next(iter(world["league"]))}),
        ("/channels/ec/league/promoter/list/get", {"page_index": 1, "page_size": 10}),
        ("/channels/ec/league/promotion/plan/list", {}),
        ("/channels/ec/league/talent/update", {"talent_appid": world["cooperating"][0], "upd_talent_type": 1}),
    ]:
        assert_error(call(path, body), 10023007)
    assert league_state() == before
    call_command("sandbox_league", "--shop", SHOP, "--enable")
    assert call(f"{ITEM}/list/get", {"type": 1})["errcode"] == 0
