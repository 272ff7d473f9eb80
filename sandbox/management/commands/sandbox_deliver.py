"""Send the push events that are due (first pushes and retries)."""

from django.core.management.base import BaseCommand

from sandbox.push import deliver_due, deliver_wait


class Command(BaseCommand):
    help = "Deliver due push events; --wait keeps going (sleeping between retries) until none is pending."

    def add_arguments(self, parser):
        parser.add_argument("--shop", default=None, metavar="APPID", help="only this appid (shop or agency)")
        parser.add_argument("--wait", action="store_true")
        parser.add_argument("--max-wait", type=float, default=None, help="with --wait: give up after this many s")

    def handle(self, *args, **o):
        wait = o["wait"]
        report = deliver_wait(appid=o["shop"], max_wait=o["max_wait"]) if wait else deliver_due(appid=o["shop"])
        self.stdout.write(
            f"{report.delivered} delivered, {report.failed} failed pushes, {report.given_up} deliveries given up."
        )
