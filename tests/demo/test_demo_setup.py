"""The demo of `make run` (demo_setup), against the sandbox over real HTTP: on first open, without pressing any
button, the shop has its products, orders, linked and cooperation accounts; the demo agency cooperates with the
demo shop on the platform; running it again changes nothing; --reset-passwords changes only the passwords."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django_q.conf import Conf
from django_q.models import Task

from affiliates.models import Agency, AgencyMember, CommissionLine, PromotionPlan, Reason
from affiliates.models import CommissionOrder as AgencyCommissionOrder
from affiliates.models import Cooperation as AffiliateCooperation
from affiliates.sync import ALL_STREAMS
from demo.services import setup as demo
from demo.tasks import INVITED_FINDER, INVITED_MINIPROGRAM
from linked_accounts.models import CooperationAccount, LinkedAccount, LinkingState, WecomStaff
from sandbox import selectors as platform
from sandbox.models import CommissionOrder, LeaguePlan
from sandbox.models import Product as PlatformProduct
from shopops.channels import CONTENT_WECOM_MEMBER_FORWARD
from shopops.models import Order, OrderLine, Product, Shop
from shopops.wechat.client import AgencyClient, MemoryTokenStore
from shopops.wechat.types import CooperativeShop
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import console_url
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = re.compile(r"^  (?P<purpose>.+?) +(?P<url>http\S+) +user (?P<user>\S+) +password (?P<password>.+)$")
UNCHANGED = "(unchanged; `make demo-passwords` sets new ones)"


def demo_setup(url: str, *args) -> str:
    out = io.StringIO()
    call_command("demo_setup", "--url", url, *args, stdout=out)
    return out.getvalue()


def logins(output: str) -> dict[str, str]:
    return {m["user"]: m["password"] for m in map(LOGIN.match, output.splitlines()) if m}


@pytest.fixture
def small_seed(monkeypatch):
    """The tests that are not about the demo's size seed a tenth of it."""
    monkeypatch.setattr(demo, "SEED_ORDERS", 300)
    monkeypatch.setattr(demo, "SEED_DAYS", 7)


@pytest.mark.slow
def test_first_open_shows_a_real_shop_without_pressing_any_button(live_sandbox, live_server, client, monkeypatch):
    """The tasks demo_setup queues run as the worker would run them (django-q2's sync mode runs each one when it
    is queued, after demo_setup's transaction commits) and read everything over HTTP."""
    monkeypatch.setattr(Conf, "SYNC", True)

    output = demo_setup(live_server.url)

    shop = Shop.objects.get()
    assert output.splitlines()[0] == "Seeded the sandbox with 3,000 orders over 60 days; the worker is syncing them."
    results = {(t.func, tuple(t.args)): (t.success, t.result) for t in Task.objects.all()}
    owner = get_user_model().objects.get(username="demo-owner")
    agency = Agency.objects.get()
    assert results == {
        ("shopops.tasks.sync_shop", (shop.pk, ("products", "orders", "aftersales"))): (True, "caught up"),
        ("linked_accounts.tasks.linked_accounts_refresh_shop", (shop.pk,)): (
            True,
            f"0 accepted, 0 ended, 5 found, 0 unlinked, {WecomStaff.objects.count()} WeCom staff resolved",
        ),
        ("linked_accounts.tasks.cooperation_accounts_refresh_shop", (shop.pk,)): (True, "3 changed"),
        ("demo.tasks.demo_first_steps", (shop.pk, owner.pk)): (
            True,
            "done: refresh, display channels, display mp, display service, invite, cooperation invite, alliance, "
            "previews, coupons, favourites",
        ),
        ("affiliates.tasks.agency_sync", (agency.pk, ALL_STREAMS)): (True, "caught up"),
    }

    # 商品: every product the platform lists (12 seeded and the 福袋抽奖商品 WeChat made for the lucky bags: a draft
    # and one in the recycle bin are not listed).
    listed = PlatformProduct.objects.filter(shop__appid=shop.appid).exclude(status__in=(0, 6, 9))
    assert PlatformProduct.objects.filter(shop__appid=shop.appid).count() == 13
    assert sorted(Product.objects.filter(shop=shop).values_list("product_id", flat=True)) == sorted(
        listed.values_list("product_id", flat=True)
    )
    assert Product.objects.filter(shop=shop).count() == 11
    # 订单: all 3,000, with their lines, and the 福袋 winners' 0-yuan orders (sandbox.gen_luckybag: 3 to 6 for
    # each of the 3 busiest lives of the shop's own 视频号; how many depends on the day the demo is set up).
    lottery = Order.objects.filter(shop=shop, payment_method=3).count()
    assert Order.objects.filter(shop=shop).exclude(payment_method=3).count() == 3000 and 9 <= lottery <= 18
    assert len(platform.order_payloads(shop.appid)) == 3000 + lottery

    # 关联账号: the platform's five linked accounts, the display account of each kind, and the owner's invitation.
    accounts = {
        (a.kind, a.nickname, a.status, a.selling_identity, a.is_display)
        for a in LinkedAccount.objects.filter(shop=shop)
    }
    assert accounts == {
        ("channels", "示例小店官方视频号", "accepted", "self_operated", True),
        ("channels", "示例小店直播间", "accepted", "self_operated", False),
        ("mp", "示例小店公众号", "accepted", "", True),
        ("service", "示例小店服务号", "accepted", "", True),
        ("wecom", "示例小店企业微信", "accepted", "", False),
        ("channels", "视频号2026", "pending", "self_operated", False),
    }
    invited = LinkedAccount.objects.get(shop=shop, account_id=INVITED_FINDER)
    assert (invited.invited_by, invited.invitation_id != "") == (owner, True)
    official_mp = LinkedAccount.objects.get(shop=shop, kind="mp")
    assert official_mp.bound_finder_nickname == "示例小店官方视频号"
    # …and the WeCom members seen forwarding the shop's orders, each resolved to its shop-side id.
    forwarders = set(
        OrderLine.objects.filter(shop=shop, content_type=CONTENT_WECOM_MEMBER_FORWARD).values_list(
            "content_id", flat=True
        )
    )
    assert len(forwarders) == 5
    assert {(s.user_id, bool(s.wecom_user_id)) for s in WecomStaff.objects.filter(shop=shop)} == {
        (user_id, True) for user_id in forwarders
    }
    state = LinkingState.objects.get(shop=shop)
    assert state.linked_refreshed_at is not None and state.cooperation_refreshed_at is not None

    # 合作账号: the platform's 公众号 and two 小程序, bound, and the 小程序 the owner invited by QR code (pending).
    bound = CooperationAccount.objects.filter(shop=shop, status=CooperationAccount.Status.BOUND)
    assert sorted(bound.values_list("sharer_type", flat=True)) == [2, 3, 3]
    assert list(
        CooperationAccount.objects.filter(shop=shop)
        .exclude(pk__in=bound)
        .values_list("sharer_id", "sharer_type", "status")
    ) == [(INVITED_MINIPROGRAM, 3, 4)]

    # The owner sees it all on first open.
    client.force_login(owner)
    home = client.get(console_url("shop_home", shop))
    assert home.context["board"].shop_has_orders and home.context["board"].current.orders > 0
    assert len(client.get(console_url("products", shop)).context["products"]) == 11  # with the 福袋 product
    assert client.get(console_url("linked_accounts", shop)).context["total"] == 6
    assert len(client.get(console_url("cooperation_accounts", shop)).context["rows"]) == 4

    # 优选联盟: the shop's plans and its agency, the agency's own account, and the commission lines checked.
    cooperation = AffiliateCooperation.objects.get(agency=agency)
    assert (cooperation.shop, cooperation.status) == (shop, 2)
    assert (
        PromotionPlan.objects.filter(shop=shop, headsupplier_appid="").count()
        == LeaguePlan.objects.filter(shop__appid=shop.appid, type__in=(1, 2, 3)).count()
    )
    # The agency plans the merchant-side API does not list, learned from the demo agency's own account.
    assert sorted(
        PromotionPlan.objects.filter(shop=shop, headsupplier_appid=agency.appid).values_list("product_id", flat=True)
    ) == sorted(
        LeaguePlan.objects.filter(shop__appid=shop.appid, agency__appid=agency.appid).values_list(
            "product_id", flat=True
        )
    )
    assert (
        AgencyCommissionOrder.objects.filter(agency=agency).count()
        == CommissionOrder.objects.filter(agency__appid=agency.appid).count()
    )
    wrong = CommissionLine.objects.filter(shop=shop, reason=Reason.PLATFORM_MISCOMPUTED)
    assert set(wrong.values_list("order_id", "sku_id", "party")) == platform.commission_anomalies(shop.appid)
    assert set(CommissionLine.objects.filter(shop=shop).values_list("reason", flat=True)) == {
        "",
        Reason.PLATFORM_MISCOMPUTED,
    }
    # …and the agency's member sees the shop and its commissions in the portal on first sign-in.
    client.force_login(get_user_model().objects.get(username="demo-agency"))
    assert client.get("/partner/commissions/").context["totals"].count == (
        AgencyCommissionOrder.objects.filter(agency=agency).count()
    )


def test_the_demo_agency_cooperates_with_the_demo_shop_on_the_platform(live_sandbox, live_server, small_seed):
    """The agency's own credentials answer headsupplier/shop/list/get with the demo shop, accepted (status 2);
    the shop promotes items through it and the platform has its commission orders."""
    demo_setup(live_server.url)

    shop = Shop.objects.get()
    agency = Agency.objects.get()
    assert (agency.name, AgencyMember.objects.get().user.username) == ("示例带货机构", "demo-agency")
    assert re.fullmatch(r"wx[0-9a-f]{16}", agency.appid) and re.fullmatch(r"[0-9a-f]{32}", agency.app_secret)
    client = AgencyClient(
        appid=agency.appid, secret=agency.app_secret, base_url=live_sandbox, token_store=MemoryTokenStore()
    )
    page = client.headsupplier_shop_list()
    headimg = platform.account_get(shop.appid).headimg_url
    assert (page.shops, page.has_more) == (
        [CooperativeShop(appid=shop.appid, nickname="示例小店", headimg_url=headimg, status=2)],
        False,
    )
    assert client.headsupplier_item_list(shop_appid=shop.appid).ids
    assert platform.account_get(agency.appid).name == "示例带货机构"
    assert CommissionOrder.objects.filter(agency__appid=agency.appid, shop__appid=shop.appid).exists()


def test_running_it_again_changes_nothing_and_queues_nothing(live_sandbox, live_server, small_seed, queue):
    first = demo_setup(live_server.url)
    before, queued = snapshot(), len(queue())

    second = demo_setup(live_server.url)

    assert changes(before, snapshot()) == {}
    assert len(queue()) == queued == 5  # the sync, the two refreshes, the agency's sync and the owner's first steps
    assert set(logins(first)) == set(logins(second)) == set(demo.DEMO_USERS)
    assert UNCHANGED not in logins(first).values()
    assert set(logins(second).values()) == {UNCHANGED}
    assert second.splitlines()[0] == f"ShopOps demo: {live_server.url}/"


def test_reset_passwords_changes_the_passwords_only(live_sandbox, live_server, small_seed):
    first = logins(demo_setup(live_server.url))
    before = snapshot()

    second = logins(demo_setup(live_server.url, "--reset-passwords"))

    diff = changes(before, snapshot())
    assert list(diff) == ["shopops.User"]
    changed = {
        key
        for old, new in zip(diff["shopops.User"]["before"], diff["shopops.User"]["after"], strict=True)
        for key in old
        if old[key] != new[key]
    }
    assert changed == {"password"}
    for username, password in second.items():
        assert password not in (UNCHANGED, first[username])
        user = get_user_model().objects.get(username=username)
        assert (user.check_password(password), user.check_password(first[username])) == (True, False)


def test_a_refused_demo_writes_nothing(live_sandbox, live_server, small_seed, queue):
    """demo-agency already signs in to a shop's console: the agency service refuses it a portal account, and the
    whole demo (users, shop, the sandbox's seed) is rolled back."""
    MembershipFactory(user=UserFactory(username="demo-agency"))
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        demo_setup(live_server.url)

    assert refused.value.error_dict["username"][0].code == "console_user"
    assert changes(before, snapshot()) == {}
    assert queue() == []


def test_a_database_from_before_gets_the_agency_cooperation(live_sandbox, live_server, small_seed):
    """A demo made before the agency had a platform account (its row has no AppID): the next run gives it one and
    seeds the platform again, so the agency's credentials answer with the demo shop accepted."""
    demo_setup(live_server.url)
    Agency.objects.update(appid="", app_secret="")

    output = demo_setup(live_server.url)

    agency, shop = Agency.objects.get(), Shop.objects.get()
    assert output.splitlines()[0] == "Seeded the sandbox with 300 orders over 7 days; the worker is syncing them."
    client = AgencyClient(
        appid=agency.appid, secret=agency.app_secret, base_url=live_sandbox, token_store=MemoryTokenStore()
    )
    assert [(s.appid, s.status) for s in client.headsupplier_shop_list().shops] == [(shop.appid, 2)]
    assert (Shop.objects.count(), Agency.objects.count(), AgencyMember.objects.count()) == (1, 1, 1)
