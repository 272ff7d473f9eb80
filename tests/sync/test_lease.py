"""The sync lease: whose lease a run may take over, and a run that lost its lease writes nothing more.

- An owner's process is judged gone only from the same host, boot and pid namespace. Where this process cannot read
  its boot id or its pid namespace, it names itself with a random value of its own: two containers that share a host
  name (and a kernel) never judge each other's process ids, and such a lease ends only by expiring.
- Every write a run makes checks the lease in the same transaction (``commit_page``, the last cursor save, the
  backfill's end, the push events): once another run took over, the old one stops ("lease lost") and leaves the
  rows as the new owner has them.
"""

import os
import pathlib
import subprocess
import sys
from datetime import timedelta

import pytest

from sandbox.models import Product as PlatformProduct
from shopops.models import InboundEvent, Order, SyncCursor, SyncState
from shopops.sync import engine
from tests.security.isolation import changes, snapshot

APPID, SECRET = "wx1ea5e00000000001", "1ea5e5ecre7000000000000000000001"
BOOT_ID, PID_NAMESPACE = "/proc/sys/kernel/random/boot_id", "/proc/self/ns/pid"
OTHER_RUN = "0123456789abcdef:4242:0123456789abcdef"
ROOT = pathlib.Path(__file__).resolve().parents[2]

# What an unreadable boot id or pid namespace looks like: the read raises OSError (not Linux, /proc not mounted,
# a sandboxed process). Everything else reads as usual.
UNREADABLE = """
import os, pathlib

read_text, stat = pathlib.Path.read_text, os.stat


def failing_read_text(self, *args, **kwargs):
    if str(self) == BOOT_ID and "boot id" in UNREADABLE_PARTS:
        raise PermissionError(13, "Permission denied", str(self))
    return read_text(self, *args, **kwargs)


def failing_stat(path, *args, **kwargs):
    if str(path) == PID_NAMESPACE and "pid namespace" in UNREADABLE_PARTS:
        raise FileNotFoundError(2, "No such file or directory", str(path))
    return stat(path, *args, **kwargs)
"""

# Another process of this host (a container sharing its host name and kernel) whose reads fail too: prints the lease
# owner id it would write, then ends (its pid means nothing to this process).
OTHER_PROCESS_OWNER = """
import os, pathlib, sys

import django

django.setup()
from shopops.sync import engine

BOOT_ID, PID_NAMESPACE, UNREADABLE_PARTS = sys.argv[1:4]
exec(sys.argv[4])
pathlib.Path.read_text, os.stat = failing_read_text, failing_stat
print(engine.lease_owner_new())
"""


@pytest.fixture
def unreadable(request, monkeypatch):
    """This process cannot read ``request.param`` ("boot id", "pid namespace" or both): returns the owner id that
    another such process of this host writes."""
    parts = request.param
    names = {"BOOT_ID": BOOT_ID, "PID_NAMESPACE": PID_NAMESPACE, "UNREADABLE_PARTS": parts}
    exec(UNREADABLE, names)  # noqa: S102 - the test's own code
    engine._process_space.cache_clear()
    monkeypatch.setattr(pathlib.Path, "read_text", names["failing_read_text"])
    monkeypatch.setattr(os, "stat", names["failing_stat"])
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shopops.settings"}
    other = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS_OWNER, BOOT_ID, PID_NAMESPACE, parts, UNREADABLE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    yield other
    engine._process_space.cache_clear()


@pytest.mark.django_db
@pytest.mark.parametrize("unreadable", ["boot id", "pid namespace", "boot id, pid namespace"], indirect=True)
def test_without_boot_id_or_pid_namespace_a_live_lease_ends_only_by_expiring(shop, unreadable):
    owner = unreadable
    pid = int(owner.split(":")[1])
    assert pid != os.getpid()
    assert not engine._process_alive(pid)  # nothing of that number here: the old host-name fallback took it over
    expires = engine.now() + timedelta(seconds=30)
    SyncState.objects.create(shop=shop, lease_owner=owner, lease_expires_at=expires)

    assert engine.lease_acquire(shop=shop, owner=engine.lease_owner_new()) is False
    assert SyncState.objects.values_list("lease_owner", "lease_expires_at").get(shop=shop) == (owner, expires)
    space = engine._process_space()
    assert engine._process_space() == space and owner.split(":")[0] != space  # once per process, never shared

    SyncState.objects.filter(shop=shop).update(lease_expires_at=engine.now() - timedelta(seconds=1))
    mine = engine.lease_owner_new()
    assert engine.lease_acquire(shop=shop, owner=mine) is True
    assert SyncState.objects.values_list("lease_owner", flat=True).get(shop=shop) == mine


# --- a run that lost its lease ----------------------------------------------------------------------------------


def _taken_over(shop) -> None:
    """Another run takes the lease and moves the shop's cursors on (as its own pages would)."""
    SyncState.objects.filter(shop=shop).update(lease_owner=OTHER_RUN, lease_expires_at=engine.now() + engine.LEASE_TTL)
    SyncCursor.objects.filter(shop=shop).update(next_key="the other run's", pages_done=99, running_since=engine.now())


def _lease_lost_after_commit(monkeypatch, shop, *, commit: int, out_of_time_after: int | None = None) -> dict:
    """Another run takes the lease right after the run stores page ``commit`` (between pages: ``on_page`` runs
    before a page is stored, and a lease lost there is found by that page's own commit). ``out_of_time_after``: the
    run's time is up after that page. Returns every row as the other run left them, once it has taken over."""
    commit_page, commits, taken = engine._Run.commit_page, [], {}

    def committed_then_lost(run, *args, **kwargs):
        commit_page(run, *args, **kwargs)
        commits.append(run)
        if len(commits) == out_of_time_after:
            run.deadline = 0.0
        if len(commits) == commit:
            _taken_over(shop)
            taken.update(snapshot())

    monkeypatch.setattr(engine._Run, "commit_page", committed_then_lost)
    return taken


@pytest.mark.django_db(transaction=True)
def test_a_run_that_lost_its_lease_after_its_last_page_does_not_save_its_cursor_or_end_the_backfill(
    seeded, monkeypatch
):
    shop, remote = seeded
    engine.backfill_request(shop=shop, since=engine.now() - timedelta(days=6), streams=["orders"])
    taken = _lease_lost_after_commit(monkeypatch, shop, commit=3)  # the window's last page

    report = engine.shop_sync(shop=shop, streams=("orders",))

    assert (report.stopped, report.pages["orders"]) == ("lease lost", 3)
    assert taken and changes(taken, snapshot()) == {}  # the cursor keeps the other run's state and its backfill
    assert SyncCursor.objects.get(shop=shop, stream="orders").backfill_from is not None
    assert Order.objects.filter(shop=shop).count() == len(remote)  # the pages stored under the lease stay


@pytest.mark.django_db(transaction=True)
def test_a_run_out_of_time_that_lost_its_lease_does_not_save_its_cursor(seeded, monkeypatch):
    shop, remote = seeded
    engine.backfill_request(shop=shop, since=engine.now() - timedelta(days=6), streams=["orders"])
    taken = _lease_lost_after_commit(monkeypatch, shop, commit=2, out_of_time_after=1)

    report = engine.shop_sync(shop=shop, streams=("orders",))

    assert (report.stopped, report.pages["orders"]) == ("lease lost", 2)
    assert taken and changes(taken, snapshot()) == {}
    assert SyncCursor.objects.get(shop=shop, stream="orders").next_key == "the other run's"


@pytest.mark.django_db(transaction=True)
def test_a_products_scan_out_of_time_that_lost_its_lease_does_not_save_its_cursor(seeded, monkeypatch):
    shop, _ = seeded
    listed = PlatformProduct.objects.filter(shop__appid=APPID).exclude(status__in=(0, 6, 9)).order_by("product_id")
    first = listed.first()
    PlatformProduct.objects.bulk_create(  # more than one page of 30 (copies without SKUs of their own)
        PlatformProduct(
            shop=first.shop,
            product_id=f"{first.product_id[:20]}9{n:03d}",
            status=first.status,
            update_time=first.update_time,
            payload={**first.payload, "product_id": f"{first.product_id[:20]}9{n:03d}", "skus": []},
        )
        for n in range(31)
    )
    taken = _lease_lost_after_commit(monkeypatch, shop, commit=1, out_of_time_after=1)

    report = engine.shop_sync(shop=shop, streams=("products",))

    assert (report.stopped, report.pages["products"]) == ("lease lost", 1)
    assert taken and changes(taken, snapshot()) == {}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "process",
    [
        pytest.param(lambda shop: engine.shop_events(shop=shop), id="shop_events"),
        pytest.param(lambda shop: engine.shop_sync(shop=shop, streams=()), id="shop_sync"),
    ],
)
def test_push_events_whose_run_lost_its_lease_while_fetching_are_not_stored(seeded, monkeypatch, process):
    shop, remote = seeded
    named = sorted(remote)[:3]
    for n, order_id in enumerate(named):
        InboundEvent.objects.create(
            shop=shop, key=f"k{n}", event="channels_ec_order_new", payload={"order_info": {"order_id": order_id}}
        )
    fetch_all, taken = engine._Run.fetch_all, {}

    def fetched_then_lost(run, *args, **kwargs):
        payloads = fetch_all(run, *args, **kwargs)
        if not taken:  # a fetch slower than the lease: another run took it meanwhile
            _taken_over(shop)
            taken.update(snapshot())
        return payloads

    monkeypatch.setattr(engine._Run, "fetch_all", fetched_then_lost)

    report = process(shop)

    assert (report.stopped, report.events) == ("lease lost", 0)
    diff = changes(taken, snapshot())
    diff.pop("shopops.ApiCall", None)  # the calls that were made are logged
    assert diff == {}
    assert (Order.objects.count(), InboundEvent.objects.filter(processed_at=None).count()) == (0, 3)
