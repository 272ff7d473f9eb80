"""The background refreshes of linked and cooperation accounts (linked_accounts.tasks), over real HTTP to the
sandbox: they learn what the platform says without anyone pressing Refresh, running them twice changes nothing,
a refused refresh is recorded (task result, call log) and not raised, and the schedules queue one refresh per
active, connected shop."""

import pytest
from django.core.management import call_command

from linked_accounts import tasks
from linked_accounts.models import AccountKind, CooperationAccount, LinkedAccount, LinkingState
from linked_accounts.services.linked_accounts import linked_account_invite
from sandbox import selectors as platform
from shopops.models import ApiCall, Shop
from tests.factories import MembershipFactory, ShopFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wx7a5k5refre5h0001", "7a5k5refre5h5ecre7000000000000001"
ANCHOR = 1767240000  # 2026-01-01 12:00 Asia/Shanghai: the sandbox shop's clock
NEW_MP, NEW_FINDER = "wx0pen5erv1ce00001", "sphNewFinder01"


@pytest.fixture
def shop(live_sandbox):
    """A sandbox shop with 2 视频号, a 公众号, a 服务号 and a 企业微信 linked, a 公众号 and two 小程序 bound as
    cooperation accounts; the product's shop holds its credentials."""
    call_command(
        "sandbox_seed", shop=APPID, secret=SECRET, days=1, orders=5, seed=7, agencies=0, anchor=ANCHOR, verbosity=0
    )
    return MembershipFactory(shop__appid=APPID, shop__app_secret=SECRET).shop


def bookkeeping_free(rows: dict) -> dict:
    """Every row but the call log and the access tokens: asking the platform leaves a trace there, by design."""
    skip = ("shopops.ApiCall", "shopops.PlatformToken", "sandbox.AccessToken", "sandbox.FaultSettings")
    return {label: values for label, values in rows.items() if label not in skip}


def test_the_linked_accounts_refresh_task_reads_the_platform(shop):
    result = tasks.linked_accounts_refresh_shop(shop.pk)

    assert result == "0 accepted, 0 ended, 5 found, 0 unlinked, 0 WeCom staff resolved"
    rows = LinkedAccount.objects.filter(shop=shop)
    assert sorted(rows.values_list("kind", "status")) == [
        ("channels", "accepted"),
        ("channels", "accepted"),
        ("mp", "accepted"),
        ("service", "accepted"),
        ("wecom", "accepted"),
    ]
    catalog = platform.catalog(APPID)["linked"]
    assert set(rows.values_list("account_id", "nickname")) == {
        (account["account_id"], account["nickname"]) for group in catalog.values() for account in group
    }
    assert LinkingState.objects.get(shop=shop).linked_refreshed_at is not None

    before = bookkeeping_free(snapshot())
    again = tasks.linked_accounts_refresh_shop(shop.pk)
    after = bookkeeping_free(snapshot())

    assert again == "0 accepted, 0 ended, 0 found, 0 unlinked, 0 WeCom staff resolved"
    diff = changes(before, after)
    # Only the confirmation and refresh times move: bookkeeping, outside the audit log.
    assert set(diff) <= {"linked_accounts.LinkedAccount", "linked_accounts.LinkingState"}
    for label, rows_changed in diff.items():
        for old, new in zip(rows_changed["before"], rows_changed["after"], strict=True):
            assert {key for key in old if old[key] != new[key]} <= {"synced_at", "linked_refreshed_at"}, label


def test_the_cooperation_refresh_task_reads_the_platform(shop):
    assert tasks.cooperation_accounts_refresh_shop(shop.pk) == "3 changed"

    expected = platform.catalog(APPID)["cooperation"]
    assert sorted(CooperationAccount.objects.filter(shop=shop).values_list("sharer_type", "sharer_name", "status")) == (
        sorted(
            [(2, account["nickname"], 1) for account in expected["mp"]]
            + [(3, account["nickname"], 1) for account in expected["mini"]]
        )
    )
    before = bookkeeping_free(snapshot())

    assert tasks.cooperation_accounts_refresh_shop(shop.pk) == "0 changed"

    diff = changes(before, bookkeeping_free(snapshot()))
    assert list(diff) == ["linked_accounts.LinkingState"]
    old, new = diff["linked_accounts.LinkingState"]["before"][0], diff["linked_accounts.LinkingState"]["after"][0]
    assert {key for key in old if old[key] != new[key]} == {"cooperation_refreshed_at"}


def test_answers_to_invitations_arrive_with_the_next_refresh(shop):
    """One invitation accepted and one rejected on the platform's side: the task, not a button, finds out."""
    tasks.linked_accounts_refresh_shop(shop.pk)
    accepted = linked_account_invite(shop=shop, kind=AccountKind.MP, account_id=NEW_MP)
    rejected = linked_account_invite(
        shop=shop, kind=AccountKind.CHANNELS, account_id=NEW_FINDER, selling_identity="self_operated"
    )
    call_command("sandbox_invitation", "--shop", APPID, "--account", NEW_MP, "--accept", verbosity=0)
    call_command("sandbox_invitation", "--shop", APPID, "--account", NEW_FINDER, "--reject", verbosity=0)

    result = tasks.linked_accounts_refresh_shop(shop.pk)

    assert result == "1 accepted, 1 ended, 0 found, 0 unlinked, 0 WeCom staff resolved"
    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.status, rejected.status) == (LinkedAccount.Status.ACCEPTED, LinkedAccount.Status.REJECTED)
    assert [(e.action, e.by_platform) for e in rejected.events.order_by("id")] == [
        ("invited", False),
        ("rejected", True),
    ]


def test_a_refused_refresh_is_recorded_not_raised(shop):
    """A wrong AppSecret: the platform refuses the token (40125), each task says so in its result (the message is
    the merchant's, in their language), nothing changes but the call log, which has the refused attempts."""
    Shop.objects.filter(pk=shop.pk).update(app_secret="0" * 32)
    shop.refresh_from_db()
    before = bookkeeping_free(snapshot())

    linked = tasks.linked_accounts_refresh_shop(shop.pk)
    cooperation = tasks.cooperation_accounts_refresh_shop(shop.pk)

    assert (linked[: len("failed: ")], cooperation[: len("failed: ")]) == ("failed: ", "failed: ")
    assert changes(before, bookkeeping_free(snapshot())) == {}
    assert list(ApiCall.objects.filter(shop=shop).values_list("endpoint", "errcode")) == [
        ("/cgi-bin/stable_token", 40125),
        ("/cgi-bin/stable_token", 40125),
    ]


def test_shops_not_connected_or_not_active_are_skipped(live_sandbox):
    unconnected = ShopFactory()
    appid_only = ShopFactory(appid="wx7a5k5refre5h0002")  # an AppID without its AppSecret is not connected
    paused = ShopFactory(appid=APPID, app_secret=SECRET, status=Shop.Status.PAUSED)

    for shop in (unconnected, appid_only, paused):
        assert tasks.linked_accounts_refresh_shop(shop.pk) == "skipped"
        assert tasks.cooperation_accounts_refresh_shop(shop.pk) == "skipped"
    assert tasks.linked_accounts_refresh_shop(0) == "skipped"
    assert ApiCall.objects.count() == 0


def test_the_schedules_queue_one_refresh_per_active_connected_shop(queue):
    connected = [ShopFactory(appid=f"wx00000000000000{n:02d}", app_secret="s" * 32) for n in range(2)]
    ShopFactory()  # not connected
    ShopFactory(appid="wx0000000000000098")  # an AppID without its AppSecret: not connected either
    ShopFactory(appid="wx0000000000000099", app_secret="s" * 32, status=Shop.Status.ARCHIVED)

    assert tasks.linked_accounts_refresh_all_shops() == 2
    assert tasks.cooperation_accounts_refresh_all_shops() == 2

    assert sorted((task["func"], tuple(task["args"])) for task in queue()) == sorted(
        [("linked_accounts.tasks.linked_accounts_refresh_shop", (shop.pk,)) for shop in connected]
        + [("linked_accounts.tasks.cooperation_accounts_refresh_shop", (shop.pk,)) for shop in connected]
    )
