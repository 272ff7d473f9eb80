"""Create the demo data for `make run`: a shop with an owner and an operator, an agency with one member, and a
support-staff user. Passwords are generated and printed once; running the command again changes nothing unless
--reset-passwords is given."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from affiliates.models import Agency, AgencyMember
from shopops import services
from shopops.models import Membership, Shop
from shopops.roles import Role

DEMO_SHOP = "示例小店"
DEMO_AGENCY = "示例带货机构"
# username -> (what the account is for, where it signs in)
DEMO_USERS = {
    "demo-owner": ("console (shop owner)", "/"),
    "demo-operator": ("console (operator)", "/"),
    "demo-agency": ("partner portal", "/partner/"),
    "demo-support": ("admin (support staff)", "/admin/"),
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
            shop = services.shop_create(user=users["demo-owner"], name=DEMO_SHOP)
        Membership.objects.get_or_create(shop=shop, user=users["demo-operator"], defaults={"role": Role.OPERATOR})
        agency, _ = Agency.objects.get_or_create(name=DEMO_AGENCY)
        AgencyMember.objects.get_or_create(user=users["demo-agency"], defaults={"agency": agency})

        self.stdout.write(self.style.SUCCESS(f"ShopOps demo: {url}/"))
        for username, (purpose, path) in DEMO_USERS.items():
            password = passwords.get(username, "(unchanged; `make demo-passwords` sets new ones)")
            self.stdout.write(f"  {purpose:<22} {url}{path:<10} user {username:<14} password {password}")
