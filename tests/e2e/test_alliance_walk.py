"""The 优选联盟 walk of issue 10 (acceptance 5) in headless Chromium, in Chinese, against the emulator over HTTP with
its SANDBOX-ONLY alliance API on: the merchant invites an agency → the agency accepts in the partner portal → the
merchant offers the agency a product (agency plan) and creates a 定向 plan for a cooperating talent → a day of
orders arrives and is synced → the console's commission lines and the portal's totals agree to the fen.

The agency worked with the shop before and the cooperation ended (emulator status 5, set at the start): it sells
nothing for the shop until it is invited again and accepts. The agency plan's product is one it never promoted, so
every commission line on it comes from the walk's day. The worker is not running: the test runs the syncs a worker
would (the shop's orders, the agency's account, the shop's alliance refresh) where the merchant would wait for it.
"""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from affiliates import tasks as affiliate_tasks
from affiliates.models import CommissionLine, CommissionOrder, Cooperation, PromotionPlan
from affiliates.sync import agency_sync
from sandbox.models import AgencyItem
from sandbox.models import Cooperation as PlatformCooperation
from shopops.sync import engine
from tests.factories import PASSWORD, AgencyMemberFactory, MembershipFactory

pytestmark = pytest.mark.browser

APPID, SECRET = "wxa11ia9ce0a1k0001", "a11ia9ce5ecre7000000000000000001"
AGENCY_APPID, AGENCY_SECRET, AGENCY_NAME = "wxa11ia9ceage90001", "a11ia9ceage95ecre700000000000001", "星河带货机构"
ANCHOR = 1796090400  # 2026-12-01 10:00 Beijing: where the emulator's data ends and the walk starts
ONE_DAY = 24 * 3600
ENDED = 5  # the emulator's cooperation status 取消合作
# Chosen from the emulator's data for this seed: the cooperating talent that sells the 普通 product most on the walk's
# day, and a product on sale that the agency never promoted.
TALENT_APPID, TARGETED_PRODUCT, TARGETED_PERCENT = "wx19c274fda9e704a5", "88006308290182", 25
AGENCY_PRODUCT, AGENCY_PERCENT, SERVICE_PERCENT = "79818616868903", 20, 5


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def fen(text: str) -> int:
    """¥1,234.56 (as the pages show amounts) in fen."""
    return int(Decimal(re.sub(r"[^\d.-]", "", text)) * 100)


@pytest.fixture
def alliance(live_sandbox, settings, time_machine):
    """The emulator's shop (300 orders over two days, its 普通 plans and talents) and its former agency, the shop
    connected in ShopOps with its orders and alliance synced, and the agency's member for the portal."""
    settings.WECHAT_SANDBOX_ONLY_APIS = True
    time_machine.move_to(at(ANCHOR), tick=True)
    call_command(
        "sandbox_seed",
        shop=APPID,
        secret=SECRET,
        days=2,
        orders=600,
        seed=10,
        agencies=1,
        agency_appid=AGENCY_APPID,
        agency_secret=AGENCY_SECRET,
        agency_name=AGENCY_NAME,
        anchor=ANCHOR,
        verbosity=0,
    )
    PlatformCooperation.objects.filter(shop__appid=APPID, agency__appid=AGENCY_APPID).update(status=ENDED)
    owner = MembershipFactory(
        role="owner",
        user__username="merchant_wang",
        shop__name="华东旗舰店",
        shop__appid=APPID,
        shop__app_secret=SECRET,
    )
    member = AgencyMemberFactory(
        user__username="agency_xinghe",
        agency__name=AGENCY_NAME,
        agency__appid=AGENCY_APPID,
        agency__app_secret=AGENCY_SECRET,
    )
    assert engine.shop_sync(shop=owner.shop, streams=("products", "orders", "aftersales")).stopped == ""
    assert "refused" not in affiliate_tasks.alliance_refresh_shop(owner.shop.pk)
    return owner.shop, member.agency


def _sign_in(page, url: str, username: str, landing: str) -> None:
    page.goto(url)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(landing)


def _fits(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")


def test_the_merchant_and_the_agency_see_the_same_commission(
    page, browser, expect, live_server, screenshot_dir, alliance, time_machine
):
    shop, agency = alliance
    console = f"{live_server.url}/shops/{shop.public_id}"
    base = f"{console}/alliance"
    portal = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800})
    partner = portal.new_page()

    def shot(on, name):
        assert _fits(on), f"{name} scrolls sideways"
        on.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)

    # 1. The merchant invites the agency by its AppID (sent to the emulator at once).
    _sign_in(page, live_server.url + "/login/", "merchant_wang", f"{console}/")
    page.goto(f"{base}/agencies/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    shot(page, "70-alliance-agencies-before")
    page.goto(f"{base}/agencies/invite/")
    page.locator("#agency-invite-form input[name=agency_appid]").fill(AGENCY_APPID)
    page.locator("#agency-invite-form input[name=agency_name]").fill(AGENCY_NAME)
    shot(page, "71-alliance-invite-form")
    page.locator("#agency-invite-form button[type=submit]").click()
    page.wait_for_url(f"{base}/agencies/")
    expect(page.locator(".alert-success")).to_contain_text(AGENCY_NAME)
    shot(page, "72-alliance-agency-invited")
    invitation = Cooperation.objects.get(shop_appid=APPID, agency_appid=AGENCY_APPID)
    assert invitation.status == Cooperation.Status.INVITING

    # 2. The agency accepts in the partner portal.
    _sign_in(partner, live_server.url + "/partner/login/", "agency_xinghe", live_server.url + "/partner/")
    expect(partner.locator("#pending-invitations .list-group-item")).to_have_count(1)
    expect(partner.locator(f"#invitation-{invitation.pk}")).to_contain_text("华东旗舰店")
    shot(partner, "73-partner-invitation-pending")
    partner.locator(f"#invitation-{invitation.pk} button[type=submit]").click()
    partner.wait_for_url(live_server.url + "/partner/")
    expect(partner.locator(".alert-success")).to_be_visible()
    expect(partner.locator("#pending-invitations .list-group-item")).to_have_count(0)
    shot(partner, "74-partner-invitation-accepted")
    assert Cooperation.objects.get(pk=invitation.pk).status == Cooperation.Status.ACCEPTED
    assert PlatformCooperation.objects.get(shop__appid=APPID, agency__appid=AGENCY_APPID).status == 2

    # 3. The merchant offers the agency a product it never promoted (an agency plan)...
    page.goto(f"{base}/agencies/")
    shot(page, "75-alliance-agency-cooperating")
    page.goto(f"{base}/plans/agency/new/")
    form = page.locator("#agency-plan-form")
    form.locator("select[name=headsupplier_appid]").select_option(AGENCY_APPID)
    form.locator("select[name=commission_type]").select_option("1")
    form.locator("input[name=items-0-product_id]").fill(AGENCY_PRODUCT)
    form.locator("input[name=items-0-ratio_percent]").fill(str(AGENCY_PERCENT))
    form.locator("input[name=items-0-service_ratio_percent]").fill(str(SERVICE_PERCENT))
    form.locator("input[name=forever]").check()
    shot(page, "76-alliance-agency-plan-form")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    shot(page, "77-alliance-agency-plan-created")
    assert AgencyItem.objects.get(shop__appid=APPID, agency__appid=AGENCY_APPID, product_id=AGENCY_PRODUCT)

    # ...and creates a 定向 plan for a cooperating talent on a product with a listed 普通 plan.
    page.goto(f"{base}/plans/new/")
    form = page.locator("#plan-create-form")
    form.locator(f"input[name=type][value='{PromotionPlan.Type.TARGETED}']").check()
    form.locator("input[name=items-0-product_id]").fill(TARGETED_PRODUCT)
    form.locator("input[name=items-0-ratio_percent]").fill(str(TARGETED_PERCENT))
    form.locator(f"input[name=talent_appids][value='{TALENT_APPID}']").check()
    form.locator("input[name=forever]").check()
    shot(page, "78-alliance-targeted-plan-form")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    shot(page, "79-alliance-targeted-plan-created")
    targeted = PromotionPlan.objects.get(shop=shop, type=PromotionPlan.Type.TARGETED, product_id=TARGETED_PRODUCT)
    assert (targeted.ratio_percent, targeted.talent_appids) == (TARGETED_PERCENT, [TALENT_APPID])

    # 4. A day of orders arrives; the worker's syncs run (the shop's orders, the agency's account, the alliance).
    time_machine.move_to(at(ANCHOR + ONE_DAY), tick=True)
    call_command("sandbox_advance", shop=APPID, hours=24, no_deliver=True, verbosity=0)
    assert engine.shop_sync(shop=shop).stopped == ""
    assert agency_sync(agency=agency).stopped == ""
    assert "refused" not in affiliate_tasks.alliance_refresh_shop(shop.pk)

    # 5. The merchant's commission lines: the talent's at the 定向 plan's ratio, the agency's on its product.
    _sign_in(page, live_server.url + "/login/", "merchant_wang", f"{console}/")
    talent_lines = CommissionLine.objects.filter(
        shop=shop,
        party=CommissionLine.Party.TALENT,
        party_id=TALENT_APPID,
        product_id=TARGETED_PRODUCT,
        pay_time__gt=at(ANCHOR),
    )
    assert talent_lines.exists()
    page.goto(f"{base}/commissions/?party=0&talent={TALENT_APPID}&product={TARGETED_PRODUCT}")
    totals = page.locator("#commission-totals .fs-5")
    expect(page.locator("#commission-table tbody tr").first).to_contain_text(f"{TARGETED_PERCENT}.0%")
    expect(totals.nth(3)).to_have_text("¥0.00")
    shot(page, "80-alliance-commissions-targeted-talent")

    page.goto(f"{base}/commissions/?party=1&agency={AGENCY_APPID}&product={AGENCY_PRODUCT}")
    expect(page.locator("#commission-table tbody tr").first).to_be_visible()
    console_lines = int(totals.nth(0).inner_text())
    console_fee = fen(totals.nth(1).inner_text())
    expect(totals.nth(3)).to_have_text("¥0.00")
    assert console_fee == fen(totals.nth(2).inner_text())
    shot(page, "81-alliance-commissions-agency")

    # 6. The agency's portal: its service fee on the same orders, whatever their status, to the fen.
    partner.goto(f"{live_server.url}/partner/commissions/?product={AGENCY_PRODUCT}")
    if "/login/" in partner.url:
        _sign_in(
            partner, partner.url, "agency_xinghe", f"{live_server.url}/partner/commissions/?product={AGENCY_PRODUCT}"
        )
    cards = {key: partner.locator(f"#total-{key}") for key in ("pending", "settled", "cancelled")}
    portal_fee = sum(fen(card.locator(".kpi-value").inner_text()) for card in cards.values())
    portal_orders = sum(
        int(re.search(r"(\d+)", card.locator(".small").first.inner_text().split("·")[1]).group(1))
        for card in cards.values()
    )
    shot(partner, "82-partner-commissions")
    rows = CommissionOrder.objects.filter(agency=agency, product_id=AGENCY_PRODUCT)
    assert (
        (portal_orders, portal_fee)
        == (console_lines, console_fee)
        == (
            rows.count(),
            sum(rows.values_list("service_amount_fen", flat=True)),
        )
    )
    assert console_lines > 0
    print(f"walk totals: {console_lines} lines, service fee {console_fee} fen")
    assert page.problems == []
    portal.close()
