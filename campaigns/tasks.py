"""Background tasks of the campaigns (django-q2). Schedules (setup_schedules):

- ``campaigns.tasks.preview_reminders_due`` every minute: the start-time reminder of each live preview, sent
  exactly once (campaigns.services.previews.reminders_send_due claims a unique row in the same transaction as the
  notification; a run repeated, retried or restarted after a kill -9 sends nothing twice).
- ``campaigns.tasks.previews_sync_all_shops`` every 15 minutes: each connected shop's notices, lives and dashboards.
- ``campaigns.tasks.coupons_sync_all`` every 30 minutes: each connected shop's coupons and its buyers' coupons.
- ``campaigns.tasks.favorites_snapshots_take`` daily at 23:50: each connected shop's favourites counts.

Queued by a page: ``campaigns.tasks.funnel_figures_compute`` (the favourites funnel's buyer figures of a period).
"""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from campaigns.coupons_sync import coupons_sync
from campaigns.models import FunnelFigures, LivePreview
from campaigns.services import analytics, previews
from shopops.models import Shop
from shopops.wechat.errors import WeChatError

logger = logging.getLogger(__name__)
BUSY_RETRY, BUSY_ATTEMPTS = timedelta(minutes=2), 6


def preview_reminders_due() -> int:
    return previews.reminders_send_due()


def previews_sync_all_shops() -> int:
    shop_ids = list(Shop.objects.connected().filter(status=Shop.Status.ACTIVE).values_list("pk", flat=True))
    for shop_id in shop_ids:
        transaction.on_commit(lambda s=shop_id: async_task("campaigns.tasks.previews_sync_shop", s, group="previews"))
    return len(shop_ids)


def previews_sync_shop(shop_id: int) -> str:
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None or not shop.is_connected:
        return "skipped"
    try:
        report = previews.previews_sync(shop=shop)
    except (WeChatError, ValidationError) as error:
        logger.warning("previews sync of %s failed: %s", shop.appid, error)
        return f"failed: {error}"
    return f"created {report.created}, merged {report.merged}, updated {report.updated}"


def previews_demo_first_steps(shop_id: int) -> str:
    """DEMO HOOK (for demo.tasks.demo_first_steps, wired by the lead): read the notices, then plan a preview for
    tomorrow 20:00 with the merchant's own link as promoter, unless one is planned already. Idempotent."""
    outcome = previews_sync_shop(shop_id)
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return outcome
    if not LivePreview.objects.for_shop(shop).filter(planned=True).exists():
        tomorrow = timezone.localtime() + timedelta(days=1)
        start = tomorrow.replace(hour=20, minute=0, second=0, microsecond=0)
        preview = previews.preview_plan(shop=shop, topic="新品首发专场（计划）", start_time=start)
        previews.promoter_add_own(preview=preview, name="会员社群", link="https://channels.weixin.qq.com/")
        outcome += "; planned one"
    return outcome


def coupons_sync_all() -> int:
    """Every active, connected shop's coupons and user coupons (the shop's sync lease keeps it to one run)."""
    shop_ids = list(Shop.objects.connected().filter(status=Shop.Status.ACTIVE).values_list("pk", flat=True))
    for shop_id in shop_ids:
        async_task("campaigns.tasks.coupons_sync_shop", shop_id, group="sync")
    return len(shop_ids)


def coupons_sync_shop(shop_id: int, attempt: int = 0) -> str:
    """One run of the shop's coupon streams. It re-queues itself when its time ran out; when the shop's other sync
    holds the lease (a backfill), it tries again in BUSY_RETRY, up to BUSY_ATTEMPTS times, rather than waiting for
    the next schedule."""
    shop = Shop.objects.get(pk=shop_id)
    report = coupons_sync(shop=shop, seconds=240)
    if report.stopped == "time":
        async_task("campaigns.tasks.coupons_sync_shop", shop_id, group="sync")
    elif report.stopped == "busy" and attempt + 1 < BUSY_ATTEMPTS:
        schedule(
            "campaigns.tasks.coupons_sync_shop",
            shop_id,
            attempt + 1,
            schedule_type=Schedule.ONCE,
            next_run=timezone.now() + BUSY_RETRY,
        )
    return report.stopped or "done"


def favorites_snapshots_take() -> int:
    """Today's favourites snapshot of every connected shop (a shop with an AppID and a secret); a shop whose call
    fails is logged and skipped, the others still get theirs. Returns how many were taken. Scheduled daily."""
    taken = 0
    for shop in Shop.objects.connected().order_by("pk"):
        try:
            analytics.favorites_snapshot_take(shop=shop)
        except ValidationError as error:
            logger.warning("favourites snapshot of shop %s failed: %s", shop.pk, error.messages)
            continue
        taken += 1
    return taken


def funnel_figures_compute(figures_id: int) -> str:
    figures = FunnelFigures.objects.select_related("shop").filter(pk=figures_id).first()
    if figures is None:
        return "gone"
    figures = analytics.funnel_figures_compute(figures=figures)
    return f"{figures.buyers} buyers, {figures.gmv_fen} fen"
