"""Writes of the analytics feature: the daily favourites snapshot, the favourite-shop coupon mark and the funnel's
buyer figures of a period (asked for by the page, computed by the worker)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_q.tasks import async_task

from campaigns.models import FavoritesSnapshot, FavouriteCoupon, FunnelFigures
from campaigns.selectors.analytics import coupon_buyers_figures
from shopops.models import Shop
from shopops.platform import ApiCallLog, shop_client
from shopops.wechat.errors import WeChatError
from shopops.wechat.favorites import FavoritesClient

COUPON_ID_MAX = 64
FUNNEL_FRESH = timedelta(minutes=10)  # figures older than this are computed again when the page asks


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


def funnel_figures_request(*, shop: Shop, coupon_id: str, start: date, end: date, now: datetime | None = None):
    """The funnel's buyer figures of the period as last computed (``buyers`` None before the first time). When
    there are none, or they are older than ``FUNNEL_FRESH``, the worker is asked to compute them, at most once per
    ``FUNNEL_FRESH`` (a worker that is down is asked again after that)."""
    now = now or timezone.now()
    figures, _created = FunnelFigures.objects.get_or_create(shop=shop, coupon_id=coupon_id, start=start, end=end)
    stale = figures.computed_at is None or figures.computed_at < now - FUNNEL_FRESH
    if stale and (figures.requested_at is None or figures.requested_at < now - FUNNEL_FRESH):
        # Claimed with a conditional UPDATE, so two requests at once queue one computation.
        claimed = FunnelFigures.objects.filter(pk=figures.pk, requested_at=figures.requested_at).update(
            requested_at=now
        )
        if claimed:
            figures.requested_at = now
            transaction.on_commit(
                lambda pk=figures.pk: async_task("campaigns.tasks.funnel_figures_compute", pk, group="analytics")
            )
    return figures


def funnel_figures_compute(*, figures: FunnelFigures) -> FunnelFigures:
    """Compute the period's figures from the roll-ups now and keep them."""
    figures.buyers, figures.gmv_fen = coupon_buyers_figures(
        shop=figures.shop, coupon_id=figures.coupon_id, start=figures.start, end=figures.end
    )
    figures.computed_at = timezone.now()
    figures.save(update_fields=["buyers", "gmv_fen", "computed_at"])
    return figures
