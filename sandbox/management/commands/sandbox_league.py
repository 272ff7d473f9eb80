"""A shop's 优选联盟 switch and its deliberate commission mistakes (for the orders to come)."""

from django.core.management.base import BaseCommand, CommandError

from sandbox.models import Account


class Command(BaseCommand):
    help = (
        "Show or change a sandbox shop's 优选联盟: --disable makes every merchant league API answer 10023007 "
        "(not enabled), --enable turns it back on; --miscompute / --self-referral set the per-mille rates of "
        "deliberate commission mistakes for orders generated from now on (sandbox_advance)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, metavar="APPID")
        switch = parser.add_mutually_exclusive_group()
        switch.add_argument("--enable", action="store_const", const=True, dest="enabled")
        switch.add_argument("--disable", action="store_const", const=False, dest="enabled")
        parser.add_argument("--miscompute", type=int, metavar="PERMILLE")
        parser.add_argument("--self-referral", type=int, metavar="PERMILLE")

    def handle(self, *args, **o):
        shop = Account.objects.filter(appid=o["shop"], kind=Account.Kind.SHOP).first()
        if shop is None:
            raise CommandError(f"unknown shop {o['shop']}")
        changes = {
            "league_enabled": o["enabled"],
            "miscompute_permille": o["miscompute"],
            "self_referral_permille": o["self_referral"],
        }
        changes = {key: value for key, value in changes.items() if value is not None}
        for key, value in changes.items():
            if key != "league_enabled" and not 0 <= value <= 1000:
                raise CommandError("rates are per mille: 0 to 1000")
            setattr(shop, key, value)
        if changes:
            shop.save(update_fields=[*changes, "updated_at"])
        state = "enabled" if shop.league_enabled else "not enabled (10023007)"
        self.stdout.write(
            f"{shop.appid}: 优选联盟 {state}; mis-computed {shop.miscompute_permille}‰, "
            f"self-referral {shop.self_referral_permille}‰."
        )
