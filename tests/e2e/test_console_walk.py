"""A shop owner's walk through the console in headless Chromium, in Chinese, against the sandbox over HTTP.

Log in → connect the shop (平台连接, 测试连接) → backfill from a date (同步状态), watching the progress bar while the
queued sync task runs → filter the orders, open one, export the filtered orders as CSV → invite a 视频号, let it
accept on the sandbox side, refresh, and make it the shop's display 视频号.

The backfill request only queues a task. The test takes that task off the configured django-q broker and runs it in
a background thread, as a worker would. The run is held before it stores its orders pages (the engine's
``on_page`` hook), so the page can be looked at while the backfill is partly done: after page 1, after page 2, and
once it is let go to the end.
"""

import csv
import io
import re
import threading
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.signing import SignedPackage

from linked_accounts.models import LinkedAccount
from sandbox import selectors as platform
from shopops.channels import Channel
from shopops.models import Order, SyncCursor
from shopops.money import format_yuan
from shopops.selectors.sync import sync_streams_for_shop
from shopops.sync import engine
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.browser

APPID, SECRET = "wxwa1kc0n5o1e00001", "wa1kc0n5o1e5ecre7000000000000001"
PLATFORM_NAME = "华东旗舰店"  # the shop's name on WeChat Shop, which the connection test shows
BACKFILL_DAYS = 27  # the sandbox's orders span 21 days: four 7-day order windows, so four or more orders pages
FILTER_STATUS, FILTER_CHANNEL = Order.Status.COMPLETED, Channel.FINDER_LIVE
SLOW_MS = 60_000  # for the rest of the backfill (orders details, 28 after-sales windows) on a loaded machine
BEIJING = ZoneInfo("Asia/Shanghai")
SHARE = re.compile(r"已完成 (\d+)%")


class OrdersPagePacer:
    """The engine's ``on_page`` hook: lets the orders stream store ``allowed`` pages, then holds the run just before
    it stores the next one until the test allows more. Other streams pass freely."""

    def __init__(self, allowed: int):
        self._cond = threading.Condition()
        self.allowed = allowed
        self.reached = 0  # orders pages the run has come to store (the last one may be held)

    def __call__(self, stream, cursor):
        if stream != SyncCursor.Stream.ORDERS:
            return
        with self._cond:
            self.reached += 1
            self._cond.notify_all()
            if not self._cond.wait_for(lambda: self.reached <= self.allowed, timeout=SLOW_MS / 1000 * 3):
                raise TimeoutError(f"orders page {self.reached} was never allowed")

    def allow(self, pages: float) -> None:
        with self._cond:
            self.allowed = pages
            self._cond.notify_all()

    def wait_held_at(self, page: int) -> None:
        """Until the run holds before storing orders page ``page``, i.e. every earlier page is committed."""
        with self._cond:
            assert self._cond.wait_for(lambda: self.reached >= page, timeout=SLOW_MS / 1000), (
                f"the run never came to orders page {page} (reached {self.reached})"
            )


class QueuedTaskRunner:
    """Takes the one task the console queued off the configured broker and runs it in a thread, as a worker would."""

    def __init__(self):
        self.broker = get_broker()
        self.broker.purge_queue()
        self.task = None
        self.result = None
        self.error = None
        self.thread = None

    def take_one(self) -> dict:
        # The ORM broker hands out rows whose lock time has passed (and waits Conf.POLL when there is none); Redis
        # waits up to a second. Either way the enqueue is committed before the redirect the browser followed.
        for _attempt in range(25):
            taken = self.broker.dequeue()
            if taken:
                break
        else:
            raise AssertionError("nothing was queued")
        assert len(taken) == 1, taken
        ack_id, payload = taken[0]
        self.broker.acknowledge(ack_id)
        assert self.broker.queue_size() == 0, "more than one task was queued"
        self.task = SignedPackage.loads(payload)
        return self.task

    def start(self) -> None:
        def run():
            try:
                self.result = import_string(self.task["func"])(*self.task["args"], **self.task["kwargs"])
            except BaseException as exc:  # reported by join()
                self.error = exc
            finally:
                connections.close_all()  # this thread's own database connection

        self.thread = threading.Thread(target=run, name="walk-sync-task", daemon=True)
        self.thread.start()

    def join(self):
        self.thread.join(timeout=SLOW_MS / 1000)
        assert not self.thread.is_alive(), "the sync task did not finish"
        if self.error is not None:
            raise self.error
        return self.result

    def close(self) -> None:
        if self.thread is not None:
            self.thread.join(timeout=SLOW_MS / 1000)
        self.broker.purge_queue()


@pytest.fixture
def sandbox(live_sandbox):
    call_command(
        "sandbox_seed", shop=APPID, secret=SECRET, name=PLATFORM_NAME, days=21, orders=120, seed=11, agencies=0
    )
    return platform.catalog(APPID)


@pytest.fixture
def paced_sync(monkeypatch):
    """The queued-task runner, with every ``engine.shop_sync`` run paced by an ``OrdersPagePacer``."""
    pacer = OrdersPagePacer(allowed=1)
    monkeypatch.setattr(engine, "shop_sync", partial(engine.shop_sync, on_page=pacer))
    runner = QueuedTaskRunner()
    yield runner, pacer
    pacer.allow(float("inf"))  # never leave the thread held, whatever happened
    runner.close()


def _share(text: str) -> int:
    match = SHARE.search(text)
    assert match, text
    return int(match.group(1))


def _expected_share(shop) -> int:
    """The share the page shows now, from the database (the same formula, at this moment)."""
    (orders,) = [s for s in sync_streams_for_shop(shop=shop, now=timezone.now()) if s.stream == "orders"]
    return orders.backfill_share


def test_a_shop_owner_walks_the_console(page, expect, live_server, screenshot_dir, sandbox, paced_sync):
    runner, pacer = paced_sync
    owner = MembershipFactory(user__username="merchant_li", shop__name="李记好物")
    shop = owner.shop
    shot = lambda name: page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)  # noqa: E731
    # The shop's side menu. (A link's accessible name includes its Bootstrap icon's glyph, so match the text.)
    nav = lambda label: page.locator("a.nav-link").filter(has_text=re.compile(rf"^\s*{label}\s*$"))  # noqa: E731

    # --- log in through the real login page -------------------------------------------------------------------
    page.goto(live_server.url + "/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.locator("input[name=username]").fill("merchant_li")
    page.locator("input[name=password]").fill(PASSWORD)
    shot("30-walk-login")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/shops/{shop.public_id}/")

    # --- 平台连接: enter the credentials, save, test the connection -----------------------------------------------
    nav("平台连接").click()
    expect(page.get_by_role("heading", name="平台连接")).to_be_visible()
    expect(page.get_by_role("button", name="测试连接")).to_be_disabled()  # nothing stored yet
    page.locator("#id_appid").fill(APPID)
    page.locator("#id_app_secret").fill(SECRET)
    shot("31-walk-connect")
    page.locator("#credentials button[type=submit]").click()
    expect(page.locator(".alert-success").first).to_contain_text("凭证已保存")
    page.get_by_role("button", name="测试连接").click()
    expect(page.locator(".connection-ok")).to_contain_text("连接成功。")
    expect(page.locator(".connection-ok .shop-nickname")).to_have_text(PLATFORM_NAME)
    shot("32-walk-connection-test")
    shop.refresh_from_db()
    assert (shop.appid, shop.app_secret) == (APPID, SECRET)

    # --- 同步状态: backfill from a date, watch the progress bar -------------------------------------------------
    nav("同步状态").click()
    orders_card = page.locator(".stream-card[data-stream=orders]")
    aftersales_card = page.locator(".stream-card[data-stream=aftersales]")
    expect(orders_card.locator(".badge")).to_have_text("从未同步")
    since = timezone.now().astimezone(BEIJING).date() - timedelta(days=BACKFILL_DAYS)
    page.locator("#id_since").fill(since.isoformat())
    page.once("dialog", lambda dialog: dialog.accept())  # the form's data-confirm
    page.locator("#backfill button[type=submit]").click()
    queued = f"已加入回补队列：将在后台重新读取 {since.isoformat()} 00:00"
    expect(page.locator(".alert-success").first).to_contain_text(queued)
    shot("33-walk-backfill-queued")

    task = runner.take_one()
    assert (task["func"], task["args"]) == ("shopops.tasks.sync_shop", (shop.pk, ("orders", "aftersales")))
    runner.start()
    pacer.wait_held_at(2)  # orders page 1 is stored; the run holds before page 2
    page.reload()
    expect(orders_card.locator(".badge")).to_have_text("运行中")
    share = orders_card.locator(".backfill-share")
    expect(share).to_contain_text(f"自 {since.isoformat()} 起的时段已完成")
    first = _share(share.inner_text())
    assert 0 < first < 100
    assert abs(first - _expected_share(shop)) <= 1
    expect(orders_card.locator(".progress-bar")).to_have_attribute("style", f"width: {first}%")
    shot("34-walk-backfill-progress")

    # The page polls every 2 s while a stream runs: after one more page the bar moves on by itself.
    pacer.allow(2)
    pacer.wait_held_at(3)
    expect(share).not_to_have_text(re.compile(rf"已完成 {first}%"))
    second = _share(share.inner_text())
    assert first < second < 100
    assert abs(second - _expected_share(shop)) <= 1
    shot("35-walk-backfill-progress-more")

    pacer.allow(float("inf"))
    expect(orders_card.locator(".badge")).to_have_text("正常", timeout=SLOW_MS)
    expect(aftersales_card.locator(".badge")).to_have_text("正常", timeout=SLOW_MS)
    expect(page.locator(".stream-progress")).to_have_count(0)
    expect(page.locator("#sync-streams")).not_to_have_attribute("hx-trigger", re.compile("."))  # polling stopped
    assert runner.join() == "caught up"
    assert pacer.reached >= 4
    shot("36-walk-backfill-done")
    synced = Order.objects.filter(shop=shop)
    # The 120 orders asked for and the 福袋 winners' 0-yuan orders the seed adds to the busiest lives.
    assert synced.count() == len(platform.order_payloads(APPID)) > 120

    # --- 订单: filter, open one, export the filtered orders -------------------------------------------------------
    expected = synced.filter(status=FILTER_STATUS, lines__channel=FILTER_CHANNEL).distinct()
    expected_ids = set(expected.values_list("order_id", flat=True))
    assert 2 <= len(expected_ids) <= 20, len(expected_ids)  # meaningful, and one page of the list
    nav("订单").click()
    expect(page.locator("#order-table tbody tr")).to_have_count(20)  # the first page
    page.locator("#filter-status").select_option(str(FILTER_STATUS.value))
    page.get_by_role("button", name="更多筛选").click()
    page.locator("#filter-channel").select_option(FILTER_CHANNEL.value)
    page.locator("#order-filters button[type=submit]").click()  # 筛选
    rows = page.locator("#order-table tbody tr")
    expect(rows).to_have_count(len(expected_ids))
    shown_ids = rows.locator("td:first-child a").all_inner_texts()
    assert set(shown_ids) == expected_ids
    expect(rows.locator("td:nth-child(4) .badge")).to_have_text(["已完成"] * len(expected_ids))
    shot("37-walk-orders-filtered")
    filtered_url = page.url

    order = expected.get(order_id=shown_ids[0])
    line = order.lines.filter(channel=FILTER_CHANNEL).first()
    rows.first.locator("td:first-child a").click()
    expect(page.locator("h1")).to_contain_text(order.order_id)
    expect(page.locator("#order-status")).to_have_text("已完成")
    expect(page.locator("#order-lines")).to_contain_text(line.title)
    expect(page.locator("#order-paid")).to_have_text(format_yuan(order.order_price_fen))
    assert page.locator("#order-paid").inner_text().startswith("¥")
    shot("38-walk-order-detail")

    page.goto(filtered_url)
    with page.expect_download() as download_info:
        page.locator("#export-csv").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    data = download.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert re.search(r"[\u4e00-\u9fff]", text)
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][0] == "订单号"
    # Ids are ="…" formulas whose value is the id as text, so Excel and WPS keep all 19 digits (exports._csv_id).
    assert {row[0] for row in table[1:]} == {f'="{order_id}"' for order_id in expected_ids}
    assert len(table) - 1 == sum(o.lines.count() for o in expected)  # one row per order line
    assert {row[3] for row in table[1:]} == {"已完成"}

    # --- 关联账号: invite a 视频号, it accepts on WeChat, refresh, make it the display 视频号 -------------------------
    talent = sandbox["talents"][0]
    nav("关联账号").click()
    page.locator("#invite-account").click()
    page.locator("#id_kind").select_option("channels")
    page.locator("#id_account_id").fill(talent["finder_id"])
    shot("39-walk-invite")
    page.get_by_role("button", name="发送邀请").click()
    expect(page.locator("h1")).to_contain_text(talent["nickname"])
    expect(page.locator("#account-status")).to_have_text("待确认")
    shot("40-walk-invited")

    out = io.StringIO()
    call_command("sandbox_invitation", "--shop", APPID, "--account", talent["finder_id"], "--accept", stdout=out)
    assert "accepted" in out.getvalue()

    nav("关联账号").click()
    page.locator("#refresh-linked").click()
    invited = LinkedAccount.objects.get(shop=shop, account_id=talent["finder_id"])
    row = page.locator(f"#linked-{invited.pk}")
    expect(row.locator(".badge").first).to_have_text("已关联")
    expect(page.locator(".alert-success").first).to_contain_text("1 个已接受")
    shot("41-walk-linked")

    row.get_by_role("link", name=talent["nickname"]).click()
    expect(page.locator("#account-status")).to_have_text("已关联")
    page.locator("#make-display").click()
    expect(page.locator("#display-badge")).to_have_text("对外展示账号")
    shot("42-walk-display")
    nav("关联账号").click()
    expect(page.locator("#display-accounts .display-channels")).to_have_text(talent["nickname"])
    expect(row.locator(".badge.text-bg-primary")).to_have_text("对外展示账号")
    shot("43-walk-display-list")

    assert page.problems == []
