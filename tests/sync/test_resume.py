"""An interrupted foreground sync (manage.py sync_shop) is resumed by the next run, over HTTP against the sandbox.

- A run killed with -9 leaves its lease behind: on the same host the next run sees that the owner's process is gone
  and takes over at once; from another host the lease ends within a minute, when its heartbeat has stopped. A live
  run's lease is never taken, however slow its page.
- Repeating an interrupted ``--since`` request continues the backfill in progress (its start, computed from now,
  is a few minutes later the second time); only an earlier start reads the period again.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sandbox import selectors as platform
from sandbox.server import database_url
from shopops.models import AfterSale, ApiCall, Order, SyncCursor, SyncState
from shopops.sync import engine

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxre5ume0000000001", "re5ume5ecre700000000000000000001"
ORDER_LIST, ORDER_GET = "/channels/ec/order/list/get", "/channels/ec/order/get"
ROOT = Path(__file__).resolve().parents[2]
BUSY = "Another sync of this shop is running right now"

# `manage.py sync_shop ARGS` in a process of its own that kills itself (SIGKILL: no finally, no lease release)
# just before it would store page N (argv[1]), as kill -9 or a power cut would.
KILLED_AT_PAGE = """
import os, signal, sys

import django

django.setup()
from django.core.management import call_command

from shopops.sync import engine

run_sync, pages = engine.shop_sync, []


def shop_sync(**kwargs):
    show = kwargs["on_page"]

    def on_page(stream, cursor):
        pages.append(stream)
        if len(pages) == int(sys.argv[1]):
            os.kill(os.getpid(), signal.SIGKILL)
        show(stream, cursor)

    return run_sync(**{**kwargs, "on_page": on_page})


engine.shop_sync = shop_sync
call_command("sync_shop", *sys.argv[2:])
"""


def _updated_since(remote: dict, moment) -> int:
    return sum(1 for p in remote.values() if int(p["update_time"]) >= moment.timestamp())


def _last_call() -> int:
    return ApiCall.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _calls(after: int, endpoint: str) -> int:
    return ApiCall.objects.filter(id__gt=after, appid=APPID, endpoint=endpoint).count()


def _assert_equal_to_the_platform(shop, remote: dict) -> None:
    assert {o.order_id: o.raw for o in Order.objects.filter(shop=shop)} == remote
    remote_aftersales = {p["after_sale_order_id"]: p for p in platform.aftersale_payloads(APPID)}
    assert {a.after_sale_order_id: a.raw for a in AfterSale.objects.filter(shop=shop)} == remote_aftersales


# --- a killed run's lease --------------------------------------------------------------------------------------------


def test_a_run_killed_with_minus_9_is_resumed_at_once_from_its_cursor(seeded, live_sandbox):
    shop, remote = seeded
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "WECHAT_API_BASE": live_sandbox,
        "DJANGO_SETTINGS_MODULE": "shopops.settings",
    }
    command = [sys.executable, "-c", KILLED_AT_PAGE, "2", "--shop", APPID, "--since", "6d", "--verbosity", "0"]
    killed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    # Page 1 is stored with its cursor; the dead run's lease is still there and has not expired.
    cursor = SyncCursor.objects.get(shop=shop, stream="orders")
    state = SyncState.objects.get(shop=shop)
    assert (Order.objects.filter(shop=shop).count(), cursor.pages_done) == (100, 1)
    assert state.lease_owner != "" and state.lease_expires_at > engine.now()
    before = _last_call()

    call_command("sync_shop", shop=APPID, verbosity=0)

    # Pages 2 and 3 of the interrupted window, then one page for the minutes since (it starts OVERLAP earlier):
    # page 1 is neither listed nor fetched again.
    in_overlap = _updated_since(remote, cursor.window_end - engine.OVERLAP)
    assert (_calls(before, ORDER_LIST), _calls(before, ORDER_GET)) == (3, len(remote) - 100 + in_overlap)
    _assert_equal_to_the_platform(shop, remote)
    assert SyncState.objects.values_list("lease_owner", "lease_expires_at").get(shop=shop) == ("", None)


@pytest.fixture
def live_process():
    """A process of this host that stays alive for the test."""
    process = subprocess.Popen(["sleep", "300"])
    yield process.pid
    process.kill()
    process.wait()


@pytest.fixture
def gone_process():
    """The id of a process of this host that has ended (and was reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


ANOTHER_HOST = "0123456789abcdef:4242:0123456789abcdef"


@pytest.mark.parametrize(
    ("holder", "renewed_ago", "proceeds"),
    [
        pytest.param("live", timedelta(0), False, id="this host, process alive"),
        pytest.param("gone", timedelta(0), True, id="this host, process gone"),
        pytest.param("other", timedelta(seconds=50), False, id="other host, renewed 50 s ago"),
        pytest.param("other", timedelta(seconds=61), True, id="other host, heartbeat stopped 61 s ago"),
    ],
)
def test_a_lease_is_taken_only_from_a_run_that_is_gone(
    seeded, live_process, gone_process, holder, renewed_ago, proceeds
):
    shop, remote = seeded
    owner = {
        "live": engine.lease_owner_new(pid=live_process),
        "gone": engine.lease_owner_new(pid=gone_process),
        "other": ANOTHER_HOST,
    }[holder]
    expires = engine.now() - renewed_ago + engine.LEASE_TTL
    SyncState.objects.create(shop=shop, lease_owner=owner, lease_expires_at=expires)

    if not proceeds:
        with pytest.raises(CommandError, match=BUSY):
            call_command("sync_shop", shop=APPID, since="6d", verbosity=0)
        # Refused: not even the backfill request was recorded.
        assert SyncState.objects.values_list("lease_owner", "lease_expires_at").get(shop=shop) == (owner, expires)
        assert (SyncCursor.objects.count(), Order.objects.count(), ApiCall.objects.count()) == (0, 0, 0)
        return

    call_command("sync_shop", shop=APPID, since="6d", verbosity=0)

    _assert_equal_to_the_platform(shop, remote)
    assert SyncState.objects.values_list("lease_owner", "lease_expires_at").get(shop=shop) == ("", None)


def test_a_live_run_keeps_its_lease_through_a_page_slower_than_the_lease(seeded, monkeypatch):
    """The heartbeat renews the lease while the run lives, not only when a page is stored."""
    shop, remote = seeded
    monkeypatch.setattr(engine, "LEASE_TTL", timedelta(seconds=1))
    monkeypatch.setattr(engine, "LEASE_HEARTBEAT", timedelta(seconds=0.1))
    competitors = []

    def slow_first_page(stream, cursor):
        if not competitors:
            time.sleep(3)  # three lease lifetimes without storing anything
            competitors.append(engine.lease_acquire(shop=shop, owner=engine.lease_owner_new()))

    report = engine.shop_sync(
        shop=shop, streams=("orders",), on_page=slow_first_page, backfill_since=engine.now() - timedelta(days=6)
    )

    assert competitors == [False]
    assert (report.stopped, report.fetched["orders"]) == ("", len(remote))
    assert {o.order_id: o.raw for o in Order.objects.filter(shop=shop)} == remote
    assert SyncState.objects.values_list("lease_owner", "lease_expires_at").get(shop=shop) == ("", None)


def test_a_caught_up_shop_syncs_again_without_since(seeded):
    """Its cursors have no backfill and no window: the progress bar has no start to measure from until there is one."""
    shop, remote = seeded
    call_command("sync_shop", shop=APPID, since="6d", verbosity=0)
    assert list(SyncCursor.objects.filter(shop=shop).order_by("pk").values_list("backfill_from", "window_start")) == [
        (None, None),
        (None, None),
    ]
    out = StringIO()

    call_command("sync_shop", shop=APPID, stdout=out)

    assert out.getvalue().startswith("Done: orders ")
    _assert_equal_to_the_platform(shop, remote)


# --- repeating an interrupted --since --------------------------------------------------------------------------------


def _ctrl_c(monkeypatch, *, when):
    """The next sync_shop is interrupted (Ctrl-C) just before it stores the page for which ``when(streams)`` is
    true, ``streams`` being the stream of every page so far. The run ends as an interrupted one does: lease
    released, cursors as they were saved."""
    run_sync = engine.shop_sync

    def shop_sync(**kwargs):
        show, seen = kwargs["on_page"], []

        def on_page(stream, cursor):
            seen.append(stream)
            if when(seen):
                raise KeyboardInterrupt
            show(stream, cursor)

        return run_sync(**{**kwargs, "on_page": on_page})

    monkeypatch.setattr(engine, "shop_sync", shop_sync)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(datetime.now(tz=UTC), tick=True)
    return time_machine


def test_the_same_since_again_resumes_the_interrupted_backfill(seeded, monkeypatch, clock):
    shop, remote = seeded
    _ctrl_c(monkeypatch, when=lambda seen: len(seen) == 2)
    with pytest.raises(KeyboardInterrupt):
        call_command("sync_shop", shop=APPID, since="6d", verbosity=0)
    monkeypatch.undo()
    cursor = SyncCursor.objects.get(shop=shop, stream="orders")
    assert (Order.objects.filter(shop=shop).count(), cursor.pages_done) == (100, 1)
    clock.shift(timedelta(minutes=3))  # "--since 6d" now starts 3 minutes later
    before = _last_call()

    call_command("sync_shop", shop=APPID, since="6d", verbosity=0)

    # Pages 2 and 3 of the interrupted window, then the minutes since: page 1 is neither listed nor fetched again.
    in_overlap = _updated_since(remote, cursor.window_end - engine.OVERLAP)
    assert (_calls(before, ORDER_LIST), _calls(before, ORDER_GET)) == (3, len(remote) - 100 + in_overlap)
    _assert_equal_to_the_platform(shop, remote)
    # The backfill (from the first request's start) is over for both streams.
    assert list(
        SyncCursor.objects.filter(shop=shop).order_by("pk").values_list("stream", "backfill_from", "window_start")
    ) == [
        ("orders", None, None),
        ("aftersales", None, None),
    ]


def test_the_same_since_again_does_not_reread_a_stream_that_finished(seeded, monkeypatch, clock):
    shop, remote = seeded
    _ctrl_c(monkeypatch, when=lambda seen: seen[-1] == "aftersales")  # the orders are all stored by then
    with pytest.raises(KeyboardInterrupt):
        call_command("sync_shop", shop=APPID, since="6d", verbosity=0)
    monkeypatch.undo()
    orders = SyncCursor.objects.get(shop=shop, stream="orders")
    assert (Order.objects.filter(shop=shop).count(), orders.window_start) == (len(remote), None)
    assert AfterSale.objects.filter(shop=shop).count() == 0
    clock.shift(timedelta(minutes=3))
    before = _last_call()

    call_command("sync_shop", shop=APPID, since="6d", verbosity=0)

    # The orders go on from where they caught up (one page: the minutes since), not from 6 days ago.
    in_overlap = _updated_since(remote, orders.completed_until - engine.OVERLAP)
    assert (_calls(before, ORDER_LIST), _calls(before, ORDER_GET)) == (1, in_overlap)
    _assert_equal_to_the_platform(shop, remote)
    assert list(SyncCursor.objects.filter(shop=shop).order_by("pk").values_list("backfill_from", flat=True)) == [
        None,
        None,
    ]


def test_an_earlier_since_reads_the_period_again(seeded, monkeypatch, clock):
    shop, remote = seeded
    _ctrl_c(monkeypatch, when=lambda seen: len(seen) == 2)
    with pytest.raises(KeyboardInterrupt):
        call_command("sync_shop", shop=APPID, since="6d", verbosity=0)
    monkeypatch.undo()
    clock.shift(timedelta(minutes=3))
    before = _last_call()
    requested = engine.now() - timedelta(days=7)

    _ctrl_c(monkeypatch, when=lambda seen: seen[-1] == "aftersales")
    with pytest.raises(KeyboardInterrupt):
        call_command("sync_shop", shop=APPID, since="7d", verbosity=0)

    # From the new start: all three pages of its 7-day window, every order fetched again (the ones stored before
    # are older than the window's end), then the minutes from that window's end (OVERLAP earlier) to now.
    orders = SyncCursor.objects.get(shop=shop, stream="orders")
    assert requested <= orders.backfill_from <= requested + timedelta(seconds=5)
    in_overlap = _updated_since(remote, orders.backfill_from + timedelta(days=7) - engine.OVERLAP)
    assert (_calls(before, ORDER_LIST), _calls(before, ORDER_GET)) == (4, len(remote) + in_overlap)
