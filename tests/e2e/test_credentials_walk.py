"""An owner changes the shop's credentials on 平台连接 in headless Chromium, in Chinese, against the sandbox over HTTP.

A wrong AppSecret is refused at the field with the platform's errcode, and the working credentials stay (the
connection test still passes with them). The right new pair (another WeChat shop) is accepted by the platform, the
page asks before it replaces the working pair, and after confirming, the connection test reaches the new shop.
"""

import re

import pytest
from django.core.management import call_command

from shopops.models import PlatformToken
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.browser

APPID, SECRET, NAME = "wxcred5wa1k0000001", "cred5wa1k5ecre700000000000000001", "西湖旗舰店"
NEW_APPID, NEW_SECRET, NEW_NAME = "wxcred5wa1k0000002", "cred5wa1k5ecre700000000000000002", "钱塘新店"
WRONG_SECRET = "cred5wa1k5ecre700000000000000009"


@pytest.fixture
def platform_shops(live_sandbox):
    for appid, secret, name in ((APPID, SECRET, NAME), (NEW_APPID, NEW_SECRET, NEW_NAME)):
        call_command("sandbox_seed", shop=appid, secret=secret, name=name, days=1, orders=1, agencies=0, verbosity=0)


def test_an_owner_replaces_the_credentials(page, expect, live_server, screenshot_dir, platform_shops):
    owner = MembershipFactory(user__username="merchant_zhao", shop__appid=APPID, shop__app_secret=SECRET)
    shop = owner.shop
    shot = lambda name: page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)  # noqa: E731
    credentials = page.locator("#credentials")
    secret_error = credentials.locator("#error_1_id_app_secret")

    def test_connection(expected_name: str) -> None:
        page.get_by_role("button", name="测试连接").click()
        expect(page.locator(".connection-ok")).to_contain_text("连接成功。")
        expect(page.locator(".connection-ok .shop-nickname")).to_have_text(expected_name)

    page.goto(live_server.url + "/login/")
    page.locator("input[name=username]").fill("merchant_zhao")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/shops/{shop.public_id}/")
    page.locator("a.nav-link").filter(has_text=re.compile(r"^\s*平台连接\s*$")).click()
    expect(page.get_by_role("heading", name="平台连接")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(credentials.locator(".stored-appid")).to_have_text(APPID)
    expect(credentials.locator(".stored-secret")).to_have_text(f"••••••••{SECRET[-4:]}")
    shot("50-credentials-stored")

    # --- a wrong AppSecret: refused at the field with the platform's errcode; nothing is replaced -------------
    page.locator("#id_appid").fill(APPID)
    page.locator("#id_app_secret").fill(WRONG_SECRET)
    credentials.locator("button[type=submit]").click()
    expect(page.locator("#id_app_secret")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(secret_error).to_contain_text("40125")
    expect(page.locator("#id_appid")).not_to_have_class(re.compile(r"\bis-invalid\b"))
    shot("51-credentials-wrong-secret")
    shop.refresh_from_db()
    assert (shop.appid, shop.app_secret) == (APPID, SECRET)

    test_connection(NAME)  # the working credentials still work
    shot("52-credentials-old-still-work")

    # --- the right new pair: WeChat accepts it, the page asks before replacing the working one ----------------
    page.locator("#id_appid").fill(NEW_APPID)
    page.locator("#id_app_secret").fill(NEW_SECRET)
    credentials.locator("button[type=submit]").click()
    confirm = page.locator(".confirm-replace")
    expect(confirm).to_contain_text(NAME)
    expect(confirm).to_contain_text(NEW_NAME)
    expect(confirm.locator(".confirm-appid")).to_have_text(NEW_APPID)
    shot("53-credentials-confirm-replace")
    shop.refresh_from_db()
    assert (shop.appid, shop.app_secret) == (APPID, SECRET)  # not yet

    page.locator("#confirm-replace").click()
    expect(page.locator(".alert-success").first).to_contain_text(NEW_NAME)
    expect(credentials.locator(".stored-appid")).to_have_text(NEW_APPID)
    shot("54-credentials-replaced")
    shop.refresh_from_db()
    assert (shop.appid, shop.app_secret) == (NEW_APPID, NEW_SECRET)
    assert not PlatformToken.objects.filter(appid=APPID).exists()

    test_connection(NEW_NAME)
    shot("55-credentials-new-work")

    # The push values already set in the WeChat Shop backend can be entered here too (the shop form has none).
    page.locator(".push-enter summary").click()
    page.locator("#id_push-push_token").fill("pushtoken2026")
    page.locator("#id_push-encoding_aes_key").fill("short")
    page.locator(".push-enter button[type=submit]").click()
    expect(page.locator("#id_push-encoding_aes_key")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator(".push-enter")).to_have_attribute("open", "")
    shot("56-credentials-push-values")
    page.locator("a.nav-link").filter(has_text=re.compile(r"^\s*店铺设置\s*$")).click()
    expect(page.locator("#connection-note a")).to_have_attribute("href", f"/shops/{shop.public_id}/connection/")
    expect(page.locator("input[type=password]")).to_have_count(0)
    shot("57-credentials-shop-settings")
    assert page.problems == []
