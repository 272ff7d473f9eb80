"""The windowed order sync over HTTP against the sandbox: pages are stored in order, a run that dies resumes at the
first page not stored, and the page fetched ahead is kept when the platform stops the run."""

import inspect
from datetime import timedelta

import pytest
from django.core.management import call_command

from sandbox import selectors as platform
from sandbox.faults import faults_configure
from sandbox.models import TargetedFault
from shopops.models import ApiCall, Order, ShopAlert, SyncCursor, SyncState
from shopops.sync import engine
from shopops.wechat.client import ShopClient
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxeng1ne0000000001", "eng1ne5ecre700000000000000000001"
LIST, DETAIL = "/channels/ec/order/list/get", "/channels/ec/order/get"
MINUTE = timedelta(minutes=1)
# How often the client tries a read before a transient error (-1, HTTP 5xx) reaches the engine.
ATTEMPTS = inspect.signature(ShopClient).parameters["max_attempts"].default


class Crash(Exception):
    pass


@pytest.fixture
def seeded(seeded):
    """tests/sync/conftest.py's shop, with an order backfill over its 7-day window requested."""
    shop, remote = seeded
    engine.backfill_request(shop=shop, since=engine.now() - timedelta(days=6), streams=["orders"])
    return shop, remote


def _updated_since(remote: dict, moment) -> int:
    return sum(1 for p in remote.values() if int(p["update_time"]) >= moment.timestamp())


@pytest.fixture
def quick_retries(settings):
    """The client's retry schedule is its own tests' business: here it would only cost time."""
    settings.WECHAT_BACKOFF_BASE = 0.01


def _detail_calls() -> int:
    return ApiCall.objects.filter(appid=APPID, endpoint=DETAIL).count()


def _answers(endpoint: str) -> list[int | None]:
    """The errcode of every call the shop made to ``endpoint``, in order."""
    return list(ApiCall.objects.filter(appid=APPID, endpoint=endpoint).order_by("id").values_list("errcode", flat=True))


def _platform_fails(path: str, *, errcode: int, first_call: int = 1, times: int = 1) -> None:
    """The sandbox answers calls ``first_call`` … ``first_call + times - 1`` of ``path`` (counted from now) with
    ``errcode`` (a targeted fault)."""
    fault = TargetedFault(path=path, first_call=first_call, times=times, errcode=errcode)
    faults_configure(account=platform.account_get(APPID), targeted=[fault])


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


def test_a_platform_error_while_listing_keeps_the_page_already_fetched(seeded):
    shop, remote = seeded
    _platform_fails(LIST, first_call=2, errcode=45011)  # listing page 2 hits the minute quota
    pages = []
    started = engine.now()

    report = engine.shop_sync(shop=shop, streams=("orders",), on_page=lambda stream, c: pages.append(c.next_key))

    # Page 1 is stored with its cursor, which points at page 2: the listing that failed.
    cursor = SyncCursor.objects.get(shop=shop, stream="orders")
    assert report.stopped == "RateLimitedError"
    assert (Order.objects.filter(shop=shop).count(), cursor.next_key) == (100, pages[0])
    assert len(pages) == 1 and pages[0] and _answers(LIST) == [0, 45011]
    # 45011 stops the stream until the next minute; a minute later the platform answers again.
    assert cursor.paused_until.timestamp() % 60 == 0 and started < cursor.paused_until <= engine.now() + MINUTE
    SyncCursor.objects.filter(pk=cursor.pk).update(paused_until=engine.now())

    report = engine.shop_sync(shop=shop, streams=("orders",))

    in_overlap = _updated_since(remote, cursor.window_end - engine.OVERLAP)
    assert (report.stopped, report.fetched["orders"]) == ("", len(remote) - 100 + in_overlap)
    assert {o.order_id: o.raw for o in Order.objects.filter(shop=shop)} == remote
    assert _detail_calls() == len(remote) + in_overlap  # nothing fetched twice but the overlap


def test_a_page_whose_details_failed_keeps_the_ones_fetched(live_sandbox, settings, quick_retries):
    """In a past window (its end long before the fetch), the details that were fetched are stored and not fetched
    again; the cursor stays before the failed page."""
    # One detail at a time in the first run, so that call 150 and the client's retries of it are the same order's.
    workers, settings.SYNC_DETAIL_WORKERS = settings.SYNC_DETAIL_WORKERS, 1
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=12, orders=1200, seed=11, verbosity=0)
    since = engine.now() - timedelta(days=13)
    engine.backfill_request(shop=shop, since=since, streams=["orders"])
    remote = {p["order_id"]: p for p in platform.order_payloads(APPID)}
    first_window = _updated_since(remote, since) - _updated_since(remote, since + timedelta(days=7, seconds=1))
    assert first_window > 200  # page 2 (full) fails
    page_3 = min(100, first_window - 200)
    # A detail of page 2 (page 1's 100 are fetched first) answers -1 to every try.
    _platform_fails(DETAIL, first_call=150, times=ATTEMPTS, errcode=-1)

    report = engine.shop_sync(shop=shop, streams=("orders",))

    # Page 1 stored with its cursor, 99 of page 2 without it; page 3 was being fetched ahead and was dropped
    # (the calls already made for it count, the rest were not made).
    cursor = SyncCursor.objects.get(shop=shop, stream="orders")
    assert report.stopped == "BusyError"
    assert (Order.objects.filter(shop=shop).count(), cursor.pages_done) == (199, 1)
    first_run = _detail_calls()
    assert 199 + ATTEMPTS <= first_run <= 199 + ATTEMPTS + page_3
    assert _answers(DETAIL)[149 : 150 + ATTEMPTS] == [-1] * ATTEMPTS + [0]

    settings.SYNC_DETAIL_WORKERS = workers
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


def test_five_runs_in_a_row_that_store_nothing_pause_the_shop(seeded, quick_retries):
    shop, _ = seeded
    _platform_fails(LIST, errcode=-1, times=5 * ATTEMPTS)  # every try of the next five runs' first listing
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
    assert _answers(LIST) == [-1] * (5 * ATTEMPTS)  # the paused run made no call

    # Half an hour later the platform answers again: the run goes through and the alert is over.
    SyncState.objects.filter(shop=shop).update(paused_until=before)
    assert engine.shop_sync(shop=shop, streams=("orders",)).stopped == ""
    assert SyncState.objects.get(shop=shop).consecutive_failures == 0
    assert not ShopAlert.objects.filter(shop=shop, resolved_at=None).exists()


def test_a_failed_run_that_stored_pages_starts_the_count_again(seeded, quick_retries):
    shop, _ = seeded
    SyncState.objects.create(shop=shop, consecutive_failures=4)
    # Page 1 is listed, fetched and stored; every try of listing page 2 answers -1.
    _platform_fails(LIST, errcode=-1, first_call=2, times=ATTEMPTS)

    assert engine.shop_sync(shop=shop, streams=("orders",)).stopped == "BusyError"

    state = SyncState.objects.get(shop=shop)
    assert (state.consecutive_failures, state.paused_until) == (1, None)
    assert Order.objects.filter(shop=shop).count() == 100
    assert not ShopAlert.objects.filter(shop=shop).exists()
