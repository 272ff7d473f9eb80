"""The sync engine: windowed, resumable polling of orders and after-sales, full product scans, and the
processing of push events — all through the same upsert path (shopops.sync.store).

A run is about a ``Subject``: a shop (``shop_subject``), or another account of the platform that a feature app
syncs through the same code (affiliates.sync: an agency, with its own lease, cursor and alert rows made from the
abstract bases in shopops.models.platform, and its own ``WindowedStream``/``ScanStream`` definitions). Everything
below holds for every subject; only push events are a shop's.

Rules this module keeps:
- One run per subject at a time, enforced by a lease row (``SyncState``) taken with a conditional UPDATE. A run's
  heartbeat thread renews the lease every ``LEASE_HEARTBEAT`` while its process lives, so a crashed run's lease
  expires within ``LEASE_TTL``; a run on the same host takes it over at once when the owner's process is gone.
- A backfill request that an unfinished backfill of the same stream already covers (same or later start) leaves
  it going: repeating an interrupted request resumes it.
- A cursor per (subject, stream) is saved in the same transaction as each page's rows, so a run killed at any point
  resumes at the page it was on and never loses or duplicates rows.
- Windows respect the platform limits (orders ≤ 7 days, after-sales ≤ 24 h) and start ``OVERLAP`` before the
  last completed point, so an update that lands on a boundary is not missed. Both streams list by update time, so
  a change to an old order or after-sale is found by polling even when its push never arrives.
- A listed id is fetched only if our copy was not already fetched after the window's end (plus ``CLOCK_SKEW``):
  then it cannot be newer than ours. Resumed pages and overlaps therefore cost list calls, not detail calls.
- A page whose details could not all be fetched stores the ones that were (not its cursor), so a retry fetches
  only the rest.
- 45011 pauses the stream until the next minute; 45009 pauses the subject until the next day and raises an alert;
  credential, permission and IP-whitelist errors raise alerts; five runs in a row that fail without storing
  anything pause the subject 30 min; a run that goes through resolves those alerts.
"""

import copy
import functools
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, models, transaction
from django.db.models import Q

from shopops.models import AfterSale, InboundEvent, Order, Shop, ShopAlert, SyncCursor, SyncState
from shopops.models.platform import SyncAlertBase, SyncAlertKind, SyncCursorBase, SyncStateBase
from shopops.platform import ApiCallLog, shop_client
from shopops.sync import store
from shopops.wechat import errors
from shopops.wechat.types import platform_time

logger = logging.getLogger(__name__)

# A live run renews its lease every LEASE_HEARTBEAT (from a thread of its own, so a slow page does not matter);
# a dead run's lease frees itself within LEASE_TTL, which allows three missed beats (a busy database) first.
LEASE_TTL = timedelta(seconds=60)
LEASE_HEARTBEAT = timedelta(seconds=15)
OVERLAP = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=2)
FAILURES_BEFORE_PAUSE = 5
FAILURE_PAUSE = timedelta(minutes=30)
SHANGHAI = ZoneInfo("Asia/Shanghai")
RESOLVED_BY_SUCCESS = (
    SyncAlertKind.QUOTA,
    SyncAlertKind.IP_WHITELIST,
    SyncAlertKind.CREDENTIALS,
    SyncAlertKind.SYNC_FAILING,
)


def now() -> datetime:
    return datetime.now(tz=UTC)


# --- the subject ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a run syncs, and where the engine keeps its state: the lease and pause row (``state_model``, one per
    subject), the cursors (``cursor_model``, one per stream) and the alerts (``alert_model``), each a concrete
    model of the bases in shopops.models.platform keyed by the foreign key named ``field``. ``client`` builds the
    run's platform client from its call log; ``shop`` is the call log's shop (None: the calls are logged by appid
    only); ``pushes`` says whether the subject's push events (InboundEvent) are processed by its runs."""

    instance: models.Model
    field: str
    state_model: type[SyncStateBase]
    cursor_model: type[SyncCursorBase]
    alert_model: type[SyncAlertBase]
    client: Callable[[ApiCallLog], Any]
    shop: Shop | None = None
    pushes: bool = False

    @property
    def key(self) -> dict:
        return {self.field: self.instance}

    @property
    def appid(self) -> str:
        return self.instance.appid

    @property
    def label(self) -> str:
        return f"{self.field} {self.instance.pk}"

    def state(self) -> models.QuerySet:
        return self.state_model.objects.filter(**self.key)

    def cursors(self, **filters) -> models.QuerySet:
        return self.cursor_model.objects.filter(**self.key, **filters)

    def cursor(self, stream: str) -> SyncCursorBase:
        return self.cursor_model.objects.get_or_create(**self.key, stream=stream)[0]

    def alerts(self, **filters) -> models.QuerySet:
        return self.alert_model.objects.filter(**self.key, **filters)


def shop_subject(shop: Shop) -> Subject:
    return Subject(
        instance=shop,
        field="shop",
        state_model=SyncState,
        cursor_model=SyncCursor,
        alert_model=ShopAlert,
        client=lambda log: shop_client(shop, log=log),
        shop=shop,
        pushes=True,
    )


# --- the lease ------------------------------------------------------------------------------------------


@functools.cache
def _process_space() -> str:
    """Names the processes whose ids this process can check: same host, same boot, same pid namespace (two
    containers may share a host name but never a pid namespace; a rebooted host has none of its old processes).

    When the boot id or the pid namespace cannot be read (not Linux, no /proc), a random value of this process's
    own (computed once): the host name alone would let two containers sharing it on one kernel judge each other's
    pids and take over a live lease. Such an owner is never judged gone by another process; its lease ends by
    expiring (``LEASE_TTL``)."""
    try:
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        pid_namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return uuid.uuid4().hex[:16]
    return hashlib.sha256("\0".join([socket.gethostname(), boot_id, pid_namespace]).encode()).hexdigest()[:16]


def lease_owner_new(*, pid: int | None = None) -> str:
    """A lease owner id for one run of this process (``pid`` only for tests): ``<process space>:<pid>:<random>``,
    so that a later run on the same host can tell that the owner's process is gone."""
    return f"{_process_space()}:{os.getpid() if pid is None else pid}:{uuid.uuid4().hex[:16]}"


def _process_alive(pid: int) -> bool:
    """False only when certain: no such process, or a killed one its parent has not reaped yet (a zombie)."""
    if os.name != "posix" or pid <= 0:
        return True
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only the existence is checked
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _owner_gone(owner: str) -> bool:
    """Whether ``owner`` is a run of a process on this host (see ``lease_owner_new``) that no longer exists.
    Owners of other hosts, and ids of another form, are never judged: their leases end by expiring."""
    space, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return space == _process_space() and pid.isdigit() and not _process_alive(int(pid))


def _lease_take(subject: Subject, owner: str, held: Q, at: datetime) -> bool:
    return subject.state().filter(held).update(lease_owner=owner, lease_expires_at=at + LEASE_TTL) == 1


def subject_lease_acquire(*, subject: Subject, owner: str) -> bool:
    """Take the subject's sync lease if it is free, expired, or held by a run whose process on this host is gone
    (killed, crashed). Exactly one caller wins: each take is a conditional UPDATE of the one row."""
    at = now()
    subject.state_model.objects.get_or_create(**subject.key)
    if _lease_take(subject, owner, Q(lease_owner="") | Q(lease_expires_at__lt=at), at):
        return True
    holder = subject.state().values_list("lease_owner", flat=True).first()
    if holder and _owner_gone(holder) and _lease_take(subject, owner, Q(lease_owner=holder), at):
        logger.warning("%s: took over the sync lease of %s, whose process is gone", subject.label, holder)
        return True
    return False


def subject_lease_renew(*, subject: Subject, owner: str) -> bool:
    return subject.state().filter(lease_owner=owner).update(lease_expires_at=now() + LEASE_TTL) == 1


def subject_lease_release(*, subject: Subject, owner: str) -> None:
    subject.state().filter(lease_owner=owner).update(lease_owner="", lease_expires_at=None)


def lease_acquire(*, shop: Shop, owner: str) -> bool:
    """The shop's lease (``subject_lease_acquire``)."""
    return subject_lease_acquire(subject=shop_subject(shop), owner=owner)


def lease_renew(*, shop: Shop, owner: str) -> bool:
    return subject_lease_renew(subject=shop_subject(shop), owner=owner)


def lease_release(*, shop: Shop, owner: str) -> None:
    subject_lease_release(subject=shop_subject(shop), owner=owner)


class _Heartbeat:
    """Renews the lease every ``LEASE_HEARTBEAT`` for as long as the run (and so its process) lives. When the lease
    was lost, it stops: the run itself finds out at its next commit (``LeaseLost``)."""

    def __init__(self, subject: Subject, owner: str):
        self.subject, self.owner = subject, owner
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"sync-lease-{subject.label}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(LEASE_HEARTBEAT.total_seconds()):
                try:
                    if not subject_lease_renew(subject=self.subject, owner=self.owner):
                        return
                except DatabaseError:  # e.g. SQLite busy: the lease has time left for the next beats
                    logger.warning("%s: could not renew the sync lease", self.subject.label, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection


@contextmanager
def _leased(subject: Subject) -> Iterator[str | None]:
    """Hold the subject's lease, kept alive by a heartbeat, for the block: yields the owner id, or None (and holds
    nothing) when another run has the lease."""
    owner = lease_owner_new()
    if not subject_lease_acquire(subject=subject, owner=owner):
        yield None
        return
    heartbeat = _Heartbeat(subject, owner)
    heartbeat.start()
    try:
        yield owner
    finally:
        heartbeat.stop()
        subject_lease_release(subject=subject, owner=owner)


class FetchIncomplete(Exception):
    """Some of a page's details could not be fetched: the payloads that were, and the first error."""

    def __init__(self, payloads: list[dict], error: errors.WeChatError):
        super().__init__(str(error))
        self.payloads, self.error = payloads, error


class Dropped(Exception):
    """A page's fetch was abandoned (the run is ending and will not store it)."""


class LeaseLost(Exception):
    """Another run took over (ours outlived its lease): stop without writing."""


# --- streams ---------------------------------------------------------------------------------------------


# Push events a feature app acts on (the engine itself acts on order and after-sale events): (event name prefix,
# handler(shop=, client=, events=) -> {event pk: outcome}). The handler fetches and stores what its events name;
# an error it raises leaves the whole batch pending, like a failed order fetch. campaigns.services.coupons registers
# the coupon events (channels_ec_coupon_*, channels_ec_user_coupon_*) from campaigns.apps.
EVENT_HANDLERS: list[tuple[str, Callable]] = []


@dataclass(frozen=True)
class WindowedStream:
    """Items listed by time window (ids per page), each fetched unless our copy is fresh, stored a page at a time.

    ``list_page(client, start, end, next_key)`` returns a page with ``ids`` (any hashable key), ``next_key`` and
    ``has_more``; ``fetch(client, id)`` one payload; ``store(<subject field>=, payloads=, synced_at=)`` upserts a
    page; ``synced(<subject field>=, ids=)`` maps the ids we hold to when they were fetched."""

    name: str
    max_window: timedelta
    list_page: Callable
    fetch: Callable
    store: Callable
    synced: Callable


@dataclass(frozen=True)
class ScanStream:
    """A full scan: every page listed in turn, then ``finish``. ``list_page(client, next_key)`` returns a page with
    ``ids``, ``next_key`` ("" or no ids on the last page) and optionally ``total``; ``fetch(client, id)`` gives an
    id's payload (None: the listed entries are the payloads themselves); ``store(<subject field>=, payloads=,
    listed=, synced_at=)`` upserts a page; ``finish(<subject field>=, scan_started=)`` runs with the last page."""

    name: str
    list_page: Callable
    fetch: Callable | None
    store: Callable
    finish: Callable | None = None


def synced_by_platform_id(model: type[models.Model], id_field: str) -> Callable:
    """``WindowedStream.synced`` for a model keyed by (subject, one platform id column) with a ``synced_at``."""

    def synced(*, ids: list, **key) -> dict:
        return dict(model.objects.filter(**key, **{f"{id_field}__in": ids}).values_list(id_field, "synced_at"))

    return synced


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


ORDERS = WindowedStream(
    name=SyncCursor.Stream.ORDERS,
    max_window=timedelta(days=7),
    list_page=lambda c, s, e, k: c.order_list(update_start=_ts(s), update_end=_ts(e), page_size=100, next_key=k),
    fetch=lambda c, i: c.order_get(i),
    store=store.orders_store,
    synced=synced_by_platform_id(Order, "order_id"),
)
AFTERSALES = WindowedStream(
    name=SyncCursor.Stream.AFTERSALES,
    max_window=timedelta(hours=24),
    # By update time: a status change of an after-sale created long ago is found without its push.
    list_page=lambda c, s, e, k: c.aftersale_list(update_start=_ts(s), update_end=_ts(e), next_key=k),
    fetch=lambda c, i: c.aftersale_get(i),
    store=store.aftersales_store,
    synced=synced_by_platform_id(AfterSale, "after_sale_order_id"),
)


def _products_store(*, shop: Shop, payloads: list[dict], listed: list[str], synced_at: datetime) -> None:
    store.products_store(shop=shop, payloads=payloads, synced_at=synced_at)
    store.products_seen(shop=shop, product_ids=listed, at=synced_at)


PRODUCTS = ScanStream(
    name=SyncCursor.Stream.PRODUCTS,
    list_page=lambda c, k: c.product_list(page_size=30, next_key=k),
    fetch=lambda c, i: c.product_get(i),
    store=_products_store,
    finish=store.products_mark_deleted,
)
SHOP_STREAMS = {s.name: s for s in (ORDERS, AFTERSALES, PRODUCTS)}


@dataclass
class RunReport:
    """What one run did, per stream; ``stopped`` says why it ended early (empty when caught up)."""

    pages: dict[str, int] = field(default_factory=dict)
    fetched: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    events: int = 0
    stopped: str = ""


@dataclass
class _Page:
    """A listed page whose details are being fetched, and the cursor to save with its rows."""

    ids: list
    fetching: Future
    fetched_from: datetime
    cursor: SyncCursorBase


class _Run:
    """One sync run of one subject: holds the client, the call log, the lease owner and the detail-fetch pool."""

    def __init__(self, subject: Subject, *, owner: str, deadline: float | None, on_page: Callable | None, client=None):
        self.subject, self.owner, self.deadline, self.on_page = subject, owner, deadline, on_page
        self.log = ApiCallLog(shop=subject.shop, appid=subject.appid)
        self.client = client or subject.client(self.log)
        self.report = RunReport()
        self.pages_stored = 0

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def fetch_all(self, fetch: Callable, ids: list[str], *, dropped: threading.Event | None = None) -> list[dict]:
        """Every id's payload, fetched concurrently. If some fail, the others are still fetched and come back
        in ``FetchIncomplete`` with the first error, so the caller can keep them (see ``keep_fetched``).
        Once ``dropped`` is set (nobody will store this page), the calls not yet made are not made."""

        def one(item_id):
            if dropped is not None and dropped.is_set():
                raise Dropped
            try:
                return fetch(self.client, item_id)
            except errors.WeChatError as exc:
                return exc

        def in_worker(item_id):
            try:
                return one(item_id)
            finally:
                connections.close_all()  # this worker thread's own connection, if the token store opened one

        if len(ids) <= 1 or settings.SYNC_DETAIL_WORKERS <= 1:
            results = [one(i) for i in ids]
        else:
            with ThreadPoolExecutor(max_workers=settings.SYNC_DETAIL_WORKERS) as pool:
                results = list(pool.map(in_worker, ids))
        failures = [r for r in results if isinstance(r, errors.WeChatError)]
        if failures:
            raise FetchIncomplete([r for r in results if not isinstance(r, errors.WeChatError)], failures[0])
        return results

    def keep_fetched(self, store_fn, incomplete: "FetchIncomplete", *, synced_at: datetime) -> NoReturn:
        """Store what a failed page did fetch, without moving its cursor, then raise the error that stopped it:
        the next run lists the page again and skips the ids stored now (their copies are fresh)."""
        self.commit_page(store_fn, incomplete.payloads, None, synced_at=synced_at)
        raise incomplete.error from None

    def stale_ids(self, synced_of: Callable, fresh_after: dict, in_flight=None) -> list:
        """The ids whose local copy is missing or was fetched before the given moment (one query, ``synced_of`` as
        ``WindowedStream.synced``). ``in_flight`` maps ids being fetched for a page not yet stored to when that
        fetch started: they count as stored."""
        synced = synced_of(**self.subject.key, ids=list(fresh_after))
        synced.update(in_flight or {})
        return [i for i, moment in fresh_after.items() if i not in synced or synced[i] < moment]

    @contextmanager
    def leased_writes(self) -> Iterator[None]:
        """One transaction for writes that must not happen once another run holds the lease: it starts by renewing
        the lease (a row lock until the commit), and raises ``LeaseLost`` instead when the lease is not ours."""
        with transaction.atomic():
            if not subject_lease_renew(subject=self.subject, owner=self.owner):
                raise LeaseLost
            yield

    def commit_page(self, store_fn, payloads, cursor: SyncCursorBase | None, *, synced_at: datetime) -> None:
        with self.leased_writes():
            store_fn(**self.subject.key, payloads=payloads, synced_at=synced_at)
            if cursor is not None:
                cursor.save()
            self.log.flush()
        self.pages_stored += 1

    def windowed(self, stream: WindowedStream, *, until: datetime) -> bool:
        """Advance one stream up to ``until``. True when caught up, False when out of time.

        Pipelined one page deep: while page N is stored (main thread, database), page N+1's details are fetched
        (background thread, HTTP only). Page N+1's cursor is saved only with page N+1's rows, after page N's, so a
        run that dies at any point resumes at the first page not stored.
        """
        cursor = self.subject.cursor(stream.name)
        if cursor.paused_until and cursor.paused_until > now():
            self.report.stopped = "paused"
            return False
        if cursor.running_since is None:  # a new run (a resumed one keeps its counts): progress counts from here
            cursor.running_since, cursor.pages_done, cursor.items_done = now(), 0, 0
        pending: _Page | None = None  # fetched (or being fetched), not stored; every earlier page is stored
        caught_up = False
        dropped = threading.Event()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fetch-ahead") as ahead:
            try:
                while True:
                    if cursor.window_start is None:
                        if cursor.completed_until and cursor.completed_until >= until:
                            caught_up = True
                            break
                        start = cursor.completed_until - OVERLAP if cursor.completed_until else self.first_start(cursor)
                        cursor.window_start, cursor.window_end = start, min(start + stream.max_window, until)
                        cursor.next_key = ""
                    if self.out_of_time():
                        break
                    page = stream.list_page(self.client, cursor.window_start, cursor.window_end, cursor.next_key)
                    ids = self.stale_ids(
                        stream.synced,
                        dict.fromkeys(page.ids, cursor.window_end + CLOCK_SKEW),
                        in_flight=dict.fromkeys(pending.ids, pending.fetched_from) if pending else None,
                    )
                    fetched_from = now()  # our copy reflects every change made before the fetch started
                    fetching = ahead.submit(self.fetch_in_background, stream.fetch, ids, dropped)
                    self.count(stream.name, listed=len(page.ids), fetched=len(ids))
                    cursor.pages_done += 1
                    cursor.items_done += len(page.ids)
                    if page.has_more and page.next_key:
                        cursor.next_key = page.next_key
                    else:
                        cursor.completed_until, cursor.window_start, cursor.window_end = cursor.window_end, None, None
                        cursor.next_key = ""
                    stored, pending = pending, None  # if storing it fails, the page just fetched is dropped
                    if stored:
                        self.store_page(stream, stored)
                    pending = _Page(ids, fetching, fetched_from, copy.copy(cursor))
                last, pending = pending, None
                if last:
                    self.store_page(stream, last)
            except errors.WeChatError:
                if pending:  # keep what was fetched before the error (unless fetching it is what failed)
                    self.store_page(stream, pending)
                raise
            finally:
                dropped.set()  # a page still being fetched ahead now will not be stored: make no more calls for it
        if not caught_up:  # out of time
            with self.leased_writes():
                cursor.save()
            return False
        cursor.running_since, cursor.last_success_at, cursor.last_error = None, now(), ""
        with self.leased_writes():
            if cursor.backfill_from is not None:
                self.backfill_finish(cursor)
            cursor.save()
        return True

    def backfill_finish(self, cursor: SyncCursorBase) -> None:
        """A stream caught up with its backfill. The backfill is over once every stream it was asked for has:
        until then the streams that finished keep ``backfill_from``, so that repeating the request resumes the
        others instead of reading these again (see ``backfill_request``). Called under ``leased_writes``."""
        same = self.subject.cursors(backfill_from=cursor.backfill_from).exclude(pk=cursor.pk)
        if not same.filter(Q(completed_until=None) | Q(running_since__isnull=False)).exists():
            same.update(backfill_from=None)
            cursor.backfill_from = None

    def fetch_in_background(self, fetch: Callable, ids: list[str], dropped: threading.Event) -> list[dict]:
        try:
            return self.fetch_all(fetch, ids, dropped=dropped)
        finally:
            connections.close_all()  # this thread's own connection, if the token store opened one

    def store_page(self, stream: WindowedStream, page: "_Page") -> None:
        try:
            payloads = page.fetching.result()
        except FetchIncomplete as incomplete:
            self.keep_fetched(stream.store, incomplete, synced_at=page.fetched_from)
        if self.on_page:  # before the commit: a hook that raises is a crash that loses this page's work
            self.on_page(stream.name, page.cursor)
        self.commit_page(stream.store, payloads, page.cursor, synced_at=page.fetched_from)

    def count(self, stream: str, *, listed: int, fetched: int) -> None:
        self.report.pages[stream] = self.report.pages.get(stream, 0) + 1
        self.report.fetched[stream] = self.report.fetched.get(stream, 0) + fetched
        self.report.skipped[stream] = self.report.skipped.get(stream, 0) + listed - fetched

    def first_start(self, cursor: SyncCursorBase) -> datetime:
        return cursor.backfill_from or now() - timedelta(days=settings.SYNC_INITIAL_DAYS)

    def scan(self, stream: ScanStream) -> bool:
        """A full scan (see ``ScanStream``): changed items are written page by page, with the cursor; True when it
        went through, False when out of time (the next run continues it)."""
        cursor = self.subject.cursor(stream.name)
        if cursor.window_start is None:  # a new scan: its own start, key and count
            cursor.window_start, cursor.next_key, cursor.items_done, cursor.pages_done = now(), "", 0, 0
        while True:
            if self.out_of_time():
                with self.leased_writes():
                    cursor.save()
                return False
            page = stream.list_page(self.client, cursor.next_key)
            fetched_from = now()
            payloads = list(page.ids)
            if stream.fetch is not None:
                try:
                    payloads = self.fetch_all(stream.fetch, page.ids)
                except FetchIncomplete as incomplete:
                    self.keep_fetched(functools.partial(stream.store, listed=[]), incomplete, synced_at=fetched_from)
            self.count(stream.name, listed=len(page.ids), fetched=len(page.ids))
            cursor.pages_done += 1
            cursor.items_done += len(page.ids)
            total = getattr(page, "total", None)
            done = not (page.next_key and page.ids) or (total is not None and cursor.items_done >= total)
            cursor.next_key = "" if done else page.next_key
            scan_started = cursor.window_start
            if done:
                cursor.completed_until, cursor.window_start = scan_started, None
                cursor.last_success_at, cursor.last_error = now(), ""

            def store_page(*, payloads, synced_at, listed=page.ids, done=done, scan_started=scan_started, **key):
                stream.store(**key, payloads=payloads, listed=listed, synced_at=synced_at)
                if done and stream.finish is not None:
                    stream.finish(**key, scan_started=scan_started)

            self.commit_page(store_page, payloads, cursor, synced_at=fetched_from)
            if done:
                return True

    def events(self, limit: int = 1000) -> int:
        """Process pending push events (a shop's; other subjects have none here): each order / after-sale they
        name is fetched once, unless our copy was fetched after the push arrived."""
        if not self.subject.pushes:
            return 0
        shop = self.subject.instance
        pending = list(InboundEvent.objects.filter(shop=shop, processed_at=None).order_by("id")[:limit])
        if not pending:
            return 0
        orders: dict[str, datetime] = {}
        aftersales: dict[str, datetime] = {}
        outcomes = {}
        for event in pending:
            order_id, aftersale_id = event_targets(event.payload)
            # A push is sent after the change it reports: a copy fetched after we received it is at least as new.
            # (Our own clock on both sides: no skew to allow for.)
            happened = event.received_at
            if order_id:
                orders[order_id] = max(orders.get(order_id, happened), happened)
            if aftersale_id:
                aftersales[aftersale_id] = max(aftersales.get(aftersale_id, happened), happened)
            outcomes[event.pk] = "refreshed" if order_id or aftersale_id else "stored (no action for this event)"
        for arrived, stream in ((orders, ORDERS), (aftersales, AFTERSALES)):
            fetched_from = now()
            try:
                payloads = self.fetch_all(stream.fetch, self.stale_ids(stream.synced, arrived))
            except FetchIncomplete as incomplete:  # the events stay pending; what was fetched is kept
                self.keep_fetched(stream.store, incomplete, synced_at=fetched_from)
            with self.leased_writes():
                stream.store(shop=shop, payloads=payloads, synced_at=fetched_from)
        for prefix, handler in EVENT_HANDLERS:
            mine = [event for event in pending if event.event.startswith(prefix)]
            if mine:
                outcomes.update(handler(shop=shop, client=self.client, events=mine))
        with self.leased_writes():
            at = now()
            for event in pending:
                event.processed_at, event.outcome = at, outcomes[event.pk]
            InboundEvent.objects.bulk_update(pending, ["processed_at", "outcome"])
            self.log.flush()
        self.report.events += len(pending)
        return len(pending)


def event_targets(payload: dict) -> tuple[str, str]:
    """The order id and after-sale id a push event is about ('' when none). Ids arrive as numbers or strings."""
    order_info = payload.get("order_info") or {}
    aftersale = payload.get("finder_shop_aftersale_status_update") or {}
    order_id = order_info.get("order_id") or aftersale.get("order_id") or ""
    return str(order_id), str(aftersale.get("after_sale_order_id") or "")


# --- the public entry points ---------------------------------------------------------------------------------


def shop_sync(
    *,
    shop: Shop,
    streams: tuple[str, ...] = ("orders", "aftersales"),
    seconds: float | None = None,
    on_page: Callable | None = None,
    client=None,
    backfill_since: datetime | None = None,
) -> RunReport:
    """Run the shop's syncs of ``streams`` (names of ``SHOP_STREAMS``) and its pending push events: see
    ``subject_sync``."""
    return subject_sync(
        subject=shop_subject(shop),
        streams=[SHOP_STREAMS[name] for name in streams],
        seconds=seconds,
        on_page=on_page,
        client=client,
        backfill_since=backfill_since,
    )


def subject_sync(
    *,
    subject: Subject,
    streams: list[WindowedStream | ScanStream],
    seconds: float | None = None,
    on_page: Callable | None = None,
    client=None,
    backfill_since: datetime | None = None,
) -> RunReport:
    """Run the subject's syncs (and pending push events) under the lease, for at most ``seconds``. With
    ``backfill_since``, first ``subject_backfill_request`` for the windowed ones among ``streams``, under the same
    lease.

    Returns what was done; ``report.stopped`` is "busy" when another run holds the lease (nothing is changed, not
    even the backfill request), "paused" when the subject is paused, "time" when time ran out (call again to
    continue), or the error class that stopped it.
    """
    with _leased(subject) as owner:
        if owner is None:
            return RunReport(stopped="busy")
        if backfill_since is not None:
            windowed = [s.name for s in streams if isinstance(s, WindowedStream)]
            subject_backfill_request(subject=subject, since=backfill_since, streams=windowed)
        state = subject.state().get()
        if state.paused_until and state.paused_until > now():
            return RunReport(stopped="paused")
        deadline = time.monotonic() + seconds if seconds else None
        run = _Run(subject, owner=owner, deadline=deadline, on_page=on_page, client=client)
        name = ""
        try:
            for stream in streams:
                name = stream.name
                done = run.scan(stream) if isinstance(stream, ScanStream) else run.windowed(stream, until=now())
                if not done:
                    run.report.stopped = run.report.stopped or "time"
                    break
            while run.events():
                pass
            subject.state().update(consecutive_failures=0)
            # A run that went through proves the credentials, the IP whitelist and the quota: those alerts are over.
            subject.alerts(resolved_at=None, kind__in=RESOLVED_BY_SUCCESS).update(resolved_at=now())
        except LeaseLost:
            run.report.stopped = "lease lost"
        except errors.WeChatError as exc:
            run.report.stopped = type(exc).__name__
            _record_failure(subject=subject, stream=name, exc=exc, progressed=run.pages_stored > 0)
        finally:
            run.log.flush()
        return run.report


def _record_failure(*, subject: Subject, stream: str, exc: errors.WeChatError, progressed: bool = False) -> None:
    """Record why a run stopped. Failed runs count towards the 30-minute pause only while they achieve nothing:
    a run that stored pages before failing starts the count again at one."""
    at = now()
    message = f"{type(exc).__name__}: errcode={exc.errcode} {exc.errmsg}".strip()
    subject.cursors(stream=stream).update(last_error=message, last_error_at=at)
    if isinstance(exc, errors.RateLimitedError):
        subject.cursors(stream=stream).update(paused_until=datetime.fromtimestamp(exc.retry_at, tz=UTC))
        return
    if isinstance(exc, errors.QuotaExhaustedError):
        tomorrow = (at.astimezone(SHANGHAI) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        _pause(subject, until=tomorrow, reason=message)
        _alert(subject, SyncAlertKind.QUOTA, message)
        return
    alerts = {
        errors.IpNotWhitelistedError: SyncAlertKind.IP_WHITELIST,
        errors.CredentialError: SyncAlertKind.CREDENTIALS,
        errors.ApiPermissionError: SyncAlertKind.PERMISSION,
    }
    for error_class, kind in alerts.items():
        if isinstance(exc, error_class):
            _alert(subject, kind, message)
    state = subject.state().get()
    state.consecutive_failures = 1 if progressed else state.consecutive_failures + 1
    state.save(update_fields=["consecutive_failures"])
    if state.consecutive_failures >= FAILURES_BEFORE_PAUSE:
        _pause(subject, until=at + FAILURE_PAUSE, reason=message)
        _alert(subject, SyncAlertKind.SYNC_FAILING, message)


def _pause(subject: Subject, *, until: datetime, reason: str) -> None:
    subject.state().update(paused_until=until, pause_reason=reason)


def _alert(subject: Subject, kind: str, message: str) -> None:
    try:
        with transaction.atomic():
            subject.alert_model.objects.create(**subject.key, kind=kind, message=message)
    except IntegrityError:
        subject.alerts(kind=kind, resolved_at=None).update(message=message)


def backfill_request(*, shop: Shop, since: datetime, streams=("orders", "aftersales")) -> None:
    """The shop's ``subject_backfill_request``."""
    subject_backfill_request(subject=shop_subject(shop), since=since, streams=streams)


def subject_backfill_request(*, subject: Subject, since: datetime, streams) -> None:
    """Ask the next runs to re-read everything updated since ``since`` (already-fresh rows are not re-fetched).

    A stream whose backfill from ``since`` or earlier is not over yet (``backfill_from`` is kept until every
    stream of that backfill caught up) already covers the request and goes on where it is: repeating a request
    after an interruption resumes it, even though a start computed from "now" is a few minutes later the second
    time. An earlier start restarts the stream from there. Call it under the subject's lease.
    """
    for stream in streams:
        cursor = subject.cursor(stream)
        if cursor.backfill_from is not None and cursor.backfill_from <= since:
            continue
        if cursor.completed_until is None or cursor.completed_until > since:
            cursor.completed_until, cursor.backfill_from = None, since
            cursor.window_start = cursor.window_end = cursor.running_since = None  # the next run starts afresh
            cursor.next_key, cursor.pages_done, cursor.items_done = "", 0, 0
            cursor.save()


def event_time(payload: dict) -> datetime | None:
    return platform_time(payload.get("CreateTime"))


def shop_events(*, shop: Shop, client=None) -> RunReport:
    """Process the shop's pending push events under the lease. When a sync run holds the lease, it processes
    them itself before it ends (see ``shop_sync``)."""
    subject = shop_subject(shop)
    with _leased(subject) as owner:
        if owner is None:
            return RunReport(stopped="busy")
        run = _Run(subject, owner=owner, deadline=None, on_page=None, client=client)
        try:
            while run.events():
                pass
        except LeaseLost:
            run.report.stopped = "lease lost"
        except errors.WeChatError as exc:
            run.report.stopped = type(exc).__name__
            _record_failure(subject=subject, stream="", exc=exc)
        finally:
            run.log.flush()
        return run.report
