"""Sum the daily roll-ups (shopops.models.rollups) of every shop, or of the given ones, again from their orders.

The order store keeps them from then on; run this once after deploying the roll-ups (the orders stored before have
none) or to repair. Running it twice changes nothing."""

from django.core.management.base import BaseCommand

from shopops.models import Shop
from shopops.services.rollups import sales_rollups_rebuild


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--shop", action="append", default=[], metavar="APPID", help="only this shop (repeatable)")

    def handle(self, *args, **options):
        shops = Shop.objects.order_by("pk")
        if options["shop"]:
            shops = shops.filter(appid__in=options["shop"])
        count = 0
        for shop in shops:
            sales_rollups_rebuild(shop=shop)
            count += 1
        self.stdout.write(f"Roll-ups summed again for {count} shop(s).")
