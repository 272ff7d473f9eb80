"""A real merchant and a real agency member, through the real login pages, in headless Chromium."""

import re

import pytest
from django.utils import translation

from shopops.forms.auth import ConsoleAuthenticationForm
from tests.factories import PASSWORD, AgencyMemberFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

SHOP_NAMES = ("华东旗舰店", "华南专营店")
SHOP_HOME = re.compile(r"/shops/[0-9a-f-]{36}/$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _zh(message) -> str:
    """The zh-hans translation of a UI string, refusing to pass if the catalog lacks it."""
    with translation.override("zh-hans"):
        text = str(translation.gettext(str(message)))
    assert CJK.search(text), (
        f"no zh-hans translation of {str(message)!r}: is locale/zh_Hans/LC_MESSAGES/django.mo compiled and complete?"
    )
    return text


def _sign_in(page, url, username):
    page.goto(url)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)


def _submit(page):
    page.locator("form:has(input[name=password]) button[type=submit]").click()


def _expect_chinese(page, expect):
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#language-select")).to_have_value("zh-hans")


def test_merchant_signs_in_switches_shop_and_language(page, expect, live_server, screenshot_dir):
    user = UserFactory(username="merchant_li")
    for name in SHOP_NAMES:
        MembershipFactory(user=user, shop__name=name)
    sidebar = page.locator("aside.sidebar nav")
    heading = page.locator("main h1")
    switcher = page.locator("#shop-switcher")

    # 1. The login page, in Chinese for a Chinese browser.
    _sign_in(page, live_server.url + "/login/", "merchant_li")
    _expect_chinese(page, expect)
    expect(page.get_by_label("用户名")).to_have_value("merchant_li")
    expect(page.get_by_label("密码")).to_be_visible()
    page.screenshot(path=screenshot_dir / "01-login.png", full_page=True)

    # 2. Signing in lands on one of the user's shops, in Chinese.
    _submit(page)
    page.wait_for_url(SHOP_HOME)
    _expect_chinese(page, expect)
    expect(heading).to_have_count(1)
    first = heading.inner_text().strip()
    assert first in SHOP_NAMES
    expect(switcher).to_contain_text(first)
    expect(sidebar.get_by_role("link", name=_zh("Overview"))).to_have_class(re.compile(r"\bactive\b"))
    expect(sidebar).to_contain_text(_zh("Members"))
    expect(sidebar).not_to_contain_text("Overview")
    page.screenshot(path=screenshot_dir / "02-shop-home-zh.png", full_page=True)

    # 3. The shop switcher goes to the other shop.
    other = next(name for name in SHOP_NAMES if name != first)
    first_url = page.url
    switcher.click()
    menu = page.locator('.dropdown-menu[aria-labelledby="shop-switcher"]')
    expect(menu).to_be_visible()
    expect(menu).to_contain_text(_zh("Switch shop"))
    expect(menu.locator(".dropdown-item.active")).to_have_text(first)
    menu.get_by_role("link", name=other, exact=True).click()
    page.wait_for_url(lambda url: SHOP_HOME.search(url) is not None and url != first_url)
    expect(heading).to_have_text(other)
    expect(switcher).to_contain_text(other)
    _expect_chinese(page, expect)
    page.screenshot(path=screenshot_dir / "03-switched-shop.png", full_page=True)

    # 4. English, then back to 简体中文; the language selector submits on change and returns to the same page.
    other_url = page.url
    page.locator("#language-select").select_option(label="English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#language-select")).to_have_value("en")
    expect(sidebar.get_by_role("link", name="Overview")).to_be_visible()
    expect(sidebar).to_contain_text("Members")
    expect(heading).to_have_text(other)
    assert page.url == other_url
    page.screenshot(path=screenshot_dir / "04-english.png", full_page=True)

    page.locator("#language-select").select_option(label="简体中文")
    _expect_chinese(page, expect)
    expect(sidebar.get_by_role("link", name=_zh("Overview"))).to_be_visible()
    expect(heading).to_have_text(other)
    assert page.url == other_url

    assert page.problems == []


def test_agency_member_is_refused_by_the_console_and_admitted_by_the_portal(page, expect, live_server, screenshot_dir):
    member = AgencyMemberFactory(user__username="agency_wang", agency__name="星火带货机构")

    # The console's login page refuses the agency account with the form error, even with the right password.
    _sign_in(page, live_server.url + "/login/", "agency_wang")
    _submit(page)
    error = page.locator(".alert-danger")
    expect(error).to_contain_text(_zh(ConsoleAuthenticationForm.wrong_audience_message))
    assert page.url.split("?")[0] == live_server.url + "/login/"
    _expect_chinese(page, expect)
    page.screenshot(path=screenshot_dir / "05a-console-refuses-agency.png", full_page=True)

    # The partner portal admits it.
    _sign_in(page, live_server.url + "/partner/login/", "agency_wang")
    _submit(page)
    page.wait_for_url(live_server.url + "/partner/")
    _expect_chinese(page, expect)
    expect(page.locator("main h1")).to_have_text(_zh("Cooperating shops"))
    expect(page.locator("nav.navbar")).to_contain_text(member.agency.name)
    expect(page.locator("nav.navbar")).to_contain_text("agency_wang")
    page.screenshot(path=screenshot_dir / "05-partner-home.png", full_page=True)

    assert page.problems == []
