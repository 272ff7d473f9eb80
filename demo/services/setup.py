"""The demo of ``make run``: a shop that looks like a real one on first open, an agency that cooperates with it,
and a login for each area.

The product side is written through each app's services (users here, the shop and its members in the core, the
agency in affiliates). The platform side is the sandbox's: seeded by command name (no app imports the sandbox)
with the credentials the product side holds, so both sides agree. Everything the product knows about the
platform it then learns the way it would in production, by polling: the tasks queued here (product scan and order
sync, linked and cooperation accounts refresh, the owner's first steps in demo.tasks) run in the worker once the
web server, and so the sandbox's HTTP API, is up.

Running it again changes nothing (no new rows, no new passwords, nothing queued) unless ``reset_passwords`` is given.
"""

import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from affiliates import sync as agency_sync
from affiliates import tasks as affiliate_tasks
from affiliates.models import Agency, AgencyMember
from affiliates.services import agencies as agency_services
from demo import tasks as demo_tasks
from linked_accounts import tasks as linked_tasks
from shopops import tasks
from shopops.models import Membership, Shop
from shopops.roles import Role
from shopops.services import connection as connection_services
from shopops.services import members as member_services
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
STAFF_USERS = {"demo-support"}
# The platform's data for the demo shop: deterministic for a given shop appid.
SEED_DAYS, SEED_ORDERS, SEED = 60, 3000, 2026
# The platform pays 2% of commission parties wrongly and 20% of 推客 lines are bought by the 推客 themself: the
# emulator records both, so the demo's differences and self-referral flags have something true to show.
MISCOMPUTE_PERMILLE, SELF_REFERRAL_PERMILLE = 20, 200
# The product's syncs go back a day further than the seeded data, so they read all of it.
BACKFILL_DAYS = SEED_DAYS + 1


@dataclass(frozen=True)
class DemoLogin:
    username: str
    purpose: str
    path: str
    password: str | None  # None: unchanged


@dataclass(frozen=True)
class DemoResult:
    shop: Shop
    agency: Agency
    logins: list[DemoLogin]
    seeded: bool  # the platform side was seeded and the first reads queued by this run


def _password() -> str:
    return secrets.token_urlsafe(9)


def _credentials() -> dict[str, str]:
    """A sandbox AppID and AppSecret: the demo seeds the sandbox with the same pair in the same run."""
    return {"appid": "wx" + secrets.token_hex(8), "app_secret": secrets.token_hex(16)}


@transaction.atomic
def demo_user_ensure(*, username: str, staff: bool, reset_password: bool = False) -> tuple:
    """The demo user ``username``, created when missing; support staff are staff and superusers, nobody else is.

    Returns (user, password): a new password for a new user or with ``reset_password``, else None (unchanged).
    """
    User = get_user_model()
    user = User.objects.select_for_update().filter(username=username).first()
    password = None
    if user is None or reset_password:
        password = _password()
    if user is None:
        user = User(username=username)
    changed = user.pk is None or password is not None or (user.is_staff, user.is_superuser) != (staff, staff)
    user.is_staff = user.is_superuser = staff
    if password is not None:
        user.set_password(password)
    if changed:
        user.full_clean(exclude=["password"])
        user.save()
    return user, password


@transaction.atomic
def demo_setup(*, url: str, reset_passwords: bool = False) -> DemoResult:
    """Create what is missing of the demo: users, the demo shop (owner demo-owner, operator demo-operator), the
    demo agency with its portal member. When the shop is new, or the agency has no platform account yet, the
    sandbox is seeded for both (``url`` is where the product's push callback is reached) and the first reads are
    queued for after the commit. Refusals of the services (ValidationError) propagate: nothing is then written."""
    users, logins = {}, []
    for username, (purpose, path) in DEMO_USERS.items():
        users[username], password = demo_user_ensure(
            username=username, staff=username in STAFF_USERS, reset_password=reset_passwords
        )
        logins.append(DemoLogin(username=username, purpose=purpose, path=path, password=password))

    shop = Shop.objects.filter(name=DEMO_SHOP, memberships__user=users["demo-owner"]).first()
    new_shop = shop is None
    if new_shop:
        shop = shop_services.shop_create(user=users["demo-owner"], name=DEMO_SHOP, **_credentials())
        connection_services.shop_push_settings_generate(shop=shop)
    if not Membership.objects.filter(shop=shop, user=users["demo-operator"]).exists():
        member_services.membership_invite(shop=shop, username="demo-operator", role=Role.OPERATOR)

    agency = Agency.objects.filter(name=DEMO_AGENCY).order_by("pk").first()
    new_agency_account = agency is None or not agency.appid
    if agency is None:
        agency = agency_services.agency_create(name=DEMO_AGENCY, **_credentials())
    elif not agency.appid:  # a database from before the demo agency had a platform account
        agency = agency_services.agency_credentials_set(agency=agency, **_credentials())
    if not AgencyMember.objects.filter(user=users["demo-agency"]).exists():
        agency_services.agency_member_add(agency=agency, username="demo-agency")

    seeded = new_shop or new_agency_account
    if seeded:
        _platform_seed(shop=shop, agency=agency, url=url)
        engine.backfill_request(shop=shop, since=engine.now() - timedelta(days=BACKFILL_DAYS))
        # One sync run for all three streams: two runs at once would find the shop's lease taken. Products first,
        # so the catalogue shows while the orders are still coming in.
        tasks.queue_sync(shop_id=shop.pk, streams=("products", "orders", "aftersales"))
        linked_tasks.queue_refresh(shop_id=shop.pk)
        engine.subject_backfill_request(
            subject=agency_sync.agency_subject(agency),
            since=engine.now() - timedelta(days=BACKFILL_DAYS),
            streams=("commission_orders", "funds_flows"),
        )
        affiliate_tasks.queue_agency_sync(agency_id=agency.pk)
        demo_tasks.queue_first_steps(shop_id=shop.pk, owner_id=users["demo-owner"].pk)
    return DemoResult(shop=shop, agency=agency, logins=logins, seeded=seeded)


def _platform_seed(*, shop: Shop, agency: Agency, url: str) -> None:
    """The sandbox plays WeChat for the demo: the shop's and the agency's credentials on both sides, the shop's
    pushes to its callback, and the demo agency as the shop's first cooperating agency (已接受, with its items and
    commission orders). Reached by command name only."""
    call_command(
        "sandbox_seed",
        shop=shop.appid,
        secret=shop.app_secret,
        token=shop.push_token,
        aes_key=shop.encoding_aes_key,
        callback_url=f"{url}/wechat/callback/{shop.public_id}/",
        name=DEMO_SHOP,
        days=SEED_DAYS,
        orders=SEED_ORDERS,
        seed=SEED,
        agency_name=agency.name,
        agency_appid=agency.appid,
        agency_secret=agency.app_secret,
        agencies=1,  # the demo agency only: a second one, outside ShopOps, would leave its plans unknown here
        miscompute=MISCOMPUTE_PERMILLE,
        self_referral=SELF_REFERRAL_PERMILLE,
        stdout=io.StringIO(),  # the sandbox's own credentials listing is not for the demo's user
    )
