"""The shop home page in headless Chromium: the sales-by-channel chart is drawn from the page's data, in Chinese."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shopops.channels import Channel
from shopops.services.rollups import sales_rollups_rebuild
from tests.factories import PASSWORD, MembershipFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.browser


def test_the_home_page_draws_sales_by_channel(page, expect, live_server, screenshot_dir):
    owner = MembershipFactory(user__username="merchant_zhao", shop__name="华东旗舰店")
    now = timezone.now()
    for days_ago, channel, fen in [
        (0, Channel.FINDER_LIVE, 12900),
        (1, Channel.MP_ARTICLE, 5990),
        (2, Channel.TALENT, 8990),
    ]:
        paid = now - timedelta(days=days_ago, minutes=5)
        order = OrderFactory(shop=owner.shop, create_time=paid, pay_time=paid, order_price_fen=fen)
        OrderLineFactory(order=order, channel=channel, real_price_fen=fen, account_id=f"acc{days_ago}")
    sales_rollups_rebuild(shop=owner.shop)  # the order store keeps them; factories bypass it

    page.goto(live_server.url + "/login/")
    page.locator("input[name=username]").fill("merchant_zhao")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"**/shops/{owner.shop.public_id}/")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#headline .kpi-value").first).to_have_text("¥278.80")
    canvas = page.locator("#channel-chart")
    expect(canvas).to_be_visible()
    drawn = page.evaluate(
        """() => {
            const chart = window.Chart.getChart(document.getElementById("channel-chart"));
            return chart ? chart.data.datasets.map((d) => [d.label, d.data.reduce((a, b) => a + b, 0)]) : null;
        }"""
    )
    assert drawn == [["视频号直播", 129], ["带货达人", 89.9], ["公众号文章", 59.9]]
    expect(page.locator("#channel-table tbody tr")).to_have_count(3)
    expect(page.locator("#top-accounts tbody tr")).to_have_count(3)
    page.screenshot(path=screenshot_dir / "06-shop-home-sales.png", full_page=True)
    assert page.problems == []
