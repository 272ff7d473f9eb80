"""Linked accounts on the real platform, which has no linked-account API (SANDBOX-ONLY in the emulator): with
``WECHAT_SANDBOX_ONLY_APIS`` off, every action that needs that API is refused before any HTTP, the refresh asks only
what the real platform answers (wecom/get_wecom_id), and the operator records the accounts linked in the WeChat Shop
backend, which orders synced later verify. Over real HTTP against the sandbox."""

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from linked_accounts.models import LinkedAccount, LinkedAccountEvent
from linked_accounts.selectors.linked_accounts import Verification
from linked_accounts.services import linked_accounts as services
from sandbox import selectors as platform
from sandbox.models import Invitation
from shopops.models import ApiCall
from shopops.sync import engine
from tests.factories import LinkedAccountFactory, MembershipFactory
from tests.helpers import console_url
from tests.security.isolation import changes, snapshot

APPID, SECRET = "wxrec0rded00000001", "rec0rded5ecre700000000000000001a"
ANCHOR = 1796246011  # 2026-12-03 05:13 Beijing: where the platform's data ends and our clock starts
Status, Action, Origin = LinkedAccount.Status, LinkedAccountEvent.Action, LinkedAccount.Origin
SANDBOX_ONLY = "/sandbox-only/"


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


@pytest.fixture
def real_platform(settings):
    """ShopOps as it runs against api.weixin.qq.com: the SANDBOX-ONLY APIs are off."""
    settings.WECHAT_SANDBOX_ONLY_APIS = False


@pytest.fixture
def owner(db):
    return MembershipFactory(shop__appid=APPID, shop__app_secret=SECRET, user__username="olivia")


@pytest.fixture
def web(client, owner, real_platform):
    client.force_login(owner.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def catalog(live_sandbox, time_machine):
    """A sandbox shop whose data ends at ANCHOR, with our clock stopped there; its linked accounts (2 视频号, 1 公众号,
    1 服务号, 1 企业微信) exist on the platform side only."""
    time_machine.move_to(at(ANCHOR), tick=False)
    call_command(
        "sandbox_seed", shop=APPID, secret=SECRET, days=2, orders=80, seed=11, agencies=0, anchor=ANCHOR, verbosity=0
    )
    return platform.catalog(APPID)


def record(web, shop, kind, account_id, nickname, identity="self_operated"):
    data = {"kind": kind, "account_id": account_id, "nickname": nickname, "selling_identity": identity}
    return web.post(console_url("linked_account_record", shop), data)


def codes(form) -> dict[str, list[str]]:
    return {name: [error.code for error in errors] for name, errors in form.errors.as_data().items()}


def refusal_codes(action) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        action()
    error = refused.value
    if hasattr(error, "error_dict"):
        return [f"{name}:{e.code}" for name, errors in error.error_dict.items() for e in errors]
    return [e.code for e in error.error_list]


def levels(response) -> list[str]:
    return [m.level_tag for m in response.context["messages"]] if response.context else []


def domain_snapshot() -> dict:
    bookkeeping = ("shopops.ApiCall", "shopops.PlatformToken", "sandbox.AccessToken", "sandbox.FaultSettings")
    return {k: v for k, v in snapshot().items() if k not in bookkeeping}


def history(account) -> list[tuple]:
    return [
        (e.action, e.from_status, e.to_status, e.actor.username if e.actor else None, e.by_platform, e.params)
        for e in account.events.order_by("id")
    ]


def endpoints(shop) -> list[str]:
    return sorted(set(ApiCall.objects.filter(shop=shop).values_list("endpoint", flat=True)))


def linked_orders_on_the_platform(account_id: str, *, since: int) -> list[dict]:
    """The platform's own answer: paid orders created since ``since`` that name the 视频号 as a linked account."""
    return [
        payload
        for payload in platform.order_payloads(APPID)
        if payload["create_time"] >= since
        and payload["order_detail"]["pay_info"].get("pay_time")
        and any(
            (s["sale_channel"], s["account_type"], s["account_id"]) == (0, 1, account_id)
            for s in payload["order_detail"]["source_infos"]
        )
    ]


# --- nothing SANDBOX-ONLY is ever asked ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "True"),  # the local sandbox
        ({"WECHAT_API_BASE": "https://api.weixin.qq.com"}, "False"),
        ({"WECHAT_API_BASE": "https://api.weixin.qq.com/"}, "False"),
        ({"WECHAT_API_BASE": "https://sandbox.example.com/sandbox/api"}, "True"),
        ({"WECHAT_API_BASE": "https://wechat-proxy.example.com/api"}, "False"),  # the real platform behind a proxy
        ({"WECHAT_API_BASE": "https://api.weixin.qq.com", "WECHAT_SANDBOX_ONLY_APIS": "true"}, "True"),
        ({"WECHAT_SANDBOX_ONLY_APIS": "false"}, "False"),
    ],
)
def test_the_sandbox_only_apis_are_off_with_the_real_platform_unless_the_environment_says(env, expected):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WECHAT_"))}
    result = subprocess.run(
        [sys.executable, "-c", "from shopops import settings; print(settings.WECHAT_SANDBOX_ONLY_APIS)"],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == expected


@pytest.mark.django_db(transaction=True)
def test_every_sandbox_only_action_is_refused_before_any_http(web, shop, catalog):
    corp = catalog["linked"]["wecom"][0]
    linked = LinkedAccountFactory(shop=shop, account_id=catalog["linked"]["channels"][0]["account_id"])
    pending = LinkedAccountFactory(
        shop=shop, kind="mp", account_id="wx0000000000000e01", status=Status.PENDING, invitation_id="1001"
    )
    wecom = LinkedAccountFactory(shop=shop, kind="wecom", account_id=corp["account_id"])
    before = snapshot()

    invited = web.post(
        console_url("linked_account_invite", shop),
        {"kind": "channels", "account_id": "sphNewFinder01", "selling_identity": "self_operated"},
    )
    cancelled = web.post(console_url("linked_account_cancel", shop, pk=pending.pk), follow=True)
    unlinked = web.post(console_url("linked_account_unlink", shop, pk=linked.pk), follow=True)
    identity = web.post(console_url("linked_account_identity", shop, pk=linked.pk), {"selling_identity": "creator"})
    invite_page = web.get(console_url("linked_account_invite", shop) + "?kind=channels")

    assert codes(invited.context["form"]) == {"__all__": ["not_available_on_platform"]}
    assert (levels(cancelled), levels(unlinked)) == (["error"], ["error"])
    assert codes(identity.context["identity_form"]) == {"selling_identity": ["not_available_on_platform"]}
    assert invite_page["Location"] == console_url("linked_account_record", shop) + "?kind=channels"
    # The services themselves refuse, whoever calls them.
    assert refusal_codes(
        lambda: services.linked_account_invite(shop=shop, kind="mp", account_id="wx0000000000000e02")
    ) == ["not_available_on_platform"]
    assert refusal_codes(lambda: services.linked_account_cancel_invitation(linked_account=pending)) == [
        "not_available_on_platform"
    ]
    assert refusal_codes(lambda: services.linked_account_unlink(linked_account=linked)) == ["not_available_on_platform"]
    assert refusal_codes(
        lambda: services.linked_account_set_selling_identity(linked_account=linked, selling_identity="creator")
    ) == ["selling_identity:not_available_on_platform"]
    # Not one HTTP call, not even for a token; nothing changed here or on the platform.
    assert changes(before, snapshot()) == {}

    # The refresh asks only what the real platform answers: the WeCom corp's shop-side id.
    refreshed = web.post(console_url("linked_accounts_refresh", shop), follow=True)

    assert levels(refreshed) == ["success"]
    assert endpoints(shop) == ["/cgi-bin/stable_token", "/channels/ec/wecom/get_wecom_id"]
    assert not ApiCall.objects.filter(endpoint__startswith=SANDBOX_ONLY).exists()
    wecom.refresh_from_db()
    assert wecom.wecom_corp_id == corp["extra"]["wecom_corp_id"]
    # The invitation and the linked 视频号 stay as they were: the real platform lists neither.
    assert [(a.pk, a.status) for a in LinkedAccount.objects.filter(shop=shop).order_by("pk")] == [
        (linked.pk, Status.ACCEPTED),
        (pending.pk, Status.PENDING),
        (wecom.pk, Status.ACCEPTED),
    ]
    assert set(changes(before, snapshot())) == {
        "shopops.ApiCall",
        "shopops.PlatformToken",
        "sandbox.AccessToken",
        "linked_accounts.LinkedAccount",
        "auditlog.LogEntry",
    }
    assert not Invitation.objects.exists()


# --- recording, then verifying by orders ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_account_linked_in_the_backend_is_recorded_and_verified_by_orders_synced_later(
    web, owner, shop, catalog, time_machine
):
    official = catalog["linked"]["channels"][0]
    before = snapshot()

    response = record(web, shop, "channels", official["account_id"], official["nickname"])

    account = LinkedAccount.objects.get(shop=shop, account_id=official["account_id"])
    assert response["Location"] == console_url("linked_account_detail", shop, pk=account.pk)
    assert (
        account.kind,
        account.status,
        account.origin,
        account.nickname,
        account.selling_identity,
        account.recorded_at,
        account.recorded_by.username,
        account.linked_at,
    ) == (
        "channels",
        Status.ACCEPTED,
        Origin.RECORDED,
        official["nickname"],
        "self_operated",
        at(ANCHOR),
        "olivia",
        None,
    )
    assert history(account) == [
        (Action.RECORDED, "", Status.ACCEPTED, "olivia", False, {"selling_identity": "self_operated"})
    ]
    assert account.events.get().occurred_at == at(ANCHOR)
    assert [(e.action, e.actor.username) for e in LogEntry.objects.get_for_object(account)] == [
        (LogEntry.Action.CREATE, "olivia")
    ]
    # No platform call at all: only the row, its event and their audit entries.
    assert set(changes(before, snapshot())) == {
        "linked_accounts.LinkedAccount",
        "linked_accounts.LinkedAccountEvent",
        "auditlog.LogEntry",
    }

    def verification() -> tuple:
        listed = web.get(console_url("linked_accounts", shop))
        (row,) = [row for group in listed.context["groups"] for row in group["rows"]]
        detail = web.get(console_url("linked_account_detail", shop, pk=account.pk))
        assert detail.context["verification"] == row["verification"]
        return row["verification"], row["orders"]

    assert verification() == (Verification(0, None), 0)

    # The orders of the last two days arrive: the account sold before it was recorded, which verifies nothing.
    assert engine.shop_sync(shop=shop, streams=("orders",)).stopped == ""
    earlier = linked_orders_on_the_platform(official["account_id"], since=0)
    assert earlier
    assert verification() == (Verification(0, None), len(earlier))

    # Two days go by (the operator signs in again); the platform's new orders are synced.
    time_machine.move_to(at(ANCHOR + 48 * 3600), tick=False)
    web.force_login(owner.user)
    call_command("sandbox_advance", shop=APPID, hours=48, no_deliver=True, verbosity=0)
    assert engine.shop_sync(shop=shop, streams=("orders",)).stopped == ""

    since = linked_orders_on_the_platform(official["account_id"], since=ANCHOR)
    assert since
    first = min(payload["create_time"] for payload in since)
    assert verification() == (Verification(len(since), at(first)), len(earlier) + len(since))
    assert not ApiCall.objects.filter(endpoint__startswith=SANDBOX_ONLY).exists()


@pytest.mark.django_db
def test_recording_refuses_duplicates_and_bad_input_at_the_field_and_changes_nothing(web, shop, owner):
    linked = LinkedAccountFactory(shop=shop, account_id="sphLinked00001")
    pending = LinkedAccountFactory(shop=shop, kind="mp", account_id="wx0000000000000e01", status=Status.PENDING)
    before = snapshot()

    refused = {
        "linked": record(web, shop, "channels", linked.account_id, "x"),
        "pending": record(web, shop, "mp", pending.account_id, "x"),
        "malformed": record(web, shop, "wecom", "corp-1", "x"),
        "no identity": record(web, shop, "channels", "sphNew0000001", "x", identity=""),
        "no name": record(web, shop, "service", "wx0000000000000e03", ""),
        "no kind": record(web, shop, "bank", "wx0000000000000e03", "x"),
    }

    assert {key: (r.status_code, codes(r.context["form"])) for key, r in refused.items()} == {
        "linked": (200, {"account_id": ["already_linked"]}),
        "pending": (200, {"account_id": ["invitation_pending"]}),
        "malformed": (200, {"account_id": ["invalid_account_id"]}),
        "no identity": (200, {"selling_identity": ["selling_identity_required"]}),
        "no name": (200, {"nickname": ["required"]}),
        "no kind": (200, {"kind": ["invalid_choice"]}),
    }
    assert refusal_codes(
        lambda: services.linked_account_record(shop=shop, kind="bank", account_id="x", nickname="x")
    ) == ["kind:invalid_kind"]
    assert refusal_codes(
        lambda: services.linked_account_record(shop=shop, kind="mp", account_id=" ", nickname="x")
    ) == ["account_id:account_id_required"]
    assert changes(before, snapshot()) == {}


@pytest.mark.django_db
def test_an_unlinked_account_is_recorded_again_on_its_own_row(web, shop):
    account = LinkedAccountFactory(
        shop=shop, kind="service", account_id="wx0000000000000e04", status=Status.UNLINKED, origin=Origin.INVITED
    )

    response = record(web, shop, "service", account.account_id, " 服务号新名 ")

    account.refresh_from_db()
    assert response.status_code == 302
    assert (account.status, account.origin, account.nickname, account.selling_identity) == (
        Status.ACCEPTED,
        Origin.RECORDED,
        "服务号新名",
        "",
    )
    assert history(account) == [(Action.RECORDED, Status.UNLINKED, Status.ACCEPTED, "olivia", False, {})]
    assert LinkedAccount.objects.filter(shop=shop).count() == 1
