"""Configure fault injection for a shop or agency appid."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sandbox import auth
from sandbox.clock import platform_now
from sandbox.faults import FIELDS, faults_configure
from sandbox.models import Account


def on_off(value: str) -> bool:
    if value not in ("on", "off"):
        raise ValueError("expected on or off")
    return value == "on"


class Command(BaseCommand):
    help = "Inject faults into one appid's API calls and pushes (see sandbox/faults.py)."

    def add_arguments(self, parser):
        parser.add_argument("--shop", "--appid", dest="appid", required=True, metavar="APPID")
        parser.add_argument("--busy-rate", type=float, help="share of calls answering -1")
        parser.add_argument("--http5xx-rate", type=float, help="share of calls answering HTTP 502/503")
        parser.add_argument("--slow-rate", type=float, help="share of calls delayed by --slow-seconds")
        parser.add_argument("--slow-seconds", type=float)
        parser.add_argument("--rate-limit-burst", type=int, metavar="N", help="the next N calls answer 45011")
        parser.add_argument("--quota-exhausted", type=on_off, metavar="on|off", help="45009 until turned off")
        parser.add_argument("--invalidate-tokens", action="store_true", help="current tokens answer 40001")
        parser.add_argument("--expire-tokens", action="store_true", help="current tokens answer 42001")
        parser.add_argument("--duplicate-push-rate", type=float, help="share of events delivered twice")
        parser.add_argument("--reorder-pushes", type=on_off, metavar="on|off")
        parser.add_argument("--seed", type=int)
        parser.add_argument("--clear", action="store_true", help="turn every fault off first")

    def handle(self, *args, **o):
        account = Account.objects.filter(appid=o["appid"]).first()
        if account is None:
            raise CommandError(f"unknown appid {o['appid']}")
        changes = {
            "busy_rate": o["busy_rate"],
            "http5xx_rate": o["http5xx_rate"],
            "slow_rate": o["slow_rate"],
            "slow_seconds": o["slow_seconds"],
            "rate_limit_remaining": o["rate_limit_burst"],
            "quota_exhausted": o["quota_exhausted"],
            "duplicate_push_rate": o["duplicate_push_rate"],
            "reorder_pushes": o["reorder_pushes"],
            "seed": o["seed"],
        }
        for name in ("busy_rate", "http5xx_rate", "slow_rate", "duplicate_push_rate"):
            if changes[name] is not None and not 0 <= changes[name] <= 1:
                raise CommandError(f"--{name.replace('_', '-')} must be between 0 and 1")
        try:
            settings = faults_configure(account=account, clear=o["clear"], **changes)
        except ValidationError as error:
            raise CommandError(str(error)) from error
        now = int(platform_now())
        if o["invalidate_tokens"]:
            self.stdout.write(f"{auth.tokens_invalidate(account, now)} tokens invalidated (40001).")
        if o["expire_tokens"]:
            self.stdout.write(f"{auth.tokens_expire(account, now)} tokens expired (42001).")
        self.stdout.write(f"Faults for {account.appid}: " + ", ".join(f"{f}={getattr(settings, f)}" for f in FIELDS))
