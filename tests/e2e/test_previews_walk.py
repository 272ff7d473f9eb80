"""Live previews in headless Chromium against the emulator over HTTP: the merchant reads the notices from WeChat,
opens yesterday's live and sees its results (equal to the orders' figures), then adds their own link to an
upcoming preview and sees its QR code. Screenshots: previews-list, previews-results, previews-promoter."""

import pytest
from django.core.management import call_command

from campaigns.models import LivePreview
from campaigns.selectors.previews import preview_results
from sandbox import gen_live
from sandbox.models import Account
from sandbox.services import shop_seed
from shopops.money import format_yuan
from tests.factories import PASSWORD, LinkedAccountFactory, MembershipFactory

pytestmark = pytest.mark.browser

APPID, SECRET = "wxpreviewwalk00001", "previewwalk5ecre70000000000000001"


def test_a_merchant_reads_previews_and_sees_results(page, expect, live_server, live_sandbox, screenshot_dir):
    owner = MembershipFactory(user__username="merchant_wang", shop__name="王记好物", shop__appid=APPID)
    shop = owner.shop
    shop.app_secret = SECRET
    shop.save()
    shop_seed(appid=APPID, secret=SECRET, seed=9, days=2, orders=300, agencies=1)
    call_command("sync_shop", shop=APPID, verbosity=0)
    for row in Account.objects.get(appid=APPID).catalog["linked"]["channels"]:
        LinkedAccountFactory(shop=shop, account_id=row["account_id"], nickname=row["nickname"])
    shot = lambda name: page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)  # noqa: E731

    page.goto(live_server.url + "/login/")
    page.locator("input[name=username]").fill("merchant_wang")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/shops/{shop.public_id}/")

    # (Matched by address, not text: the new msgids are translated at merge time.)
    page.locator("a.nav-link[href$='/campaigns/previews/']").click()
    page.locator("#sync-previews").click()
    expect(page.locator("#previews-table")).to_be_visible()
    shot("previews-list")

    clock = Account.objects.get(appid=APPID).clock
    yesterday = gen_live.day_start(clock) - 86400
    started = LivePreview.objects.filter(shop=shop).exclude(live_export_id="")
    preview = next(p for p in started if int(p.start_time.timestamp()) == yesterday)
    page.locator(f"#preview-{preview.pk} a").click()
    results = preview_results(preview)
    expect(page.locator("#result-orders")).to_have_text(str(results.orders))
    expect(page.locator("#result-gmv")).to_have_text(format_yuan(results.gmv_fen))
    shot("previews-results")

    upcoming = LivePreview.objects.filter(shop=shop, start_time__gt=preview.start_time).order_by("-start_time").first()
    page.goto(f"{live_server.url}/shops/{shop.public_id}/campaigns/previews/{upcoming.pk}/")
    page.locator("#promoters input[name=name]").fill("会员社群")
    page.locator("#promoters input[name=link]").fill("https://example.com/reserve")
    page.locator("#promoters form[action$='/promoters/own/'] button").click()
    expect(page.locator("#promoters img")).to_be_visible()
    shot("previews-promoter")
    assert page.problems == []
