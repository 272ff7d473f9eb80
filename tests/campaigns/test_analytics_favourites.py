"""Favourites (收藏小店) over real HTTP to the emulator: its counts by scene grow deterministically with the shop's
clock, the daily snapshot keeps one row per day (the task can run twice), a refused call is shown verbatim and
changes nothing, and the schedule's task skips shops without credentials."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import FavoritesSnapshot
from campaigns.services.analytics import favorites_snapshot_take
from campaigns.tasks import favorites_snapshots_take
from sandbox.api.favorites import favorites_counts
from sandbox.faults import faults_configure
from sandbox.models import Account, TargetedFault
from shopops.models import ApiCall
from tests.factories import MembershipFactory, ShopFactory
from tests.helpers import flash_messages

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxfav0shop0000001", "f" * 32
DAY = 86_400
OPENED = 1_764_547_200  # 2025-12-01 08:00 Beijing
SNAPSHOT_FIELDS = ("total", "shop_homepage", "product_detail", "order_detail", "other_scene")


@pytest.fixture
def platform(live_sandbox):
    return Account.objects.create(appid=APPID, secret=SECRET, name="收藏小店", open_timestamp=OPENED, clock=OPENED)


@pytest.fixture
def owner(db):
    return MembershipFactory(shop__appid=APPID, shop__app_secret=SECRET, shop__name="收藏小店")


def _counts(snapshot) -> tuple:
    return tuple(getattr(snapshot, name) for name in SNAPSHOT_FIELDS)


def test_counts_by_scene_grow_with_the_shop_clock(platform, owner):
    shop = owner.shop
    platform.clock = OPENED + 30 * DAY
    platform.save()
    first = favorites_snapshot_take(shop=shop)
    # This shop's scale is 0.755: 180, 120, 60 and 40 a day by scene, times 30 days.
    assert _counts(first) == (9060, 4077, 2718, 1359, 906)
    assert first.total == first.shop_homepage + first.product_detail + first.order_detail + first.other_scene
    # Read again the same day: the same row, replaced.
    platform.clock += DAY // 2
    platform.save()
    again = favorites_snapshot_take(shop=shop)
    assert FavoritesSnapshot.objects.filter(shop=shop).count() == 1
    assert again.pk == first.pk and _counts(again) == (9209, 4144, 2763, 1381, 921)
    assert favorites_counts(appid=APPID, opened=OPENED, now=OPENED) == dict.fromkeys(
        ["favor_uv_acc_all", "favor_uv_acc_shop_homepage", "favor_uv_acc_product_detail",
         "favor_uv_acc_order_detail", "favor_uv_acc_other_scene"], 0
    )  # fmt: skip
    assert ApiCall.objects.filter(shop=shop, endpoint="/channels/ec/favorites/count/get").count() == 2


def test_a_refused_call_is_shown_verbatim_and_changes_nothing(platform, owner, client):
    shop = owner.shop
    favorites_snapshot_take(shop=shop)
    before = list(FavoritesSnapshot.objects.values_list("day", "total", "taken_at"))
    faults_configure(
        account=platform, targeted=[TargetedFault(path="/channels/ec/favorites/count/get", first_call=1, errcode=48001)]
    )
    client.force_login(owner.user)
    url = reverse("console:campaign_analytics_favourites_snapshot", kwargs={"shop": shop.public_id})
    response = client.post(url, follow=True)
    assert response.status_code == 200
    (message,) = flash_messages(response)
    assert "48001" in message and "api unauthorized" in message
    assert list(FavoritesSnapshot.objects.values_list("day", "total", "taken_at")) == before


def test_the_daily_task_reads_every_connected_shop_and_can_run_twice(platform, owner):
    ShopFactory(appid="", app_secret="")  # not connected: skipped
    ShopFactory(appid="wxfav0shop0000009", app_secret="x" * 32)  # unknown to the platform: logged, skipped
    assert favorites_snapshots_take() == 1
    assert favorites_snapshots_take() == 1
    assert FavoritesSnapshot.objects.count() == 1
    assert FavoritesSnapshot.objects.get().shop == owner.shop


def test_a_shop_without_credentials_is_refused_before_any_call(db):
    shop = ShopFactory(appid="", app_secret="")
    with pytest.raises(ValidationError) as refusal:
        favorites_snapshot_take(shop=shop)
    assert refusal.value.code == "not_connected"
    assert not FavoritesSnapshot.objects.exists() and not ApiCall.objects.exists()
