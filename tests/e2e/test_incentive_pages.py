"""The 私域激励 pages a merchant opens after the programme pays out, in headless Chromium: the growth cards with a
live boost recorded on one, the WeCom staff rewards of a month, and the programme's rules changed by a new version.
Screenshots test-artifacts/screenshots/95–99."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from incentives.models import RuleSet
from incentives.services.growth import card_issue, card_spend
from incentives.services.rules import ruleset_install_example
from incentives.services.staff import staff_rewards_evaluate
from tests.factories import PASSWORD, MembershipFactory
from tests.incentives.staff_support import forwarded, make_order
from tests.incentives.test_staff import share_scheme

pytestmark = pytest.mark.browser
GUARDS = import_module("incentives.migrations.0003_ledger_sqlite_guards")


@pytest.fixture
def ledger_flushed_after(transactional_db):
    """The database flushed after this live-server test with SQLite's append-only ledger triggers lifted for that
    moment: the flush that follows a ``transactional_db`` test is a DELETE on SQLite, which they refuse (PostgreSQL's
    is a TRUNCATE); the framework's own flush then finds the tables empty."""
    yield
    if connection.vendor != "sqlite":
        return
    with connection.schema_editor() as editor:
        GUARDS.drop_guards(None, editor)
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    with connection.schema_editor() as editor:
        GUARDS.create_guards(None, editor)


def test_growth_cards_and_staff_rewards_read_in_chinese(
    ledger_flushed_after, page, expect, live_server, screenshot_dir
):
    owner = MembershipFactory(user__username="merchant_incentives")
    shop, today = owner.shop, timezone.localdate()
    card = card_issue(
        shop=shop,
        card_number="GC2026A",
        face_value_fen=50_000,
        issued_on=today - timedelta(days=5),
        valid_until=today + timedelta(days=40),
    )
    card_spend(card=card, amount_fen=12_345, spent_on=today, live_name="双12 直播")
    share_scheme(shop)  # 1.5% of the settled GMV of 企微成员转发 lines
    make_order(shop, ("a", 19_990, forwarded("zhangsan")))  # settled on 16 November 2026
    staff_rewards_evaluate(shop=shop, as_of=timezone.now())

    page.goto(live_server.url + "/login/")
    page.locator("input[name=username]").fill("merchant_incentives")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url("**/shops/*/")

    def console(name, **kwargs):
        return live_server.url + reverse(f"console:{name}", kwargs={"shop": shop.public_id, **kwargs})

    page.goto(console("growth_card_list"))
    expect(page.locator("main")).to_contain_text("GC2026A")
    expect(page.locator("main")).to_contain_text("¥376.55")  # ¥500.00 less the ¥123.45 boost
    page.screenshot(path=screenshot_dir / "95-growth-cards.png", full_page=True)

    page.goto(console("growth_card_detail", pk=card.pk))
    expect(page.locator("main")).to_contain_text("双12 直播")
    page.screenshot(path=screenshot_dir / "96-growth-card.png", full_page=True)

    page.goto(console("incentive_staff") + "?month=2026-11")
    expect(page.locator("main")).to_contain_text("zhangsan")
    expect(page.locator("main")).to_contain_text("¥2.99")  # floor(199.90 × 1.5%)
    page.screenshot(path=screenshot_dir / "97-staff-rewards.png", full_page=True)

    example = ruleset_install_example(shop=shop)
    page.goto(console("incentive_rules"))
    expect(page.locator("main")).to_contain_text("示例比例")
    page.screenshot(path=screenshot_dir / "98-incentive-rules.png", full_page=True)
    page.locator(f"#ruleset-{example.pk}").get_by_role("link", name="新版本").click()
    page.get_by_label("激励比例（%）").fill("0.8")
    page.get_by_label("合作小程序").uncheck()
    page.get_by_label("每月上限（元）").fill("500")
    page.screenshot(path=screenshot_dir / "99-incentive-rules-new-version.png", full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("第 2 版")
    new = RuleSet.objects.get(shop=shop, version=2)
    assert (new.rate_ppm, new.cap_per_month_fen, new.valid_from.date() <= today) == (8_000, 50_000, True)
    assert sorted(new.sources.values_list("sale_channel", "account_type")) == [(0, 2), (0, 4), (0, 6)]
    expect(page.locator(f"#ruleset-{new.pk}")).to_contain_text("0.8%")
