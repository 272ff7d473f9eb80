"""The accounts selectors on synced order lines (no platform): accounts seen in orders but not linked, WeCom staff,
cooperation accounts with their orders, display accounts, recorded accounts verified by orders; and the invite (or,
with the real platform, record) form filled in from "seen in orders"."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from linked_accounts.models import CooperationAccount, LinkedAccount, WecomStaff
from linked_accounts.selectors.cooperation import cooperation_accounts_for_shop
from linked_accounts.selectors.linked_accounts import (
    SeenAccount,
    StaffRow,
    Verification,
    accounts_seen_in_orders,
    display_accounts_for_shop,
    recorded_verifications,
    wecom_staff_for_shop,
)
from shopops.channels import CONTENT_WECOM_MEMBER_FORWARD
from tests.factories import (
    CooperationAccountFactory,
    LinkedAccountFactory,
    OrderFactory,
    OrderLineFactory,
    ShopFactory,
)
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

T1 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def sale(shop, *, at=T1, paid=True, lines=()):
    order = OrderFactory(shop=shop, create_time=at, pay_time=at if paid else None)
    for fields in lines:
        OrderLineFactory(order=order, **fields)
    return order


def test_accounts_seen_in_orders_are_the_unlinked_sources_of_paid_orders_by_gmv(shop):
    finder = {"account_type": 1, "account_id": "sphSeen000001", "account_nickname": "老王直播", "sale_channel": 100}
    mp = {"account_type": 2, "account_id": "wx00000000000f0001", "account_nickname": "生活号", "sale_channel": 0}
    # Two lines of one order count as one order; an unpaid order counts for nothing.
    sale(shop, at=T1, lines=[{**finder, "sale_price_fen": 1000}, {**finder, "sale_price_fen": 500}])
    sale(shop, at=T2, lines=[{**finder, "sale_price_fen": 2000}])
    sale(shop, paid=False, lines=[{**finder, "sale_price_fen": 9900}])
    sale(shop, at=T2, lines=[{**mp, "sale_price_fen": 800}])
    # Left out: a cooperation account, a mini program, linked and invited accounts, another shop's orders.
    sale(shop, lines=[{"account_type": 2, "account_id": "wx00000000000f0002", "sale_channel": 1}])
    sale(shop, lines=[{"account_type": 3, "account_id": "wx00000000000f0003", "sale_channel": 102}])
    sale(shop, lines=[{"account_type": 1, "account_id": "sphLinked0001", "sale_channel": 0}])
    sale(shop, lines=[{"account_type": 6, "account_id": "wx00000000000f0004", "sale_channel": 0}])
    LinkedAccountFactory(shop=shop, account_id="sphLinked0001")
    LinkedAccountFactory(
        shop=shop, kind="service", account_id="wx00000000000f0004", status=LinkedAccount.Status.PENDING
    )
    # A rejected invitation is not a link: that account is still "seen, not linked".
    rejected = {"account_type": 4, "account_id": "ww00000000000000a1", "account_nickname": "企业", "sale_channel": 0}
    sale(shop, lines=[{**rejected, "sale_price_fen": 100}])
    LinkedAccountFactory(shop=shop, kind="wecom", account_id=rejected["account_id"], status="rejected")
    sale(ShopFactory(), lines=[{**finder, "sale_price_fen": 100000}])

    assert accounts_seen_in_orders(shop=shop) == [
        SeenAccount("channels", 1, "sphSeen000001", "老王直播", 100, 2, 3500, T2),
        SeenAccount("mp", 2, "wx00000000000f0001", "生活号", 0, 1, 800, T2),
        SeenAccount("wecom", 4, "ww00000000000000a1", "企业", 0, 1, 100, T1),
    ]
    assert accounts_seen_in_orders(shop=shop, limit=1) == accounts_seen_in_orders(shop=shop)[:1]


def test_wecom_staff_are_the_members_seen_in_orders_and_those_named(shop):
    corp = {"account_type": 4, "account_id": "ww00000000000000c1", "content_type": CONTENT_WECOM_MEMBER_FORWARD}
    sale(shop, at=T1, lines=[{**corp, "content_id": "ZhangSan", "sale_price_fen": 1200}])
    sale(shop, at=T2, lines=[{**corp, "content_id": "ZhangSan", "sale_price_fen": 800}])
    sale(shop, at=T1, lines=[{**corp, "content_id": "LiSi", "sale_price_fen": 500}])
    sale(shop, at=T1, lines=[{**corp, "account_id": "ww00000000000000c2", "content_id": "Other", "sale_price_fen": 1}])
    WecomStaff.objects.create(
        shop=shop, user_id="LiSi", corp_id=corp["account_id"], display_name="李四", wecom_user_id="wuL"
    )
    WecomStaff.objects.create(shop=shop, user_id="Left", corp_id=corp["account_id"], display_name="离职")

    assert wecom_staff_for_shop(shop=shop, corp_id=corp["account_id"]) == [
        StaffRow("ZhangSan", corp["account_id"], "", "", 2, 2000, T2),
        StaffRow("LiSi", corp["account_id"], "李四", "wuL", 1, 500, T1),
        StaffRow("Left", corp["account_id"], "离职", "", 0, 0, None),
    ]
    assert [row.user_id for row in wecom_staff_for_shop(shop=shop)] == ["ZhangSan", "LiSi", "Other", "Left"]


def test_cooperation_accounts_find_their_orders_by_appid_or_original_id(shop):
    mp = CooperationAccountFactory(shop=shop, sharer_type=2, sharer_id="gh_000000000001", sharer_name="生活号")
    mini = CooperationAccountFactory(shop=shop, sharer_id="wx00000000000a0001")
    idle = CooperationAccountFactory(
        shop=shop, sharer_id="wx00000000000a0002", status=CooperationAccount.Status.PENDING
    )
    coop_mp = {"sale_channel": 1, "account_type": 2, "account_id": "wx00000000000a0009", "original_id": mp.sharer_id}
    sale(shop, lines=[{**coop_mp, "sale_price_fen": 700}])
    sale(shop, lines=[{"sale_channel": 1, "account_type": 3, "account_id": mini.sharer_id, "sale_price_fen": 300}])
    # The same AppID as a linked account (sale_channel 0) is not the cooperation's sale.
    sale(shop, lines=[{"sale_channel": 0, "account_type": 3, "account_id": mini.sharer_id, "sale_price_fen": 999}])

    rows = {
        row.account.pk: (row.order_account_id, row.orders, row.gmv_fen)
        for row in cooperation_accounts_for_shop(shop=shop)
    }
    assert rows == {mp.pk: ("wx00000000000a0009", 1, 700), mini.pk: (mini.sharer_id, 1, 300), idle.pk: ("", 0, 0)}


def test_display_accounts_are_one_per_kind_and_linked(shop):
    shown = LinkedAccountFactory(shop=shop, is_display=True)
    LinkedAccountFactory(shop=shop)
    service = LinkedAccountFactory(shop=shop, kind="service", account_id="wx00000000000b0001", is_display=True)
    LinkedAccountFactory(shop=ShopFactory(), is_display=True)

    assert display_accounts_for_shop(shop=shop) == {"channels": shown, "mp": None, "service": service}


def test_the_invite_form_comes_filled_in_from_seen_in_orders(owner_client, shop):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sale(shop, lines=[{"account_type": 6, "account_id": "wx00000000000b0002", "account_nickname": "服务号A"}])
    page = owner_client.get(reverse("console:linked_accounts", kwargs={"shop": shop.public_id}))
    invite_url = page.context["seen"][0]["add_url"]
    assert invite_url == (
        reverse("console:linked_account_invite", kwargs={"shop": shop.public_id})
        + "?kind=service&account_id=wx00000000000b0002"
    )
    assert page.context["seen"][0]["orders_url"] == (
        reverse("console:orders", kwargs={"shop": shop.public_id}) + "?account=wx00000000000b0002"
    )

    form = owner_client.get(invite_url).context["form"]
    assert (form["kind"].value(), form["account_id"].value()) == ("service", "wx00000000000b0002")


def test_with_the_real_platform_seen_in_orders_leads_to_the_record_form(owner_client, shop, settings):
    settings.WECHAT_SANDBOX_ONLY_APIS = False
    sale(shop, lines=[{"account_type": 6, "account_id": "wx00000000000b0002", "account_nickname": "服务号A"}])
    page = owner_client.get(reverse("console:linked_accounts", kwargs={"shop": shop.public_id}))
    record = reverse("console:linked_account_record", kwargs={"shop": shop.public_id})
    record_url = page.context["seen"][0]["add_url"]
    assert record_url == record + "?kind=service&account_id=wx00000000000b0002&nickname=%E6%9C%8D%E5%8A%A1%E5%8F%B7A"
    assert page.context["add_url"] == record
    html = page.content.decode()
    assert ('id="record-account"' in html, 'id="invite-account"' in html, "seen-invite" in html) == (True, False, False)

    form = owner_client.get(record_url).context["form"]
    assert [form[name].value() for name in ("kind", "account_id", "nickname")] == [
        "service",
        "wx00000000000b0002",
        "服务号A",
    ]
    # The invitation form is not offered: its address leads to the record form, with what it was given.
    invite = owner_client.get(
        reverse("console:linked_account_invite", kwargs={"shop": shop.public_id}) + "?kind=mp&account_id=wx1"
    )
    assert (invite.status_code, invite["Location"]) == (302, record + "?kind=mp&account_id=wx1")


# --- recorded accounts, verified by orders ----------------------------------------------------------------------


def test_a_recorded_account_is_verified_by_paid_orders_naming_it_as_linked_since_it_was_recorded(shop):
    recorded = LinkedAccountFactory(shop=shop, origin="recorded", recorded_at=T1, account_id="sphRecorded001")
    idle = LinkedAccountFactory(
        shop=shop, origin="recorded", recorded_at=T1, kind="mp", account_id="wx0000000000000d01"
    )
    LinkedAccountFactory(shop=shop, account_id="sphFound000001")  # found on the platform: nothing to verify
    linked = {"account_type": 1, "account_id": recorded.account_id, "sale_channel": 0}
    after, later = T1 + timedelta(minutes=5), T2
    sale(shop, at=after, lines=[{**linked, "sale_price_fen": 100}, {**linked, "sale_price_fen": 200}])  # one order
    sale(shop, at=later, lines=[linked])
    # Not evidence of the link: before it was recorded, unpaid, sold as a creator (达人带货), another account type
    # with the same id, another shop's order.
    sale(shop, at=T1 - timedelta(seconds=1), lines=[linked])
    sale(shop, at=later, paid=False, lines=[linked])
    sale(shop, at=later, lines=[{**linked, "sale_channel": 100}])
    sale(shop, at=later, lines=[{**linked, "account_type": 2}])
    sale(ShopFactory(), at=later, lines=[linked])

    assert recorded_verifications(shop=shop) == {recorded.pk: Verification(2, after), idle.pk: Verification(0, None)}
    assert recorded_verifications(shop=shop, pk=idle.pk) == {idle.pk: Verification(0, None)}
    assert (Verification(2, after).verified, Verification(0, None).verified) == (True, False)


# --- the pages run a fixed number of queries ---------------------------------------------------------------------


def test_the_accounts_pages_queries_do_not_grow_with_rows(owner_client, shop, owner):
    def add_accounts(n):
        for _ in range(n):
            account = LinkedAccountFactory(shop=shop, invited_by=owner.user)
            sale(shop, lines=[{"account_type": 1, "account_id": account.account_id, "sale_channel": 0}])
            sale(shop, lines=[{"account_type": 1, "account_id": f"x{account.account_id}", "sale_channel": 100}])
            recorded = LinkedAccountFactory(shop=shop, origin="recorded", recorded_at=T1, recorded_by=owner.user)
            sale(shop, at=T2, lines=[{"account_type": 1, "account_id": recorded.account_id, "sale_channel": 0}])

    url = reverse("console:linked_accounts", kwargs={"shop": shop.public_id})
    small, large = assert_constant_queries(owner_client, url, add_accounts, small=1, large=20)
    assert (small.context["total"], len(large.context["seen"])) == (2, 20)
    verified = [row["verification"] for group in large.context["groups"] for row in group["rows"]]
    assert verified.count(Verification(1, T2)) == 20

    account = LinkedAccountFactory(shop=shop)

    def add_events(n):
        for _ in range(n):
            account.events.create(shop=shop, action="display_on", actor=owner.user, occurred_at=T1)

    detail = reverse("console:linked_account_detail", kwargs={"shop": shop.public_id, "pk": account.pk})
    assert_constant_queries(owner_client, detail, add_events, small=1, large=20)

    def add_cooperation(n):
        CooperationAccountFactory.create_batch(n, shop=shop)

    cooperation = reverse("console:cooperation_accounts", kwargs={"shop": shop.public_id})
    small, large = assert_constant_queries(owner_client, cooperation, add_cooperation, small=1, large=20)
    assert len(large.context["rows"]) == 20
