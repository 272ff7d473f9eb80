"""The partner portal in headless Chromium at a 1280 px laptop and a 390 px phone: every page opens from the
navigation, nothing pushes the page sideways (wide tables scroll in their own box), amounts stay on one line, the
copy button copies the promotion link, and an invitation is accepted and another declined with a reason."""

import pytest

from affiliates.models import Cooperation
from tests.affiliates.test_partner import portal_data
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

WIDE, PHONE = 1280, 390
PAGES = ("home", "shops", "products", "commissions", "sharers", "funds", "api_keys")


@pytest.fixture
def recorded_only(settings):
    settings.WECHAT_SANDBOX_ONLY_APIS = False  # answers are recorded in ShopOps (no emulator call)


def _sign_in(page, live_server, username):
    page.goto(live_server.url + "/partner/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(live_server.url + "/partner/")


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")


def test_every_portal_page_fits_a_laptop_and_a_phone(page, expect, live_server, screenshot_dir):
    a, _b = portal_data()
    _sign_in(page, live_server, a.user.username)
    nav = page.locator("nav.partner-nav")
    for width in (WIDE, PHONE):
        page.set_viewport_size({"width": width, "height": 900})
        for index, name in enumerate(PAGES):
            page.goto(live_server.url + "/partner/")
            link = nav.locator("a.nav-link").nth(index)
            link.scroll_into_view_if_needed()
            link.click()
            expect(nav.locator("a.nav-link.active")).to_have_count(1)
            expect(link).to_have_class("nav-link text-nowrap active")
            assert _no_sideways_scroll(page), f"{name} at {width} px scrolls sideways"
            for value in page.locator(".kpi-value").all():
                assert value.evaluate("el => el.scrollWidth <= el.clientWidth"), (name, value.inner_text())
            page.screenshot(path=screenshot_dir / f"partner-{name}-{width}.png", full_page=True)
    assert page.problems == []


def test_the_commission_totals_and_rows_are_the_agencys_own(page, expect, live_server):
    a, _b = portal_data()
    _sign_in(page, live_server, a.user.username)
    page.goto(live_server.url + "/partner/commissions/")
    expect(page.locator("#commission-table tbody tr")).to_have_count(4)
    # Every column is on screen at 1280 px: the table needs no sideways scrolling.
    scroller = page.locator(".table-responsive:has(#commission-table)")
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    expect(page.locator("#total-pending .kpi-value")).to_have_text("¥10.00")
    expect(page.locator("#total-settled .kpi-value")).to_have_text("¥7.00")
    expect(page.locator("#total-cancelled .kpi-value")).to_have_text("¥3.00")
    page.locator("#filter-status").select_option("100")
    page.locator("#commission-filters button[type=submit]").first.click()
    expect(page.locator("#commission-table tbody tr")).to_have_count(2)
    expect(page.locator("#total-pending .kpi-value")).to_have_text("¥0.00")
    assert "status=100" in page.locator("#export-csv").get_attribute("href")
    assert page.problems == []


def test_the_copy_button_copies_the_promotion_link(page, expect, live_server):
    a, _b = portal_data()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    _sign_in(page, live_server, a.user.username)
    page.goto(live_server.url + "/partner/products/")
    button = page.locator(f"[data-copy='link-{a.products[0].pk}']")
    button.click()
    expect(button.locator(".copy-label")).to_have_text(button.get_attribute("data-copied"))
    assert page.evaluate("() => navigator.clipboard.readText()") == "https://weixin.qq.com/sl/promote-1001"
    # The QR code is an image the page makes itself.
    page.locator(f"#product-{a.products[0].pk} details summary").click()
    qr = page.locator(f"#product-{a.products[0].pk} details img")
    expect(qr).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert page.problems == []


def test_an_agency_accepts_one_invitation_and_declines_another_with_a_reason(
    page, expect, live_server, screenshot_dir, recorded_only
):
    a, _b = portal_data()
    second = Cooperation.objects.create(
        agency=a.agency,
        agency_appid=a.agency.appid,
        shop_appid="wxshopsecond000001",
        shop_name="第二家小店",
        status=Cooperation.Status.INVITING,
    )
    _sign_in(page, live_server, a.user.username)
    expect(page.locator("#pending-invitations .list-group-item")).to_have_count(2)
    page.screenshot(path=screenshot_dir / "partner-invitations.png", full_page=True)

    page.locator(f"#invitation-{a.invitation.pk} button[type=submit]").click()
    page.wait_for_url(live_server.url + "/partner/")
    expect(page.locator(".alert-success")).to_contain_text("邀请甲的小店")
    expect(page.locator("#pending-invitations .list-group-item")).to_have_count(1)

    page.locator(f"#invitation-{second.pk} a").click()
    expect(page.locator("input[name=decision][value=decline]")).to_be_checked()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#reason-error")).to_be_visible()
    page.screenshot(path=screenshot_dir / "partner-decline-needs-reason.png", full_page=True)
    page.locator("textarea[name=reason]").fill("类目不匹配")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/partner/")
    expect(page.locator("#pending-invitations .list-group-item")).to_have_count(0)
    assert Cooperation.objects.get(pk=second.pk).reject_reason == "类目不匹配"
    assert Cooperation.objects.get(pk=a.invitation.pk).status == Cooperation.Status.ACCEPTED
    assert page.problems == []
