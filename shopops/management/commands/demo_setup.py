"""Create the demo data for `make run`: a shop with an owner and an operator, an agency with one member, and a
support-staff user. Passwords are generated and printed once; running the command again changes nothing unless
--reset-passwords is given."""

import io
import secrets
import string
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from affiliates.models import Agency, AgencyMember
from shopops import tasks
from shopops.models import Membership, Shop
from shopops.roles import Role
from shopops.services import shops as shop_services
from shopops.sync import engine

DEMO_SHOP = "示例小店"
DEMO_AGENCY = "示例带货机构"
# username -> (what the account is for, where it signs in)
DEMO_USERS = {
    "demo-owner": ("console (shop owner)", "/"),
    "demo-operator": ("console (operator)", "/"),
    "demo-agency": ("partner portal", "/partner/"),
    "demo-support": ("admin (support staff)", "/admin/"),
}


def _sandbox_credentials() -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits
    return {
        "appid": "wx" + secrets.token_hex(8),
        "app_secret": secrets.token_hex(16),
        "push_token": secrets.token_hex(8),
        "encoding_aes_key": "".join(secrets.choice(alphabet) for _ in range(43)),
    }


class Command(BaseCommand):
    help = "Create the demo shop, agency and users (idempotent); print the logins created."

    def add_arguments(self, parser):
        parser.add_argument("--reset-passwords", action="store_true", help="Give every demo user a new password.")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The address printed with the logins.")

    @transaction.atomic
    def handle(self, *args, reset_passwords=False, url="", **options):
        User = get_user_model()
        passwords = {}
        users = {}
        for username in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created or reset_passwords:
                passwords[username] = secrets.token_urlsafe(9)
                user.set_password(passwords[username])
            user.is_staff = user.is_superuser = username == "demo-support"
            user.save()
            users[username] = user

        shop = Shop.objects.filter(name=DEMO_SHOP, memberships__user=users["demo-owner"]).first()
        if shop is None:
            shop = shop_services.shop_create(user=users["demo-owner"], name=DEMO_SHOP, **_sandbox_credentials())
            # The sandbox plays WeChat for the demo shop: the same credentials on both sides, and its pushes
            # go to this shop's callback. Reached by command name only (no app imports the sandbox).
            call_command(
                "sandbox_seed",
                shop=shop.appid,
                secret=shop.app_secret,
                token=shop.push_token,
                aes_key=shop.encoding_aes_key,
                callback_url=f"{url}/wechat/callback/{shop.public_id}/",
                name=DEMO_SHOP,
                days=60,
                orders=3000,
                seed=2026,
                stdout=io.StringIO(),  # the sandbox's own credentials listing is not for the demo's user
            )
            engine.backfill_request(shop=shop, since=engine.now() - timedelta(days=61))
            tasks.queue_sync(shop_id=shop.pk)
            self.stdout.write("Seeded the sandbox with 3,000 orders over 60 days; the worker is syncing them.")
        Membership.objects.get_or_create(shop=shop, user=users["demo-operator"], defaults={"role": Role.OPERATOR})
        agency, _ = Agency.objects.get_or_create(name=DEMO_AGENCY)
        AgencyMember.objects.get_or_create(user=users["demo-agency"], defaults={"agency": agency})

        self.stdout.write(self.style.SUCCESS(f"ShopOps demo: {url}/"))
        for username, (purpose, path) in DEMO_USERS.items():
            password = passwords.get(username, "(unchanged; `make demo-passwords` sets new ones)")
            self.stdout.write(f"  {purpose:<22} {url}{path:<10} user {username:<14} password {password}")
