"""Create or replace a sandbox shop with deterministic data; prints its credentials and its agencies'."""

from django.core.management.base import BaseCommand, CommandError

from sandbox.services import shop_seed


class Command(BaseCommand):
    help = "Seed a sandbox shop (replaces its data): products, buyers, orders over N days, after-sales, agencies."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, metavar="APPID", help="the shop's appid")
        parser.add_argument("--days", type=int, default=7)
        parser.add_argument("--orders", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--agencies", type=int, default=2, help="agencies cooperating with the shop")
        parser.add_argument("--secret", default="", help="AppSecret (default: derived from the seed)")
        parser.add_argument("--token", default="", help="push Token (default: derived from the seed)")
        parser.add_argument("--aes-key", default="", help="43-character EncodingAESKey (default: derived)")
        parser.add_argument("--callback-url", default=None, help="push callback URL (default: keep)")
        parser.add_argument("--agency-callback-url", default=None, help="push callback URL for the agencies")
        parser.add_argument("--agency-name", default="", help="the first agency's name (default: generated)")
        parser.add_argument("--agency-appid", default="", help="the first agency's appid (default: derived)")
        parser.add_argument("--agency-secret", default="", help="the first agency's AppSecret (default: derived)")
        parser.add_argument("--name", default="", help="shop nickname")
        parser.add_argument(
            "--miscompute",
            type=int,
            default=0,
            metavar="PERMILLE",
            help="commission parties the platform pays wrongly, per mille (recorded: sandbox CommissionAnomaly)",
        )
        parser.add_argument(
            "--self-referral",
            type=int,
            default=0,
            metavar="PERMILLE",
            help="推客 agency lines bought by the 推客 themself, per mille",
        )
        parser.add_argument(
            "--fee-mismatch",
            type=int,
            default=0,
            metavar="PERMILLE",
            help="settled orders charged a wrong 私域激励 fee reduction, per mille (sandbox selectors.fee_anomalies)",
        )
        parser.add_argument(
            "--anchor", type=int, default=None, help="end of the data, unix seconds (default: shop clock, else now)"
        )

    def handle(self, *args, **o):
        try:
            result = shop_seed(
                appid=o["shop"],
                seed=o["seed"],
                days=o["days"],
                orders=o["orders"],
                agencies=o["agencies"],
                anchor=o["anchor"],
                name=o["name"],
                secret=o["secret"],
                push_token=o["token"],
                encoding_aes_key=o["aes_key"],
                callback_url=o["callback_url"],
                agency_callback_url=o["agency_callback_url"],
                first_agency={"name": o["agency_name"], "appid": o["agency_appid"], "secret": o["agency_secret"]},
                miscompute_permille=o["miscompute"],
                self_referral_permille=o["self_referral"],
                fee_mismatch_permille=o["fee_mismatch"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        shop = result.shop
        self.stdout.write(
            f"Seeded {shop.name} ({shop.appid}) in {result.seconds:.1f}s: {result.orders} orders, "
            f"{result.aftersales} after-sales, {result.products} products, {result.buyers} buyers, "
            f"{result.commission_orders} commission orders; clock {shop.clock}."
        )
        self.stdout.write(f"  appid            {shop.appid}")
        self.stdout.write(f"  secret           {shop.secret}")
        self.stdout.write(f"  push token       {shop.push_token}")
        self.stdout.write(f"  EncodingAESKey   {shop.encoding_aes_key}")
        self.stdout.write(f"  original id      {shop.username}")
        self.stdout.write(f"  callback URL     {shop.callback_url or '(none: pushes are recorded, not sent)'}")
        for agency in result.agencies:
            self.stdout.write(f"  agency {agency.name}: appid {agency.appid} secret {agency.secret}")
