"""Backfill or catch up one agency's own platform account in the foreground.

    manage.py sync_agency --agency AGENCY [--since 90d] [--streams commission_orders,funds_flows,...]

AGENCY is the agency's id or AppID. Safe to interrupt at any time: the next run resumes at the page it was on (the
same lease and cursors as the scheduled runs, see affiliates.sync).
"""

from django.core.management.base import BaseCommand, CommandError

from affiliates.models import Agency
from affiliates.sync import ALL_STREAMS, agency_sync
from shopops.management.commands.sync_shop import parse_since
from shopops.sync import engine


class Command(BaseCommand):
    help = "Sync one agency's platform account now (every stream by default), optionally re-reading a period."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="The agency's id or AppID.")
        parser.add_argument(
            "--since", help="Re-read the commission orders and funds flows of this period, e.g. 90d or 36h."
        )
        parser.add_argument(
            "--streams", default=",".join(ALL_STREAMS), help="Comma-separated: " + ",".join(ALL_STREAMS)
        )

    def handle(self, *args, agency, since=None, streams="", **options):
        found = Agency.objects.exclude(appid="").filter(appid=agency).first()
        if found is None and agency.isdigit():
            found = Agency.objects.filter(pk=int(agency)).first()
        if found is None:
            raise CommandError(f"No agency with id or AppID {agency!r}.")
        if not (found.appid and found.app_secret):
            raise CommandError(f"{found} has no AppID and AppSecret of its platform account: nothing to sync.")
        names = tuple(s.strip() for s in streams.split(",") if s.strip())
        unknown = set(names) - set(ALL_STREAMS)
        if unknown:
            raise CommandError(f"Unknown streams: {', '.join(sorted(unknown))}.")
        start = engine.now() - parse_since(since) if since else None

        def on_page(stream, cursor):
            if options["verbosity"] > 1:
                self.stdout.write(f"{stream}: {cursor.items_done} listed")

        report = agency_sync(agency=found, streams=names, on_page=on_page, backfill_since=start)
        if report.stopped == "busy":
            raise CommandError(
                "Another sync of this agency is running right now (its lease is renewed while its process lives). "
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
                + "."
            )
        )
