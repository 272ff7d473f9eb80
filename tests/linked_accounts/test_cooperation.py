"""Cooperation accounts (合作账号) over real HTTP against the sandbox: the lists, an invitation QR code and the answer,
cancel and unbind behind a confirmation, the partner's orders, refusals that change nothing, audit with actors."""

from datetime import UTC, datetime

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from linked_accounts.models import CooperationAccount
from linked_accounts.services import cooperation as services
from sandbox import qrimage
from sandbox import selectors as platform
from sandbox.models import Invitation
from shopops.roles import Role
from tests.factories import MembershipFactory, OrderFactory, OrderLineFactory
from tests.helpers import console_url, flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxc00pera7i0n00001", "c00pera7i0n5ecre70000000000000001"
ANCHOR = 1767240000
NEW_MINI, NEW_MP = "wx00000000000c0001", "wx00000000000c0002"
Status = CooperationAccount.Status


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


@pytest.fixture
def catalog(live_sandbox):
    call_command(
        "sandbox_seed", shop=APPID, secret=SECRET, days=1, orders=5, seed=8, agencies=0, anchor=ANCHOR, verbosity=0
    )
    return platform.catalog(APPID)


@pytest.fixture
def owner(db):
    return MembershipFactory(shop__appid=APPID, shop__app_secret=SECRET, user__username="carol")


@pytest.fixture
def web(client, owner):
    client.force_login(owner.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def refresh(web, shop):
    return web.post(console_url("cooperation_refresh", shop), follow=True)


def decide(*args):
    call_command("sandbox_invitation", "--shop", APPID, *args, verbosity=0)


def listed(shop) -> dict:
    return {
        (a.sharer_type, a.sharer_id): (
            a.sharer_name,
            a.status,
            a.bind_time,
            a.unbind_time,
            a.reject_time,
            a.cancel_time,
        )
        for a in CooperationAccount.objects.filter(shop=shop)
    }


def domain_snapshot() -> dict:
    bookkeeping = ("shopops.ApiCall", "shopops.PlatformToken", "sandbox.AccessToken", "sandbox.FaultSettings")
    return {k: v for k, v in snapshot().items() if k not in bookkeeping}


def test_refresh_lists_both_kinds_with_their_orders(web, shop, catalog):
    mp = catalog["cooperation"]["mp"][0]
    mini_a, mini_b = catalog["cooperation"]["mini"]
    line = {"sale_channel": 1, "sale_price_fen": 3000}
    OrderLineFactory(
        order=OrderFactory(shop=shop),
        account_type=2,
        account_id=mp["account_id"],
        original_id=mp["original_id"],
        **line,
    )
    OrderLineFactory(order=OrderFactory(shop=shop), account_type=3, account_id=mini_a["account_id"], **line)
    OrderLineFactory(order=OrderFactory(shop=shop), account_type=3, account_id=mini_a["account_id"], **line)
    OrderLineFactory(
        order=OrderFactory(shop=shop, pay_time=None), account_type=3, account_id=mini_b["account_id"], **line
    )

    response = refresh(web, shop)

    assert flash_messages(response) == ["Refreshed from WeChat Shop: 3 accounts changed."]
    assert listed(shop) == {
        (2, mp["original_id"]): (mp["nickname"], Status.BOUND, at(mp["extra"]["bind_time"] // 1000), None, None, None),
        (3, mini_a["account_id"]): (
            mini_a["nickname"],
            Status.BOUND,
            at(mini_a["extra"]["bind_time"] // 1000),
            None,
            None,
            None,
        ),
        (3, mini_b["account_id"]): (
            mini_b["nickname"],
            Status.BOUND,
            at(mini_b["extra"]["bind_time"] // 1000),
            None,
            None,
            None,
        ),
    }
    page = web.get(console_url("cooperation_accounts", shop))
    figures = {
        item["row"].account.sharer_id: (item["row"].orders, item["row"].gmv_fen, item["orders_url"])
        for item in page.context["rows"]
    }
    orders = console_url("orders", shop)
    assert figures == {
        mp["original_id"]: (1, 3000, f"{orders}?account={mp['account_id']}"),
        mini_a["account_id"]: (2, 6000, f"{orders}?account={mini_a['account_id']}"),
        mini_b["account_id"]: (0, 0, ""),  # its only order is unpaid
    }
    # The link lists exactly that partner's orders.
    assert len(web.get(f"{orders}?account={mini_a['account_id']}").context["rows"]) == 2
    account = CooperationAccount.objects.get(sharer_id=mini_a["account_id"])
    entry = LogEntry.objects.get_for_object(account).get()
    assert (entry.action, entry.actor.username) == (LogEntry.Action.CREATE, "carol")

    before = snapshot()
    assert flash_messages(refresh(web, shop)) == ["Refreshed from WeChat Shop: 0 accounts changed."]
    assert set(changes(before, snapshot())) == {"shopops.ApiCall", "linked_accounts.LinkingState"}


def test_a_qr_code_invites_a_mini_program_and_the_answer_arrives_with_a_refresh(web, shop, catalog):
    response = web.post(console_url("cooperation_qrcode", shop), {"sharer_type": 3, "appid": NEW_MINI})

    invitation = Invitation.objects.get(kind="cooperation_account", reference=NEW_MINI)
    text = f"https://store.weixin.qq.com/cooperation/invite?shop={APPID}&sharer={NEW_MINI}&t={invitation.pk}"
    assert response.status_code == 200
    assert response.context["qrcode"] == qrimage.png_base64(text)
    assert f'src="data:image/png;base64,{qrimage.png_base64(text)}"' in response.content.decode()
    assert flash_messages(response) == [f"Invitation QR code generated for {NEW_MINI}. The account scans it to accept."]
    assert listed(shop)[(3, NEW_MINI)] == ("合作小程序0001", Status.PENDING, None, None, None, None)

    decide("--account", NEW_MINI, "--accept")
    assert listed(shop)[(3, NEW_MINI)][1] == Status.PENDING  # learnt by polling only
    refresh(web, shop)
    assert listed(shop)[(3, NEW_MINI)] == ("合作小程序0001", Status.BOUND, at(ANCHOR), None, None, None)

    account = CooperationAccount.objects.get(sharer_id=NEW_MINI)
    confirm = web.get(console_url("cooperation_unbind", shop, pk=account.pk))
    assert confirm.context["confirm_title"] == "Unbind “合作小程序0001”?"
    response = web.post(console_url("cooperation_unbind", shop, pk=account.pk), follow=True)

    assert flash_messages(response) == ["“合作小程序0001” was unbound."]
    assert listed(shop)[(3, NEW_MINI)] == ("合作小程序0001", Status.UNBOUND, at(ANCHOR), at(ANCHOR), None, None)
    actors = [(e.action, e.actor.username) for e in LogEntry.objects.get_for_object(account).order_by("id")]
    assert actors == [
        (LogEntry.Action.CREATE, "carol"),
        (LogEntry.Action.UPDATE, "carol"),
        (LogEntry.Action.UPDATE, "carol"),
    ]


def test_an_official_account_is_listed_by_its_original_id(web, shop, catalog):
    web.post(console_url("cooperation_qrcode", shop), {"sharer_type": 2, "appid": NEW_MP})
    original_id = platform.linked_accounts(APPID)[-1]["original_id"]
    assert original_id.startswith("gh_")
    assert listed(shop)[(2, original_id)] == ("合作公众号0002", Status.PENDING, None, None, None, None)


def test_a_pending_invitation_is_cancelled_after_confirmation(web, shop, catalog):
    web.post(console_url("cooperation_qrcode", shop), {"sharer_type": 3, "appid": NEW_MINI})
    account = CooperationAccount.objects.get(sharer_id=NEW_MINI)

    response = web.post(console_url("cooperation_cancel", shop, pk=account.pk), follow=True)

    assert flash_messages(response)[-1] == "The invitation to “合作小程序0001” was cancelled."
    assert listed(shop)[(3, NEW_MINI)] == ("合作小程序0001", Status.CANCELLED, None, None, None, at(ANCHOR))
    assert Invitation.objects.get(reference=NEW_MINI).status == "cancelled"


@pytest.mark.parametrize(
    ("decision", "status"),
    [("--reject", Status.REJECTED), ("--expire", Status.TIMED_OUT), ("--fail", Status.FAILED)],
)
def test_the_other_sides_endings_are_learnt_by_refresh(web, shop, catalog, decision, status):
    web.post(console_url("cooperation_qrcode", shop), {"sharer_type": 3, "appid": NEW_MINI})
    decide("--account", NEW_MINI, decision)
    refresh(web, shop)
    reject_time = at(ANCHOR) if status == Status.REJECTED else None
    assert listed(shop)[(3, NEW_MINI)] == ("合作小程序0001", status, None, None, reject_time, None)


def test_refused_actions_change_nothing(web, shop, catalog):
    refresh(web, shop)
    bound = CooperationAccount.objects.get(sharer_id=catalog["cooperation"]["mini"][0]["account_id"])
    before = snapshot()

    cancel = web.post(console_url("cooperation_cancel", shop, pk=bound.pk), follow=True)
    assert [m.level_tag for m in cancel.context["messages"]] == ["error"]
    assert changes(before, snapshot()) == {}  # decided without asking the platform
    with pytest.raises(ValidationError) as refused:
        services.cooperation_cancel(cooperation=bound)
    assert [e.code for e in refused.value.error_list] == ["not_pending"]
    with pytest.raises(ValidationError) as refused:
        services.cooperation_unbind(cooperation=CooperationAccount(shop=shop, status=Status.PENDING))
    assert [e.code for e in refused.value.error_list] == ["not_bound"]
    assert changes(before, snapshot()) == {}

    before = domain_snapshot()
    again = web.post(console_url("cooperation_qrcode", shop), {"sharer_type": 3, "appid": bound.sharer_id})
    # The platform answers 788191005 业务流程异常 (one code for every action the account's status does not allow).
    (refused,) = again.context["qrcode_form"].errors.as_data()["appid"]
    assert (refused.code, refused.params["errcode"]) == ("wrong_state", 788191005)
    assert again.context["qrcode"] == ""
    malformed = web.post(console_url("cooperation_qrcode", shop), {"sharer_type": 3, "appid": "gh_123"})
    assert {k: [e.code for e in v] for k, v in malformed.context["qrcode_form"].errors.as_data().items()} == {
        "appid": ["invalid"]
    }
    assert changes(before, domain_snapshot()) == {}


def test_an_analyst_sees_the_list_without_actions_and_cannot_act(client, shop, catalog):
    analyst = MembershipFactory(shop=shop, role=Role.ANALYST)
    client.force_login(analyst.user)
    page = client.get(console_url("cooperation_accounts", shop))
    assert page.status_code == 200
    assert 'id="qrcode-form"' not in page.content.decode()
    before = snapshot()
    assert (
        client.post(console_url("cooperation_qrcode", shop), {"sharer_type": 3, "appid": NEW_MINI}).status_code == 403
    )
    assert client.post(console_url("cooperation_refresh", shop)).status_code == 403
    assert changes(before, snapshot()) == {}
