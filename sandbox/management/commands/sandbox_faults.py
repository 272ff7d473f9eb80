"""Configure fault injection for a shop or agency appid."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sandbox.api.registry import fault_target
from sandbox.clock import platform_now
from sandbox.faults import FIELDS, faults_configure, tokens_expire, tokens_invalidate
from sandbox.models import Account, TargetedFault

TARGET_OPTIONS = ("fail_call", "fail_times", "fail_errcode", "fail_http_status")


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
        parser.add_argument("--clear", action="store_true", help="turn every fault off first (targeted ones too)")
        target = parser.add_argument_group(
            "targeted fault", "fail calls N … N+K−1 of one path, counted from now (adds to the targeted faults set)"
        )
        target.add_argument("--fail-path", metavar="PATH", help="platform path, e.g. /channels/ec/order/get")
        target.add_argument("--fail-call", type=int, metavar="N", help="the first failing call (default 1: the next)")
        target.add_argument("--fail-times", type=int, metavar="K", help="how many calls in a row fail (default 1)")
        answer = target.add_mutually_exclusive_group()
        answer.add_argument("--fail-errcode", type=int, metavar="E", help="answer errcode E (HTTP 200)")
        answer.add_argument("--fail-http-status", type=int, metavar="S", help="answer HTTP status S (nginx page)")

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
            settings = faults_configure(account=account, clear=o["clear"], targeted=self._targeted(o), **changes)
        except ValidationError as error:
            raise CommandError(str(error)) from error
        now = int(platform_now())
        if o["invalidate_tokens"]:
            self.stdout.write(f"{tokens_invalidate(account=account, now=now)} tokens invalidated (40001).")
        if o["expire_tokens"]:
            self.stdout.write(f"{tokens_expire(account=account, now=now)} tokens expired (42001).")
        self.stdout.write(f"Faults for {account.appid}: " + ", ".join(f"{f}={getattr(settings, f)}" for f in FIELDS))
        for fault in account.targeted_faults.order_by("pk"):
            self.stdout.write(f"  targeted: {fault} (counted {fault.calls_counted}, fired {fault.fired})")

    @staticmethod
    def _targeted(o: dict) -> list[TargetedFault]:
        if not o["fail_path"]:
            if any(o[name] is not None for name in TARGET_OPTIONS):
                raise CommandError("--fail-call, --fail-times, --fail-errcode and --fail-http-status need --fail-path")
            return []
        if o["fail_errcode"] is None and o["fail_http_status"] is None:
            raise CommandError("--fail-path needs --fail-errcode or --fail-http-status")
        try:
            path = fault_target(o["fail_path"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        return [
            TargetedFault(
                path=path,
                first_call=1 if o["fail_call"] is None else o["fail_call"],
                times=1 if o["fail_times"] is None else o["fail_times"],
                errcode=o["fail_errcode"],
                http_status=o["fail_http_status"],
            )
        ]
