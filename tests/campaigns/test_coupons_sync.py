"""Coupons against the emulator over HTTP: the sync copies coupons, stock figures and the user coupons orders name
(idempotently), push events go through the same upserts without disturbing the order events, the performance
figures equal a from-scratch count over the platform's orders, and the writes (create, status) land on both
sides — or, refused by the platform, change nothing and show its errcode verbatim."""

import hashlib
from collections import defaultdict
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from campaigns.coupons_sync import coupons_sync
from campaigns.models import Coupon, CouponUse, UserCoupon
from campaigns.selectors.coupons import coupon_performance, coupons_by_id
from campaigns.services import coupons as services
from sandbox import selectors as platform
from sandbox.models import Coupon as PlatformCoupon
from sandbox.models import PushEvent
from sandbox.models import UserCoupon as PlatformUserCoupon
from sandbox.services import shop_advance
from shopops.models import ApiCall, InboundEvent, Order
from shopops.sync import engine
from tests.campaigns.test_coupons_rules import base
from tests.factories import ShopFactory

APPID, SECRET = "wxcouponsync000001", "s" * 32


@pytest.fixture
def seeded(live_sandbox):
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=5, orders=250, seed=11, verbosity=0)
    report = engine.shop_sync(shop=shop, streams=("orders",))
    assert report.stopped == ""
    # The 250 orders asked for and the 福袋 winners' 0-yuan orders the seed adds to the busiest lives.
    assert Order.objects.filter(shop=shop).count() == len(platform.order_payloads(APPID)) > 250
    return shop


def platform_state(appid=APPID):
    coupons = {
        c.coupon_id: (c.status, c.receive_num, c.used_num, c.total_num - c.receive_num)
        for c in PlatformCoupon.objects.filter(shop__appid=appid)
    }
    users = {
        u.user_coupon_id: (u.coupon.coupon_id, u.status, u.order_id, u.discount_fee)
        for u in PlatformUserCoupon.objects.filter(shop__appid=appid).select_related("coupon")
    }
    return coupons, users


def local_state(shop):
    coupons = {
        c.coupon_id: (c.status, c.receive_num, c.used_num, c.issued_num) for c in Coupon.objects.filter(shop=shop)
    }
    users = {
        u.user_coupon_id: (u.coupon_id, u.status, u.order_id, u.discount_fee_fen)
        for u in UserCoupon.objects.filter(shop=shop)
    }
    return coupons, users


def expected_performance(appid=APPID) -> dict[str, tuple[int, int, int]]:
    """(paid orders, GMV, cost) per coupon, counted from the platform's order payloads."""
    figures = defaultdict(lambda: [set(), 0, 0])
    for order in platform.order_payloads(appid):
        if not order["order_detail"]["pay_info"].get("pay_time"):
            continue
        for line in order["order_detail"]["product_infos"]:
            for c in line.get("order_product_coupon_info_list") or []:
                if c["coupon_type"] != 1:
                    continue
                row = figures[c["coupon_id"]]
                if order["order_id"] not in row[0]:
                    row[0].add(order["order_id"])
                    row[1] += order["order_detail"]["price_info"]["order_price"]
                row[2] += c["discounted_price"]
    return {cid: (len(ids), gmv, cost) for cid, (ids, gmv, cost) in figures.items()}


def test_sync_copies_coupons_stock_and_user_coupons_and_is_idempotent(seeded):
    shop = seeded
    report = coupons_sync(shop=shop)
    assert report.stopped == ""
    remote_coupons, remote_users = platform_state()
    coupons, users = local_state(shop)
    assert len(coupons) == 8
    assert coupons == remote_coupons
    # Every user coupon the orders used is copied with the platform's status, order and discount.
    used = {uid: v for uid, v in remote_users.items() if v[2]}
    assert used and {uid: users[uid] for uid in used} == used
    types = set(Coupon.objects.filter(shop=shop).values_list("type", flat=True))
    assert types == {1, 2, 3, 4, 101, 102, 103, 104}
    # Same figures, same rows: a second run changes nothing.
    uses = sorted(
        CouponUse.objects.filter(shop=shop).values_list("order__order_id", "user_coupon_id", "discounted_price_fen")
    )
    assert coupons_sync(shop=shop).stopped == ""
    assert local_state(shop) == (coupons, users)
    assert (
        sorted(
            CouponUse.objects.filter(shop=shop).values_list("order__order_id", "user_coupon_id", "discounted_price_fen")
        )
        == uses
    )


def test_performance_equals_a_count_over_the_platforms_orders(seeded):
    shop = seeded
    coupons_sync(shop=shop)
    stored = list(Coupon.objects.filter(shop=shop))
    figures = coupon_performance(shop=shop, coupons=stored)
    expected = expected_performance()
    assert expected  # the seeded orders do use coupons
    for coupon in stored:
        got = figures[coupon.coupon_id]
        assert (got.orders, got.gmv_fen, got.cost_fen) == expected.get(coupon.coupon_id, (0, 0, 0))
        assert (got.received, got.used) == (coupon.receive_num, coupon.used_num)
        if got.cost_fen:
            assert got.roi_ppm == round(got.gmv_fen * 1_000_000 / got.cost_fen)


def test_coupons_by_id_for_previews(seeded):
    shop = seeded
    coupons_sync(shop=shop)
    ids = list(PlatformCoupon.objects.filter(shop__appid=APPID).values_list("coupon_id", flat=True))[:3]
    found = coupons_by_id(shop, [*ids, "404"])
    assert set(found) == set(ids) and all(found[i].coupon_id == i for i in ids)
    assert coupons_by_id(ShopFactory(), ids) == {}


def inbound(shop, event: PushEvent) -> InboundEvent:
    key = hashlib.sha256(f"{event.pk}".encode()).hexdigest()
    return InboundEvent.objects.create(shop=shop, key=key, event=event.event, payload=event.payload)


def test_push_events_go_through_the_same_upserts(seeded):
    shop = seeded
    coupons_sync(shop=shop)
    before = PushEvent.objects.count()
    shop_advance(appid=APPID, hours=24, deliver=False)
    events = list(PushEvent.objects.filter(account__appid=APPID).order_by("pk"))[before:]
    coupon_events = [e for e in events if "coupon" in e.event]
    assert {e.event for e in coupon_events} >= {"channels_ec_coupon_receive", "channels_ec_user_coupon_use"}
    order_events = [e for e in events if e.event.startswith("channels_ec_order_")][:20]
    rows = [inbound(shop, e) for e in coupon_events + order_events]
    last_call = ApiCall.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    report = engine.shop_sync(shop=shop, streams=())
    assert report.stopped == "" and report.events == len(rows)
    outcomes = dict(InboundEvent.objects.filter(pk__in=[r.pk for r in rows]).values_list("event", "outcome"))
    assert outcomes["channels_ec_coupon_receive"] == outcomes["channels_ec_user_coupon_use"] == "user coupon recorded"
    assert outcomes[order_events[0].event] == "refreshed"
    # Buyers' coupon events cost no call: only the orders were fetched.
    made = set(ApiCall.objects.filter(pk__gt=last_call).values_list("endpoint", flat=True))
    assert made == {"/channels/ec/order/get"}

    def body(e):
        return e.payload.get("receive_info") or e.payload.get("user_info")

    named = {body(e)["user_coupon_id"] for e in coupon_events}
    remote_coupons, remote_users = platform_state()
    coupons, users = local_state(shop)
    # Recorded from the events: which coupon, used or not, by which order.
    assert {uid: users[uid][:3] for uid in named} == {uid: remote_users[uid][:3] for uid in named}
    assert UserCoupon.objects.filter(shop=shop, user_coupon_id__in=named, synced_at=None).count() == len(named)
    # The next coupon sync confirms them (discounts) and moves the stock figures.
    assert coupons_sync(shop=shop).stopped == ""
    remote_coupons, remote_users = platform_state()
    coupons, users = local_state(shop)
    assert {uid: users[uid] for uid in named} == {uid: remote_users[uid] for uid in named}
    assert coupons == remote_coupons
    # Processing again does nothing more.
    assert engine.shop_sync(shop=shop, streams=()).events == 0


def test_create_and_status_change_land_on_both_sides(seeded):
    shop = seeded
    coupon = services.coupon_create(shop=shop, spec=base(name="新人立减"))
    remote = PlatformCoupon.objects.get(shop__appid=APPID, coupon_id=coupon.coupon_id)
    assert (coupon.name, coupon.status, coupon.discount_fee_fen, coupon.total_num) == ("新人立减", 1, 500, 100)
    assert remote.coupon_info["name"] == "新人立减" and remote.status == 1
    assert PushEvent.objects.filter(account__appid=APPID, event="channels_ec_coupon_create").exists()
    coupon = services.coupon_status_change(coupon=coupon, status=Coupon.Status.EFFECTIVE)
    assert coupon.status == 2
    remote.refresh_from_db()
    assert remote.status == 2
    coupon = services.coupon_update(coupon=coupon, spec=base(name="新人立减", total_num=300))
    assert coupon.total_num == 300 and coupon.issued_num == 300


def test_a_platform_refusal_is_shown_verbatim_and_changes_nothing(seeded):
    shop = seeded
    coupon = services.coupon_create(shop=shop, spec=base(name="过期检查"))
    PlatformCoupon.objects.filter(coupon_id=coupon.coupon_id).update(status=4)  # invalidated on the platform
    before = local_state(shop)
    with pytest.raises(ValidationError) as caught:
        services.coupon_status_change(coupon=coupon, status=Coupon.Status.EFFECTIVE)
    assert caught.value.code == "platform_refused"
    message = caught.value.messages[0]
    assert "10021001" in message and "优惠券状态不对" in message
    assert local_state(shop) == before


def test_receive_end_is_checked_against_now(seeded):
    shop = seeded
    spec = base(receive_start=timezone.now() - timedelta(days=2), receive_end=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError):
        services.coupon_create(shop=shop, spec=spec)
    assert not Coupon.objects.filter(shop=shop, name=spec.name).exists()


def test_a_lasting_coupon_refusal_does_not_hold_order_events_back(seeded):
    from django.db import transaction

    from sandbox.faults import faults_configure
    from sandbox.models import Account, TargetedFault

    shop = seeded
    created = services.coupon_create(shop=shop, spec=base(name="事件券"))
    before = PushEvent.objects.count()
    shop_advance(appid=APPID, hours=12, deliver=False)
    events = list(PushEvent.objects.filter(account__appid=APPID).order_by("pk"))
    create = next(e for e in events if e.event == "channels_ec_coupon_create")
    order = next(e for e in events[before:] if e.event == "channels_ec_order_new")
    rows = [inbound(shop, create), inbound(shop, order)]
    with transaction.atomic():
        faults_configure(
            account=Account.objects.get(appid=APPID),
            targeted=[TargetedFault(path="/channels/ec/coupon/get", errcode=48001, times=5)],
        )
    report = engine.shop_sync(shop=shop, streams=())
    assert report.stopped == "" and report.events == 2
    outcomes = dict(InboundEvent.objects.filter(pk__in=[r.pk for r in rows]).values_list("event", "outcome"))
    assert outcomes == {
        "channels_ec_coupon_create": "not refreshed: errcode 48001",
        "channels_ec_order_new": "refreshed",
    }
    assert InboundEvent.objects.filter(pk__in=[r.pk for r in rows], processed_at=None).count() == 0
    assert Coupon.objects.get(pk=created.pk).status == created.status


def test_a_killed_coupon_scan_resumes_at_its_page(seeded):
    from shopops.platform import shop_client

    shop = seeded
    account_id = PlatformCoupon.objects.filter(shop__appid=APPID).values_list("shop_id", flat=True).first()
    for n, status in enumerate([2] * 150 + [1] * 5 + [5] * 3 + [4] * 2):
        PlatformCoupon.objects.create(
            shop_id=account_id, coupon_id=f"{700000 + n}", type=104, status=status, create_time=0, update_time=0
        )
    total = PlatformCoupon.objects.filter(shop__appid=APPID).count()
    assert total == 168
    client = shop_client(shop)
    real = client.coupon_list
    calls = []

    def crash_on_third_page(**kwargs):  # 未生效 (5), then 生效 page 1 (100), then 生效 page 2
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("killed")
        return real(**kwargs)

    client.coupon_list = crash_on_third_page
    with pytest.raises(RuntimeError):
        coupons_sync(shop=shop, client=client)
    assert Coupon.objects.filter(shop=shop).count() == 105  # the pages done, kept with their cursor
    assert calls[2] == {"status": 2, "page": 2, "page_size": 100, "page_ctx": calls[2]["page_ctx"]}
    fetched_before = ApiCall.objects.filter(endpoint="/channels/ec/coupon/get").count()
    assert coupons_sync(shop=shop).stopped == ""
    assert Coupon.objects.filter(shop=shop).count() == total
    assert ApiCall.objects.filter(endpoint="/channels/ec/coupon/get").count() - fetched_before == total - 105
    statuses = dict(PlatformCoupon.objects.filter(shop__appid=APPID).values_list("coupon_id", "status"))
    assert dict(Coupon.objects.filter(shop=shop).values_list("coupon_id", "status")) == statuses


@pytest.mark.django_db
def test_a_coupon_sync_that_finds_the_shop_busy_tries_again_later_a_bounded_number_of_times():
    from django_q.models import Schedule

    from campaigns.tasks import BUSY_ATTEMPTS, coupons_sync_shop

    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    holder = engine.lease_owner_new()  # this process: alive, so its lease is not taken over
    assert engine.subject_lease_acquire(subject=engine.shop_subject(shop), owner=holder) is True

    assert coupons_sync_shop(shop.pk) == "busy"
    retry = Schedule.objects.get(func="campaigns.tasks.coupons_sync_shop")
    assert (retry.args, retry.schedule_type) == (f"({shop.pk}, 1)", Schedule.ONCE)
    assert coupons_sync_shop(shop.pk, BUSY_ATTEMPTS - 1) == "busy"
    assert Schedule.objects.filter(func="campaigns.tasks.coupons_sync_shop").count() == 1
    assert ApiCall.objects.count() == 0 and Coupon.objects.count() == 0
