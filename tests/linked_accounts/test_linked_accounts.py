"""Linked accounts (关联账号) over real HTTP against the sandbox: refreshing from the platform, inviting and the other
side's answers (accept, reject, expire) and cancelling, unlinking, the selling identity rule, display accounts,
the 公众号↔视频号 binding, WeCom staff; every change audited with its actor, every refusal changing nothing."""

from datetime import UTC, datetime

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from linked_accounts.models import LinkedAccount, LinkedAccountEvent, LinkingState, WecomStaff
from linked_accounts.selectors.linked_accounts import display_accounts_for_shop
from linked_accounts.services import linked_accounts as services
from sandbox import selectors as platform
from sandbox.api.registry import ROUTES
from sandbox.models import Invitation
from sandbox.models import LinkedAccount as PlatformLinkedAccount
from shopops.channels import CONTENT_WECOM_MEMBER_FORWARD
from shopops.models import OrderLine
from tests.factories import MembershipFactory, OrderFactory, OrderLineFactory
from tests.helpers import console_url, flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wx11nked0acc0un701", "11nked0acc0un75ecre7000000000001"
ANCHOR = 1767240000  # 2026-01-01 12:00 Asia/Shanghai: the sandbox shop's clock
NEW_FINDER = "sphNewFinder01"
Status, Action = LinkedAccount.Status, LinkedAccountEvent.Action


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


@pytest.fixture
def catalog(live_sandbox):
    """A sandbox shop with its linked accounts (2 视频号, 1 公众号, 1 服务号, 1 企业微信); the product talks to it."""
    call_command(
        "sandbox_seed", shop=APPID, secret=SECRET, days=1, orders=5, seed=7, agencies=0, anchor=ANCHOR, verbosity=0
    )
    return platform.catalog(APPID)


@pytest.fixture
def owner(db):
    return MembershipFactory(shop__appid=APPID, shop__app_secret=SECRET, user__username="olivia")


@pytest.fixture
def web(client, owner):
    client.force_login(owner.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def refresh(web, shop):
    return web.post(console_url("linked_accounts_refresh", shop), follow=True)


def decide(*args):
    call_command("sandbox_invitation", "--shop", APPID, *args, verbosity=0)


def rows(shop):
    return {(a.kind, a.account_id): a for a in LinkedAccount.objects.filter(shop=shop)}


def history(account) -> list[tuple]:
    return [
        (e.action, e.from_status, e.to_status, e.actor.username if e.actor else None, e.by_platform)
        for e in account.events.order_by("id")
    ]


def domain_snapshot() -> dict:
    """Every row but the call log and the access tokens: asking the platform leaves a trace there, by design."""
    bookkeeping = ("shopops.ApiCall", "shopops.PlatformToken", "sandbox.AccessToken", "sandbox.FaultSettings")
    return {k: v for k, v in snapshot().items() if k not in bookkeeping}


def codes(form) -> dict[str, list[str]]:
    """A form's errors by field, as their codes."""
    return {name: [error.code for error in errors] for name, errors in form.errors.as_data().items()}


def refusal_codes(action) -> list[str]:
    """The codes of the ValidationError ``action()`` raises (it must raise one), "field:code" for a field's."""
    with pytest.raises(ValidationError) as refused:
        action()
    error = refused.value
    if hasattr(error, "error_dict"):
        return [f"{name}:{e.code}" for name, errors in error.error_dict.items() for e in errors]
    return [e.code for e in error.error_list]


def levels(response) -> list[str]:
    """The levels of the flash messages a rendered response shows ("success", "error" …)."""
    return [m.level_tag for m in response.context["messages"]] if response.context else []


def audit_actors(account) -> list[tuple]:
    entries = LogEntry.objects.get_for_object(account).order_by("id")
    return [(entry.action, entry.actor.username if entry.actor else None) for entry in entries]


# --- refreshing from the platform --------------------------------------------------------------------------------


def test_refresh_brings_in_the_accounts_already_linked_on_the_platform(web, shop, owner, catalog):
    linked = catalog["linked"]
    response = refresh(web, shop)

    assert flash_messages(response) == [
        "Refreshed from WeChat Shop: 0 accepted, 0 ended without linking, 5 found linked, 0 unlinked."
    ]
    official, live_room = linked["channels"]
    mp, service, wecom = linked["mp"][0], linked["service"][0], linked["wecom"][0]
    found = {
        key: (a.status, a.nickname, a.selling_identity, a.super_admin_id, a.linked_at, a.invited_by)
        for key, a in rows(shop).items()
    }
    assert found == {
        ("channels", official["account_id"]): (
            Status.ACCEPTED,
            official["nickname"],
            "self_operated",
            catalog["super_admin_id"],
            at(official["extra"]["link_time"]),
            None,
        ),
        ("channels", live_room["account_id"]): (
            Status.ACCEPTED,
            live_room["nickname"],
            "self_operated",
            live_room["extra"]["super_admin_id"],
            at(live_room["extra"]["link_time"]),
            None,
        ),
        ("mp", mp["account_id"]): (Status.ACCEPTED, mp["nickname"], "", "", at(mp["extra"]["link_time"]), None),
        ("service", service["account_id"]): (
            Status.ACCEPTED,
            service["nickname"],
            "",
            "",
            at(service["extra"]["link_time"]),
            None,
        ),
        ("wecom", wecom["account_id"]): (
            Status.ACCEPTED,
            wecom["nickname"],
            "",
            "",
            at(wecom["extra"]["link_time"]),
            None,
        ),
    }
    assert live_room["extra"]["super_admin_id"] != catalog["super_admin_id"]
    assert LinkingState.objects.get(shop=shop).shop_super_admin_id == catalog["super_admin_id"]
    # The 公众号 is bound to the official 视频号 (公众平台账号绑定视频号), as the platform reports it.
    bound = rows(shop)[("mp", mp["account_id"])]
    assert (bound.bound_finder_id, bound.bound_finder_nickname, bound.bound_at, bound.original_id) == (
        official["account_id"],
        official["nickname"],
        at(mp["extra"]["bind_time"]),
        mp["original_id"],
    )
    # The WeCom corp is resolved with wecom/get_wecom_id.
    assert rows(shop)[("wecom", wecom["account_id"])].wecom_corp_id == wecom["extra"]["wecom_corp_id"]

    account = rows(shop)[("channels", official["account_id"])]
    assert history(account) == [(Action.FOUND, "", Status.ACCEPTED, None, True)]
    assert account.events.get().occurred_at == at(official["extra"]["link_time"])
    # Refreshing is an action of the user: the audit log names them for every row it created.
    assert audit_actors(account)[0] == (LogEntry.Action.CREATE, "olivia")

    # Twice changes nothing.
    before = snapshot()
    response = refresh(web, shop)
    assert flash_messages(response) == ["Refreshed from WeChat Shop: nothing changed."]
    # Only bookkeeping moves: the call log, when the list was read and when each account was last confirmed.
    assert set(changes(before, snapshot())) == {
        "shopops.ApiCall",
        "linked_accounts.LinkingState",
        "linked_accounts.LinkedAccount",
    }
    assert [e.action for e in LinkedAccountEvent.objects.filter(shop=shop)].count(Action.FOUND) == 5
    assert history(bound) == [(Action.FOUND, "", Status.ACCEPTED, None, True), (Action.BINDING, "", "", None, True)]
    assert LinkedAccountEvent.objects.filter(shop=shop).count() == 6


def test_an_account_unlinked_on_the_platform_becomes_unlinked_and_stops_being_displayed(web, shop, catalog):
    official = catalog["linked"]["channels"][0]
    refresh(web, shop)
    account = rows(shop)[("channels", official["account_id"])]
    web.post(console_url("linked_account_display", shop, pk=account.pk), {"display": "on"}, follow=True)
    PlatformLinkedAccount.objects.filter(account_id=official["account_id"]).update(
        extra={**official["extra"], "linked": False}
    )

    response = refresh(web, shop)

    assert flash_messages(response) == [
        "Refreshed from WeChat Shop: 0 accepted, 0 ended without linking, 0 found linked, 1 unlinked."
    ]
    account.refresh_from_db()
    assert (account.status, account.is_display) == (Status.UNLINKED, False)
    assert history(account)[-3:] == [
        (Action.DISPLAY_ON, "", "", "olivia", False),
        (Action.UNLINKED, Status.ACCEPTED, Status.UNLINKED, None, True),
        (Action.DISPLAY_OFF, "", "", None, True),
    ]
    assert display_accounts_for_shop(shop=shop) == {"channels": None, "mp": None, "service": None}


def test_without_credentials_nothing_is_asked_and_nothing_changes(web, owner):
    shop = owner.shop
    shop.appid, shop.app_secret = "", ""
    shop.save()
    before = snapshot()
    response = refresh(web, shop)
    assert levels(response) == ["error"]
    assert changes(before, snapshot()) == {}
    assert refusal_codes(lambda: services.linked_accounts_refresh(shop=shop)) == ["not_connected"]
    assert changes(before, snapshot()) == {}


def test_on_a_platform_without_the_linked_account_api_the_console_says_where_to_do_it(web, shop, catalog, monkeypatch):
    # The real platform answers the sandbox's own paths 40066 (invalid url).
    for path in [p for p in ROUTES if p.startswith("/sandbox-only/")]:
        monkeypatch.delitem(ROUTES, path)
    before = domain_snapshot()

    refreshed = refresh(web, shop)
    invited = invite(web, shop, "channels", NEW_FINDER)

    assert levels(refreshed) == ["error"]
    assert codes(invited.context["form"]) == {"account_id": ["not_available_on_platform"]}
    assert refusal_codes(lambda: services.linked_accounts_refresh(shop=shop)) == ["not_available_on_platform"]
    assert changes(before, domain_snapshot()) == {}


# --- invitations and their answers ----------------------------------------------------------------------------------


def invite(web, shop, kind, account_id, identity="self_operated"):
    data = {"kind": kind, "account_id": account_id, "selling_identity": identity}
    return web.post(console_url("linked_account_invite", shop), data)


def test_an_invitation_waits_until_the_other_side_accepts_and_a_refresh_learns_it(web, shop, catalog):
    response = invite(web, shop, "channels", NEW_FINDER)

    account = LinkedAccount.objects.get(shop=shop, account_id=NEW_FINDER)
    assert response.status_code == 302
    assert response["Location"] == console_url("linked_account_detail", shop, pk=account.pk)
    invitation = Invitation.objects.get(kind="linked_account", reference=account.invitation_id)
    assert (account.status, account.kind, account.selling_identity, account.nickname) == (
        Status.PENDING,
        "channels",
        "self_operated",
        "视频号er01",
    )
    assert (invitation.status, invitation.payload["account_id"], invitation.payload["selling_identity"]) == (
        "pending",
        NEW_FINDER,
        1,
    )
    assert account.invited_by.username == "olivia"

    decide("--account", NEW_FINDER, "--accept")
    account.refresh_from_db()
    assert account.status == Status.PENDING  # the console learns it by polling, never by looking at the sandbox
    refresh(web, shop)

    account.refresh_from_db()
    assert (account.status, account.linked_at) == (Status.ACCEPTED, at(ANCHOR))
    assert history(account) == [
        (Action.INVITED, "", Status.PENDING, "olivia", False),
        (Action.ACCEPTED, Status.PENDING, Status.ACCEPTED, None, True),
    ]
    assert account.events.order_by("id").last().occurred_at == at(ANCHOR)
    # The refresh that learnt the answer was the user's action: the audit log names them.
    assert audit_actors(account) == [(LogEntry.Action.CREATE, "olivia"), (LogEntry.Action.UPDATE, "olivia")]
    assert account.events.order_by("id").first().params == {"selling_identity": "self_operated"}


def test_rejected_expired_and_cancelled_invitations(web, shop, catalog):
    mp_id, service_id, corp_id = "wx0000000000000a01", "wx0000000000000a02", "ww0000000000000b03"
    for kind, account_id in (("mp", mp_id), ("service", service_id), ("wecom", corp_id)):
        assert invite(web, shop, kind, account_id).status_code == 302
    decide("--account", mp_id, "--reject")
    decide("--account", service_id, "--expire")
    wecom = LinkedAccount.objects.get(account_id=corp_id)

    confirm = web.get(console_url("linked_account_cancel", shop, pk=wecom.pk))
    assert confirm.context["confirm_title"] == "Cancel the invitation to “企业0b03”?"
    response = web.post(console_url("linked_account_cancel", shop, pk=wecom.pk), follow=True)
    assert flash_messages(response) == ["The invitation to “企业0b03” was cancelled."]
    assert Invitation.objects.get(reference=wecom.invitation_id).status == "cancelled"

    refresh(web, shop)

    statuses = {a.account_id: (a.status, a.ended_at) for a in LinkedAccount.objects.filter(shop=shop)}
    assert statuses[mp_id] == (Status.REJECTED, at(ANCHOR))
    assert statuses[service_id] == (Status.EXPIRED, at(ANCHOR))
    assert statuses[corp_id] == (Status.CANCELLED, at(ANCHOR))
    assert history(LinkedAccount.objects.get(account_id=corp_id)) == [
        (Action.INVITED, "", Status.PENDING, "olivia", False),
        (Action.CANCELLED, Status.PENDING, Status.CANCELLED, "olivia", False),
    ]
    assert history(LinkedAccount.objects.get(account_id=mp_id))[-1] == (
        Action.REJECTED,
        Status.PENDING,
        Status.REJECTED,
        None,
        True,
    )

    # A rejected account may be invited again: same row, a new invitation, the story goes on.
    assert invite(web, shop, "mp", mp_id).status_code == 302
    again = LinkedAccount.objects.get(account_id=mp_id)
    assert again.status == Status.PENDING
    assert [e[0] for e in history(again)] == [Action.INVITED, Action.REJECTED, Action.INVITED]


def test_an_invitation_already_pending_or_an_account_already_linked_is_refused(web, shop, catalog):
    official = catalog["linked"]["channels"][0]["account_id"]
    # Linked on the platform but not refreshed into the console yet: the platform refuses, and says so.
    before = domain_snapshot()
    unknown_here = invite(web, shop, "channels", official)
    assert codes(unknown_here.context["form"]) == {"account_id": ["already_linked"]}
    assert changes(before, domain_snapshot()) == {}
    invite(web, shop, "channels", NEW_FINDER)
    refresh(web, shop)
    before = snapshot()

    pending = invite(web, shop, "channels", NEW_FINDER)
    linked = invite(web, shop, "channels", official)
    malformed = invite(web, shop, "mp", "gh_not_an_appid")

    assert codes(pending.context["form"]) == {"account_id": ["invitation_pending"]}
    assert codes(linked.context["form"]) == {"account_id": ["already_linked"]}
    assert codes(malformed.context["form"]) == {"account_id": ["invalid_account_id"]}
    assert changes(before, snapshot()) == {}


def test_cancelling_an_answered_invitation_is_refused_and_changes_nothing(web, shop, catalog):
    invite(web, shop, "channels", NEW_FINDER)
    account = LinkedAccount.objects.get(account_id=NEW_FINDER)
    decide("--account", NEW_FINDER, "--reject")
    before = domain_snapshot()

    response = web.post(console_url("linked_account_cancel", shop, pk=account.pk), follow=True)

    assert levels(response) == ["success", "error"]  # the invitation sent before, then the refusal
    assert changes(before, domain_snapshot()) == {}
    # The platform's answer (10090005) is the refusal's code.
    assert refusal_codes(lambda: services.linked_account_cancel_invitation(linked_account=account)) == ["not_pending"]
    assert changes(before, domain_snapshot()) == {}


# --- selling identity -----------------------------------------------------------------------------------------------


def test_creator_sales_need_the_shops_super_admin_and_a_refusal_changes_nothing(web, shop, catalog):
    official, live_room = catalog["linked"]["channels"]
    refresh(web, shop)
    other = rows(shop)[("channels", live_room["account_id"])]
    before = snapshot()

    response = web.post(console_url("linked_account_identity", shop, pk=other.pk), {"selling_identity": "creator"})

    assert response.status_code == 200
    assert codes(response.context["identity_form"]) == {"selling_identity": ["creator_needs_same_admin"]}
    assert response.context["identity_form"].errors.as_data()["selling_identity"][0].params == {
        "name": live_room["nickname"],
        "account_admin": live_room["extra"]["super_admin_id"],
        "shop_admin": catalog["super_admin_id"],
    }
    assert 'id="identity-errors"' in response.content.decode()
    assert changes(before, snapshot()) == {}  # not even a platform call: the console knew the answer

    own = rows(shop)[("channels", official["account_id"])]
    response = web.post(
        console_url("linked_account_identity", shop, pk=own.pk), {"selling_identity": "creator"}, follow=True
    )
    assert flash_messages(response) == [f"“{official['nickname']}” now sells as: Creator for other shops."]
    own.refresh_from_db()
    assert (own.selling_identity, own.may_use_shop_marketing) == ("creator", False)
    assert platform.linked_accounts(APPID)[0]["extra"]["selling_identity"] == 2
    assert history(own)[-1] == (Action.SELLING_IDENTITY, "", "", "olivia", False)
    assert own.events.order_by("id").last().params == {"from": "self_operated", "to": "creator"}
    assert audit_actors(own)[-1] == (LogEntry.Action.UPDATE, "olivia")


def test_inviting_a_creator_whose_super_admin_is_someone_else_is_refused(web, shop, catalog):
    before = domain_snapshot()

    response = invite(web, shop, "channels", NEW_FINDER, identity="creator")

    assert codes(response.context["form"]) == {"selling_identity": ["creator_needs_same_admin"]}
    assert response.context["form"].errors.as_data()["selling_identity"][0].params["name"] == "视频号er01"
    assert changes(before, domain_snapshot()) == {}
    assert not Invitation.objects.filter(kind="linked_account").exists()


# --- display accounts --------------------------------------------------------------------------------------------


def test_one_display_account_per_kind_and_choosing_another_replaces_it(web, shop, catalog):
    official, live_room = catalog["linked"]["channels"]
    refresh(web, shop)
    first, second = rows(shop)[("channels", live_room["account_id"])], rows(shop)[("channels", official["account_id"])]
    mp = rows(shop)[("mp", catalog["linked"]["mp"][0]["account_id"])]

    web.post(console_url("linked_account_display", shop, pk=first.pk), {"display": "on"}, follow=True)
    web.post(console_url("linked_account_display", shop, pk=mp.pk), {"display": "on"}, follow=True)
    response = web.post(console_url("linked_account_display", shop, pk=second.pk), {"display": "on"}, follow=True)

    assert flash_messages(response) == [f"“{official['nickname']}” is now the shop's display Channels account."]
    shown = display_accounts_for_shop(shop=shop)
    assert {kind: a.account_id if a else None for kind, a in shown.items()} == {
        "channels": official["account_id"],
        "mp": mp.account_id,
        "service": None,
    }
    assert LinkedAccount.objects.filter(shop=shop, is_display=True).count() == 2
    assert history(LinkedAccount.objects.get(pk=first.pk))[-2:] == [
        (Action.DISPLAY_ON, "", "", "olivia", False),
        (Action.DISPLAY_OFF, "", "", "olivia", False),
    ]
    assert LinkedAccount.objects.get(pk=first.pk).events.order_by("id").last().params == {
        "reason": "replaced",
        "by": official["nickname"],
    }
    # The database itself refuses a second display account of a kind.
    with pytest.raises(IntegrityError), transaction.atomic():
        LinkedAccount.objects.filter(pk=first.pk).update(is_display=True)

    wecom = rows(shop)[("wecom", catalog["linked"]["wecom"][0]["account_id"])]
    before = snapshot()
    response = web.post(console_url("linked_account_display", shop, pk=wecom.pk), {"display": "on"}, follow=True)
    assert levels(response) == ["error"]
    assert refusal_codes(lambda: services.linked_account_set_display(linked_account=wecom)) == ["display_kind"]
    assert changes(before, snapshot()) == {}


# --- unlinking ----------------------------------------------------------------------------------------------------


def test_unlinking_asks_first_then_unlinks_on_the_platform(web, shop, catalog):
    official = catalog["linked"]["channels"][0]
    refresh(web, shop)
    account = rows(shop)[("channels", official["account_id"])]
    web.post(console_url("linked_account_display", shop, pk=account.pk), {"display": "on"})

    confirm = web.get(console_url("linked_account_unlink", shop, pk=account.pk))
    assert confirm.status_code == 200
    assert confirm.context["confirm_label"] == "Unlink"
    response = web.post(console_url("linked_account_unlink", shop, pk=account.pk), follow=True)

    assert flash_messages(response) == [f"“{official['nickname']}” was unlinked."]
    account.refresh_from_db()
    assert (account.status, account.is_display) == (Status.UNLINKED, False)
    assert history(account)[-2:] == [
        (Action.UNLINKED, Status.ACCEPTED, Status.UNLINKED, "olivia", False),
        (Action.DISPLAY_OFF, "", "", "olivia", False),
    ]
    assert platform.linked_accounts(APPID)[0]["extra"]["linked"] is False
    refresh(web, shop)
    account.refresh_from_db()
    assert account.status == Status.UNLINKED


# --- 公众号 ↔ 视频号 binding -----------------------------------------------------------------------------------------


def test_the_binding_is_recorded_with_its_time_and_history(web, shop, catalog):
    official, live_room = catalog["linked"]["channels"]
    refresh(web, shop)
    mp = rows(shop)[("mp", catalog["linked"]["mp"][0]["account_id"])]
    finder = rows(shop)[("channels", live_room["account_id"])]

    response = web.post(console_url("linked_account_binding", shop, pk=mp.pk), {"finder": finder.pk}, follow=True)

    assert flash_messages(response) == ["Binding recorded."]
    mp.refresh_from_db()
    assert (mp.bound_finder_id, mp.bound_finder_nickname) == (live_room["account_id"], live_room["nickname"])
    assert mp.events.order_by("id").last().params == {
        "finder_id": live_room["account_id"],
        "finder_nickname": live_room["nickname"],
    }
    assert history(mp)[-1] == (Action.BINDING, "", "", "olivia", False)

    wecom = rows(shop)[("wecom", catalog["linked"]["wecom"][0]["account_id"])]
    before = snapshot()
    response = web.post(console_url("linked_account_binding", shop, pk=wecom.pk), {"finder": finder.pk})
    assert codes(response.context["binding_form"]) == {"finder": ["binding_kind"]}
    assert changes(before, snapshot()) == {}


# --- WeCom staff ------------------------------------------------------------------------------------------------------


def test_wecom_members_seen_in_orders_are_resolved_and_named(web, shop, catalog):
    corp = catalog["linked"]["wecom"][0]
    members = corp["extra"]["members"]
    paid = OrderFactory(shop=shop, order_price_fen=5000)
    OrderLineFactory(
        order=paid,
        account_type=4,
        sale_channel=0,
        account_id=corp["account_id"],
        content_type=CONTENT_WECOM_MEMBER_FORWARD,
        content_id=members[0]["user_id"],
        sale_price_fen=5000,
    )
    OrderLineFactory(
        order=OrderFactory(shop=shop),
        account_type=4,
        sale_channel=0,
        account_id=corp["account_id"],
        content_type=CONTENT_WECOM_MEMBER_FORWARD,
        content_id="LeftTheCompany",
    )
    refresh(web, shop)

    staff = {s.user_id: s.wecom_user_id for s in WecomStaff.objects.filter(shop=shop)}
    assert staff == {members[0]["user_id"]: members[0]["wecom_user_id"], "LeftTheCompany": ""}

    account = rows(shop)[("wecom", corp["account_id"])]
    response = web.post(
        console_url("wecom_staff_name", shop, pk=account.pk), {"user_id": members[0]["user_id"], "display_name": "小王"}
    )
    assert response.status_code == 302
    page = web.get(console_url("linked_account_detail", shop, pk=account.pk))
    listed = [(m.user_id, m.display_name, m.orders, m.gmv_fen) for m in page.context["staff"]]
    assert listed == [(members[0]["user_id"], "小王", 1, 5000), ("LeftTheCompany", "", 1, 1990)]
    named = WecomStaff.objects.get(user_id=members[0]["user_id"])
    assert [(e.action, e.actor.username) for e in LogEntry.objects.get_for_object(named).order_by("id")][-1] == (
        LogEntry.Action.UPDATE,
        "olivia",
    )

    before = snapshot()
    response = web.post(
        console_url("wecom_staff_name", shop, pk=account.pk), {"user_id": "Nobody", "display_name": "x"}
    )
    assert codes(response.context["staff_form"]) == {"user_id": ["unknown_member"]}
    assert changes(before, snapshot()) == {}

    response = web.post(console_url("linked_account_sidebar", shop, pk=account.pk), {"configured": "yes"}, follow=True)
    assert flash_messages(response) == ["Sidebar setup recorded."]
    account.refresh_from_db()
    assert account.sidebar_configured is True
    assert history(account)[-1] == (Action.SIDEBAR, "", "", "olivia", False)
    assert OrderLine.objects.filter(shop=shop).count() == 2
