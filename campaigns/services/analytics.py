"""Writes of the analytics feature: the daily favourites snapshot and the favourite-shop coupon mark."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import FavoritesSnapshot, FavouriteCoupon
from shopops.models import Shop
from shopops.platform import ApiCallLog, shop_client
from shopops.wechat.errors import WeChatError
from shopops.wechat.favorites import FavoritesClient

COUPON_ID_MAX = 64


@contextmanager
def _session(shop: Shop) -> Iterator[FavoritesClient]:
    log = ApiCallLog(shop=shop, appid=shop.appid)
    try:
        yield shop_client(shop, log=log, client_class=FavoritesClient)
    finally:
        log.flush()


def favorites_snapshot_take(*, shop: Shop) -> FavoritesSnapshot:
    """Read the platform's accumulated favourites and keep them as today's snapshot (Beijing day), replacing an
    earlier reading of the same day, so running it twice a day leaves one row.

    A failed call raises ``ValidationError`` (code ``platform_error``) with the platform's errcode and errmsg, and
    nothing is written. A shop without its platform credentials is refused (code ``not_connected``) before any call.
    """
    if not shop.is_connected:
        raise ValidationError(_("Connect the shop to WeChat Shop first (AppID and AppSecret)."), code="not_connected")
    try:
        with _session(shop) as client:
            counts = client.favorites_count()
    except WeChatError as error:
        raise ValidationError(
            _("WeChat Shop refused to give the favourites: %(errcode)s %(errmsg)s"),
            code="platform_error",
            params={"errcode": error.errcode, "errmsg": error.errmsg},
        ) from error
    now = timezone.now()
    with transaction.atomic():
        snapshot, _created = FavoritesSnapshot.objects.update_or_create(
            shop=shop,
            day=timezone.localdate(now),
            defaults={
                "taken_at": now,
                "total": counts.total,
                "shop_homepage": counts.shop_homepage,
                "order_detail": counts.order_detail,
                "product_detail": counts.product_detail,
                "other_scene": counts.other_scene,
            },
        )
    return snapshot


def favourite_coupon_set(*, shop: Shop, coupon_id: str, user) -> FavouriteCoupon | None:
    """Mark the platform coupon ``coupon_id`` as the shop's favourite-shop coupon (收藏券), replacing any earlier
    mark; an empty id removes the mark (returns None). Refused (code ``coupon_id``) when the id is not a platform
    id: digits and letters, at most 64."""
    coupon_id = (coupon_id or "").strip()
    if not coupon_id:
        FavouriteCoupon.objects.filter(shop=shop).delete()
        return None
    if len(coupon_id) > COUPON_ID_MAX or not coupon_id.isalnum() or not coupon_id.isascii():
        raise ValidationError(
            {
                "coupon_id": ValidationError(
                    _("A coupon id is the platform's id: letters and digits, at most 64."), code="coupon_id"
                )
            }
        )
    with transaction.atomic():
        mark, _created = FavouriteCoupon.objects.update_or_create(
            shop=shop, defaults={"coupon_id": coupon_id, "marked_by": user}
        )
    return mark
