"""Linked accounts on the real platform, in headless Chromium and in Chinese, against the sandbox over HTTP with the
SANDBOX-ONLY APIs off (as with api.weixin.qq.com): the operator records a 视频号 linked in the WeChat Shop backend,
sees it "not yet seen in orders"; two days later the orders it brought are synced and it shows "verified by orders".
No SANDBOX-ONLY call is made."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from linked_accounts.models import LinkedAccount
from sandbox import selectors as platform
from shopops.models import ApiCall
from shopops.sync import engine
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.browser

APPID, SECRET = "wxe2ere0rded000001", "e2ere0rded5ecre70000000000000001"
ANCHOR = 1796246011  # 2026-12-03 05:13 Beijing: where the platform's data ends and the walk starts
TWO_DAYS = 48 * 3600
BEIJING = ZoneInfo("Asia/Shanghai")


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


@pytest.fixture
def real_platform_shop(live_sandbox, settings, time_machine):
    settings.WECHAT_SANDBOX_ONLY_APIS = False
    time_machine.move_to(at(ANCHOR), tick=True)
    call_command(
        "sandbox_seed", shop=APPID, secret=SECRET, days=3, orders=150, seed=9, agencies=0, anchor=ANCHOR, verbosity=0
    )
    owner = MembershipFactory(
        user__username="merchant_li", shop__name="华南旗舰店", shop__appid=APPID, shop__app_secret=SECRET
    )
    assert engine.shop_sync(shop=owner.shop, streams=("orders",)).stopped == ""
    return owner.shop


def test_a_recorded_channels_account_is_verified_by_the_orders_synced_later(
    page, expect, live_server, screenshot_dir, real_platform_shop, time_machine
):
    shop = real_platform_shop
    official = platform.catalog(APPID)["linked"]["channels"][0]
    base = f"{live_server.url}/shops/{shop.public_id}"

    def sign_in():
        page.goto(live_server.url + "/login/")
        page.locator("input[name=username]").fill("merchant_li")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form:has(input[name=password]) button[type=submit]").click()
        page.wait_for_url(f"{base}/")

    def shot(name):
        page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)

    sign_in()
    page.goto(f"{base}/linked-accounts/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # The real platform lists no linked accounts and takes no invitations: the page offers recording instead.
    expect(page.locator("#record-account")).to_be_visible()
    expect(page.locator("#invite-account")).to_have_count(0)
    seen = page.locator(f"#seen-table tbody tr:has(code:text-is('{official['account_id']}'))")
    expect(seen).to_be_visible()
    shot("50-recorded-list-empty")

    # The account sold for the shop already; the operator linked it in the WeChat Shop backend and records it.
    seen.locator(".seen-record").click()
    expect(page.locator("#id_account_id")).to_have_value(official["account_id"])
    expect(page.locator("#id_nickname")).to_have_value(official["nickname"])
    expect(page.locator("#id_kind")).to_have_value("channels")
    shot("51-record-form")
    page.locator("#record-form button[type=submit]").click()

    expect(page.locator("h1")).to_contain_text(official["nickname"])
    expect(page.locator("#account-status")).to_have_text("已关联")
    expect(page.locator("#account-recorded")).to_contain_text("merchant_li")
    expect(page.locator("#verification .badge")).to_be_visible()
    expect(page.locator("#history-table tbody tr")).to_have_count(1)
    expect(page.locator("#backend-only")).to_be_visible()
    expect(page.locator("#identity-form")).to_have_count(0)
    shot("52-recorded-detail-not-yet-seen")
    account = LinkedAccount.objects.get(shop=shop, account_id=official["account_id"])
    assert (account.origin, account.status, account.selling_identity) == ("recorded", "accepted", "self_operated")

    page.goto(f"{base}/linked-accounts/")
    row = page.locator(f"#linked-{account.pk}")
    expect(row.locator(".verification .badge")).to_be_visible()
    not_yet_seen = row.locator(".verification").inner_text()
    shot("53-recorded-list-not-yet-seen")

    # Two days later: the platform's new orders are synced; some name the 视频号 as a linked account.
    time_machine.move_to(at(ANCHOR + TWO_DAYS), tick=True)
    call_command("sandbox_advance", shop=APPID, hours=48, no_deliver=True, verbosity=0)
    assert engine.shop_sync(shop=shop, streams=("orders",)).stopped == ""

    sign_in()  # the session ended while the operator was away
    page.goto(f"{base}/linked-accounts/")
    expect(row.locator(".verification")).not_to_have_text(not_yet_seen)
    expect(row.locator(".verification .badge")).to_have_class(
        "badge bg-success-subtle text-success-emphasis border border-success-subtle"
    )
    shot("54-recorded-list-verified")
    row.get_by_role("link", name=official["nickname"]).first.click()
    # The first paid order naming it as a linked account since it was recorded, and how many: the platform's own.
    since = [
        payload
        for payload in platform.order_payloads(APPID)
        if payload["create_time"] >= account.recorded_at.timestamp()
        and payload["order_detail"]["pay_info"].get("pay_time")
        and any(
            (s["sale_channel"], s["account_type"], s["account_id"]) == (0, 1, official["account_id"])
            for s in payload["order_detail"]["source_infos"]
        )
    ]
    assert since
    first = datetime.fromtimestamp(min(p["create_time"] for p in since), tz=BEIJING)
    expect(page.locator("#verification")).to_contain_text(first.strftime("%Y-%m-%d %H:%M"))
    expect(page.locator("#verification")).to_contain_text(f" {len(since)} ")
    shot("55-recorded-detail-verified")

    assert not ApiCall.objects.filter(endpoint__startswith="/sandbox-only/").exists()
    assert page.problems == []
