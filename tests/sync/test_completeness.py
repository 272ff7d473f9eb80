"""Acceptance: a 20,000-order backfill under faults and crashes, then three days of pushes, leaves the local copy
equal to the platform's to the field, with no more than 1.2x the API calls strictly needed.

Everything runs over real HTTP on loopback: the sandbox API in its own server processes (as the platform is), the
push callback on ``live_server``. The product's clock (and the pushes', sent from here) is moved with time-machine;
the API server keeps real time, which only its tokens read (a client must cope with skew there anyway).
"""

import math
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from sandbox import selectors as platform
from sandbox.server import database_url, sandbox_server
from shopops.models import AfterSale, ApiCall, InboundEvent, Order, OrderLine
from shopops.platform import DbTokenStore
from shopops.sync import engine, parse
from tests.factories import ShopFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

APPID = "wxc0mp1e7e00000001"
SECRET = "c0mp1e7e5ecre7000000000000000001"
TOKEN = "completeness2026"
AES_KEY = "C0mp1e7eness0000000000000000000000000000001"
ORDERS, DAYS, SEED = 20_000, 120, 7


class Crash(Exception):
    """The worker died in the middle of a page (after fetching its details, before storing them)."""


def _fault(**options):
    call_command("sandbox_faults", appid=APPID, verbosity=0, **options)


def _run_until_caught_up(shop, time_machine, on_page=None, limit=200):
    """Run the sync the way the schedule would: again after every crash or pause, until it reports caught up."""
    stops = []
    for _ in range(limit):
        try:
            report = engine.shop_sync(shop=shop, on_page=on_page)
        except Crash:
            stops.append("crash")
            continue
        if not report.stopped:
            return stops
        stops.append(report.stopped)
        if report.stopped == "paused" or report.stopped == "RateLimitedError":
            time_machine.shift(61)  # the next scheduled run is a minute later
    raise AssertionError(f"not caught up after {limit} runs: {stops[-10:]}")


def _assert_equal_to_the_platform(shop):
    remote_orders = {p["order_id"]: p for p in platform.order_payloads(APPID)}
    local_orders = {o.order_id: o for o in Order.objects.filter(shop=shop)}
    missing = remote_orders.keys() - local_orders.keys()
    extra = local_orders.keys() - remote_orders.keys()
    different = [
        i
        for i in remote_orders.keys() & local_orders.keys()
        if local_orders[i].raw != remote_orders[i]
        or {f: getattr(local_orders[i], f) for f in parse.order_fields(remote_orders[i])}
        != parse.order_fields(remote_orders[i])
    ]
    assert (len(missing), len(extra), len(different)) == (0, 0, 0), (sorted(missing)[:5], sorted(different)[:5])
    assert len(remote_orders) >= ORDERS

    expected_lines = {i: parse.order_line_fields(p) for i, p in remote_orders.items()}
    keys = list(next(iter(expected_lines.values()))[0])
    local_lines: dict[str, list] = {}
    for line in OrderLine.objects.filter(shop=shop).select_related("order").order_by("order__order_id", "line_no"):
        local_lines.setdefault(line.order.order_id, []).append({k: getattr(line, k) for k in keys})
    bad_lines = [i for i in expected_lines if expected_lines[i] != local_lines.get(i, [])]
    assert (len(bad_lines), len(local_lines.keys() - expected_lines.keys())) == (0, 0), bad_lines[:5]

    remote_aftersales = {p["after_sale_order_id"]: p for p in platform.aftersale_payloads(APPID)}
    local_aftersales = {a.after_sale_order_id: a for a in AfterSale.objects.filter(shop=shop)}
    assert local_aftersales.keys() == remote_aftersales.keys()
    different = [i for i, a in local_aftersales.items() if a.raw != remote_aftersales[i]]
    assert different == []
    return remote_orders, remote_aftersales


def _calls_by_outcome():
    """Where the calls went, for the failure message: (endpoint, HTTP status, errcode, error) → count."""
    rows = ApiCall.objects.filter(appid=APPID).values_list("endpoint", "http_status", "errcode", "error")
    return sorted(Counter(rows).items(), key=lambda item: -item[1])


@pytest.fixture
def sandbox_api(transactional_db):
    with sandbox_server(database_url(connection.settings_dict)) as base:
        yield base


def test_backfill_under_faults_then_pushes_matches_the_platform(sandbox_api, live_server, settings, time_machine):
    settings.WECHAT_API_BASE = sandbox_api
    # Above the product's own write transactions: on SQLite the sandbox shares the product's database file, and its
    # fault counter waits for the write lock a stored page holds (a few hundred ms; more on a loaded machine). A read
    # timeout below that counts the product's own lock as platform timeouts (and each one as a retried call).
    settings.WECHAT_READ_TIMEOUT = 2.0
    settings.WECHAT_BACKOFF_BASE = 0.02  # the retry schedule is the client tests' business; here it only costs time
    DbTokenStore._local.clear()
    time_machine.move_to(datetime.now(tz=UTC), tick=True)
    shop = ShopFactory(appid=APPID, app_secret=SECRET, push_token=TOKEN, encoding_aes_key=AES_KEY)
    call_command(
        "sandbox_seed",
        shop=APPID,
        days=DAYS,
        orders=ORDERS,
        seed=SEED,
        secret=SECRET,
        token=TOKEN,
        aes_key=AES_KEY,
        callback_url=f"{live_server.url}/wechat/callback/{shop.public_id}/",
        verbosity=0,
    )
    seeded_at = engine.now()
    engine.backfill_request(shop=shop, since=seeded_at - timedelta(days=DAYS + 1))
    _fault(clear=True, busy_rate=0.10, http5xx_rate=0.01, slow_rate=0.002, slow_seconds=2.5, seed=SEED)

    rng = random.Random(SEED)
    pages = {"n": 0}
    crash_at = set(rng.sample(range(3, 60), 6))
    burst_at, invalidate_at = 25, 45

    def on_page(stream, cursor):
        pages["n"] += 1
        if pages["n"] == burst_at:
            _fault(rate_limit_burst=3)
        if pages["n"] == invalidate_at:
            _fault(invalidate_tokens=True)
        if pages["n"] in crash_at:
            raise Crash

    started = time.monotonic()
    stops = _run_until_caught_up(shop, time_machine, on_page=on_page)
    print(f"backfill: {time.monotonic() - started:.1f}s, stops {stops}")
    assert stops.count("crash") == 6
    assert "RateLimitedError" in stops
    _assert_equal_to_the_platform(shop)
    backfill_calls = ApiCall.objects.filter(appid=APPID).count()

    # Three days of platform life, pushed to the callback with duplicated and reordered deliveries.
    _fault(clear=True, duplicate_push_rate=0.3, reorder_pushes=True, seed=SEED)
    time_machine.shift(timedelta(days=3))
    started = time.monotonic()
    call_command("sandbox_advance", shop=APPID, hours=72, verbosity=0)
    print(f"advance with pushes: {time.monotonic() - started:.1f}s")
    events = InboundEvent.objects.filter(shop=shop)
    assert events.count() > 1000
    assert events.filter(deliveries__gt=1).exists()  # duplicates arrived and were stored once

    started = time.monotonic()
    stops = _run_until_caught_up(shop, time_machine)
    print(f"catch-up: {time.monotonic() - started:.1f}s, stops {stops}")
    assert InboundEvent.objects.filter(shop=shop, processed_at=None).count() == 0
    remote_orders, remote_aftersales = _assert_equal_to_the_platform(shop)

    # The API calls stay within 1.2x of the minimum: a token, one list call per 100 ids (at least one per window),
    # one detail per order and after-sale, and once more for each one that changed in the three days.
    changed_orders = sum(1 for p in remote_orders.values() if int(p["update_time"]) > seeded_at.timestamp())
    changed_aftersales = sum(1 for p in remote_aftersales.values() if int(p["update_time"]) > seeded_at.timestamp())
    minimum = (
        1
        + math.ceil(len(remote_orders) / 100)
        + math.ceil(DAYS / 7)
        + DAYS
        + 3
        + len(remote_orders)
        + len(remote_aftersales)
        + changed_orders
        + changed_aftersales
    )
    calls = ApiCall.objects.filter(appid=APPID).count()
    print(f"API calls: {calls} (backfill {backfill_calls}); minimum {minimum}; ratio {calls / minimum:.3f}")
    assert calls <= 1.2 * minimum, _calls_by_outcome()
