"""Live previews against the sandbox over HTTP: notices read and merged with planned previews, results exact from
the synced orders (and equal to the live dashboard), the 预约有礼 funnel, and agency 推客 promoters."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from affiliates.models import Agency, Cooperation, Sharer
from campaigns.coupons_sync import coupons_sync
from campaigns.models import LivePreview, PreviewPromoter
from campaigns.selectors import previews as selectors
from campaigns.services import previews as services
from sandbox import gen_live
from sandbox.models import Account
from sandbox.models import Coupon as PlatformCoupon
from sandbox.models import Order as PlatformOrder
from sandbox.services import shop_advance, shop_seed
from tests.factories import LinkedAccountFactory, ShopFactory

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxpreview00000000001", "previewsecret000000000000000001"
PAID = (20, 21, 30, 100, 200)
DAY = 86400


@pytest.fixture
def world(live_sandbox):
    """A sandbox shop with 3 days of orders (clock = now), the ShopOps shop synced, its 视频号 linked."""
    seeded = shop_seed(appid=APPID, secret=SECRET, seed=5, days=3, orders=400, agencies=2)
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    call_command("sync_shop", shop=APPID, verbosity=0)
    channels = Account.objects.get(appid=APPID).catalog["linked"]["channels"]
    for row in channels:
        LinkedAccountFactory(shop=shop, account_id=row["account_id"], nickname=row["nickname"])
    return shop, seeded, channels


def _at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def test_notices_are_read_and_a_planned_preview_merges_with_its_notice(world):
    shop, _seeded, channels = world
    clock = Account.objects.get(appid=APPID).clock
    in_two_days = gen_live.day_start(clock) + 2 * DAY
    planned = services.preview_plan(shop=shop, topic="我们的新品夜", start_time=_at(in_two_days))
    services.preview_update(
        preview=planned, bound_coupon_ids=["123", "456"], gift_coupon_id="789", gift_placements=["mini_program"]
    )
    elsewhere = services.preview_plan(shop=shop, topic="还没建预告", start_time=_at(in_two_days + 3600))

    report = services.previews_sync(shop=shop)

    expected = gen_live.notices(Account.objects.get(appid=APPID).catalog, clock)
    assert (report.created, report.merged, report.updated) == (len(expected) - 1, 1, 0)
    assert LivePreview.objects.for_shop(shop).count() == len(expected) + 1
    planned.refresh_from_db()
    notice = next(n for n in expected if n["start_time"] == in_two_days and n["nickname"] == planned.nickname)
    merged = (planned.notice_id, planned.topic, planned.platform_status)
    assert merged == (notice["notice_id"], notice["description"], 0)
    assert (planned.bound_coupon_ids, planned.gift_coupon_id, planned.planned) == (["123", "456"], "789", True)
    assert planned.finder_id == next(c["account_id"] for c in channels if c["nickname"] == planned.nickname)
    elsewhere.refresh_from_db()
    assert elsewhere.notice_id == ""

    # Read again: nothing new, nothing merged; every notice updated in place.
    again = services.previews_sync(shop=shop)
    assert (again.created, again.merged, again.updated) == (0, 0, len(expected))
    assert LivePreview.objects.for_shop(shop).count() == len(expected) + 1


def test_results_after_the_live_are_exact_from_the_orders_and_match_the_dashboard(world):
    shop, _seeded, _channels = world
    services.previews_sync(shop=shop)
    clock = Account.objects.get(appid=APPID).clock
    yesterday = _at(gen_live.day_start(clock) - DAY)
    previews = list(LivePreview.objects.for_shop(shop).filter(start_time=yesterday).exclude(live_export_id=""))
    assert len(previews) == 2
    checked = 0
    for preview in previews:
        remote = PlatformOrder.objects.filter(
            shop__appid=APPID, status__in=PAID, payload__order_detail__ext_info__live_id=preview.live_export_id
        )
        results = selectors.preview_results(preview)
        gmv = sum(o.payload["order_detail"]["price_info"]["order_price"] for o in remote)
        buyers = len({o.openid for o in remote})
        assert (results.orders, results.buyers, results.gmv_fen) == (remote.count(), buyers, gmv)
        assert (preview.dashboard["total_pay_pv"], preview.dashboard["total_gmv_fen"]) == (remote.count(), gmv)
        uses: dict[str, set] = {}
        discount = 0
        for order in remote:
            for line in order.payload["order_detail"]["product_infos"]:
                for coupon in line.get("order_product_coupon_info_list") or []:
                    uses.setdefault(coupon["coupon_id"], set()).add(coupon["user_coupon_id"])
                    discount += coupon["discounted_price"]
        assert {c.coupon_id: c.uses for c in results.coupons} == {k: len(v) for k, v in uses.items()}
        assert results.coupon_discount_fen == discount
        checked += results.orders

        if results.coupons:
            gift = results.coupons[0]
            services.preview_update(
                preview=preview, gift_coupon_id=gift.coupon_id, gift_placements=["reminder"], reservations_entered=5000
            )
            # "Received" is the platform's figure for the gift coupon, from our synced copy of it.
            coupons_sync(shop=shop)
            received = PlatformCoupon.objects.get(shop__appid=APPID, coupon_id=gift.coupon_id).receive_num
            funnel = selectors.gift_funnel(preview, results, selectors.promoter_rows(preview, results))
            assert [(s.key, s.count) for s in funnel] == [
                ("reservations", 5000),
                ("received", received),
                ("used", gift.uses),
                ("orders", gift.orders),
            ]
            assert funnel[1].conversion_ppm == (received * 1_000_000 * 2 + 5000) // (2 * 5000)
            assert funnel[2].conversion_ppm == (gift.uses * 1_000_000 * 2 + received) // (2 * received)
            assert funnel[3].conversion_ppm == (gift.orders * 1_000_000 * 2 + gift.uses) // (2 * gift.uses)
    assert checked > 0


def test_agency_sharers_promote_with_their_links_and_reservation_counts(world):
    shop, seeded, _channels = world
    spec = seeded.agencies[0]
    agency = Agency.objects.create(name="带货机构一", appid=spec.appid, app_secret=spec.secret)
    Cooperation.objects.create(shop=shop, agency=agency, shop_appid=APPID, agency_appid=spec.appid, status=2)
    platform_agency = Account.objects.get(appid=spec.appid)
    sharer_appid = platform_agency.catalog["promoters"]["sharer"][0]["info"]["sharer_appid"]
    Sharer.objects.create(agency=agency, sharer_appid=sharer_appid, nickname="小推", synced_at=timezone.now())
    services.previews_sync(shop=shop)
    clock = Account.objects.get(appid=APPID).clock
    preview = LivePreview.objects.for_shop(shop).filter(start_time__gt=_at(clock)).exclude(finder_id="").first()

    promoter = services.promoter_add_sharer(preview=preview, agency_appid=spec.appid, sharer_appid=sharer_appid)
    count = gen_live.reservations(preview.notice_id, int(preview.start_time.timestamp()), clock, sharer_appid)
    assert (promoter.kind, promoter.name, promoter.reservations_platform) == ("sharer", "小推", count)
    assert promoter.link.startswith("promoter_share:") and promoter.qrcode_url.endswith(".png")
    own = services.promoter_add_own(preview=preview, name="社群一群", link="https://example.com/reserve")
    services.promoter_record(promoter=own, reservations_entered=120, orders_entered=None)
    rows = selectors.promoter_rows(preview, None)
    assert [(r.promoter.pk, r.reservations, r.reservations_source) for r in rows] == [
        (own.pk, 120, "entered"),
        (promoter.pk, count, "platform"),
    ]

    # The shop clock moves on: the agency's count grows, and a refresh reads it.
    shop_advance(appid=APPID, hours=6, deliver=False)
    assert services.promoters_refresh(preview=preview) == 1
    promoter.refresh_from_db()
    start = int(preview.start_time.timestamp())
    later = gen_live.reservations(preview.notice_id, start, clock + 6 * 3600, sharer_appid)
    assert promoter.reservations_platform == later > count

    # Refused before the call (no such 推客, twice the same) and by the platform (verbatim): nothing stored.
    with pytest.raises(ValidationError):
        services.promoter_add_sharer(preview=preview, agency_appid=spec.appid, sharer_appid="wxnobody")
    with pytest.raises(ValidationError):
        services.promoter_add_sharer(preview=preview, agency_appid=spec.appid, sharer_appid=sharer_appid)
    PreviewPromoter.objects.filter(pk=promoter.pk).delete()
    LivePreview.objects.filter(pk=preview.pk).update(finder_id="sphNotLinked")
    preview.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.promoter_add_sharer(preview=preview, agency_appid=spec.appid, sharer_appid=sharer_appid)
    assert "10024000" in " ".join(refused.value.messages)
    assert PreviewPromoter.objects.filter(preview=preview, kind="sharer").count() == 0


def test_a_planned_preview_must_start_in_the_future_and_have_a_topic():
    shop = ShopFactory()
    with pytest.raises(ValidationError) as refused:
        services.preview_plan(shop=shop, topic=" ", start_time=timezone.now() - timedelta(minutes=1))
    assert set(refused.value.message_dict) == {"topic"}
    with pytest.raises(ValidationError) as refused:
        services.preview_plan(shop=shop, topic="晚场", start_time=timezone.now() - timedelta(minutes=1))
    assert set(refused.value.message_dict) == {"start_time"}
    preview = services.preview_plan(shop=shop, topic="晚场", start_time=timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        services.preview_update(preview=preview, bound_coupon_ids=["12a"])
    assert set(refused.value.message_dict) == {"bound_coupon_ids"}
    with pytest.raises(ValidationError) as refused:
        services.preview_update(preview=preview, gift_coupon_id="42")
    assert set(refused.value.message_dict) == {"gift_placements"}
    preview.refresh_from_db()
    assert (preview.bound_coupon_ids, preview.gift_coupon_id) == ([], "")
    LivePreview.objects.filter(pk=preview.pk).update(notice_id="1")
    preview.refresh_from_db()
    with pytest.raises(ValidationError):
        services.preview_delete(preview=preview)
    assert LivePreview.objects.filter(pk=preview.pk).exists()
