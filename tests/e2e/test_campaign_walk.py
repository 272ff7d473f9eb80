"""The campaign walk of issue 11 (acceptance 5) in headless Chromium, in Chinese, against the emulator over HTTP:
the merchant creates a shop-wide coupon (created on the platform) → reads tomorrow's live notice from WeChat, binds
coupons to it, sets its 预约有礼 gift coupon and adds their own promotion link (QR code and share poster) → the live
happens (the emulator's clock moves a day on; the worker's syncs run) → the preview's 直播后成果 and 预约有礼 funnel,
and the gift coupon's funnel, equal the platform's figures.

The emulator's generated orders only ever use the seeded catalog's coupons (sandbox.generator._coupon_discounts
picks from ``catalog["coupons"]``), never one created through the API: so the walk binds its new coupon and the
catalog coupon the live's orders used most, and sets the latter as the gift coupon, whose figures are the ones that
move. The worker is not running: the test runs the syncs a worker would (the shop's orders, its coupons).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from campaigns.coupons_sync import coupons_sync
from campaigns.models import Coupon, LivePreview
from sandbox import gen_live
from sandbox.models import Account
from sandbox.models import Coupon as PlatformCoupon
from sandbox.models import Order as PlatformOrder
from shopops.money import format_yuan
from shopops.sync import engine
from tests.factories import PASSWORD, LinkedAccountFactory, MembershipFactory

pytestmark = pytest.mark.browser

APPID, SECRET = "wxcampaignwalk0001", "campaignwalk5ecre7000000000000001"
ANCHOR = 1796090400  # 2026-12-01 10:00 Beijing: where the emulator's data ends and the walk starts
ONE_DAY = 24 * 3600
BEIJING = timedelta(hours=8)
COUPON_NAME, COUPON_TYPE, COUPON_FEE = "直播立减8元", 104, 800  # 店铺直减券, ¥8 off


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def local_input(unix: int) -> str:
    """A datetime-local input's value for a Beijing wall-clock time."""
    return (datetime.fromtimestamp(unix, tz=UTC) + BEIJING).strftime("%Y-%m-%dT%H:%M")


def paid(order: PlatformOrder) -> bool:
    return bool(order.payload["order_detail"].get("pay_info", {}).get("pay_time"))


def order_coupons(order: PlatformOrder) -> list[dict]:
    """The coupons an order's lines used: the merchant's (coupon_type 1) and talent-funded ones (2)."""
    return [
        c
        for line in order.payload["order_detail"]["product_infos"]
        for c in line.get("order_product_coupon_info_list") or []
    ]


@pytest.fixture
def campaign_shop(live_sandbox, time_machine):
    """The emulator's shop (two days of orders, its catalog coupons, linked 视频号 that go live every day), connected
    in ShopOps with its orders and coupons synced and its 视频号 linked."""
    time_machine.move_to(at(ANCHOR), tick=True)
    call_command(
        "sandbox_seed", shop=APPID, secret=SECRET, days=2, orders=600, seed=11, agencies=1, anchor=ANCHOR, verbosity=0
    )
    owner = MembershipFactory(
        role="owner",
        user__username="merchant_li",
        shop__name="李记直播好物",
        shop__appid=APPID,
        shop__app_secret=SECRET,
    )
    shop = owner.shop
    assert engine.shop_sync(shop=shop, streams=("products", "orders", "aftersales")).stopped == ""
    coupons_sync(shop=shop)
    for row in Account.objects.get(appid=APPID).catalog["linked"]["channels"]:
        LinkedAccountFactory(shop=shop, account_id=row["account_id"], nickname=row["nickname"])
    return shop


def _fits(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")


def test_coupon_preview_live_results(page, expect, live_server, screenshot_dir, campaign_shop, time_machine):
    shop = campaign_shop
    console = f"{live_server.url}/shops/{shop.public_id}"

    def shot(name):
        assert _fits(page), f"{name} scrolls sideways"
        page.evaluate("() => window.scrollTo(0, 0)")  # a full-page shot of a scrolled page offsets the sticky bar
        page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)

    def sign_in():
        page.goto(live_server.url + "/login/")
        page.locator("input[name=username]").fill("merchant_li")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form:has(input[name=password]) button[type=submit]").click()
        page.wait_for_url(f"{console}/")

    sign_in()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # 1. A shop-wide coupon (店铺直减券, ¥8 off), created on WeChat Shop and listed.
    page.goto(f"{console}/campaigns/coupons/new/")
    form = page.locator("#coupon-form")
    form.locator("select[name=type]").select_option(str(COUPON_TYPE))
    form.locator("input[name=name]").fill(COUPON_NAME)
    form.locator("input[name=discount_fee]").fill("8.00")
    form.locator("input[name=receive_start]").fill(local_input(ANCHOR + 3600))
    form.locator("input[name=receive_end]").fill(local_input(ANCHOR + 10 * ONE_DAY))
    form.locator("input[name=limit_num_one_person]").fill("2")
    form.locator("input[name=total_num]").fill("1000")
    form.locator("select[name=valid_type]").select_option("2")
    form.locator("input[name=valid_day_num]").fill("7")
    shot("90-campaign-coupon-form")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(COUPON_NAME)
    created = Coupon.objects.get(shop=shop, name=COUPON_NAME)
    platform = PlatformCoupon.objects.get(shop__appid=APPID, coupon_id=created.coupon_id)
    info = platform.coupon_info
    assert (platform.type, info["name"], info["discount_info"]["discount_fee"]) == (
        COUPON_TYPE,
        COUPON_NAME,
        COUPON_FEE,
    )
    assert (info["receive_info"]["total_num"], info["receive_info"]["limit_num_one_person"]) == (1000, 2)
    assert (info["receive_info"]["start_time"], info["receive_info"]["end_time"]) == (
        ANCHOR + 3600,
        ANCHOR + 10 * ONE_DAY,
    )
    assert (info["valid_info"]["valid_type"], info["valid_info"]["valid_day_num"]) == (2, 7)
    page.goto(f"{console}/campaigns/coupons/")
    row = page.locator(f"#coupon-{created.pk}")
    expect(row).to_contain_text(COUPON_NAME)
    shot("91-campaign-coupon-listed")

    # 2. Tomorrow's live notice, read from WeChat; coupons bound, the gift coupon set, an own promotion link added.
    page.goto(f"{console}/campaigns/previews/")
    page.locator("#sync-previews").click()
    expect(page.locator("#previews-table")).to_be_visible()
    tomorrow = gen_live.day_start(ANCHOR) + ONE_DAY
    preview = LivePreview.objects.filter(shop=shop, start_time=at(tomorrow)).order_by("finder_id").first()
    assert preview is not None and preview.live_export_id == ""
    expect(page.locator(f"#preview-{preview.pk}")).to_be_visible()
    shot("92-campaign-previews-list")

    # Bound: the walk's coupon and the catalog's shop-wide 店铺立减5元, which is the 预约有礼 gift (the one the live's
    # orders can use: the emulator's orders never use a coupon created through the API).
    gift = PlatformCoupon.objects.get(shop__appid=APPID, type=COUPON_TYPE, coupon_info__name="店铺立减5元")
    page.locator(f"#preview-{preview.pk} a").first.click()
    page.wait_for_url(f"{console}/campaigns/previews/{preview.pk}/")
    edit = page.locator("#edit-form")
    edit.locator("input[name=bound_coupon_ids]").fill(f"{created.coupon_id}, {gift.coupon_id}")
    edit.locator("input[name=gift_coupon_id]").fill(gift.coupon_id)
    edit.locator("input[name=gift_placements]").first.check()
    edit.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    preview.refresh_from_db()
    assert (preview.bound_coupon_ids, preview.gift_coupon_id) == ([created.coupon_id, gift.coupon_id], gift.coupon_id)
    page.locator("#promoters input[name=name]").fill("会员社群")
    page.locator("#promoters input[name=link]").fill("https://example.com/reserve-live")
    page.locator("#promoters form[action$='/promoters/own/'] button").click()
    expect(page.locator("#promoters img")).to_be_visible()
    qr = page.locator("#promoters img")
    qr_svg = page.request.get(live_server.url + qr.get_attribute("src"))
    assert (qr_svg.status, qr_svg.headers["content-type"]) == (200, "image/svg+xml"), qr_svg.text()[:200]
    page.wait_for_function("() => document.querySelector('#promoters img').naturalWidth > 0")  # the QR code is drawn
    poster = page.locator("#promoters a[href$='/poster.png']")
    expect(poster).to_be_visible()
    assert page.request.get(live_server.url + poster.get_attribute("href")).headers["content-type"] == "image/png"
    expect(page.locator("#coupons")).to_contain_text(created.coupon_id)
    shot("93-campaign-preview-planned")

    # 3. The live happens: the emulator's clock moves on through tomorrow's live (a whole-day live room); the
    # worker's syncs run (the shop's orders, its coupons) and the merchant reads the notices again.
    time_machine.move_to(at(ANCHOR + 36 * 3600), tick=True)
    call_command("sandbox_advance", shop=APPID, hours=36, no_deliver=True, verbosity=0)
    assert engine.shop_sync(shop=shop).stopped == ""
    coupons_sync(shop=shop)
    sign_in()  # a day and a half later: the session has expired
    page.goto(f"{console}/campaigns/previews/")
    page.locator("#sync-previews").click()
    expect(page.locator("#previews-table")).to_be_visible()
    preview.refresh_from_db()
    live_id = gen_live.live_id_for(preview.finder_id, tomorrow)
    assert preview.live_export_id == live_id

    # 4. 直播后成果: the platform's paid orders of that live; 预约有礼: the gift coupon's receipts and uses.
    live_orders = [
        o
        for o in PlatformOrder.objects.filter(shop__appid=APPID, payload__order_detail__ext_info__live_id=live_id)
        if paid(o)
    ]
    uses = {c["user_coupon_id"] for o in live_orders for c in order_coupons(o)}
    discount = sum(c["discounted_price"] for o in live_orders for c in order_coupons(o))
    gift_uses = {c["user_coupon_id"] for o in live_orders for c in order_coupons(o) if c["coupon_id"] == gift.coupon_id}
    gift_orders = {o.order_id for o in live_orders for c in order_coupons(o) if c["coupon_id"] == gift.coupon_id}
    assert len(live_orders) > 0 and len(gift_uses) > 0
    gift.refresh_from_db()
    page.goto(f"{console}/campaigns/previews/{preview.pk}/")
    expect(page.locator("#result-orders")).to_have_text(str(len(live_orders)))
    expect(page.locator("#result-buyers")).to_have_text(str(len({o.openid for o in live_orders})))
    gmv = sum(o.payload["order_detail"]["price_info"]["order_price"] for o in live_orders)
    expect(page.locator("#result-gmv")).to_have_text(format_yuan(gmv))
    expect(page.locator("#result-coupons")).to_have_text(f"{len(uses)} ({format_yuan(discount)})")
    expect(page.locator("#funnel-received td").first).to_have_text(str(gift.receive_num))
    expect(page.locator("#funnel-used td").first).to_have_text(str(len(gift_uses)))
    expect(page.locator("#funnel-orders td").first).to_have_text(str(len(gift_orders)))
    shot("94-campaign-preview-results")

    # The gift coupon's own funnel: the platform's received and used, and its paid orders (all of them) and GMV.
    coupon_orders = [
        o
        for o in PlatformOrder.objects.filter(shop__appid=APPID)
        if paid(o) and any(c["coupon_id"] == gift.coupon_id for c in order_coupons(o))
    ]
    page.goto(f"{console}/campaigns/coupons/")
    page.locator(f"#coupon-{Coupon.objects.get(shop=shop, coupon_id=gift.coupon_id).pk} a").first.click()
    expect(page.locator("#funnel-received")).to_have_text(str(gift.receive_num))
    expect(page.locator("#funnel-used")).to_have_text(str(gift.used_num))
    expect(page.locator("#funnel-orders")).to_have_text(str(len(coupon_orders)))
    expect(page.locator("#funnel-gmv")).to_have_text(
        format_yuan(sum(o.payload["order_detail"]["price_info"]["order_price"] for o in coupon_orders))
    )
    shot("95-campaign-coupon-funnel")
    print(
        f"walk: live {len(live_orders)} orders, gift {gift.coupon_id} received {gift.receive_num} used "
        f"{len(gift_uses)} in the live; coupon orders {len(coupon_orders)}"
    )
    assert page.problems == []
