"""Create the demo data for `make run` (demo.services.setup): a shop with an owner and an operator that looks like
a real shop on first open, an agency cooperating with it with one member, and a support-staff user. Passwords are
generated and printed once; running the command again changes nothing unless --reset-passwords is given."""

from django.core.management.base import BaseCommand

from demo.services import setup


class Command(BaseCommand):
    help = "Create the demo shop, agency and users (idempotent); print the logins created."

    def add_arguments(self, parser):
        parser.add_argument("--reset-passwords", action="store_true", help="Give every demo user a new password.")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The address printed with the logins.")

    def handle(self, *args, reset_passwords=False, url="", **options):
        url = url.rstrip("/")
        result = setup.demo_setup(url=url, reset_passwords=reset_passwords)
        if result.seeded:
            orders, days = setup.SEED_ORDERS, setup.SEED_DAYS
            self.stdout.write(
                f"Seeded the sandbox with {orders:,} orders over {days} days; the worker is syncing them."
            )
        self.stdout.write(self.style.SUCCESS(f"ShopOps demo: {url}/"))
        for login in result.logins:
            password = login.password or "(unchanged; `make demo-passwords` sets new ones)"
            self.stdout.write(
                f"  {login.purpose:<22} {url}{login.path:<10} user {login.username:<14} password {password}"
            )
