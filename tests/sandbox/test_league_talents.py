"""The shop's 达人 and the SANDBOX-ONLY agency cooperation invitations over HTTP: each refusal with its code and
nothing changed, each transition, and the invited side's answer from the command."""

import pytest
from django.core.management import call_command

from sandbox import selectors
from sandbox.models import Cooperation, Invitation, LeagueTalent
from tests.sandbox.conftest import ANCHOR, SHOP, assert_error
from tests.sandbox.test_league_plans import league_state

PROMOTER = "/channels/ec/league/promoter"
ALLIANCE = "/sandbox-only/league/headsupplier"


@pytest.fixture
def call(api, token):
    return lambda path, body: api.post(path, body, token=token)


@pytest.fixture
def talents(seeded):
    return {t["status"]: t for t in selectors.league_talents(SHOP)}


def status_of(appid: str) -> int:
    return LeagueTalent.objects.get(talent_appid=appid, shop__appid=SHOP).status


def test_the_list_pages_by_status(call, talents):
    page = call(f"{PROMOTER}/list/get", {"status": 2, "page_index": 1, "page_size": 2})
    cooperating = [t for t in selectors.league_talents(SHOP) if t["status"] == 2]
    assert page["list"] == [{"talent_appid": t["talent_appid"], "nickname": t["nickname"]} for t in cooperating[:2]]
    assert (page["total_num"], page["continue_flag"]) == (5, True)
    last = call(f"{PROMOTER}/list/get", {"status": 2, "page_index": 3, "page_size": 2})
    assert (len(last["list"]), last["continue_flag"]) == (1, False)
    assert call(f"{PROMOTER}/list/get", {"page_index": 1, "page_size": 20})["total_num"] == 8
    assert_error(call(f"{PROMOTER}/list/get", {"page_index": 1, "page_size": 21}), 10023000)


def test_refusals_change_nothing(call, talents):
    cooperating, cancelled, ended = talents[2]["talent_appid"], talents[4]["talent_appid"], talents[5]["talent_appid"]
    before = league_state()
    for path, body, errcode in [
        ("add", {"talent_appid": "wxnosuchtalent00"}, 10023001),
        ("add", {}, 10023000),
        ("add", {"talent_appid": cooperating}, 10023000),
        ("add", {"talent_appid": ended}, 10023001),  # blacklisted
        ("upd", {"talent_appid": cooperating, "type": 3}, 10023000),
        ("upd", {"talent_appid": cooperating, "type": 1}, 10023000),  # nothing to cancel
        ("upd", {"talent_appid": cancelled, "type": 2}, 10023000),  # no cooperation to end
        ("upd", {"talent_appid": "wxnosuchtalent00", "type": 2}, 10023001),
        ("delete", {"talent_appid": cooperating}, 10023000),
        ("get", {"talent_appid": "wxnosuchtalent00"}, 10023001),
    ]:
        assert_error(call(f"{PROMOTER}/{path}", body), errcode)
    for body, errcode in [
        ({"talent_appid": cooperating, "upd_talent_type": 2}, 10023000),  # not blacklisted
        ({"talent_appid": ended, "upd_talent_type": 1}, 10023000),  # already blacklisted
        ({"talent_appid": cooperating, "upd_talent_type": 3}, 10023000),
        ({"talent_appid": "wxnosuchtalent00", "upd_talent_type": 1}, 10023001),
    ]:
        assert_error(call("/channels/ec/league/talent/update", body), errcode)
    assert_error(call("/channels/ec/league/talent/getproductdatalist", {"talent_appid": "wxnope"}), 10023001)
    assert_error(
        call("/channels/ec/league/talent/getproductdatalist", {"talent_appid": cooperating, "get_data_type": 3}),
        10023000,
    )
    assert league_state() == before


def test_invite_answer_end_delete_and_blacklist(call, talents):
    declined = talents[3]
    appid, finder = declined["talent_appid"], declined["finder_id"]
    assert call(f"{PROMOTER}/add", {"finder_id": finder})["errcode"] == 0
    assert status_of(appid) == 1
    invitation = Invitation.objects.get(kind="league_promoter", reference=appid)
    assert (invitation.status, invitation.create_time) == ("pending", ANCHOR)
    call_command("sandbox_invitation", "--shop", SHOP, "--account", appid, "--accept")
    assert status_of(appid) == 2
    assert call(f"{PROMOTER}/upd", {"talent_appid": appid, "type": 2})["errcode"] == 0
    assert status_of(appid) == 5
    assert call("/channels/ec/league/talent/update", {"talent_appid": appid, "upd_talent_type": 1})["errcode"] == 0
    got = call(f"{PROMOTER}/get", {"talent_search_key": declined["nickname"]})["talent"]
    assert got["base_talent_info"]["talent_appid"] == appid
    assert got["feature_info"] == {"level": declined["level"], "is_blacklisted": True}
    assert call("/channels/ec/league/talent/update", {"talent_appid": appid, "upd_talent_type": 2})["errcode"] == 0
    assert call(f"{PROMOTER}/delete", {"talent_appid": appid})["errcode"] == 0
    assert status_of(appid) == 10
    assert appid not in [
        t["talent_appid"] for t in call(f"{PROMOTER}/list/get", {"page_index": 1, "page_size": 20})["list"]
    ]
    # Invited again, then withdrawn: the invitation is cancelled and can no longer be accepted.
    assert call(f"{PROMOTER}/add", {"talent_appid": appid})["errcode"] == 0
    assert call(f"{PROMOTER}/upd", {"talent_appid": appid, "type": 1})["errcode"] == 0
    assert status_of(appid) == 4
    statuses = list(Invitation.objects.filter(reference=appid).order_by("pk").values_list("status", flat=True))
    assert statuses == ["accepted", "cancelled"]


def test_an_agency_talent_can_be_invited_and_rejects(call, seeded):
    agency_talent = seeded.agencies[0].catalog["promoters"]["talent"][0]["info"]
    appid = agency_talent["talent_appid"]
    assert call(f"{PROMOTER}/add", {"talent_appid": appid})["errcode"] == 0
    row = LeagueTalent.objects.get(shop=seeded.shop, talent_appid=appid)
    assert (row.status, row.nickname, row.finder_id) == (1, agency_talent["nickname"], "")
    call_command("sandbox_invitation", "--shop", SHOP, "--account", appid, "--reject")
    assert status_of(appid) == 3


# --- SANDBOX-ONLY agency cooperation -------------------------------------------------------------------------------


def test_alliance_invitations(api, call, seeded, agency_token):
    agency = seeded.agencies[0]
    before = league_state()
    assert_error(call(f"{ALLIANCE}/invite", {"headsupplier_appid": "wxnosuchagency00"}), 10091001)
    assert_error(call(f"{ALLIANCE}/invite", {"headsupplier_appid": agency.appid}), 10091002)  # cooperating
    assert_error(call(f"{ALLIANCE}/cancel", {"headsupplier_appid": agency.appid}), 10091003)
    decide = {"appid": SHOP, "accept": True}
    assert_error(api.post(f"{ALLIANCE}/shop/decide", decide, token=agency_token), 10091003)
    assert_error(
        api.post(f"{ALLIANCE}/shop/decide", {"appid": "wxnoshop", "accept": True}, token=agency_token), 10091001
    )
    assert_error(api.post(f"{ALLIANCE}/shop/decide", {"appid": SHOP, "accept": "yes"}, token=agency_token), 40097)
    assert_error(api.post(f"{ALLIANCE}/shop/decide", decide, token=api.token(SHOP, seeded.shop.secret)), 48001)
    assert league_state() == before

    view = {"shop_appid": SHOP, "headsupplier_appid": agency.appid, "nickname": agency.name, "reason": ""}
    assert call(f"{ALLIANCE}/end", {"headsupplier_appid": agency.appid})["cooperation"] == {
        **view,
        "status": 5,
        "update_time": ANCHOR,
    }
    assert_error(call(f"{ALLIANCE}/end", {"headsupplier_appid": agency.appid}), 10091004)
    assert call(f"{ALLIANCE}/invite", {"headsupplier_appid": agency.appid})["cooperation"]["status"] == 1
    assert_error(call(f"{ALLIANCE}/invite", {"headsupplier_appid": agency.appid}), 10091002)
    refused = api.post(f"{ALLIANCE}/shop/decide", {**decide, "accept": False, "reason": "品类不符"}, token=agency_token)
    assert refused["cooperation"] == {**view, "status": 3, "update_time": ANCHOR, "reason": "品类不符"}
    assert call(f"{ALLIANCE}/invite", {"headsupplier_appid": agency.appid})["cooperation"]["status"] == 1
    assert call(f"{ALLIANCE}/cancel", {"headsupplier_appid": agency.appid})["cooperation"]["status"] == 4
    assert call(f"{ALLIANCE}/invite", {"headsupplier_appid": agency.appid})["errcode"] == 0
    assert api.post(f"{ALLIANCE}/shop/decide", decide, token=agency_token)["cooperation"]["status"] == 2
    listed = call(f"{ALLIANCE}/list", {})["cooperation_list"]
    assert [(c["headsupplier_appid"], c["status"]) for c in listed] == sorted(
        (c.agency.appid, c.status) for c in Cooperation.objects.filter(shop=seeded.shop).select_related("agency")
    )
    shops = api.post("/channels/ec/league/headsupplier/shop/list/get", {}, token=agency_token)["shop_list"]
    assert [(s["base_info"]["appid"], s["status"]) for s in shops] == [(SHOP, 2)]
    kinds = Invitation.objects.filter(counterpart=agency).order_by("pk").values_list("status", flat=True)
    assert list(kinds) == ["rejected", "cancelled", "accepted"]


def test_an_invited_agency_answers_from_the_command(call, seeded):
    agency = seeded.agencies[1]
    call(f"{ALLIANCE}/end", {"headsupplier_appid": agency.appid})
    call(f"{ALLIANCE}/invite", {"headsupplier_appid": agency.appid})
    call_command("sandbox_invitation", "--shop", SHOP, "--account", agency.appid, "--accept")
    assert Cooperation.objects.get(shop=seeded.shop, agency=agency).status == 2
