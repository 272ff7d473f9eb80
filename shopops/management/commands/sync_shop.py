"""Backfill or catch up one shop in the foreground, with a progress bar.

    manage.py sync_shop --shop SHOP [--since 90d] [--streams orders,aftersales,products]

SHOP is the shop's public id or AppID. Safe to interrupt at any time (Ctrl-C, kill -9, power loss): the next run
resumes at the page it was on, with or without the same --since. A killed run's lease is taken over at once on the
same host, and from another host within a minute (engine.LEASE_TTL).
"""

import re
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from shopops.models import Shop, SyncCursor
from shopops.sync import engine


def parse_since(value: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([dh])", value.strip())
    if not match:
        raise CommandError("--since takes a number of days or hours, like 90d or 36h.")
    amount, unit = int(match[1]), match[2]
    return timedelta(days=amount) if unit == "d" else timedelta(hours=amount)


class Command(BaseCommand):
    help = "Sync one shop now (orders and after-sales by default), optionally re-reading a period."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="The shop's public id or AppID.")
        parser.add_argument("--since", help="Re-read everything updated in this period, e.g. 90d or 36h.")
        parser.add_argument(
            "--streams", default="orders,aftersales", help="Comma-separated: orders,aftersales,products"
        )

    def handle(self, *args, shop, since=None, streams="", **options):
        try:
            found = Shop.objects.filter(public_id=uuid.UUID(shop)).first()
        except ValueError:
            found = Shop.objects.filter(appid=shop).first()
        if found is None:
            raise CommandError(f"No shop with public id or AppID {shop!r}.")
        names = tuple(s.strip() for s in streams.split(",") if s.strip())
        unknown = set(names) - set(SyncCursor.Stream.values)
        if unknown:
            raise CommandError(f"Unknown streams: {', '.join(sorted(unknown))}.")
        start = engine.now() - parse_since(since) if since else None
        bar = tqdm(total=1000, unit="‰", desc=found.name, disable=options["verbosity"] == 0)

        origin = {"start": start}

        def on_page(stream, cursor):
            """The bar shows how much of the period (from its start to now) the stream has covered."""
            bar.set_postfix_str(f"{stream}: {cursor.items_done} listed")
            position = cursor.completed_until or cursor.window_start
            # A resumed backfill runs from its first request's start, which may be earlier than this one's.
            origin["start"] = cursor.backfill_from or origin["start"] or cursor.window_start
            # A caught-up stream polled without --since has neither: nothing to measure the period from yet.
            if position and origin["start"] and origin["start"] < engine.now():
                covered = (position - origin["start"]) / (engine.now() - origin["start"])
                bar.n = min(1000, int(1000 * covered))
            bar.refresh()

        # The backfill request is made under the run's lease: refused with the run when another one is going on.
        report = engine.shop_sync(shop=found, streams=names, on_page=on_page, backfill_since=start)
        bar.n = 1000 if not report.stopped else bar.n
        bar.close()
        if report.stopped == "busy":
            raise CommandError(
                "Another sync of this shop is running right now (its lease is renewed while its process lives). "
                "Run the command again once it has finished."
            )
        if report.stopped:
            raise CommandError(f"Sync stopped: {report.stopped}. Run the command again to resume.")
        self.stdout.write(
            self.style.SUCCESS(
                "Done: "
                + ", ".join(
                    f"{s} {report.fetched.get(s, 0)} fetched, {report.skipped.get(s, 0)} already fresh" for s in names
                )
                + f"; {report.events} push events processed."
            )
        )
