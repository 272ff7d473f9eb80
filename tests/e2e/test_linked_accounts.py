"""Linked and cooperation accounts in headless Chromium, against the sandbox over HTTP, with synced orders."""

import pytest
from django.core.management import call_command

from sandbox import selectors as platform
from shopops.sync import engine
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.browser

APPID, SECRET = "wxe2e11nked000001", "e2e11nked5ecre700000000000000001"


@pytest.fixture
def sandbox_shop(live_sandbox):
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=3, orders=150, seed=9, agencies=0, verbosity=0)
    owner = MembershipFactory(
        user__username="merchant_wang", shop__name="华东旗舰店", shop__appid=APPID, shop__app_secret=SECRET
    )
    assert engine.shop_sync(shop=owner.shop, streams=("orders",)).stopped == ""
    return owner.shop


def test_linked_and_cooperation_accounts_pages(page, expect, live_server, screenshot_dir, sandbox_shop):
    catalog = platform.catalog(APPID)
    live_room = catalog["linked"]["channels"][1]
    base = f"{live_server.url}/shops/{sandbox_shop.public_id}"
    page.goto(live_server.url + "/login/")
    page.locator("input[name=username]").fill("merchant_wang")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    # Before the first refresh: nothing linked here yet, every account of the orders is "seen, not linked".
    page.goto(f"{base}/linked-accounts/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#seen-table tbody tr").first).to_be_visible()
    page.locator("#refresh-linked").click()
    expect(page.locator("#linked-table tbody tr[id^=linked-]")).to_have_count(5)
    page.screenshot(path=screenshot_dir / "20-linked-accounts.png", full_page=True)

    # The live-room 视频号 is run by someone else: creator sales are refused, with the reason at the field.
    page.locator(f"#linked-table a:text-is('{live_room['nickname']}')").click()
    page.locator("#identity-form input[value=creator]").check()
    page.locator("#identity-form button[type=submit]").click()
    expect(page.locator("#identity-errors")).to_contain_text(live_room["extra"]["super_admin_id"])
    page.screenshot(path=screenshot_dir / "21-linked-account-refused.png", full_page=True)
    page.locator("#make-display").click()
    expect(page.locator("#display-badge")).to_be_visible()
    page.screenshot(path=screenshot_dir / "21b-linked-account-display.png", full_page=True)

    # The WeCom corp with the staff seen in orders.
    page.goto(f"{base}/linked-accounts/")
    page.locator(f"#linked-table a:text-is('{catalog['linked']['wecom'][0]['nickname']}')").click()
    expect(page.locator("#wecom-corp-id")).to_have_text(catalog["linked"]["wecom"][0]["extra"]["wecom_corp_id"])
    expect(page.locator("#staff-table tbody tr").first).to_be_visible()
    page.screenshot(path=screenshot_dir / "22-linked-account-wecom.png", full_page=True)

    # Inviting an account seen in orders: the form comes filled in.
    page.goto(f"{base}/linked-accounts/")
    first_seen = page.locator("#seen-table tbody tr").first
    seen_id = first_seen.locator("code").inner_text()
    first_seen.locator(".seen-invite").click()
    expect(page.locator("#id_account_id")).to_have_value(seen_id)
    page.screenshot(path=screenshot_dir / "23-invite.png", full_page=True)
    page.locator("#invite-form button[type=submit]").click()
    expect(page.locator("#account-status")).to_be_visible()
    expect(page.locator("#history-table tbody tr")).to_have_count(1)
    page.screenshot(path=screenshot_dir / "24-invited.png", full_page=True)

    # Cooperation accounts: refresh, then an invitation QR code for a new mini program.
    page.goto(f"{base}/cooperation/")
    page.locator("#refresh-cooperation").click()
    expect(page.locator("#cooperation-table tbody tr")).to_have_count(3)
    page.locator("#id_appid").fill("wx00000000000e0001")
    page.locator("#qrcode-form button[type=submit]").click()
    expect(page.locator("#qrcode-image")).to_be_visible()
    expect(page.locator("#cooperation-table tbody tr")).to_have_count(4)
    assert page.locator("#qrcode-image").evaluate("img => img.naturalWidth") == 264
    # At 1280 px nothing of the table is cut off: its scroll box has nothing hidden, and the buttons end inside it.
    scroller = page.locator(".table-responsive:has(#cooperation-table)")
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    right = scroller.bounding_box()["x"] + scroller.bounding_box()["width"]
    for button in page.locator("#cooperation-table .btn").all():
        assert button.bounding_box()["x"] + button.bounding_box()["width"] <= right + 0.5 <= 1280
    page.screenshot(path=screenshot_dir / "25-cooperation.png", full_page=True)

    assert page.problems == []
