"""Layout at the widths merchants use (a 1280 px laptop, a 390 px phone), measured in headless Chromium: nothing a
merchant needs is clipped or pushed off screen, and amounts never wrap in the middle of a number."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shopops.models import ApiCall
from tests.factories import PASSWORD, MembershipFactory

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
