"""The windowed order sync over HTTP against the sandbox: pages are stored in order, a run that dies resumes at the
first page not stored, and the page fetched ahead is kept when the platform stops the run."""

import itertools
import math
from datetime import timedelta

import pytest
from django.core.management import call_command

from sandbox import selectors as platform
from shopops.models import ApiCall, Order, ShopAlert, SyncCursor, SyncState
from shopops.sync import engine
from shopops.wechat import errors
from shopops.wechat.client import ShopClient
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxeng1ne0000000001", "eng1ne5ecre700000000000000000001"
DETAIL = "/channels/ec/order/get"


class Crash(Exception):
    pass


@pytest.fixture
def seeded(live_sandbox):
    """A shop whose 250-odd orders all fall in one 7-day window: pages of 100, 100 and the rest."""
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=5, orders=250, seed=11, verbosity=0)
    engine.backfill_request(shop=shop, since=engine.now() - timedelta(days=6), streams=["orders"])
    remote = {p["order_id"]: p for p in platform.order_payloads(APPID)}
    assert math.ceil(len(remote) / 100) == 3
    return shop, remote


def _updated_since(remote: dict, moment) -> int:
    return sum(1 for p in remote.values() if int(p["update_time"]) >= moment.timestamp())


def _detail_calls() -> int:
    return ApiCall.objects.filter(appid=APPID, endpoint=DETAIL).count()


def test_a_run_that_dies_while_storing_resumes_at_the_first_page_not_stored(seeded, settings):
    shop, remote = seeded
    pages = []

    def crash_on_the_second_page(stream, cursor):
        pages.append(cursor.next_key)
        if len(pages) == 2:
            raise Crash

    with pytest.raises(Crash):
        engine.shop_sync(shop=shop, streams=("orders",), on_page=crash_on_the_second_page)

    # Page 1 is stored with its cursor; page 2 was lost with the crash. Page 3's fetch had just started: the
    # calls already under way finished (at most one per worker), the rest were never made.
    cursor = SyncCursor.objects.get(shop=shop, stream="orders")
    assert (Order.objects.filter(shop=shop).count(), cursor.next_key) == (100, pages[0])
    first_run = _detail_calls()
    assert 200 <= first_run <= 200 + settings.SYNC_DETAIL_WORKERS

    report = engine.shop_sync(shop=shop, streams=("orders",))

    # Pages 2 and 3 of the interrupted window, then one page for the minutes since (it starts OVERLAP earlier).
    in_overlap = _updated_since(remote, cursor.window_end - engine.OVERLAP)
    assert (report.stopped, report.pages["orders"], report.fetched["orders"]) == ("", 3, len(remote) - 100 + in_overlap)
    assert {o.order_id: o.raw for o in Order.objects.filter(shop=shop)} == remote
    assert _detail_calls() == first_run + len(remote) - 100 + in_overlap
    assert SyncCursor.objects.get(shop=shop, stream="orders").window_start is None


def test_a_platform_error_while_listing_keeps_the_page_already_fetched(seeded, monkeypatch):
    shop, remote = seeded
    real_order_list, lists = ShopClient.order_list, []

    def rate_limited_on_the_second_list(self, **params):
        lists.append(params["next_key"])
        if len(lists) == 2:
            raise errors.RateLimitedError(errcode=45011, errmsg="api minute-quota reach limit", retry_at=0)
        return real_order_list(self, **params)

    monkeypatch.setattr(ShopClient, "order_list", rate_limited_on_the_second_list)
    report = engine.shop_sync(shop=shop, streams=("orders",))

    cursor = SyncCursor.objects.get(shop=shop, stream="orders")
    assert report.stopped == "RateLimitedError"
    assert (Order.objects.filter(shop=shop).count(), cursor.next_key) == (100, lists[1])
    monkeypatch.undo()

    report = engine.shop_sync(shop=shop, streams=("orders",))

    in_overlap = _updated_since(remote, cursor.window_end - engine.OVERLAP)
    assert (report.stopped, report.fetched["orders"]) == ("", len(remote) - 100 + in_overlap)
    assert {o.order_id: o.raw for o in Order.objects.filter(shop=shop)} == remote
    assert _detail_calls() == len(remote) + in_overlap  # nothing fetched twice but the overlap


def test_a_page_whose_details_failed_keeps_the_ones_fetched(live_sandbox, monkeypatch):
    """In a past window (its end long before the fetch), the details that were fetched are stored and not fetched
    again; the cursor stays before the failed page."""
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=12, orders=1200, seed=11, verbosity=0)
    since = engine.now() - timedelta(days=13)
    engine.backfill_request(shop=shop, since=since, streams=["orders"])
    remote = {p["order_id"]: p for p in platform.order_payloads(APPID)}
    first_window = _updated_since(remote, since) - _updated_since(remote, since + timedelta(days=7, seconds=1))
    assert first_window > 200  # page 2 (full) fails
    page_3 = min(100, first_window - 200)

    real_order_get, calls = ShopClient.order_get, itertools.count(1)

    def busy_once(self, order_id):
        if next(calls) == 150:  # a detail of page 2 (page 1's 100 are fetched first)
            raise errors.BusyError(errcode=-1, errmsg="system error")
        return real_order_get(self, order_id)

    monkeypatch.setattr(ShopClient, "order_get", busy_once)
    report = engine.shop_sync(shop=shop, streams=("orders",))

    # Page 1 stored with its cursor, 99 of page 2 without it; page 3 was being fetched ahead and was dropped
    # (the calls already made for it count, the rest were not made).
    cursor = SyncCursor.objects.get(shop=shop, stream="orders")
    assert report.stopped == "BusyError"
    assert (Order.objects.filter(shop=shop).count(), cursor.pages_done) == (199, 1)
    first_run = _detail_calls()
    assert 199 <= first_run <= 199 + page_3

    report = engine.shop_sync(shop=shop, streams=("orders",))

    # Everything not stored yet, plus the orders in the 5 minutes where the second window overlaps the first.
    in_overlap = _updated_since(remote, cursor.window_end - engine.OVERLAP) - _updated_since(
        remote, cursor.window_end + timedelta(seconds=1)
    )
    assert (report.stopped, report.fetched["orders"]) == ("", len(remote) - 199 + in_overlap)
    assert {o.order_id: o.raw for o in Order.objects.filter(shop=shop)} == remote
    assert _detail_calls() == first_run + len(remote) - 199 + in_overlap


def test_running_again_refetches_only_the_overlap(seeded):
    shop, remote = seeded
    first = engine.shop_sync(shop=shop, streams=("orders",))
    overlap_from = SyncCursor.objects.get(shop=shop, stream="orders").completed_until - engine.OVERLAP
    second = engine.shop_sync(shop=shop, streams=("orders",))

    # Only orders updated in the last minutes before the first run's end can have changed unseen since.
    in_overlap = _updated_since(remote, overlap_from)
    assert (first.stopped, first.fetched["orders"]) == ("", len(remote))
    assert (second.stopped, second.pages["orders"], second.fetched["orders"]) == ("", 1, in_overlap)
    assert _detail_calls() == len(remote) + in_overlap


def _busy_lists(monkeypatch, *, from_call: int):
    real_order_list, lists = ShopClient.order_list, itertools.count(1)

    def busy(self, **params):
        if next(lists) >= from_call:
            raise errors.BusyError(errcode=-1, errmsg="system error")
        return real_order_list(self, **params)

    monkeypatch.setattr(ShopClient, "order_list", busy)


def test_five_runs_in_a_row_that_store_nothing_pause_the_shop(seeded, monkeypatch):
    shop, _ = seeded
    _busy_lists(monkeypatch, from_call=1)
    for failures in range(1, 5):
        assert engine.shop_sync(shop=shop, streams=("orders",)).stopped == "BusyError"
        state = SyncState.objects.get(shop=shop)
        assert (state.consecutive_failures, state.paused_until) == (failures, None)

    before = engine.now()
    assert engine.shop_sync(shop=shop, streams=("orders",)).stopped == "BusyError"

    state = SyncState.objects.get(shop=shop)
    assert state.consecutive_failures == 5
    assert before + engine.FAILURE_PAUSE <= state.paused_until <= engine.now() + engine.FAILURE_PAUSE
    assert list(ShopAlert.objects.filter(shop=shop, resolved_at=None).values_list("kind", flat=True)) == [
        ShopAlert.Kind.SYNC_FAILING
    ]
    assert engine.shop_sync(shop=shop, streams=("orders",)).stopped == "paused"
    assert Order.objects.filter(shop=shop).count() == 0

    # Half an hour later the platform answers again: the run goes through and the alert is over.
    monkeypatch.undo()
    SyncState.objects.filter(shop=shop).update(paused_until=before)
    assert engine.shop_sync(shop=shop, streams=("orders",)).stopped == ""
    assert SyncState.objects.get(shop=shop).consecutive_failures == 0
    assert not ShopAlert.objects.filter(shop=shop, resolved_at=None).exists()


def test_a_failed_run_that_stored_pages_starts_the_count_again(seeded, monkeypatch):
    shop, _ = seeded
    SyncState.objects.create(shop=shop, consecutive_failures=4)
    _busy_lists(monkeypatch, from_call=2)  # page 1 is listed, fetched and stored; listing page 2 fails

    assert engine.shop_sync(shop=shop, streams=("orders",)).stopped == "BusyError"

    state = SyncState.objects.get(shop=shop)
    assert (state.consecutive_failures, state.paused_until) == (1, None)
    assert Order.objects.filter(shop=shop).count() == 100
    assert not ShopAlert.objects.filter(shop=shop).exists()
