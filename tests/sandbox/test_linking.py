"""Cooperation accounts, WeCom ids and the SANDBOX-ONLY linked-account API over HTTP; the invited side's decisions
through ``sandbox_invitation`` and the admin; invitations that expire unanswered."""

import base64
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from sandbox import linking, selectors
from sandbox.models import Account, Invitation, LinkedAccount
from sandbox.services import invitation_decide, shop_seed
from tests.sandbox.conftest import ANCHOR, SHOP, assert_error

pytestmark = pytest.mark.django_db(transaction=True)

NEW_MINI, NEW_FINDER = "wx00000000000d0001", "sphBrandNew01"
# An account the platform has no record of gets a derived super admin: someone other than the shop's.
NEW_FINDER_ADMIN = "adm_" + hashlib.sha256(b"admin:sphBrandNew01").hexdigest()[:16]
COOP, LINKED = "/channels/ec/cooperation", "/sandbox-only/linked_account"
MS = 1000


@pytest.fixture
def shop(transactional_db):
    return shop_seed(appid=SHOP, seed=3, days=1, orders=5, anchor=ANCHOR, agencies=0).shop


@pytest.fixture
def call(api, shop):
    token = api.token(SHOP, shop.secret)
    return lambda path, body: api.post(path, body, token=token)


def ok(answer: dict) -> dict:
    assert (answer["errcode"], answer["errmsg"]) == (0, "ok"), answer
    return answer


def pending_invitation(reference: str) -> Invitation:
    return Invitation.objects.get(reference=reference, status="pending")


# --- cooperation accounts ---------------------------------------------------------------------------------------------


def test_cooperation_lists_answer_the_seeded_accounts_with_millisecond_times(call, shop):
    catalog = selectors.catalog(SHOP)["cooperation"]
    mp, minis = catalog["mp"][0], catalog["mini"]

    assert ok(call(f"{COOP}/list", {"sharer_type": 2}))["data_list"] == [
        {
            "sharer_id": mp["original_id"],
            "sharer_name": mp["nickname"],
            "sharer_type": 2,
            "status": 1,
            "bind_time": mp["extra"]["bind_time"],
            "unbind_time": 0,
            "reject_time": 0,
            "cancel_time": 0,
        }
    ]
    # Newest change first ("按更新时间倒序"); the two were bound at the same moment, so the newer row comes first.
    assert [(e["sharer_id"], e["status"]) for e in ok(call(f"{COOP}/list", {"sharer_type": "3"}))["data_list"]] == [
        (m["account_id"], 1) for m in reversed(minis)
    ]
    assert mp["extra"]["bind_time"] == (ANCHOR - 90 * 86400) * MS
    assert_error(call(f"{COOP}/list", {"sharer_type": 1}), 40097)
    assert_error(call(f"{COOP}/list", {"page": 1}), 40097)


def test_an_invitation_qr_code_and_what_follows(call, shop):
    def status():
        return next(e for e in ok(call(f"{COOP}/list", {"sharer_type": 3}))["data_list"] if e["sharer_id"] == NEW_MINI)

    qrcode = ok(call(f"{COOP}/invitation/qrcode/generate", {"sharer_type": 3, "sharer_id": NEW_MINI}))
    png = base64.b64decode(qrcode["data"]["qrcode_base64"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[16:24] == (264).to_bytes(4, "big") * 2
    assert status() == {
        "sharer_id": NEW_MINI,
        "sharer_name": "合作小程序0001",
        "sharer_type": 3,
        "status": 4,
        "bind_time": 0,
        "unbind_time": 0,
        "reject_time": 0,
        "cancel_time": 0,
    }
    # The same pending invitation again: a new code, no second invitation.
    ok(call(f"{COOP}/invitation/qrcode/generate", {"sharer_type": 3, "sharer_id": NEW_MINI}))
    assert Invitation.objects.filter(reference=NEW_MINI).count() == 1

    ok(call(f"{COOP}/invitation/cancel", {"sharer_type": 3, "sharer_id": NEW_MINI}))
    assert (status()["status"], status()["cancel_time"]) == (7, ANCHOR * MS)
    assert_error(call(f"{COOP}/invitation/cancel", {"sharer_type": 3, "sharer_id": NEW_MINI}), 788191005)

    ok(call(f"{COOP}/invitation/qrcode/generate", {"sharer_type": 3, "sharer_id": NEW_MINI}))
    assert (status()["status"], status()["cancel_time"]) == (4, 0)
    invitation_decide(invitation=pending_invitation(NEW_MINI), accept=True)
    assert (status()["status"], status()["bind_time"]) == (1, ANCHOR * MS)
    assert_error(call(f"{COOP}/invitation/qrcode/generate", {"sharer_type": 3, "sharer_id": NEW_MINI}), 788191005)

    # Both unbind paths are served (Appendix B leaves the choice open).
    ok(call(f"{COOP}/unbind", {"sharer_type": 3, "sharer_id": NEW_MINI}))
    assert (status()["status"], status()["unbind_time"]) == (2, ANCHOR * MS)
    assert_error(call(f"{COOP}/invitation/unbind", {"sharer_type": 3, "sharer_id": NEW_MINI}), 788191005)

    assert_error(call(f"{COOP}/invitation/qrcode/generate", {"sharer_type": 3}), 40097)
    assert_error(call(f"{COOP}/invitation/qrcode/generate", {"sharer_type": 3, "sharer_id": "gh_1"}), 803131000)
    answer = call(f"{COOP}/invitation/unbind", {"sharer_type": 2, "sharer_id": "gh_nobody"})
    assert_error(answer, 803131000)
    assert answer["errmsg"].startswith("sharer_id 非法 rid: ")
    answer = call(f"{COOP}/invitation/cancel", {"sharer_type": 3, "sharer_id": NEW_MINI})
    assert_error(answer, 788191005)
    assert answer["errmsg"].startswith("业务流程异常，请参考业务状态机: no pending invitation rid: ")


def test_the_cooperation_list_shows_the_latest_change_first(call, shop):
    minis = selectors.catalog(SHOP)["cooperation"]["mini"]

    def listed():
        return [e["sharer_id"] for e in ok(call(f"{COOP}/list", {"sharer_type": 3}))["data_list"]]

    ok(call(f"{COOP}/invitation/qrcode/generate", {"sharer_type": 3, "sharer_id": NEW_MINI}))
    assert listed() == [NEW_MINI, minis[1]["account_id"], minis[0]["account_id"]]
    shop.clock = ANCHOR + 3600
    shop.save(update_fields=["clock"])
    ok(call(f"{COOP}/unbind", {"sharer_type": 3, "sharer_id": minis[0]["account_id"]}))
    assert listed() == [minis[0]["account_id"], NEW_MINI, minis[1]["account_id"]]


def test_a_cooperation_official_account_is_listed_by_its_original_id(call, shop):
    mp = selectors.catalog(SHOP)["cooperation"]["mp"][0]
    ok(call(f"{COOP}/invitation/unbind", {"sharer_type": 2, "sharer_id": mp["original_id"]}))
    ok(call(f"{COOP}/invitation/qrcode/generate", {"sharer_type": 2, "sharer_id": mp["account_id"]}))
    assert [(e["sharer_id"], e["status"]) for e in ok(call(f"{COOP}/list", {"sharer_type": 2}))["data_list"]] == [
        (mp["original_id"], 4)
    ]


# --- WeCom ---------------------------------------------------------------------------------------------------------


def test_get_wecom_id_resolves_a_linked_corp_and_its_members(call, shop):
    corp = selectors.catalog(SHOP)["linked"]["wecom"][0]
    member = corp["extra"]["members"][0]
    path = "/channels/ec/wecom/get_wecom_id"

    assert ok(call(path, {"corp_id": corp["account_id"]}))["data"] == {
        "wecom_corp_id": corp["extra"]["wecom_corp_id"],
        "wecom_user_id": "",
    }
    assert ok(call(path, {"corp_id": corp["account_id"], "user_id": member["user_id"]}))["data"] == {
        "wecom_corp_id": corp["extra"]["wecom_corp_id"],
        "wecom_user_id": member["wecom_user_id"],
    }
    unknown_user = call(path, {"corp_id": corp["account_id"], "user_id": "Nobody"})
    assert_error(unknown_user, 914911002)
    assert unknown_user["errmsg"].startswith("查询不到user_id rid: ")
    assert_error(call(path, {"corp_id": "ww0000000000000000"}), 914911001)
    assert_error(call(path, {}), 914910001)
    row = LinkedAccount.objects.get(account_id=corp["account_id"])
    row.extra = {**row.extra, "authorized": False}
    row.save()
    assert_error(call(path, {"corp_id": corp["account_id"]}), 914911003)


# --- the SANDBOX-ONLY linked-account API ------------------------------------------------------------------------------


def test_profile_and_list_report_super_admins_identities_and_bindings(call, shop):
    catalog = selectors.catalog(SHOP)
    official, live_room = catalog["linked"]["channels"]
    mp = catalog["linked"]["mp"][0]

    profile = ok(call(f"{LINKED}/profile/get", {"account_type": 1, "account_id": official["account_id"]}))["profile"]
    assert profile == {
        "account_type": 1,
        "account_id": official["account_id"],
        "nickname": official["nickname"],
        "original_id": "",
        "super_admin_id": catalog["super_admin_id"],
        "shop_super_admin_id": catalog["super_admin_id"],
    }
    unknown = ok(call(f"{LINKED}/profile/get", {"account_type": 1, "account_id": NEW_FINDER}))["profile"]
    assert (unknown["nickname"], unknown["super_admin_id"]) == ("视频号ew01", NEW_FINDER_ADMIN)
    assert unknown["super_admin_id"] != catalog["super_admin_id"]

    listing = ok(call(f"{LINKED}/list", {}))
    assert listing["shop_super_admin_id"] == catalog["super_admin_id"]
    assert [(a["account_type"], a["account_id"]) for a in listing["account_list"]] == [
        (1, official["account_id"]),
        (1, live_room["account_id"]),
        (2, mp["account_id"]),
        (6, catalog["linked"]["service"][0]["account_id"]),
        (4, catalog["linked"]["wecom"][0]["account_id"]),
    ]
    assert listing["account_list"][2] == {
        "account_type": 2,
        "account_id": mp["account_id"],
        "nickname": mp["nickname"],
        "original_id": mp["original_id"],
        "link_time": mp["extra"]["link_time"],
        "selling_identity": 0,
        "super_admin_id": "",
        "bind_finder_id": official["account_id"],
        "bind_finder_nickname": official["nickname"],
        "bind_time": mp["extra"]["bind_time"],
    }
    assert (listing["account_list"][1]["selling_identity"], listing["account_list"][1]["super_admin_id"]) == (
        1,
        live_room["extra"]["super_admin_id"],
    )
    assert_error(call(f"{LINKED}/profile/get", {"account_type": 3, "account_id": NEW_MINI}), 40097)
    assert_error(call(f"{LINKED}/profile/get", {"account_type": 2, "account_id": "gh_abc"}), 40097)


def test_an_invitation_is_created_answered_and_refused_by_the_rules(call, shop):
    catalog = selectors.catalog(SHOP)
    official, live_room = catalog["linked"]["channels"]
    body = {"account_type": 1, "account_id": NEW_FINDER, "selling_identity": 1}

    created = ok(call(f"{LINKED}/invitation/create", body))["invitation"]
    invitation_id = created["invitation_id"]
    assert created == {
        "invitation_id": invitation_id,
        "account_type": 1,
        "account_id": NEW_FINDER,
        "nickname": "视频号ew01",
        "selling_identity": 1,
        "status": "pending",
        "create_time": ANCHOR,
        "expire_time": ANCHOR + linking.INVITATION_TTL,
        "decide_time": 0,
    }
    assert ok(call(f"{LINKED}/invitation/get", {"invitation_id": invitation_id}))["invitation"] == created
    assert_error(call(f"{LINKED}/invitation/create", body), 10090002)
    assert_error(call(f"{LINKED}/invitation/create", {**body, "account_id": official["account_id"]}), 10090001)
    assert_error(
        call(f"{LINKED}/invitation/create", {**body, "account_id": "sphOther0001", "selling_identity": 2}), 10090003
    )
    assert_error(call(f"{LINKED}/invitation/create", {"account_type": 1, "account_id": "sphOther0001"}), 40097)
    assert_error(call(f"{LINKED}/invitation/get", {"invitation_id": "1"}), 10090004)

    invitation_decide(invitation=pending_invitation(invitation_id), accept=True)
    answered = ok(call(f"{LINKED}/invitation/get", {"invitation_id": invitation_id}))["invitation"]
    assert (answered["status"], answered["decide_time"]) == ("accepted", ANCHOR)
    linked = ok(call(f"{LINKED}/list", {}))["account_list"]
    assert linked[-1] == {
        "account_type": 1,
        "account_id": NEW_FINDER,
        "nickname": "视频号ew01",
        "original_id": "",
        "link_time": ANCHOR,
        "selling_identity": 1,
        "super_admin_id": NEW_FINDER_ADMIN,
        "bind_finder_id": "",
        "bind_finder_nickname": "",
        "bind_time": 0,
    }
    assert_error(call(f"{LINKED}/invitation/cancel", {"invitation_id": invitation_id}), 10090005)

    # Selling identity: 达人带货 only for the 视频号 run by the shop's own super admin.
    ok(call(f"{LINKED}/selling_identity/set", {"account_id": official["account_id"], "selling_identity": 2}))
    assert_error(
        call(f"{LINKED}/selling_identity/set", {"account_id": live_room["account_id"], "selling_identity": 2}), 10090003
    )
    assert_error(
        call(f"{LINKED}/selling_identity/set", {"account_id": "sphNobody001", "selling_identity": 1}), 10090006
    )
    assert selectors.linked_accounts(SHOP)[0]["extra"]["selling_identity"] == 2

    ok(call(f"{LINKED}/unlink", {"account_type": 1, "account_id": NEW_FINDER}))
    assert NEW_FINDER not in [a["account_id"] for a in ok(call(f"{LINKED}/list", {}))["account_list"]]
    assert_error(call(f"{LINKED}/unlink", {"account_type": 1, "account_id": NEW_FINDER}), 10090006)
    # Unlinked, it may be invited again.
    again = ok(call(f"{LINKED}/invitation/create", body))["invitation"]
    cancelled = ok(call(f"{LINKED}/invitation/cancel", {"invitation_id": again["invitation_id"]}))["invitation"]
    assert (cancelled["status"], cancelled["decide_time"]) == ("cancelled", ANCHOR)


def test_unanswered_invitations_expire(call, shop):
    invitation_id = ok(call(f"{LINKED}/invitation/create", {"account_type": 6, "account_id": NEW_MINI}))["invitation"][
        "invitation_id"
    ]
    ok(call(f"{COOP}/invitation/qrcode/generate", {"sharer_type": 3, "sharer_id": NEW_MINI}))
    Account.objects.filter(pk=shop.pk).update(clock=ANCHOR + linking.INVITATION_TTL)

    expired = ok(call(f"{LINKED}/invitation/get", {"invitation_id": invitation_id}))["invitation"]
    assert (expired["status"], expired["decide_time"]) == ("expired", ANCHOR + linking.INVITATION_TTL)
    coop = [e for e in ok(call(f"{COOP}/list", {"sharer_type": 3}))["data_list"] if e["sharer_id"] == NEW_MINI]
    assert coop[0]["status"] == 5
    with pytest.raises(ValueError, match="already been decided"):
        invitation_decide(invitation=Invitation.objects.get(reference=invitation_id), accept=True)


def test_an_answer_after_the_deadline_is_refused_and_changes_nothing(shop):
    invitation = linking.invitation_create(shop=shop, account_type=1, account_id=NEW_FINDER, selling_identity=1)
    Account.objects.filter(pk=shop.pk).update(clock=ANCHOR + linking.INVITATION_TTL)
    with pytest.raises(ValueError, match="expired before it was answered"):
        invitation_decide(invitation=invitation, accept=True)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.decided_time) == ("pending", None)
    assert not LinkedAccount.objects.filter(account_id=NEW_FINDER).exists()


# --- the invited side: command and admin ------------------------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command("sandbox_invitation", *args, stdout=out)
    return out.getvalue()


def test_the_command_lists_and_decides_pending_invitations(shop):
    invitation = linking.invitation_create(shop=shop, account_type=1, account_id=NEW_FINDER, selling_identity=1)
    linking.cooperation_invite(shop=shop, sharer_type=3, appid=NEW_MINI)

    listing = run("--shop", SHOP)
    assert f"linked_account {invitation.reference} → {NEW_FINDER} (created 2026-01-01T04:00:00+00:00)" in listing
    assert f"cooperation_account {NEW_MINI} → {NEW_MINI}" in listing
    assert listing.endswith("2 pending.\n")

    assert run("--shop", SHOP, "--account", NEW_FINDER, "--reject") == (
        f"linked_account {invitation.reference} ({NEW_FINDER}): rejected\n"
    )
    assert (
        run("--shop", SHOP, "--account", NEW_MINI, "--fail") == f"cooperation_account {NEW_MINI} ({NEW_MINI}): failed\n"
    )
    assert selectors.linked_accounts(SHOP)[-1]["extra"]["status"] == 6

    for args, message in (
        (("--shop", "wxnobody"), "unknown shop wxnobody"),
        (("--shop", SHOP, "--accept"), "--account is required with a decision"),
        (("--shop", SHOP, "--account", NEW_FINDER, "--accept"), f"{SHOP} has no pending invitation to {NEW_FINDER}"),
    ):
        with pytest.raises(CommandError, match=message):
            run(*args)
    linking.invitation_create(shop=shop, account_type=1, account_id=NEW_FINDER, selling_identity=1)
    with pytest.raises(CommandError, match="--fail applies to cooperation invitations only"):
        run("--shop", SHOP, "--account", NEW_FINDER, "--fail")


def test_the_admin_expires_and_fails_invitations(client, staff_user, shop):
    client.force_login(staff_user)
    linked = linking.invitation_create(shop=shop, account_type=1, account_id=NEW_FINDER, selling_identity=1)
    cooperation = linking.cooperation_invite(shop=shop, sharer_type=3, appid=NEW_MINI)
    changelist = reverse("admin:sandbox_invitation_changelist")

    client.post(changelist, {"action": "fail", "_selected_action": [linked.pk, cooperation.pk]})
    client.post(changelist, {"action": "expire", "_selected_action": [linked.pk]})

    linked.refresh_from_db()
    cooperation.refresh_from_db()
    assert (linked.status, linked.decided_time) == ("expired", ANCHOR)
    assert (cooperation.status, cooperation.decided_time) == ("failed", ANCHOR)
    assert client.get(changelist).status_code == 200
