"""Move a sandbox shop's clock forward and play out what happens meanwhile (orders, shipping, refunds, pushes)."""

from django.core.management.base import BaseCommand, CommandError

from sandbox.models import Account
from sandbox.services import shop_advance


class Command(BaseCommand):
    help = "Advance a sandbox shop's clock by --hours, emitting and delivering the platform's push events."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, metavar="APPID")
        parser.add_argument("--hours", type=float, required=True)
        parser.add_argument("--no-deliver", action="store_true", help="record the events, send nothing")

    def handle(self, *args, **o):
        if o["hours"] <= 0:
            raise CommandError("--hours must be positive")
        try:
            report = shop_advance(appid=o["shop"], hours=o["hours"], deliver=not o["no_deliver"])
        except (Account.DoesNotExist, ValueError) as error:
            raise CommandError(f"{o['shop']}: {error}") from error
        self.stdout.write(
            f"{report.appid}: clock {report.start} → {report.end}; {report.new_orders} new orders, "
            f"{report.actions} transitions, {sum(report.events.values())} events; "
            f"{report.delivered} pushes delivered, {report.failed_attempts} failed pushes."
        )
        for name, count in sorted(report.events.items()):
            self.stdout.write(f"  {name}: {count}")
