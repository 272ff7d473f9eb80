"""Layout at the widths merchants use (a 1280 px laptop, a 390 px phone), measured in headless Chromium: nothing a
merchant needs is clipped or pushed off screen, and amounts never wrap in the middle of a number."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from linked_accounts.models import CooperationAccount
from shopops.channels import Channel
from shopops.models import ApiCall
from shopops.services.rollups import sales_rollups_rebuild
from tests.factories import PASSWORD, MembershipFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.browser

WIDE, PHONE = 1280, 390


def _sign_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url("**/shops/*/")


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not rendered"
    return box


def test_the_sync_call_log_fits_1280_px_with_its_error_column(page, expect, live_server, screenshot_dir):
    owner = MembershipFactory(user__username="merchant_sync")
    now = timezone.now()
    for minutes, endpoint, error, errcode in [
        (1, "/channels/ec/cooperation/getcooperationshareinfo", "InvalidArgumentError", 10023000),
        (2, "/channels/ec/league/headsupplier/item/list/get", "QuotaExhaustedError", 45009),
        (3, "/channels/ec/aftersale/getaftersaleorder", "IpNotWhitelistedError", 61004),
        (4, "/channels/ec/order/list/get", "NetworkError", None),
    ]:
        ApiCall.objects.create(
            shop=owner.shop,
            appid="wx0000000000000001",
            endpoint=endpoint,
            http_status=None if errcode is None else 200,
            errcode=errcode,
            error=error,
            attempt=3,
            duration_ms=10023,
            request_id="6b108967-bd00dd53-1505106d",
            created_at=now - timedelta(minutes=minutes),
        )
    _sign_in(page, live_server, "merchant_sync")
    page.goto(f"{live_server.url}/shops/{owner.shop.public_id}/sync/")

    scroller = page.locator(".table-responsive:has(table.api-calls)")
    # Nothing of the table is hidden in the horizontal scroll box...
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    right = _box(scroller)["x"] + _box(scroller)["width"]
    cells = page.locator("td.api-call-error")
    expect(cells).to_have_count(4)
    for cell in cells.all():
        box = _box(cell)
        # ...so every error cell ends inside it and inside the window, and leads with the words, not the class.
        assert box["x"] + box["width"] <= right + 0.5 <= WIDE
        assert cell.locator("div").inner_text() != cell.locator("code").inner_text()
    page.screenshot(path=screenshot_dir / "layout-sync-call-log-1280.png", full_page=True)
    assert page.problems == []


def _paid_orders(shop, amounts_by_days_ago: list[tuple[int, Channel, int]]):
    now = timezone.now()
    for days_ago, channel, fen in amounts_by_days_ago:
        paid = now - timedelta(days=days_ago, minutes=5)
        order = OrderFactory(shop=shop, create_time=paid, pay_time=paid, order_price_fen=fen)
        OrderLineFactory(order=order, channel=channel, real_price_fen=fen, account_id=f"acc{days_ago}")
    sales_rollups_rebuild(shop=shop)  # the order store keeps them; factories bypass it


def _y_ticks(page) -> list[str]:
    return page.evaluate(
        """() => window.Chart.getChart(document.getElementById("channel-chart")).scales.y.ticks.map((t) => t.label)"""
    )


def test_the_chart_axis_counts_every_tick_in_one_unit(page, expect, live_server, screenshot_dir):
    owner = MembershipFactory(user__username="merchant_axis")
    # The tallest day stacks ¥12,000 + ¥6,000: ticks from ¥0 to ¥1.8万 cross ¥10,000, where compact notation
    # switched from "¥8000" to "¥1万".
    _paid_orders(
        owner.shop,
        [(0, Channel.FINDER_LIVE, 1_200_000), (0, Channel.TALENT, 600_000), (1, Channel.MP_ARTICLE, 900_000)],
    )
    _sign_in(page, live_server, "merchant_axis")
    expect(page.locator("#channel-chart")).to_be_visible()
    ticks = _y_ticks(page)
    assert ticks[0] == "¥0" and ticks[-1] == "¥1.8万", ticks
    assert all(label.endswith("万") for label in ticks[1:]), ticks
    page.screenshot(path=screenshot_dir / "layout-home-axis-1280.png", full_page=True)
    assert page.problems == []


def test_headline_amounts_stay_on_one_line_at_1280_px(page, expect, live_server, screenshot_dir):
    owner = MembershipFactory(user__username="merchant_big")
    _paid_orders(owner.shop, [(0, Channel.FINDER_LIVE, 118_000_000), (1, Channel.TALENT, 2_400_000)])
    _sign_in(page, live_server, "merchant_big")
    values = page.locator("#headline .kpi-value")
    expect(values.first).to_have_text("¥1,204,000.00")
    for value in values.all():
        # One line: no taller than one line of its own font, and nothing cut off at its right edge.
        one_line = value.evaluate(
            "el => el.getBoundingClientRect().height < 1.6 * parseFloat(getComputedStyle(el).fontSize)"
        )
        assert one_line, value.inner_text()
        assert value.evaluate("el => el.scrollWidth <= el.clientWidth"), value.inner_text()
        assert _box(value)["x"] + _box(value)["width"] <= WIDE
    page.screenshot(path=screenshot_dir / "layout-home-amounts-1280.png", full_page=True)
    assert page.problems == []


LONG_NAME = ("华东区域旗舰店官方直营上海徐汇总部母婴用品与家居生活馆" * 4)[:100]  # Shop.name's max_length


@pytest.mark.parametrize("width", [WIDE, PHONE])
def test_a_long_shop_name_leaves_the_user_menu_on_screen(browser, live_server, screenshot_dir, width):
    owner = MembershipFactory(user__username="merchant_long", shop__name=LONG_NAME)
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        _sign_in(page, live_server, "merchant_long")
        page.goto(f"{live_server.url}/shops/{owner.shop.public_id}/orders/")
        user_menu = page.locator("#user-menu")
        assert user_menu.is_visible()  # in the bar itself, without opening the phone menu
        box = _box(user_menu)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["height"] < 45  # one line
        switcher = page.locator("#shop-switcher")
        assert switcher.get_attribute("title") == LONG_NAME
        if width == PHONE:
            page.locator(".navbar-toggler").click()
            page.locator("#console-navbar.show").wait_for()
        name = switcher.locator("span.text-truncate")
        assert name.evaluate("el => el.scrollWidth > el.clientWidth")  # cut short with an ellipsis...
        box = _box(switcher)
        assert box["x"] + box["width"] <= width and box["height"] < 40  # ...on one line, inside the window
        page.screenshot(path=screenshot_dir / f"layout-long-shop-name-{width}.png")
        # The user menu opens and its items are inside the window too.
        user_menu.click()
        menu = _box(page.locator('.dropdown-menu[aria-labelledby="user-menu"]'))
        assert menu["x"] >= 0 and menu["x"] + menu["width"] <= width
    finally:
        context.close()


def _inside(page, scroller_selector: str, items_selector: str, width: int) -> None:
    """Every item ends inside the horizontal scroll box, which has nothing hidden, inside the window."""
    scroller = page.locator(scroller_selector)
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    box = _box(scroller)
    right = box["x"] + box["width"]
    assert right <= width
    items = page.locator(items_selector).all()
    assert items
    for item in items:
        item_box = _box(item)
        assert item_box["x"] + item_box["width"] <= right + 0.5, item.inner_text()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_cooperation_buttons_are_whole_at_1280_px(page, live_server, screenshot_dir, language):
    owner = MembershipFactory(user__username="merchant_coop")
    Status, Type = CooperationAccount.Status, CooperationAccount.SharerType
    for n, (status, name) in enumerate(
        [(Status.PENDING, "好物优选小程序商城（官方）"), (Status.BOUND, "华东生活家公众号"), (Status.UNBOUND, "")]
    ):
        CooperationAccount.objects.create(
            shop=owner.shop,
            sharer_type=Type.MINIPROGRAM if n != 1 else Type.MP,
            sharer_id=f"wxa1b2c3d4e5f6a7b8c{n}",
            sharer_name=name,
            status=status,
            bind_time=timezone.now() if status == Status.BOUND else None,
        )
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    _sign_in(page, live_server, "merchant_coop")
    page.goto(f"{live_server.url}/shops/{owner.shop.public_id}/cooperation/")
    _inside(page, ".table-responsive:has(#cooperation-table)", "#cooperation-table .btn", WIDE)
    page.screenshot(path=screenshot_dir / f"layout-cooperation-1280-{language}.png", full_page=True)
    assert page.problems == []


def test_every_column_of_the_orders_list_is_on_screen_at_1280_px(page, expect, live_server, screenshot_dir):
    """Eleven columns: the dates stack day over time and product titles keep a readable width, so the after-sale and
    settlement columns are not pushed into the horizontal scroll (they were, once titles stopped wrapping)."""
    owner = MembershipFactory(user__username="merchant_orders")
    for n in range(3):
        order = OrderFactory(shop=owner.shop, order_id=f"37179623874800029{n:02d}", aftersale_count=n)
        OrderLineFactory(order=order, title="新款直筒牛仔裤（加长版）", channel=Channel.TALENT)
        OrderLineFactory(order=order, title="家用手工牛轧糖", channel=Channel.OTHER)
    _sign_in(page, live_server, "merchant_orders")
    page.goto(f"{live_server.url}/shops/{owner.shop.public_id}/orders/")
    expect(page.locator("#order-table tbody tr")).to_have_count(3)
    scroller = page.locator(".table-responsive:has(#order-table)")
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    right = _box(scroller)["x"] + _box(scroller)["width"]
    for header in page.locator("#order-table thead th").all():
        assert _box(header)["x"] + _box(header)["width"] <= right + 0.5 <= WIDE
    page.screenshot(path=screenshot_dir / "layout-orders-1280.png", full_page=True)
    assert page.problems == []
