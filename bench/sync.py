"""Backfill throughput of the real order sync against its floor, measured in the same run.

    .venv/bin/python bench/sync.py                      # SQLite, 10,000 and 100,000 orders
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopops_bench .venv/bin/python bench/sync.py
    .venv/bin/python bench/sync.py --orders 2000        # a quick look

For each size, in a fresh database, a child process: seeds the sandbox with N orders over 120 days, starts the
sandbox in its own server process (gunicorn, loopback), then
  floor — lists every 7-day window and fetches every order detail with the same client, the same thread pool,
          the same one-page-ahead overlap and the same server, and keeps nothing (no database work at all);
  sync  — runs the real backfill (engine.shop_sync) over the same period into the empty database.
It prints orders/s of both, their ratio (sync / floor; 1.0 means the database work is free) and the peak
resident memory of the sync, which must stay flat as N grows (payloads are handled a page at a time).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from database import fresh_database  # bench/database.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
APPID = "wxbench0000000001"
SECRET = "benchsecret0000000000000000000000"[:32]
DAYS = 120


def child(orders: int) -> dict:
    """One size, in this (fresh) process: returns the measurements as a dict."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopops.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from sandbox.server import sandbox_server
    from shopops.models import Shop
    from shopops.sync import engine
    from shopops.wechat.client import MemoryTokenStore, ShopClient

    call_command("migrate", verbosity=0)
    # Seeded in another process, so that its memory does not count towards the sync's peak.
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "sandbox_seed",
            "--shop",
            APPID,
            "--secret",
            SECRET,
            "--days",
            str(DAYS),
            "--orders",
            str(orders),
            "--seed",
            "1",
            "-v",
            "0",
        ],
        cwd=ROOT,
        check=True,
        env=os.environ.copy(),
    )
    with sandbox_server(os.environ["DATABASE_URL"]) as base:
        settings.WECHAT_API_BASE = base
        until = engine.now()
        since = until - timedelta(days=DAYS + 1)

        def floor() -> tuple[int, float]:
            """The same calls with the same client, pool and server, and the same overlap (a page's details are
            fetched while the next page is listed); nothing stored."""
            client = ShopClient(appid=APPID, secret=SECRET, base_url=base, token_store=MemoryTokenStore())
            seen: set[str] = set()
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=settings.SYNC_DETAIL_WORKERS) as pool, ThreadPoolExecutor(1) as ahead:
                in_flight = None
                start = since
                while start < until:
                    end = min(start + timedelta(days=7), until)
                    next_key = ""
                    while True:
                        page = client.order_list(
                            update_start=int(start.timestamp()), update_end=int(end.timestamp()), next_key=next_key
                        )
                        new = [i for i in page.ids if i not in seen]  # the sync skips overlap repeats too
                        seen.update(new)
                        if in_flight:
                            in_flight.result()
                        in_flight = ahead.submit(lambda ids: list(pool.map(client.order_get, ids)), new)
                        if not (page.has_more and page.next_key):
                            break
                        next_key = page.next_key
                    start = end - engine.OVERLAP if end < until else end
                in_flight.result()
            return len(seen), time.perf_counter() - started

        fetched, floor_seconds = floor()

        # How long each page's write transaction lasts (the store and the roll-ups of its days).
        page_seconds: list[float] = []
        commit_page = engine._Run.commit_page

        def timed_commit_page(run, *args, **kwargs):
            started = time.perf_counter()
            try:
                return commit_page(run, *args, **kwargs)
            finally:
                page_seconds.append(time.perf_counter() - started)

        engine._Run.commit_page = timed_commit_page
        shop = Shop.objects.create(name="bench", appid=APPID, app_secret=SECRET)
        engine.backfill_request(shop=shop, since=since, streams=["orders"])
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS mark: measure the sync alone
        started = time.perf_counter()
        report = engine.shop_sync(shop=shop, streams=("orders",))
        sync_seconds = time.perf_counter() - started
        peak_kb = int(
            next(line for line in Path("/proc/self/status").read_text().splitlines() if "VmHWM" in line).split()[1]
        )
        assert not report.stopped, report
        stored = shop.orders.count()
        assert stored == fetched, (stored, fetched)  # the seed adds a few (lucky-bag winners' orders)
        # The floor once more, after the sync, so neither side profits from a warmer server; keep the faster.
        fetched_again, floor_again = floor()
        if fetched_again / floor_again > fetched / floor_seconds:
            fetched, floor_seconds = fetched_again, floor_again
    return {
        "orders": orders,
        "floor_per_s": fetched / floor_seconds,
        "sync_per_s": stored / sync_seconds,
        "peak_rss_mb": peak_kb / 1024,
        "page_ms": [1000 * statistics.quantiles(page_seconds, n=20)[i] for i in (9, 18)] + [1000 * max(page_seconds)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, action="append", help="sizes to run (repeatable)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    env = os.environ.copy()
    env.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    env["SANDBOX_ENABLED"] = "true"
    env["DJANGO_DEBUG"] = "false"  # as in production: DEBUG keeps the SQL of the last 9,000 queries in memory
    engine_name = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(f"Order backfill on {engine_name}, {DAYS} days, sandbox over loopback HTTP (gunicorn 2x4 threads)")
    print(f"{'orders':>8} {'floor/s':>9} {'sync/s':>9} {'ratio':>6} {'peak RSS':>9}  page write ms p50/p95/max")
    for orders in args.orders or [10_000, 100_000]:
        fresh_database(env["DATABASE_URL"])
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(orders)], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if out.returncode:
            sys.exit(out.stderr[-3000:])
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ratio = r["sync_per_s"] / r["floor_per_s"]
        print(
            f"{orders:>8} {r['floor_per_s']:>9.0f} {r['sync_per_s']:>9.0f} {ratio:>6.2f} {r['peak_rss_mb']:>7.0f}MB  "
            + "/".join(f"{ms:.0f}" for ms in r["page_ms"])
        )


if __name__ == "__main__":
    main()
